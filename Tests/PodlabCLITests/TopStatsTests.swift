import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `podman top` and `podman stats --no-stream` on real containers, in podman 4.3.1's columns (as it printed them
/// on these machines; the figures themselves differ run to run, so the tests check columns, ids and zeros).
struct TopStatsTests {
    let directory = TemporaryDirectory("podlab-top")
    var podman: Podman { Podman(root: directory.file("storage")) }

    static func cells(_ line: Substring) -> [String] {
        line.split(separator: "  ", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test func topListsTheContainersProcessesWithTheirIdsInside() throws {
        #expect(try podman("run", "-d", "--name", "busy", "busybox", "sh", "-c", "sleep 1000 & exec sleep 600").status == 0)
        defer { _ = try? podman("rm", "-f", "-t", "0", "busy") }
        // run -d returns once sh runs; it still has to start the background sleep and exec the other.
        var top = try podman("top", "busy")
        for _ in 0..<200 where !(top.stdout.contains("sleep 600 \n") && top.stdout.contains("sleep 1000 \n")) {
            usleep(20_000)
            top = try podman("top", "busy")
        }
        #expect(top.status == 0, "\(top)")
        let lines = top.stdout.split(separator: "\n")
        #expect(lines.first.map { $0.split(separator: " ") } == ["USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND"])
        let rows = lines.dropFirst().map { $0.split(separator: " ").map(String.init) }
        #expect(rows.count == 2, "\(top.stdout)")
        #expect(rows.first.map { [$0[0], $0[1], $0[2], $0[5]] + Array($0[7...]) } == ["root", "1", "0", "?", "sleep", "600"], "\(top.stdout)")
        #expect(rows.last.map { [$0[0], $0[2]] + Array($0[7...]) } == ["root", "1", "sleep", "1000"], "\(top.stdout)")
        #expect(top.stdout.contains("sleep 600 \n"), "psgo's trailing space after the arguments")

        let chosen = try podman("top", "busy", "pid", "comm", "user", "group", "state")
        #expect(chosen.stdout.split(separator: "\n").first.map { $0.split(separator: " ") } == ["PID", "COMMAND", "USER", "GROUP", "STATE"])
        #expect(chosen.stdout.split(separator: "\n").dropFirst().first.map { $0.split(separator: " ") } == ["1", "sleep", "root", "root", "S"])
        // `--` ends podman's flags: the container comes after it (podlab took `--` for the container's name).
        let ended = try podman("top", "--", "busy", "pid", "comm", "user", "group", "state")
        #expect(ended.status == 0 && ended.stdout == chosen.stdout, "\(ended)")
        let exec = try podman("exec", "--", "busy", "echo", "--bogus-flag")
        #expect(exec.status == 0 && exec.stdout == "--bogus-flag\n", "\(exec)")
        let joined = try podman("exec", "-u1000", "-w/tmp", "busy", "sh", "-c", "id -u; pwd")
        #expect(joined.status == 0 && joined.stdout == "1000\n/tmp\n", "a value joined to its short flag: \(joined)")
        // What podlab does not read itself goes to the container's ps, as with podman.
        let ps = try podman("top", "busy", "-o", "pid,comm")
        #expect(ps.status == 0 && ps.stdout.hasPrefix("PID   COMMAND\n    1 sleep\n"), "\(ps)")

        #expect(try podman("create", "--name", "idle", "busybox", "true").status == 0)
        let stopped = try podman("top", "idle")
        #expect(stopped.status == 125 && stopped.stderr.hasPrefix("Error: top can only be used on running containers\n"))
        let missing = try podman("top", "nosuch")
        #expect(missing.status == 125 && missing.stderr.hasPrefix(
            "Error: unable to look up requested container: no container with name or ID \"nosuch\" found: no such container\n"))
    }

    /// A container's command line is the image's or the container's own text: `ps`, `ps --format`, `top` and `events` show its
    /// control characters (`^[`), never send them to the learner's terminal. The control: the container's record keeps
    /// the bytes (inspect's JSON escapes them as \u001b), and the process inside has them in its arguments.
    @Test func aCommandLineCannotDriveTheTerminalThroughPsOrTop() throws {
        let title = "\u{1B}]0;owned\u{07}"
        #expect(try podman("run", "-d", "--name", "t", "busybox", "sh", "-c", "sleep 600; :", title).status == 0)
        defer { _ = try? podman("rm", "-f", "-t", "0", "t") }
        let inspected = try podman("inspect", "--format", "{{json .Config.Cmd}}", "t")
        #expect(inspected.stdout.contains("\\u001b]0;owned\\u0007"), "control: \(inspected)")
        let argv = try podman("exec", "t", "sh", "-c", "od -An -tx1 /proc/1/cmdline | tr -d '\\n'")
        #expect(argv.stdout.contains(" 1b 5d 30 3b"), "control: \(argv)")

        for listing in [try podman("ps"), try podman("ps", "--no-trunc", "--format", "{{.Command}}"), try podman("top", "t")] {
            #expect(listing.status == 0, "\(listing)")
            #expect(!listing.stdout.unicodeScalars.contains("\u{1B}") && !listing.stdout.unicodeScalars.contains("\u{07}"), "\(listing)")
        }
        #expect(try podman("ps", "--no-trunc", "--format", "{{.Command}}").stdout == "sh -c sleep 600; : ^[]0;owned^G\n")
        #expect(try podman("top", "t", "args").stdout.contains("sleep 600; : ^[]0;owned^G"))
        // The journal keeps the command line as typed; `events` shows it as the tables do.
        let events = try podman("events")
        #expect(events.stdout.contains("command=podman run -d --name t busybox sh -c sleep 600; : ^[]0;owned^G)"), "\(events)")
        #expect(!events.stdout.unicodeScalars.contains("\u{1B}"), "\(events)")
    }

    @Test func statsShowsEveryContainerInPodmansColumns() throws {
        #expect(try podman("create", "--name", "idle", "busybox", "true").status == 0)
        let run = try podman("run", "-d", "--name", "busy", "--memory", "64m", "busybox", "sleep", "600")
        #expect(run.status == 0, "\(run)")
        let limited = !run.stderr.contains("are not applied")
        defer { _ = try? podman("rm", "-f", "-t", "0", "busy") }
        let stats = try podman("stats", "--no-stream")
        #expect(stats.status == 0, "\(stats)")
        let lines = stats.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first.map(Self.cells) == ["ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET IO", "BLOCK IO", "PIDS", "CPU TIME", "AVG CPU %"])
        let busy = Self.cells(lines[1])
        #expect(busy[1] == "busy" && busy[7] == "1", "newest first, one process: \(busy)")
        // The limit is --memory's where cgroups apply it, else the machine's memory.
        if limited {
            #expect(busy[3].hasSuffix(" / 67.11MB"), "\(busy)")
        } else {
            #expect(busy[3].split(separator: " ").last.map { $0.hasSuffix("GB") || $0.hasSuffix("MB") } == true, "\(busy)")
        }
        #expect(!busy[3].hasPrefix("0B"), "a running container uses some memory: \(busy)")
        #expect(Self.cells(lines[2]).dropFirst() == ["idle", "0.00%", "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0", "0s", "0.00%"])

        let json = try podman("stats", "--no-stream", "--format", "json", "busy")
        let objects = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: String]]
        #expect(objects?.first.map { Set($0.keys) } == ["id", "name", "cpu_time", "cpu_percent", "avg_cpu", "mem_usage", "mem_percent", "net_io", "block_io", "pids"])
        #expect(try podman("stats", "--no-stream", "--format", "{{.Name}}:{{.PIDs}}", "busy").stdout == "busy:1\n")
        let missing = try podman("stats", "--no-stream", "nosuch")
        #expect(missing.status == 125 && missing.stderr.hasPrefix(
            "Error: unable to get list of containers: unable to look up container nosuch: no container with name or ID \"nosuch\" found: no such container\n"))
    }
}
