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

    /// A GET inside the session, retried while the server starts (up to 10 s); nil if it never answers 200.
    static func fetch(in session: SessionNetwork, port: UInt16) -> (status: Int, body: String)? {
        let deadline = Date().addingTimeInterval(10)
        repeat {
            if let fd = try? session.connect("127.0.0.1", port: port) {
                defer { close(fd) }
                if let response = HTTP.exchange(fd), response.status == 200 { return response }
            }
            usleep(50_000)
        } while Date() < deadline
        return nil
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
        let firstState = try #require(session(of: first).running()), secondState = try #require(session(of: second).running())
        #expect(firstState.network != secondState.network && firstState.pid != secondState.pid)

        // One learner's server stopping leaves the other's: and then nothing listens in the first session.
        #expect(try first("stop", "-t", "1", "web").status == 0)
        #expect(throws: SystemError.self) { try session(of: first).connect("127.0.0.1", port: host.port).map { close($0) } }
        #expect(Self.fetch(in: session(of: second), port: host.port)?.body.contains("Welcome to nginx!") == true)

        // A restart binds in a new session when the old holder has gone.
        #expect(try session(of: first).stop())
        #expect(session(of: first).running() == nil)
        #expect(try first("start", "web").status == 0)
        #expect(Self.fetch(in: session(of: first), port: host.port)?.body == page + "\n")
        #expect(try #require(session(of: first).running()).network != firstState.network)
    }

    @Test func anotherUserCannotEnterALearnersSession() throws {
        guard let user = try RootlessUser.prepare() else { return }
        let host = try HostListener()
        let session = ["\(SessionNetwork.environmentKey)=1"]
        defer {
            _ = try? user.podlab(["podman", "rm", "-f", "-a"])
            _ = try? user.podlab(["session", "stop"])
        }
        // As on the host, an ordinary user cannot publish a port below 1024 (podlab's own refusal, before the
        // session is entered: inside it the user could).
        let low = try user.podlab(["podman", "run", "-d", "--name", "low", "-p", "80:80", Self.image], extra: session)
        #expect(low.status == 125 && low.stderr.contains("127.0.0.1:80: bind: permission denied"), "\(low)")
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
