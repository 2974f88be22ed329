import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// podlab's one way to start programs (ChildProcess over podlab_spawn), its one exit-status decoder, and the
/// one ready-pipe protocol its detached children (monitor, sandbox registry) answer on.
struct ChildProcessTests {
    let directory = TemporaryDirectory("podlab-child")

    @Test func exitCodesAreDecodedOnce() throws {
        #expect(try ChildProcess.spawn(["/bin/sh", "-c", "exit 3"]).wait() == 3)
        #expect(try ChildProcess.spawn(["/bin/sh", "-c", "kill -TERM $$"]).wait() == 128 + SIGTERM)
        #expect(ChildProcess.exitCode(waitStatus: 9) == 128 + 9, "a raw wait status of 9 is 'killed by SIGKILL'")
        #expect(ChildProcess.exitCode(waitStatus: 42 << 8) == 42)
        #expect(throws: SystemError.self) { try ChildProcess.spawn(["/nonexistent/program"]) }
    }

    /// Forking is only safe with one thread: in this test process, which has many, forkDetached declines and
    /// starts nothing (its callers then spawn a program instead).
    @Test func aMultithreadedProcessIsNeverForked() throws {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let threads = status.split(separator: "\n").first { $0.hasPrefix("Threads:") }.flatMap { Int($0.dropFirst(8).trimmed()) } ?? 0
        #expect(threads > 1, "the precondition: the test runner has threads")
        let ready = try ReadyPipe()
        let child = try ChildProcess.forkDetached(passing: ready.writeEnd, name: "never") { 0 }
        #expect(child == nil)
    }

    /// The monitor of a detached container is a copy of the single-threaded command that started it: named
    /// podlab-monitor, in a session of its own, its standard streams on /dev/null.
    @Test func aContainersMonitorIsDetachedFromTheCommand() throws {
        let podman = Podman(root: directory.file("storage"))
        let run = try podman("run", "-d", "--name", "watched", "busybox", "sleep", "100")
        #expect(run.status == 0, "\(run)")
        defer { _ = try? podman("rm", "-f", "watched") }
        let monitor = try #require(Int32(try podman("inspect", "--format", "{{.State.ConmonPid}}", "watched").stdout.trimmed()))
        #expect(try String(contentsOfFile: "/proc/\(monitor)/comm", encoding: .utf8) == "podlab-monitor\n")
        let stat = try String(contentsOfFile: "/proc/\(monitor)/stat", encoding: .utf8)
        let fields = stat[stat.range(of: ") ")!.upperBound...].split(separator: " ")
        #expect(fields[3] == "\(monitor)", "the monitor leads its own session: \(stat)")
        for fd in 0...2 {
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(monitor)/fd/\(fd)")
            #expect(target == "/dev/null", "fd \(fd) -> \(target)")
        }
    }

    /// A detached child keeps nothing of ours but its ready pipe: a descriptor we leave inheritable (as a careless
    /// library might) is open in an attached child (the control) and closed in a detached one.
    @Test func aDetachedChildInheritsNoDescriptors() throws {
        // No O_CLOEXEC on purpose; moved above the descriptors a child is given (fd 3 is the ready pipe's, and was
        // this one's when tests running beside this one had just closed theirs).
        let opened = open("/dev/null", O_RDONLY)
        try #require(opened >= 0)
        let leaked = fcntl(opened, F_DUPFD, 64)
        close(opened)
        try #require(leaked >= 64)
        defer { close(leaked) }
        let probe = "test -e /proc/$$/fd/\(leaked) && echo open > \(directory.file("attached")) || echo closed > \(directory.file("attached"))"
        #expect(try ChildProcess.spawn(["/bin/sh", "-c", probe]).wait() == 0)
        #expect(try String(contentsOfFile: directory.file("attached"), encoding: .utf8) == "open\n", "control: an attached child inherits it")

        let ready = try ReadyPipe()
        let detachedProbe = probe.replacingOccurrences(of: "attached", with: "detached") + "; printf ready >&3"
        let child = try ChildProcess.spawn(["/bin/sh", "-c", detachedProbe], options: .detached(passing: ready.writeEnd))
        #expect(ready.answer() == .ready(detail: ""))
        #expect(child.wait() == 0)
        #expect(try String(contentsOfFile: directory.file("detached"), encoding: .utf8) == "closed\n")
    }

    @Test(arguments: [
        ("printf 'ready\\t127.0.0.1:5000' >&3", ReadyPipe.Answer.ready(detail: "127.0.0.1:5000")),
        ("printf 'failed\\t2\\tvolume busy is in use\\ttry -f' >&3", .failed(status: 2, message: "volume busy is in use", hint: "try -f")),
        ("printf 'failed\\t125\\tno hint\\t' >&3", .failed(status: 125, message: "no hint", hint: nil)),
        ("exit 1", .silent),
        ("printf 'ok' >&3", .silent),
    ])
    func theReadyPipeSpeaksOneProtocol(script: String, expected: ReadyPipe.Answer) throws {
        let ready = try ReadyPipe()
        let child = try ChildProcess.spawn(["/bin/sh", "-c", script], options: .detached(passing: ready.writeEnd))
        #expect(ready.answer() == expected)
        _ = child.wait()
    }

    @Test func aFailureReadsBackAsTheSameError() throws {
        let ready = try ReadyPipe()
        ReadyPipe.sendFailure(dup(ready.writeEnd), ReportedFailure(status: 2, message: "a\tb", hint: "do x"))
        #expect(ready.answer() == .failed(status: 2, message: "a b", hint: "do x"))
    }
}
