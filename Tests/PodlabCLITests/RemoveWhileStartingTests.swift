import Foundation
import PodlabTestSupport
import Synchronization
import Testing

/// `rm` and `start` of one created container at the same moment. One of them comes first under the container's start
/// lock: the start (the container runs, and `rm` without -f refuses it) or the removal (the start finds no such
/// container). Both answering success would be a container launched after its record and files were deleted.
struct RemoveWhileStartingTests {
    let directory = TemporaryDirectory("podlab-rm-start")
    var podman: Podman { Podman(root: directory.file("storage")) }

    @Test func aRemovalAndAStartAtOnceNeverBothSucceed() throws {
        let podman = self.podman
        for round in 0..<10 {
            let name = "raced-\(round)"
            #expect(try podman("create", "--name", name, "docker.io/library/busybox:latest", "sleep", "30").status == 0)
            defer { _ = try? podman("rm", "-f", "-t", "0", name) }
            let removal = Mutex<Result<(Int32, String), any Error>?>(nil)
            let ended = DispatchSemaphore(value: 0)
            // A thread of its own: a dispatch pool may run two "concurrent" pieces of work one after the other.
            Thread {
                let answer = Result { try podman("rm", name) }.map { ($0.status, $0.stderr) }
                removal.withLock { $0 = answer }
                ended.signal()
            }.start()
            let started = try podman("start", name)
            // Bounded: a removal that waits for the start forever is a failure, not a hung run.
            try #require(ended.wait(timeout: .now() + 120) == .success, "round \(round): rm did not end")
            let removed = try #require(removal.withLock { $0 }, "round \(round)").get()
            if started.status == 0 {
                #expect(removed.0 != 0 && removed.1.contains("as it is running"), "round \(round): \(started) \(removed)")
                #expect(try podman("inspect", "--format", "{{.State.Status}}", name).stdout == "running\n", "round \(round)")
                #expect(try podman("rm", "-f", "-t", "0", name).status == 0)
            } else {
                #expect(started.status == 125 && started.stderr.contains("no container with name or ID"), "round \(round): \(started)")
                #expect(removed.0 == 0, "round \(round): \(removed)")
            }
            #expect(try podman("ps", "-a", "--format", "{{.Names}}").stdout.isEmpty, "round \(round): nothing left")
        }
    }

    /// A foreground `run` while `container prune` runs again and again: a prune that comes before the run's launch
    /// under the container's start lock removes the created container (the run then finds no such container: 125),
    /// one that comes after finds it running and passes over it. Never a prune that removes the record and files of a
    /// container the run then launches (without the lock the run goes on and runs a container no command can see).
    @Test func aForegroundRunAmidPrunesIsRemovedOrRunsNeverBoth() throws {
        let podman = self.podman
        for round in 0..<10 {
            let name = "pruned-\(round)"
            defer { _ = try? podman("rm", "-f", "-t", "0", name) }
            let run = Mutex<Result<(Int32, String, String), any Error>?>(nil)
            let runEnded = DispatchSemaphore(value: 0)
            let pruning = Atomic<Bool>(true)
            let pruneFailures = Mutex<[String]>([])
            let prunesEnded = DispatchSemaphore(value: 0)
            // Threads of their own: a dispatch pool may run two "concurrent" pieces of work one after the other.
            Thread {
                while pruning.load(ordering: .relaxed) {
                    do {
                        let pruned = try podman("container", "prune", "-f")
                        if pruned.status != 0 { pruneFailures.withLock { $0.append("\(pruned)") } }
                    } catch {
                        pruneFailures.withLock { $0.append("\(error)") }
                    }
                }
                prunesEnded.signal()
            }.start()
            Thread {
                let answer = Result { try podman("run", "--name", name, "docker.io/library/busybox:latest", "sh", "-c", "echo ran; exec sleep 30") }
                run.withLock { $0 = answer.map { ($0.status, $0.stdout, $0.stderr) } }
                runEnded.signal()
            }.start()
            // Until the container runs or the run has ended (a removed container's run ends at once).
            var status = ""
            var ended = false
            for _ in 0..<1000 where status != "running\n" && !ended {
                status = try podman("inspect", "--format", "{{.State.Status}}", name).stdout
                ended = runEnded.wait(timeout: .now()) == .success
            }
            pruning.store(false, ordering: .relaxed)
            try #require(prunesEnded.wait(timeout: .now() + 120) == .success, "round \(round): the prunes did not end")
            #expect(pruneFailures.withLock { $0 }.isEmpty, "round \(round)")
            if status == "running\n" {
                #expect(try podman("rm", "-f", "-t", "0", name).status == 0)
            }
            try #require(ended || runEnded.wait(timeout: .now() + 120) == .success, "round \(round): the run did not end")
            let ran = try #require(run.withLock { $0 }, "round \(round)").get()
            if status == "running\n" {
                #expect(ran.1 == "ran\n", "round \(round): \(ran)")
            } else {
                #expect(ran.0 == 125 && ran.1.isEmpty && ran.2.contains("no container with name or ID"), "round \(round): \(ran)")
            }
            #expect(try podman("ps", "-a", "--format", "{{.Names}}").stdout.isEmpty, "round \(round): nothing left")
        }
    }
}
