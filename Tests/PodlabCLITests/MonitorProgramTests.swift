import CSpawn
import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A detached container's monitor, once the container runs, is the small C program (MonitorProgram), not podlab:
/// it relays, forwards ports and passes signals on, and podlab comes back only for the bookkeeping at the end.
@Suite(.serialized) struct MonitorProgramTests {
    let directory = TemporaryDirectory("podlab-monitor")
    var podman: Podman { Podman(root: directory.file("storage")) }

    /// The monitor process `podman inspect` names runs the sealed program and holds only what it relays; its port
    /// connector holds nothing but its channel. What it serves and records is what podlab's own loop did.
    @Test func aRunningContainersMonitorIsTheSmallProgram() throws {
        let run = try podman("run", "-d", "--name", "watched", "-p", "80", "nginx")
        #expect(run.status == 0, "\(run)")
        defer { _ = try? podman("rm", "-f", "-t", "0", "watched") }
        let monitor = try #require(Int32(try podman("inspect", "--format", "{{.State.ConmonPid}}", "watched").stdout.trimmed()))
        #expect(try Self.executable(of: monitor) == "/memfd:podlab-monitor (deleted)", "podlab's binary no longer runs beside the container")
        #expect(try String(contentsOfFile: "/proc/\(monitor)/comm", encoding: .utf8) == "podlab-monitor\n")

        let storage = try #require(realpath(directory.file("storage"), nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        })
        let held = try Self.descriptors(of: monitor)
        let files = held.filter { $0.value.hasPrefix("/") && $0.value != "/dev/null" }
        let inStore = files.values.filter { $0.hasPrefix(storage + "/") }
        #expect(inStore.count == 1 && inStore.allSatisfy { $0.hasPrefix(storage + "/containers/") && $0.hasSuffix("/ctr.log") },
                "of the store, only the log stays open: \(held)")
        let others = files.filter { !$0.value.hasPrefix(storage + "/") }
        #expect(others.count == 1 && others.allSatisfy { $0.value.hasSuffix("/podlab") }, "else only the binary for the bookkeeping: \(held)")
        for (fd, _) in others {
            // O_PATH (010000000): nothing can be read or written through it.
            let info = try String(contentsOfFile: "/proc/\(monitor)/fdinfo/\(fd)", encoding: .utf8)
            let flags = info.split(separator: "\n").first { $0.hasPrefix("flags:") }.flatMap { Int($0.dropFirst(6).trimmed(), radix: 8) }
            #expect(flags.map { $0 & 0o10000000 != 0 } == true, "\(info)")
        }

        let port = try podman.hostPort(of: "watched", "80")
        #expect(HTTP.waitForOK(port: port)?.body.contains("Welcome to nginx!") == true, "the published port is forwarded")
        let children = try String(contentsOfFile: "/proc/\(monitor)/task/\(monitor)/children", encoding: .utf8)
            .split(separator: " ").compactMap { Int32($0) }
        let connectors = try children.filter { try String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8) == "podlab-monitor\n" }
        #expect(connectors.count == 1, "one port connector: \(children)")
        for connector in connectors {
            // Read at rest: between making the socket for a connection and closing its copy once it is handed over, the
            // connector holds one more descriptor, and on a loaded machine it may not have closed it yet.
            #expect(Self.waitsOnItsChannel(connector), "the connector goes back to waiting for requests")
            #expect(try Self.descriptors(of: connector).keys.sorted() == [0, 1, 2, 3], "the connector keeps only its channel")
        }

        let stop = try podman("stop", "-t", "5", "watched")
        #expect(stop.status == 0, "\(stop)")
        #expect(Processes.end(monitor), "the monitor ends after its bookkeeping")
        #expect(try podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "watched").stdout == "exited 0\n")
        #expect(try podman("logs", "watched").stdout.contains("\"GET / HTTP/1.0\" 200"), "the output went to the log")
        let events = try podman("events", "--format", "{{.Type}} {{.Status}} {{.Name}} {{.ContainerExitCode}}").stdout
        #expect(events.contains("container died watched 0"), "the journal has the end: \(events)")
    }

    /// The bookkeeping is podlab's, run by the program when the container ends by itself: the exit code, then
    /// --rm's removal.
    @Test func theExitIsRecordedAndRemoveHonoured() throws {
        let kept = try podman("run", "-d", "--name", "kept", "busybox", "sh", "-c", "echo out; echo err >&2; exit 7")
        #expect(kept.status == 0, "\(kept)")
        #expect(try podman("wait", "kept").stdout == "7\n", "wait hears the code the bookkeeping wrote")
        #expect(try podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "kept").stdout == "exited 7\n")
        let logs = try podman("logs", "kept")
        #expect(logs.stdout == "out\n" && logs.stderr == "err\n", "\(logs)")

        let removed = try podman("run", "-d", "--rm", "--name", "removed", "busybox", "sleep", "30")
        #expect(removed.status == 0, "\(removed)")
        let monitor = try #require(Int32(try podman("inspect", "--format", "{{.State.ConmonPid}}", "removed").stdout.trimmed()))
        #expect(try podman("kill", "removed").status == 0)
        #expect(Processes.end(monitor))
        #expect(try podman("ps", "-a", "--format", "{{.Names}}").stdout.split(separator: "\n").contains("removed") == false,
                "--rm removed it once it ended")
        #expect(try podman("rm", "kept").status == 0)
    }

    static func executable(of pid: Int32) throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
    }

    /// Whether the process is (or comes within 10 s to be) blocked receiving on descriptor 3, as the port connector
    /// waits for its next request: its system call as /proc shows it, `recvfrom` on fd 3.
    static func waitsOnItsChannel(_ pid: Int32) -> Bool {
        #if arch(x86_64)
        let receive = "45 0x3 "
        #else
        let receive = "207 0x3 "   // aarch64
        #endif
        for _ in 0..<1000 {
            // Unreadable only once the process is gone, which the descriptors read next then shows.
            if let call = try? String(contentsOfFile: "/proc/\(pid)/syscall", encoding: .utf8), call.hasPrefix(receive) { return true }
            usleep(10_000)
        }
        return false
    }

    /// Descriptor number → what it names.
    static func descriptors(of pid: Int32) throws -> [Int: String] {
        var found: [Int: String] = [:]
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") {
            guard let number = Int(entry) else { continue }
            found[number] = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(entry)")
        }
        return found
    }
}
