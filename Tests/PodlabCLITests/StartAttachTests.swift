import Foundation
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `podman start -a`: a created or exited container in the foreground, as `run` runs one.
struct StartAttachTests {
    let directory = TemporaryDirectory("podlab-start-attach")
    var podman: Podman { Podman(root: directory.file("storage")) }

    @Test func attachedStartGivesTheOutputAndTheExitStatusEachTime() throws {
        let created = try podman("create", "--name", "once", "docker.io/library/busybox:latest",
                                 "sh", "-c", "echo 你好; echo to-stderr >&2; exit 3")
        #expect(created.status == 0, "\(created)")
        for attempt in ["created", "exited"] {
            let started = try podman("start", "-a", "once")
            #expect(started.status == 3, "\(attempt): \(started)")
            #expect(started.stdout == "你好\n", "\(attempt): only the container's output, no name: \(started)")
            #expect(started.stderr.contains("to-stderr"), "\(attempt): \(started)")
            #expect(try podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "once").stdout == "exited 3\n")
        }
    }

    /// As podman 4.3.1 does (measured): with -a, input goes in exactly when `create` had -i; `start -i` changes nothing.
    @Test func standardInputGoesInOnlyWhenTheContainerWasCreatedWithIt() throws {
        #expect(try podman("create", "-i", "--name", "reads", "docker.io/library/busybox:latest", "cat").status == 0)
        let fed = try podman("start", "-a", "-i", "reads", stdin: "第一行\n")
        #expect(fed.status == 0 && fed.stdout == "第一行\n", "\(fed)")
        let withoutFlag = try podman("start", "-a", "reads", stdin: "第二行\n")
        #expect(withoutFlag.status == 0 && withoutFlag.stdout == "第二行\n", "\(withoutFlag)")
        // Control: the same start of a container created without -i gets no input (cat sees its end at once).
        #expect(try podman("create", "--name", "closed", "docker.io/library/busybox:latest", "cat").status == 0)
        let closed = try podman("start", "-a", "-i", "closed", stdin: "第一行\n")
        #expect(closed.status == 0 && closed.stdout.isEmpty, "\(closed)")
    }

    /// -i without -a starts in the background and prints the name, as podman does.
    @Test func interactiveWithoutAttachStartsInTheBackground() throws {
        #expect(try podman("create", "-i", "--name", "quiet", "docker.io/library/busybox:latest", "sleep", "600").status == 0)
        defer { _ = try? podman("rm", "-f", "-t", "0", "quiet") }
        let started = try podman("start", "-i", "quiet")
        #expect(started.status == 0 && started.stdout == "quiet\n", "\(started)")
        #expect(try podman("inspect", "--format", "{{.State.Status}}", "quiet").stdout == "running\n")
    }

    @Test func attachTakesOneContainerThatIsNotRunning() throws {
        #expect(try podman("create", "--name", "first", "docker.io/library/busybox:latest", "true").status == 0)
        #expect(try podman("create", "--name", "second", "docker.io/library/busybox:latest", "true").status == 0)
        let both = try podman("start", "-a", "first", "second")
        #expect(both.status == 125 && both.stderr.contains("you cannot start and attach multiple containers at once"), "\(both)")
        #expect(try podman("inspect", "--format", "{{.State.Status}}", "first", "second").stdout == "created\ncreated\n",
                "neither was started")

        #expect(try podman("run", "-d", "--name", "up", "docker.io/library/busybox:latest", "sleep", "600").status == 0)
        defer { _ = try? podman("rm", "-f", "-t", "0", "up") }
        let running = try podman("start", "-a", "up")
        #expect(running.status == 125 && running.stderr.contains("already running") && running.stderr.contains("podman logs -f up"),
                "\(running)")
        #expect(try podman("inspect", "--format", "{{.State.Status}}", "up").stdout == "running\n")
    }

    /// `start -a` and `start` of one container at the same moment, three times over: it runs once (one line in the
    /// file its command appends to, on the host), under whichever start took the container's start lock first. The
    /// other finds it running: `start` answers its name, `start -a` refuses (125). The attached start has a thread of
    /// its own (a dispatch pool may run two "concurrent" iterations one after the other).
    @Test func anAttachedStartAndAStartAtOnceRunTheContainerOnce() throws {
        for round in 0..<3 {
            let name = "raced-\(round)"
            let out = directory.file("out-\(round)")
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
            chmod(out, 0o777)   // the container's root is an unprivileged id on the host
            #expect(try podman("create", "--name", name, "-v", "\(out):/out", "docker.io/library/busybox:latest",
                               "sh", "-c", "echo started >> /out/count; exec sleep 30").status == 0)
            let podman = self.podman
            let attached = BackgroundCommand(podman, "start", "-a", name)
            let started = try podman("start", name)
            #expect(started.status == 0 && started.stdout == "\(name)\n", "round \(round): \(started)")
            // The run the record knows has written its line before it is removed (which ends the attached start too
            // when that start runs it).
            var reads = 0
            while try podman("exec", name, "cat", "/out/count").stdout.isEmpty && reads < 200 { reads += 1 }
            #expect(try podman("rm", "-f", "-t", "0", name).status == 0)
            let run = try attached.result()
            // Both starts have ended: a second run would have written its line from its own process by now.
            #expect(try String(contentsOfFile: "\(out)/count", encoding: .utf8) == "started\n", "round \(round)")
            // It ran the container (ended by the removal), or found it running, or (a thread that began late) gone.
            let refused = run.stderr.contains("already running") || run.stderr.contains("no container with name or ID")
            #expect(run.status != 0 && (run.status != 125 || refused), "round \(round): \(run)")
        }
    }

    /// A container created with --rm runs attached and is gone afterwards, as after `run --rm`.
    @Test func attachedStartOfARemovedOnExitContainerRemovesIt() throws {
        #expect(try podman("create", "--rm", "--name", "brief", "docker.io/library/busybox:latest", "echo", "再见").status == 0)
        let started = try podman("start", "-a", "brief")
        #expect(started.status == 0 && started.stdout == "再见\n", "\(started)")
        let after = try podman("ps", "-a", "--format", "{{.Names}}")
        #expect(after.status == 0 && after.stdout.isEmpty, "removed once it ended: \(after)")
    }

    /// An attached start that fails (its published port is held by a program on the host) leaves the container as it
    /// was: a start once the port is free runs it.
    @Test func aFailedAttachedStartLeavesTheContainerStartable() throws {
        var holder: HostListener? = try HostListener()
        let port = try #require(holder?.port)
        #expect(try podman("create", "--name", "web", "-p", "\(port):80", "docker.io/library/busybox:latest",
                           "echo", "served").status == 0)
        let refused = try podman("start", "-a", "web")
        #expect(refused.status == 125 && refused.stderr.contains("127.0.0.1:\(port): bind: address already in use"), "\(refused)")
        #expect(try podman("inspect", "--format", "{{.State.Status}}", "web").stdout != "running\n")
        holder = nil
        let started = try podman("start", "-a", "web")
        #expect(started.status == 0 && started.stdout == "served\n", "\(started)")
    }

    /// podman 4.3.1 exits 125 for a start of no such container, attached or not (measured).
    @Test func unknownContainerIsPodmansError() throws {
        for arguments in [["start", "-a", "nowhere"], ["start", "nowhere"]] {
            let missing = try podman.run(arguments)
            #expect(missing.status == 125 && missing.stderr.contains("no container with name or ID \"nowhere\" found"), "\(arguments): \(missing)")
        }
    }
}
