import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The tutorial's container commands, for real: a new podlab process per command, real containers.
@Suite(.serialized) struct RuntimeTests {
    @Test func restartRunsTheContainerAgainWithItsData() throws {
        #expect(try podman("run", "-d", "--name", "again", "busybox", "sh", "-c", "echo started >> /count; sleep 600").status == 0)
        let restart = try podman("restart", "-t", "1", "again")
        #expect(restart.status == 0 && restart.stdout == "again\n", "\(restart)")
        #expect(try podman("inspect", "--format", "{{.State.Status}}", "again").stdout == "running\n")
        #expect(try podman("exec", "again", "cat", "/count").stdout == "started\nstarted\n", "the same container, its files kept")
        #expect(try podman("rm", "-f", "-t", "0", "again").status == 0)
    }

    let directory = TemporaryDirectory("podlab-run")
    var podman: Podman { Podman(root: directory.file("storage")) }

    /// The environment is read as bytes: a value that begins with a combining mark (which joins the `=` before it into
    /// one Swift character) and holds `=` and Chinese reaches the container as it was, and a store path with `=` in it
    /// is the store used.
    @Test func aCallersVariableReachesTheContainerByteForByte() throws {
        let value = "\u{301}a=b 你好"
        var podman = Podman(root: directory.file("st=ore-根"))
        podman.extraEnvironment["PODLAB_TEST_GREETING"] = value
        let result = try podman("run", "--rm", "-e", "PODLAB_TEST_GREETING", "busybox", "sh", "-c", "printf '%s\\n' \"$PODLAB_TEST_GREETING\"")
        #expect(result.status == 0, "\(result)")
        #expect(Array(result.stdout.utf8) == Array((value + "\n").utf8), "\(result)")
        #expect(FileSystem.isDirectory(directory.file("st=ore-根")), "the store is where PODLAB_ROOT names")
    }

    @Test func helloWorldWithRemoveLeavesNoContainer() throws {
        let result = try podman("run", "--rm", "--name", "hello-podman", "docker.io/library/hello-world:latest")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("Hello from podlab!"))
        #expect(result.stderr.contains("Trying to pull docker.io/library/hello-world:latest..."))
        #expect(try podman("ps", "-a", "-q").stdout == "")
    }

    /// `run -q`, `create -q` and `build -q` (for its FROM) pull the image without a word; the control is the same run
    /// after `rmi`, unquiet.
    @Test func quietCommandsPullWithoutProgress() throws {
        let quiet = try podman("run", "-q", "--rm", "docker.io/library/hello-world:latest")
        #expect(quiet.status == 0 && quiet.stdout.contains("Hello from podlab!"), "\(quiet)")
        #expect(quiet.stderr == "", "\(quiet)")
        #expect(try podman("rmi", "docker.io/library/hello-world:latest").status == 0)
        let created = try podman("create", "--quiet", "--name", "quiet", "docker.io/library/hello-world:latest")
        #expect(created.status == 0 && created.stdout.count == 65 && created.stderr == "", "\(created)")
        #expect(try podman("rm", "quiet").status == 0)
        #expect(try podman("rmi", "docker.io/library/hello-world:latest").status == 0)
        let context = directory.file("quiet-context")
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try "FROM docker.io/library/hello-world:latest\nLABEL quiet=yes\n".write(toFile: "\(context)/Containerfile", atomically: true, encoding: .utf8)
        let built = try podman("build", "-q", "-t", "quiet-build", context)
        #expect(built.status == 0 && built.stdout.count == 65 && built.stderr == "", "\(built)")
        #expect(try podman("rmi", "quiet-build", "docker.io/library/hello-world:latest").status == 0)
        let told = try podman("run", "--rm", "docker.io/library/hello-world:latest")
        #expect(told.stderr.hasPrefix("Trying to pull docker.io/library/hello-world:latest...\n"), "\(told)")
    }

    @Test func exitedContainerIsListedThenRemoved() throws {
        #expect(try podman("run", "--name", "hello-podman", "docker.io/library/hello-world:latest").status == 0)
        let list = try podman("ps", "-a")
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("CONTAINER ID  IMAGE") == true)
        #expect(lines.count == 2)
        #expect(lines.last?.contains("Exited (0)") == true && lines.last?.hasSuffix("hello-podman") == true)
        #expect(try podman("ps", "-q").stdout == "", "an exited container is not in plain ps")
        let again = try podman("run", "--name", "hello-podman", "hello-world")
        #expect(again.status == 125 && again.stderr.contains("already in use"))
        let remove = try podman("rm", "hello-podman")
        #expect(remove.status == 0 && remove.stdout == "hello-podman\n")
        #expect(try podman("ps", "-a", "-q").stdout == "")
        let missing = try podman("rm", "hello-podman")
        #expect(missing.status == 1 && missing.stderr.contains("no container with name or ID \"hello-podman\" found"))
    }

    @Test func nginxServesTheWelcomePageOnAPublishedPort() throws {
        // No host port: the system picks a free one, and `podman port` says which (no race with other tests).
        let run = try podman("run", "--name", "my-web-server", "-d", "-p", "80", "docker.io/library/nginx:1.24")
        #expect(run.status == 0, "\(run)")
        let port = try podman.hostPort(of: "my-web-server", "80")
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines).count == 64)
        let response = HTTP.waitForOK(port: port)
        #expect(response?.status == 200)
        #expect(response?.body.contains("Welcome to nginx!") == true)
        let list = try podman("ps")
        #expect(list.stdout.contains("127.0.0.1:\(port)->80/tcp"))
        #expect(list.stdout.contains("Up "))
        #expect(try podman("port", "my-web-server").stdout == "80/tcp -> 127.0.0.1:\(port)\n")
        #expect(try podman("logs", "my-web-server").stdout.contains("\"GET / HTTP/1.0\" 200"))
        let stop = try podman("stop", "my-web-server")
        #expect(stop.status == 0 && stop.stdout == "my-web-server\n")
        #expect(HTTP.get(port: port) == nil, "nothing listens after stop")
        #expect(try podman("ps", "-a").stdout.contains("Exited (0)"))
        #expect(try podman("rm", "my-web-server").status == 0)
    }

    @Test func exitCodesAsPodman() throws {
        #expect(try podman("run", "--rm", "busybox", "sh", "-c", "exit 3").status == 3)
        let missing = try podman("run", "--rm", "busybox", "/nonexistent-binary")
        #expect(missing.status == 127)
        #expect(missing.stderr.contains("executable file `/nonexistent-binary` not found in $PATH"))
        let denied = try podman("run", "--rm", "busybox", "/etc/passwd")
        #expect(denied.status == 126)
        #expect(try podman("run", "--rm", "--pull=never", "localhost/nosuchimage").status == 125)
        #expect(try podman("ps", "-a", "-q").stdout == "", "--rm removes containers that failed to start")
    }

    @Test func isolationFromTheHost() throws {
        let result = try podman("run", "--rm", "--hostname", "inside", "-e", "GREETING=hi", "-w", "/tmp", "busybox", "sh", "-c",
                                "echo $GREETING; hostname; pwd; echo $$; cat /proc/self/uid_map | head -1; grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; ls /sys/class/net")
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count >= 6)
        #expect(Array(lines.prefix(4)) == ["hi", "inside", "/tmp", "1"])
        let map = lines[4].split(separator: " ", omittingEmptySubsequences: true)
        #expect(map.first == "0" && map.count == 3 && map[1] != "0", "container root is never host root")
        #expect(lines.contains("CapEff:\t00000000800405fb"), "podman's 11 default capabilities")
        #expect(lines.contains("NoNewPrivs:\t1"))
        #expect(lines.contains("Seccomp:\t2"))
        #expect(lines.last == "lo", "a private network namespace with loopback only")
    }

    @Test func readOnlyRootAndVolumes() throws {
        let shared = directory.file("shared")
        try FileSystem.createDirectory(shared)
        try FileSystem.writeAtomically(Array("from the host\n".utf8), to: "\(shared)/note")
        chmod(directory.path, 0o755)
        let result = try podman("run", "--rm", "--read-only", "-v", "\(shared):/data:ro", "busybox", "sh", "-c",
                                "cat /data/note; touch /x 2>/dev/null && echo root-writable; touch /data/y 2>/dev/null && echo volume-writable; true")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "from the host\n")
    }

    @Test func stopKillsAPidOneThatIgnoresTerm() throws {
        #expect(try podman("run", "-d", "--name", "sleeper", "busybox", "sleep", "600").status == 0)
        let started = Date()
        let stop = try podman("stop", "-t", "2", "sleeper")
        let elapsed = Date().timeIntervalSince(started)
        #expect(stop.status == 0)
        #expect(elapsed >= 1.8 && elapsed < 6, "stop -t 2 took \(elapsed) s")
        #expect(stop.stderr.contains("resorting to SIGKILL"))
        #expect(try podman("ps", "-a").stdout.contains("Exited (137)"))
        let running = try podman("run", "-d", "--name", "busy", "busybox", "sleep", "600")
        #expect(running.status == 0)
        let refused = try podman("rm", "busy")
        #expect(refused.status == 2 && refused.stderr.contains("as it is running"))
        #expect(try podman("rm", "-f", "busy").status == 0)
        #expect(try podman("rm", "sleeper").status == 0)
    }

    @Test func tenParallelRunsAllSucceed() async throws {
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let podman = self.podman
        let statuses = try await withThrowingTaskGroup(of: Int32.self) { group in
            for index in 0..<10 {
                group.addTask {
                    let result = try podman("run", "--rm", "busybox", "sh", "-c", "echo \(index)")
                    return result.stdout == "\(index)\n" ? result.status : -1
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 0, count: 10))
        #expect(try podman("ps", "-a", "-q").stdout == "")
    }

    @Test func psTellsTheTruthWhenTheMonitorIsKilled() throws {
        #expect(try podman("run", "-d", "--name", "orphan", "busybox", "sleep", "600").status == 0)
        let pids = try podman("inspect", "--format", "{{.State.Pid}} {{.State.ConmonPid}}", "orphan").stdout
        let numbers = pids.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(numbers.count == 2 && numbers.allSatisfy { $0 > 0 })
        #expect(Processes.kill(numbers[1]), "the monitor ends")
        #expect(try podman("ps").stdout.contains("orphan"), "the container still runs without its monitor")
        #expect(Processes.kill(numbers[0]), "the container ends")
        #expect(!(try podman("ps").stdout.contains("orphan")))
        #expect(try podman("ps", "-a").stdout.contains("Exited"))
        #expect(try podman("rm", "orphan").status == 0)
    }

    @Test func execRunsInsideARunningContainer() throws {
        #expect(try podman("run", "-d", "--name", "target", "busybox", "sleep", "600").status == 0)
        let exec = try podman("exec", "target", "sh", "-c", "hostname; ps | wc -l; cat /proc/1/cmdline | tr '\\0' ' '")
        #expect(exec.status == 0, "\(exec)")
        #expect(exec.stdout.contains("sleep 600"))
        #expect(try podman("exec", "target", "sh", "-c", "exit 7").status == 7)
        #expect(try podman("rm", "-f", "target").status == 0)
    }

    @Test func eventsRecordWhatHappened() throws {
        #expect(try podman("run", "--rm", "--name", "evented", "busybox", "true").status == 0)
        let events = try podman("events", "--format", "{{.Type}} {{.Status}} {{.Name}}").stdout
        for expected in ["image pull docker.io/library/busybox:latest", "container create evented", "container start evented",
                         "container died evented", "container remove evented"] {
            #expect(events.contains(expected), "missing event: \(expected)")
        }
        #expect(try podman("run", "--rm", "busybox", "sh", "-c", "exit 4").status == 4)
        let commands = try podman("events", "--format", "{{.Type}} {{.Status}} {{.ContainerExitCode}} {{json .Arguments}}").stdout
        #expect(commands.contains(#"system command 0 ["podman","run","--rm","--name","evented","busybox","true"]"#), "\(commands)")
        #expect(commands.contains(#"system command 4 ["podman","run","--rm","busybox","sh","-c","exit 4"]"#), "\(commands)")
    }

    @Test func capabilityFlagsChangeTheSet() throws {
        let none = try podman("run", "--rm", "--cap-drop", "ALL", "busybox", "grep", "^CapEff:", "/proc/self/status")
        #expect(none.stdout == "CapEff:\t0000000000000000\n", "\(none)")
        let more = try podman("run", "--rm", "--cap-add", "net_admin", "busybox", "grep", "^CapEff:", "/proc/self/status")
        #expect(more.stdout == "CapEff:\t00000000800415fb\n", "\(more)")
        #expect(try podman("run", "--rm", "--cap-add", "NOT_A_CAP", "busybox", "true").status == 125)
    }

    @Test func combinedShortFlagsAndInit() throws {
        let run = try podman("run", "-dp", "127.0.0.1::80", "--name", "combined", "docker.io/library/nginx:1.24")
        #expect(run.status == 0, "\(run)")
        let port = try podman.hostPort(of: "combined", "80")
        #expect(HTTP.waitForOK(port: port)?.status == 200)
        #expect(try podman("rm", "-f", "combined").status == 0)
        let initRun = try podman("run", "--rm", "--init", "busybox", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $$")
        #expect(initRun.status == 0, "\(initRun)")
        #expect(!initRun.stdout.hasPrefix("sh"), "with --init, PID 1 is podlab's init, not the command: \(initRun.stdout)")
    }

    @Test func interactiveTerminalThroughAPseudoTerminal() throws {
        // script(1) gives podlab a real terminal, as a learner's shell would.
        let command = "\(BuildProducts.podlab) podman run -it --rm busybox sh -c '[ -t 0 ] && [ -t 1 ] && echo on-a-tty; stty size'"
        let result = try TestProcess.run(["script", "-qec", command, "/dev/null"], environment: podman.environment)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("on-a-tty"), "\(result)")
    }

    @Test func memoryAndProcessLimitsWhereCgroupsAllow() throws {
        let run = try podman("run", "-d", "--name", "limited", "--memory", "64m", "--pids-limit", "50", "busybox", "sleep", "600")
        #expect(run.status == 0, "\(run)")
        defer { _ = try? podman("rm", "-f", "limited") }
        guard geteuid() == 0 else {
            #expect(run.stderr.contains("not applied"), "an ordinary user without a delegated cgroup is told so")
            return
        }
        let pid = try podman("inspect", "--format", "{{.State.Pid}}", "limited").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let groups = String(decoding: try FileSystem.readFile("/proc/\(pid)/cgroup"), as: UTF8.self)
        // What exec runs is in the same cgroups, under the same limits (podlab's exec shares the host's cgroup
        // namespace, so it sees the full paths the host sees for the container's first process).
        let execGroups = try podman("exec", "limited", "cat", "/proc/self/cgroup")
        #expect(execGroups.status == 0, "\(execGroups)")
        // On a v1 (or hybrid) machine the limits are in the memory and pids hierarchies; on v2 in the unified one.
        let controllers = groups.contains(":memory:") ? [":memory:", ":pids:"] : ["0::"]
        for controller in controllers {
            let hosts = groups.split(separator: "\n").first { $0.contains(controller) }.map { $0.split(separator: ":", maxSplits: 2).last ?? "" }
            let execs = execGroups.stdout.split(separator: "\n").first { $0.contains(controller) }.map { $0.split(separator: ":", maxSplits: 2).last ?? "" }
            #expect(hosts == execs, "\(controller) exec in \(execs ?? "nil"), the container in \(hosts ?? "nil")")
        }
        // Where the cgroup cannot be opened, exec refuses rather than run unbounded. A v1 group can be renamed, which
        // hides it; control: the same exec once it is back.
        let id = try podman("inspect", "--format", "{{.Id}}", "limited").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let pidsGroup = "/sys/fs/cgroup/pids/podlab/\(id)"
        if groups.contains(":pids:"), rename(pidsGroup, pidsGroup + "-hidden") == 0 {
            let refused = try podman("exec", "limited", "touch", "/ran-outside")
            #expect(rename(pidsGroup + "-hidden", pidsGroup) == 0)
            #expect(refused.status == 125 && refused.stderr.contains("cgroup.procs"), "the error names the file it could not open: \(refused)")
            #expect(try podman("exec", "limited", "test", "-e", "/ran-outside").status == 1, "the refused command never ran")
            #expect(try podman("exec", "limited", "true").status == 0, "control: with its cgroup back, exec runs")
        }
        if FileSystem.exists("/sys/fs/cgroup/memory/memory.limit_in_bytes") {
            let memoryGroup = groups.split(separator: "\n").first { $0.contains(":memory:") }.map { String($0.split(separator: ":")[2]) } ?? ""
            let limit = String(decoding: try FileSystem.readFile("/sys/fs/cgroup/memory\(memoryGroup)/memory.limit_in_bytes"), as: UTF8.self)
            #expect(limit == "67108864\n")
            let pidsGroup = groups.split(separator: "\n").first { $0.contains(":pids:") }.map { String($0.split(separator: ":")[2]) } ?? ""
            #expect(String(decoding: try FileSystem.readFile("/sys/fs/cgroup/pids\(pidsGroup)/pids.max"), as: UTF8.self) == "50\n")
        } else {
            let group = groups.split(separator: "\n").first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) } ?? ""
            #expect(String(decoding: try FileSystem.readFile("/sys/fs/cgroup\(group)/memory.max"), as: UTF8.self) == "67108864\n")
        }
    }

    /// A size past 64 bits of bytes is an error a learner can read, not a crash (before: an overflow trap).
    @Test func aMemoryLimitBeyondSixtyFourBitsIsRefused() throws {
        let huge = try podman("create", "--memory", "99999999999999g", "busybox", "true")
        #expect(huge.status == 125 && huge.stderr.contains("Error: invalid memory limit \"99999999999999g\""), "\(huge)")
    }

    /// podman refuses a bad flag before it pulls: the image here is absent and its registry unreachable, so a
    /// pull attempted first would answer with the registry's error instead.
    @Test func badFlagsAreRefusedBeforeAnyPull() throws {
        for flags in [["--memory", "lots"], ["--network", "carrier-pigeon"], ["--cap-add", "CAP_NOT_A_THING"],
                      ["--stop-signal", "SIGNOPE"], ["-p", "99999:80"]] {
            let result = try podman.run(["create"] + flags + ["127.0.0.1:9/absent/image:1", "true"])
            #expect(result.status == 125 && !result.stderr.contains("127.0.0.1:9") && !result.stderr.contains("Trying to pull"),
                    "\(flags): \(result)")
        }
    }

    @Test func environmentFileUserAndNetworkModes() throws {
        let envFile = directory.file("vars.env")
        try FileSystem.writeAtomically(Array("# comment\nFROM_FILE=yes\nSHARED=file\n".utf8), to: envFile)
        let env = try podman("run", "--rm", "--env-file", envFile, "-e", "SHARED=flag", "busybox", "sh", "-c", "echo $FROM_FILE $SHARED")
        #expect(env.stdout == "yes flag\n", "\(env)")
        let user = try podman("run", "--rm", "-u", "65534:65534", "busybox", "sh", "-c", "id -u; id -g; grep ^CapEff: /proc/self/status")
        #expect(user.stdout == "65534\n65534\nCapEff:\t0000000000000000\n", "\(user)")
        let none = try podman("run", "--rm", "--network", "none", "busybox", "ls", "/sys/class/net")
        #expect(none.stdout == "lo\n", "\(none)")
        let host = try podman("run", "--rm", "--network", "host", "busybox", "ls", "/sys/class/net")
        #expect(host.status == 0 && host.stdout.split(separator: "\n").count == FileSystem.list("/sys/class/net").count, "\(host)")
        #expect(try podman("run", "--rm", "--network", "none", "-p", "8080:80", "busybox", "true").status == 125)
    }

    @Test func seccompProfileFromAFile() throws {
        let profile = directory.file("no-mkdir.json")
        try FileSystem.writeAtomically(Array("""
            {"defaultAction": "SCMP_ACT_ALLOW",
             "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
            """.utf8), to: profile)
        let denied = try podman("run", "--rm", "--security-opt", "seccomp=\(profile)", "busybox", "mkdir", "/tmp/x")
        #expect(denied.status != 0 && denied.stderr.contains("Operation not permitted"), "\(denied)")
        #expect(try podman("run", "--rm", "busybox", "mkdir", "/tmp/x").status == 0)
        #expect(try podman("run", "--rm", "--security-opt", "seccomp=/nonexistent.json", "busybox", "true").status == 125)
    }

    @Test func logsTailAndFollow() throws {
        #expect(try podman("run", "-d", "--name", "talker", "busybox", "sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done; sleep 1; echo last").status == 0)
        let follow = try podman("logs", "-f", "talker")
        #expect(follow.stdout == "line 1\nline 2\nline 3\nline 4\nline 5\nlast\n", "\(follow)")
        #expect(try podman("logs", "--tail", "2", "talker").stdout == "line 5\nlast\n")
        #expect(try podman("wait", "talker").stdout == "0\n")
        #expect(try podman("run", "--name", "streams", "busybox", "sh", "-c", "echo out; echo err >&2; printf partial").status == 0)
        let streams = try podman("logs", "streams")
        #expect(streams.stdout == "out\npartial" && streams.stderr == "err\n", "\(streams)")
        let stamped = try podman("logs", "-t", "--tail", "1", "streams").stdout
        #expect(stamped.hasPrefix("20") && stamped.contains("Z partial"), "\(stamped)")
        #expect(try podman("rm", "streams").status == 0)
        #expect(try podman("rm", "talker").status == 0)
    }

    @Test func privateCopyWhereOverlayIsUnavailable() throws {
        var copying = podman
        copying.extraEnvironment["PODLAB_NO_OVERLAY"] = "1"
        let run = try copying("run", "--name", "copied", "busybox", "sh", "-c", "echo kept > /marker; cat /proc/self/mountinfo | head -1")
        #expect(run.status == 0, "\(run)")
        #expect(!run.stdout.contains("overlay"), "\(run.stdout)")
        let id = try podman("inspect", "--format", "{{.Id}}", "copied").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let copy = directory.file("storage/containers/\(id)/rootfs")
        #expect(try FileSystem.readFile("\(copy)/marker") == Array("kept\n".utf8))
        #expect(FileSystem.exists("\(copy)/bin/busybox"))
        #expect(try podman("rm", "copied").status == 0)
    }

    @Test func killExistsPruneAndJSONList() throws {
        #expect(try podman("run", "-d", "--name", "victim", "busybox", "sleep", "600").status == 0)
        #expect(try podman("container", "exists", "victim").status == 0)
        #expect(try podman("container", "exists", "nosuch").status == 1)
        let json = try podman("ps", "--format", "json")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        let first = try #require(parsed?.first)
        #expect((first["Names"] as? [String]) == ["victim"])
        #expect(first["State"] as? String == "running")
        let kill = try podman("kill", "victim")
        #expect(kill.status == 0 && kill.stdout == "victim\n")
        #expect(try podman("wait", "victim").stdout == "137\n")
        #expect(try podman("kill", "victim").status == 125, "killing a stopped container fails as podman")
        let prune = try podman("container", "prune", "-f")
        #expect(prune.status == 0 && prune.stdout.count == 65)
        #expect(try podman("ps", "-a", "-q").stdout == "")
    }

    @Test func entrypointPullAlwaysAndContainerInspect() throws {
        let run = try podman("run", "--rm", "--pull", "always", "--entrypoint", "/bin/echo", "busybox", "from", "entrypoint")
        #expect(run.status == 0 && run.stdout == "from entrypoint\n", "\(run)")
        #expect(run.stderr.contains("Trying to pull docker.io/library/busybox:latest..."))
        #expect(try podman("create", "--name", "made", "-p", "127.0.0.1:18181:80/udp", "busybox", "true").status == 0)
        let inspect = try podman("inspect", "made")
        let parsed = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [[String: Any]]
        let object = try #require(parsed?.first)
        #expect((object["State"] as? [String: Any])?["Status"] as? String == "created")
        #expect(object["ImageName"] as? String == "docker.io/library/busybox:latest")
        #expect(try podman("port", "made").stdout == "80/udp -> 127.0.0.1:18181\n")
        #expect(try podman("ps", "-a").stdout.contains("Created"))
        #expect(try podman("rm", "made").status == 0)
    }

    @Test func udpPortsAreForwarded() throws {
        let programs = directory.file("programs")
        try FileSystem.createDirectory(programs)
        _ = try TestPrograms.build("udpecho", into: programs)
        let run = try podman("run", "-d", "--name", "udp", "-p", "0:9000/udp", "-v", "\(programs):/t:ro", "busybox", "/t/udpecho", "9000")
        #expect(run.status == 0, "\(run)")
        let port = try podman.hostPort(of: "udp", "9000/udp")
        defer { _ = try? podman("rm", "-f", "udp") }
        var answer: String?
        for _ in 0..<40 where answer == nil {
            answer = UDP.exchange(port: port, message: "ping", timeout: 0.25)
        }
        #expect(answer == "ping")
    }
}
