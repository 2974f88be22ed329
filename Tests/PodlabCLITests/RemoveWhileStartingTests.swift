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

    /// A foreground `run` and `container prune` at once: the prune comes first under the container's start lock
    /// (it removes the created container, and the run finds no such container to run) or the run does (the prune
    /// finds it running and passes over it). Never a prune that removed a container the run then ran.
    @Test func aPruneAndAForegroundRunAtOnceNeverBothTakeIt() throws {
        let podman = self.podman
        for round in 0..<10 {
            let name = "pruned-\(round)"
            defer { _ = try? podman("rm", "-f", "-t", "0", name) }
            let run = Mutex<Result<(Int32, String, String), any Error>?>(nil)
            let ended = DispatchSemaphore(value: 0)
            Thread {
                let answer = Result { try podman("run", "--name", name, "docker.io/library/busybox:latest", "sh", "-c", "echo ran; exec sleep 30") }
                run.withLock { $0 = answer.map { ($0.status, $0.stdout, $0.stderr) } }
                ended.signal()
            }.start()
            let pruned = try podman("container", "prune", "-f")
            #expect(pruned.status == 0, "round \(round): \(pruned)")
            if pruned.stdout.isEmpty {
                // The run's container was not there yet, or ran already: it runs, and only rm -f ends it.
                var status = ""
                for _ in 0..<500 where status != "running\n" {
                    status = try podman("inspect", "--format", "{{.State.Status}}", name).stdout
                }
                #expect(status == "running\n", "round \(round)")
                #expect(try podman("rm", "-f", "-t", "0", name).status == 0)
                try #require(ended.wait(timeout: .now() + 120) == .success, "round \(round): the run did not end")
                let ran = try #require(run.withLock { $0 }, "round \(round)").get()
                #expect(ran.1 == "ran\n", "round \(round): \(ran)")
            } else {
                try #require(ended.wait(timeout: .now() + 120) == .success, "round \(round): the run did not end")
                let ran = try #require(run.withLock { $0 }, "round \(round)").get()
                #expect(ran.0 == 125 && ran.1.isEmpty && ran.2.contains("no container with name or ID"), "round \(round): \(ran)")
            }
            #expect(try podman("ps", "-a", "--format", "{{.Names}}").stdout.isEmpty, "round \(round): nothing left")
        }
    }
}
