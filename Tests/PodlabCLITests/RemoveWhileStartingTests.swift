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
            let removal = BackgroundCommand(podman, "rm", name)
            let started = try podman("start", name)
            let removed = try removal.result()
            if started.status == 0 {
                #expect(removed.status != 0 && removed.stderr.contains("as it is running"), "round \(round): \(started) \(removed)")
                #expect(try podman("inspect", "--format", "{{.State.Status}}", name).stdout == "running\n", "round \(round)")
                #expect(try podman("rm", "-f", "-t", "0", name).status == 0)
            } else {
                #expect(started.status == 125 && started.stderr.contains("no container with name or ID"), "round \(round): \(started)")
                #expect(removed.status == 0, "round \(round): \(removed)")
            }
            #expect(try podman("ps", "-a", "--format", "{{.Names}}").stdout.isEmpty, "round \(round): nothing left")
        }
    }

    /// A foreground `run` while another command prunes containers back to back. Each round the container either runs
    /// (its output, status 0) or is gone before it could (125, "no container with name or ID"); never an error from
    /// half a container, and the journal never has a container start after its removal. Before `create` and a
    /// foreground `run` took the start lock, a prune between or amid them took the directory from under `create`
    /// (`rename …/spec.json: no such file or directory`), or `run` launched a container the prune had already removed.
    @Test func aForegroundRunAmidPrunesIsRemovedOrRunsNeverBoth() throws {
        let podman = self.podman
        let stop = Mutex(false)
        let pruneFailures = Mutex<[String]>([])
        let ended = DispatchSemaphore(value: 0)
        Thread {
            while !stop.withLock({ $0 }) {
                do {
                    let pruned = try podman("container", "prune", "-f")
                    if pruned.status != 0 { pruneFailures.withLock { $0.append("\(pruned)") } }
                } catch {
                    pruneFailures.withLock { $0.append("\(error)") }
                }
            }
            ended.signal()
        }.start()
        defer { stop.withLock { $0 = true } }   // whatever fails below, the prunes end
        for round in 0..<10 {
            let ran = try podman("run", "--name", "pruned-\(round)", "docker.io/library/busybox:latest", "echo", "ran")
            if ran.status == 0 {
                #expect(ran.stdout == "ran\n", "round \(round): \(ran)")
            } else {
                #expect(ran.status == 125 && ran.stderr.contains("no container with name or ID"), "round \(round): \(ran)")
            }
        }
        stop.withLock { $0 = true }
        try #require(ended.wait(timeout: .now() + 120) == .success, "the prunes did not end")
        #expect(pruneFailures.withLock { $0 } == [], "every prune succeeded")
        #expect(try podman("container", "prune", "-f").status == 0)
        #expect(try podman("ps", "-a", "--format", "{{.Names}}").stdout.isEmpty, "nothing left")
        // A container is never created or started after its removal. (`died` may follow it: the exit is written, then
        // journaled, and a prune may come between.)
        var removed: Set<Substring> = []
        for event in try podman("events", "--format", "{{.ID}} {{.Status}}").stdout.split(separator: "\n") {
            let fields = event.split(separator: " ")
            guard fields.count == 2 else { continue }
            if fields[1] == "create" || fields[1] == "start" {
                #expect(!removed.contains(fields[0]), "\(fields[1]) after its container's removal: \(event)")
            }
            if fields[1] == "remove" { removed.insert(fields[0]) }
        }
        #expect(removed.count >= 10, "each round's container was removed, by a prune before or after it ran")
    }

    /// `pod rm` of a pod while one of its members is being started: all its containers go (and the start finds no
    /// such container or pod, 125) or none does (the removal names the running one). Removed one by one, the members
    /// newer than the started one went and `pod rm` then stopped at it, leaving half the pod.
    @Test func aPodRemovalAndAMemberStartAtOnceTakeAllOrNone() throws {
        let podman = self.podman
        for round in 0..<10 {
            let pod = "whole-\(round)", older = "older-\(round)", newer = "newer-\(round)"
            #expect(try podman("pod", "create", pod).status == 0)
            defer { _ = try? podman("pod", "rm", "-f", "-t", "0", pod) }
            #expect(try podman("create", "--pod", pod, "--name", older, "docker.io/library/busybox:latest", "sleep", "30").status == 0)
            #expect(try podman("create", "--pod", pod, "--name", newer, "docker.io/library/busybox:latest", "true").status == 0)
            let removal = BackgroundCommand(podman, "pod", "rm", pod)
            let started = try podman("start", older)
            let removed = try removal.result()
            let names = try podman("ps", "-a", "--format", "{{.Names}}").stdout
            if started.status == 0 {
                #expect(removed.status == 125 && removed.stderr.contains("as it is running"), "round \(round): \(started) \(removed)")
                #expect(names.contains("\(older)\n") && names.contains("\(newer)\n") && names.contains("-infra\n"),
                        "round \(round): the whole pod is there: \(names)")
                #expect(try podman("pod", "rm", "-f", "-t", "0", pod).status == 0)
            } else {
                #expect(started.status == 125 && (started.stderr.contains("no container with name or ID")
                    || started.stderr.contains("no pod with name or ID")), "round \(round): \(started)")
                #expect(removed.status == 0, "round \(round): \(removed)")
            }
            #expect(try podman("ps", "-a", "--format", "{{.Names}}").stdout.isEmpty, "round \(round): nothing left")
            #expect(try podman("pod", "exists", pod).status == 1, "round \(round)")
        }
    }

    /// `create --pod` beside `pod rm` of that pod: the member is made first (and goes with its pod) or after the
    /// removal (no such pod, 125); never a member left behind in a removed pod. Before a member held its pod while it
    /// was made, one made after `pod rm` had read the list of members stayed, its pod gone.
    @Test func aMemberCreatedAsItsPodIsRemovedGoesWithItOrIsRefused() throws {
        let podman = self.podman
        for round in 0..<10 {
            let pod = "going-\(round)"
            #expect(try podman("pod", "create", pod).status == 0)
            defer { _ = try? podman("pod", "rm", "-f", "-t", "0", pod) }
            // Members there already make the removal long enough (a synced list write each) for creates to meet it.
            for member in 0..<4 {
                #expect(try podman("create", "--pod", pod, "--name", "there-\(round)-\(member)", "docker.io/library/busybox:latest", "true").status == 0)
            }
            let removal = BackgroundCommand(podman, "pod", "rm", pod)
            for member in 0..<3 {
                let created = try podman("create", "--pod", pod, "--name", "new-\(round)-\(member)", "docker.io/library/busybox:latest", "true")
                if created.status != 0 {
                    #expect(created.status == 125 && created.stderr.contains("no pod with name or ID"), "round \(round): \(created)")
                }
            }
            let removed = try removal.result()
            #expect(removed.status == 0, "round \(round): \(removed)")
            #expect(try podman("ps", "-a", "--format", "{{.Names}}").stdout.isEmpty, "round \(round): no member left in a removed pod")
            #expect(try podman("pod", "exists", pod).status == 1, "round \(round)")
        }
    }

    /// A removal killed between deleting a container's files and forgetting its record (or a create killed between
    /// writing the record and making the directory) leaves a record with no files.
    /// `start` and `start -a` of it wait the two seconds a removal in progress is given, then say what happened and what
    /// to do (before, the raw `open lock …: no such file or directory`); `rm` finishes the removal.
    @Test func aContainerWhoseFilesAreGoneSaysSoAndRmForgetsIt() throws {
        let podman = self.podman
        let id = try podman("create", "--name", "halfgone", "docker.io/library/busybox:latest", "true").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let files = directory.file("storage/containers/\(id)")
        try #require(FileManager.default.fileExists(atPath: "\(files)/spec.json"), "the container's files are where this test looks")
        try FileManager.default.removeItem(atPath: files)
        for start in [["start", "halfgone"], ["start", "-a", "halfgone"]] {
            let started = try podman.run(start)
            #expect(started.status == 125, "\(start): \(started)")
            #expect(started.stderr == "Error: container halfgone cannot start: its files (\(files)) are gone; a create or removal "
                    + "of it was stopped before it finished\nHint: remove what is left with 'podman rm halfgone', then create it again\n",
                    "\(start): \(started)")
        }
        let removed = try podman("rm", "halfgone")
        #expect(removed.status == 0 && removed.stdout == "halfgone\n", "\(removed)")
        #expect(try podman("ps", "-a", "--format", "{{.Names}}").stdout.isEmpty, "nothing left")
    }
}
