import Foundation
import PodlabTestSupport
import Synchronization
import Testing

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
    /// file its command appends to), under whichever start took the container's start lock first. The other finds it
    /// running: `start` answers its name, `start -a` refuses (125).
    @Test func anAttachedStartAndAStartAtOnceRunTheContainerOnce() throws {
        for round in 0..<3 {
            let name = "raced-\(round)"
            #expect(try podman("create", "--name", name, "docker.io/library/busybox:latest",
                               "sh", "-c", "echo started >> /count; exec sleep 30").status == 0)
            let podman = self.podman
            // (status, stdout, stderr): a result as plain values, shared between the two threads.
            let attached = Mutex<(Int32, String, String)?>(nil)
            let detached = Mutex<(Int32, String, String)?>(nil)
            let count = Mutex<String>("not read")
            DispatchQueue.concurrentPerform(iterations: 2) { index in
                if index == 0 {
                    // Returns at once when it lost, or when the other side removes the container it runs.
                    let answer = (try? podman("start", "-a", name)).map { ($0.status, $0.stdout, $0.stderr) }
                    attached.withLock { $0 = answer }
                    return
                }
                let answer = (try? podman("start", name)).map { ($0.status, $0.stdout, $0.stderr) }
                detached.withLock { $0 = answer }
                // Both starts have begun their runs, if any: the one the record knows writes the file (a second run
                // would write beside it from its own process).
                var read = (try? podman("exec", name, "cat", "/count"))?.stdout ?? ""
                var reads = 1
                while read.isEmpty && reads < 200 {
                    read = (try? podman("exec", name, "cat", "/count"))?.stdout ?? ""
                    reads += 1
                }
                count.withLock { $0 = read }
                _ = try? podman("rm", "-f", "-t", "0", name)
            }
            let started = try #require(detached.withLock { $0 }, "round \(round)")
            #expect(started.0 == 0 && started.1 == "\(name)\n", "round \(round): \(started)")
            #expect(count.withLock { $0 } == "started\n", "round \(round)")
            let run = try #require(attached.withLock { $0 }, "round \(round)")
            #expect(run.0 != 0 && (run.0 != 125 || run.2.contains("already running")), "round \(round): \(run)")
        }
    }

    /// podman 4.3.1 exits 125 for a start of no such container, attached or not (measured).
    @Test func unknownContainerIsPodmansError() throws {
        for arguments in [["start", "-a", "nowhere"], ["start", "nowhere"]] {
            let missing = try podman.run(arguments)
            #expect(missing.status == 125 && missing.stderr.contains("no container with name or ID \"nowhere\" found"), "\(arguments): \(missing)")
        }
    }
}
