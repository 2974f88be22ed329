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
}
