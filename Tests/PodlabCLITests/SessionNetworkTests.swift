import CSpawn
import Foundation
import PodlabCore
import PodlabImages
import PodlabRuntime
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Learners on one lab server each publish the same port in a session network of their own (SessionNetwork):
/// no learner's `-p 8080:80` takes the host's port or reaches another learner's server.
@Suite(.serialized) struct SessionNetworkTests {
    let directory = TemporaryDirectory("podlab-session-network")

    static let image = "docker.io/library/nginx:1.24"

    func learner(_ name: String) -> Podman {
        var podman = Podman(root: directory.file(name))
        podman.extraEnvironment[SessionNetwork.environmentKey] = "1"
        return podman
    }

    func session(of podman: Podman) -> SessionNetwork { SessionNetwork(runtime: podman.root + "-run") }

    /// A GET inside the session, retried while the server starts (up to 10 s).
    static func fetch(in session: SessionNetwork, port: UInt16) -> (status: Int, body: String)? {
        HTTP.waitForOK {
            guard let fd = try? session.connect("127.0.0.1", port: port) else { return nil }
            defer { close(fd) }
            return HTTP.exchange(fd)
        }
    }

    /// Whether a connection to the port inside the session is refused, retried for a moment: `stop` returns once
    /// the exit is recorded, and the monitor closes the listening socket just after.
    static func refused(in session: SessionNetwork, port: UInt16) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        repeat {
            do {
                guard let fd = try session.connect("127.0.0.1", port: port) else { return false }
                close(fd)
            } catch let error as SystemError where error.errno == ECONNREFUSED {
                return true
            } catch {
                return false
            }
            usleep(50_000)
        } while Date() < deadline
        return false
    }

    @Test func twoLearnersPublishTheSamePortApart() throws {
        let host = try HostListener()
        let port = String(host.port)
        let first = learner("first"), second = learner("second"), plain = Podman(root: directory.file("plain"))
        defer {
            for podman in [first, second, plain] { _ = try? podman("rm", "-f", "-a") }
            for podman in [first, second] { _ = try? session(of: podman).stop() }
        }
        // Control: without the session network the port is the host's, and a program there already holds it.
        let taken = try plain("run", "-d", "--name", "web", "-p", "\(port):80", Self.image)
        #expect(taken.status == 125 && taken.stderr.contains("127.0.0.1:\(port): bind: address already in use"), "\(taken)")

        // The first learner serves a page of their own (nginx serves /var/www/html), so each answer shows whose
        // server gave it.
        let page = "learner one's own page"
        let site = directory.file("site")
        try FileSystem.createDirectory(site, mode: 0o755)
        try FileSystem.writeAtomically(Array((page + "\n").utf8), to: "\(site)/index.html")
        for (podman, volume) in [(first, ["-v", "\(site):/var/www/html:ro"]), (second, [])] {
            let run = try podman.run(["run", "-d", "--name", "web", "-p", "\(port):80"] + volume + [Self.image])
            #expect(run.status == 0, "\(run)")
            #expect(try podman("ps", "--format", "{{.Ports}}").stdout == "127.0.0.1:\(port)->80/tcp\n")
        }
        let one = Self.fetch(in: session(of: first), port: host.port)
        let two = Self.fetch(in: session(of: second), port: host.port)
        #expect(one?.body == page + "\n", "\(String(describing: one))")
        #expect(two?.body.contains("Welcome to nginx!") == true, "\(String(describing: two))")
        #expect(HTTP.get(port: host.port) == nil, "from the host, the port is the host program's, which speaks no HTTP")
        let firstState = try #require(try session(of: first).running()), secondState = try #require(try session(of: second).running())
        #expect(firstState.network != secondState.network && firstState.pid != secondState.pid)

        // One learner's server stopping leaves the other's: and then nothing listens in the first session.
        #expect(try first("stop", "-t", "1", "web").status == 0)
        #expect(Self.refused(in: session(of: first), port: host.port))
        #expect(Self.fetch(in: session(of: second), port: host.port)?.body.contains("Welcome to nginx!") == true)

        // A restart binds in a new session when the old holder has gone.
        let refusal = try TestProcess.run([BuildProducts.podlab, "session", "stop"], environment: second.environment)
        #expect(refusal.status == 125 && refusal.stderr.contains("containers publish ports in the session network: web"), "\(refusal)")
        #expect(try session(of: first).stop())
        #expect(try session(of: first).running() == nil)
        #expect(try first("start", "web").status == 0)
        #expect(Self.fetch(in: session(of: first), port: host.port)?.body == page + "\n")
        #expect(try #require(try session(of: first).running()).network != firstState.network)
    }

    @Test func anotherUserCannotEnterALearnersSession() throws {
        guard let user = try RootlessUser.prepare() else { return }
        let host = try HostListener()
        let session = ["\(SessionNetwork.environmentKey)=1"]
        defer {
            _ = try? user.podlab(["podman", "rm", "-f", "-a"])
            _ = try? user.podlab(["session", "stop"])
        }
        // As on the host, an ordinary user cannot publish a port below the host's unprivileged start (podlab's own
        // refusal, before the session is entered: inside it the user could).
        let start = Int(try String(contentsOfFile: "/proc/sys/net/ipv4/ip_unprivileged_port_start", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1024
        if start > 80 {
            let low = try user.podlab(["podman", "run", "-d", "--name", "low", "-p", "80:80", Self.image], extra: session)
            #expect(low.status == 125 && low.stderr.contains("127.0.0.1:80: bind: permission denied"), "\(low)")
        }
        let run = try user.podlab(["podman", "run", "-d", "--name", "web", "-p", "\(host.port):80", Self.image], extra: session)
        #expect(run.status == 0, "\(run)")
        let fetch = try user.podlab(["session", "exec", "--", "python3", "-c", Self.fetchScript(port: host.port)])
        #expect(fetch.status == 0 && fetch.stdout.contains("Welcome to nginx!"), "\(fetch)")

        let statePath = "\(user.data)/run/podlab/session/state.json"
        let state = try JSONCoding.decode(SessionNetwork.State.self, from: try FileSystem.readFile(statePath), what: statePath)
        let open = "open('/proc/\(state.pid)/ns/net').close(); print('entered')"
        guard geteuid() == 0 else { return }
        // Control: the learner can open the holder's namespace; another user cannot, nor read where it is.
        #expect(try TestProcess.run(user.prefix + ["python3", "-c", open]).stdout == "entered\n")
        let other = try TestProcess.run(["runuser", "-u", "nobody", "--", "python3", "-c", open])
        #expect(other.status != 0 && other.stderr.contains("PermissionError"), "\(other)")
        let peek = try TestProcess.run(["runuser", "-u", "nobody", "--", "cat", statePath])
        #expect(peek.status != 0, "\(peek)")
    }

    /// Python that GETs 127.0.0.1:PORT (retrying while nginx starts, up to 10 s) and prints the body.
    static func fetchScript(port: UInt16) -> String {
        """
        import time, urllib.request
        deadline = time.time() + 10
        while True:
            try:
                print(urllib.request.urlopen('http://127.0.0.1:\(port)/', timeout=5).read().decode()); break
            except Exception:
                if time.time() > deadline: raise
                time.sleep(0.05)
        """
    }
}

extension SessionNetworkTests {
    /// A state file naming a live process that is not the holder (another start time, another network) is
    /// never entered: the verification every socket goes through refuses it. Control: the true record works.
    @Test func aRecordThatIsNotTheHolderIsNeverEntered() throws {
        let podman = learner("recorded")
        let network = session(of: podman)
        defer { _ = try? network.stop() }
        let state = try network.ensure()
        let statePath = "\(network.directory)/state.json"
        let truth = try FileSystem.readFile(statePath)
        let listener = try network.listen(PortMapping(hostAddress: "127.0.0.1", hostPort: 0, containerPort: 1, proto: "tcp"))
        defer { close(listener) }
        let port = PortListener.bound(PortMapping(hostAddress: "127.0.0.1", hostPort: 0, containerPort: 1, proto: "tcp"), fd: listener).hostPort
        let control = try #require(try network.connect("127.0.0.1", port: port), "the true record connects")
        close(control)
        for forged in [SessionNetwork.State(pid: state.pid, startTime: state.startTime + 1, network: state.network),
                       SessionNetwork.State(pid: state.pid, startTime: state.startTime, network: state.network + 1),
                       SessionNetwork.State(pid: getpid(), startTime: try #require(ProcessInfoReader.startTime(of: getpid())), network: state.network)] {
            try FileSystem.writeAtomically(try JSONCoding.encode(forged), to: statePath, mode: 0o600)
            #expect(throws: RuntimeError.self, "\(forged)") { try network.connect("127.0.0.1", port: port).map { close($0) } }
        }
        try FileSystem.writeAtomically(truth, to: statePath, mode: 0o600)
    }

    /// Once recorded, the holder is the sealed trampoline holding on ("podlab-hold"): none of podlab's memory (what
    /// the starting command read) stays in it, and it keeps one descriptor, its lock, which says it lives.
    @Test func theHolderKeepsNothingButItsLock() throws {
        let network = session(of: learner("lean"))
        defer { _ = try? network.stop() }
        let state = try network.ensure()
        // `ensure` returns once the holder is recorded; it execs just after (up to 10 s on a loaded machine).
        let deadline = Date().addingTimeInterval(10)
        var executable = ""
        repeat {
            executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(state.pid)/exe")) ?? ""
            if executable == "/memfd:podlab-exec (deleted)" && (try? String(contentsOfFile: "/proc/\(state.pid)/comm", encoding: .utf8)) == "podlab-session\n" { break }
            usleep(10_000)
        } while Date() < deadline
        #expect(executable == "/memfd:podlab-exec (deleted)")
        #expect(try String(contentsOfFile: "/proc/\(state.pid)/comm", encoding: .utf8) == "podlab-session\n")
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(state.pid)/fd")
        #expect(descriptors.count == 1, "\(descriptors)")
        for fd in descriptors {
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(state.pid)/fd/\(fd)")
            #expect(target.hasSuffix("/session/holder.lock"), "\(target)")
        }
        #expect(try network.running()?.pid == state.pid, "its lock held, it counts as running")
        #expect(try Processes.end(state.pid) { _ = try network.stop(); return true }, "it ends when stopped")
        #expect(try network.running() == nil)
    }
}
