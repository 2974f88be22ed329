import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// The image store keeps every blob a listed image names, whatever forms of the same image arrive, and
/// `podlab store check [--repair]` finds and mends a store where that does not hold.
struct StoreCheckTests {
    let directory = TemporaryDirectory("podlab-store-check")
    var podman: Podman { Podman(root: directory.file("storage")) }

    func store(_ arguments: String...) throws -> ProcessResult {
        try TestProcess.run([BuildProducts.podlab, "store"] + arguments, environment: podman.environment)
    }

    /// The report's case: the same image (same config) pulled compressed and loaded uncompressed, a removal that
    /// collects garbage, then a push of it, which read a blob the store had taken away.
    @Test func theSameImageInTwoFormsKeepsEveryBlobItNames() throws {
        let server = try Registries.podlab(in: directory.path)
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let archive = directory.file("busybox.tar")
        #expect(try podman("save", "-o", archive, "busybox").status == 0)
        let load = try podman("load", "-i", archive)
        #expect(load.status == 0 && load.stdout == "Loaded image: docker.io/library/busybox:latest\n", "\(load)")
        #expect(try podman("pull", "-q", "hello-world").status == 0)
        #expect(try podman("rmi", "hello-world").status == 0, "a removal collects garbage")
        let check = try store("check")
        #expect(check.status == 0 && check.stdout == "the image store is sound (1 images)\n", "\(check)")

        let target = "127.0.0.1:\(server.port)/bars/box:1"
        let push = try podman("push", "--tls-verify=false", "busybox", target)
        #expect(push.status == 0, "\(push)")
        let other = Podman(root: directory.file("other"))
        #expect(try other("pull", "-q", "--tls-verify=false", target).status == 0)
        #expect(try other("run", "--rm", target, "echo", "whole").stdout == "whole\n")
    }

    /// A store as an older podlab left it (the record's layers and its manifest disagree, a blob gone): check
    /// reports it (exit 1), --repair writes a manifest naming what is there, and the image works again.
    @Test func checkFindsAndRepairMendsABrokenImage() throws {
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let index = directory.file("storage") + "/images.json"
        var json = try String(contentsOfFile: index, encoding: .utf8)
        let manifestDigest = try podman("image", "inspect", "--format", "{{.Digest}}", "busybox").stdout.trimmed()
        let manifestPath = directory.file("storage") + "/blobs/sha256/" + manifestDigest.dropFirst("sha256:".count)
        // The manifest now names a layer blob the store does not have (what the old import left).
        let manifest = try String(contentsOfFile: manifestPath, encoding: .utf8)
        let object = try JSONSerialization.jsonObject(with: Data(manifest.utf8)) as? [String: Any]
        let layer = try #require(((object?["layers"] as? [[String: Any]])?.first?["digest"]) as? String)
        let missing = "sha256:" + String(repeating: "0", count: 64)
        let broken = manifest.replacingOccurrences(of: layer, with: missing)
        let brokenDigest = "sha256:" + Digest.sha256(of: Array(broken.utf8)).hex
        try Data(broken.utf8).write(to: URL(fileURLWithPath: directory.file("storage") + "/blobs/sha256/" + brokenDigest.dropFirst(7)))
        json = json.replacingOccurrences(of: manifestDigest, with: brokenDigest)
        try Data(json.utf8).write(to: URL(fileURLWithPath: index))

        let check = try store("check")
        #expect(check.status == 1, "\(check)")
        #expect(check.stdout.contains("its manifest's layers differ from the layers it lists")
                && check.stdout.contains("layer blob \(missing) is missing"), "\(check)")
        let repair = try store("check", "--repair")
        #expect(repair.status == 0 && repair.stdout.hasPrefix("repaired image ") && repair.stdout.hasSuffix("the image store is sound (1 images)\n"),
                "\(repair)")
        #expect(try podman("run", "--rm", "busybox", "echo", "mended").stdout == "mended\n")
        #expect(try podman("save", "-o", directory.file("again.tar"), "busybox").status == 0)
    }

    func lines(_ text: String) -> Set<String> { Set(text.split(separator: "\n").map(String.init)) }

    /// A power loss can take the never-synced list of --rm containers and leave their directories: `store check` names
    /// each directory no record names; `--repair` deletes a --rm container's from before this boot and leaves one of
    /// this boot (its container may still run) and a kept container's (its list may come back).
    @Test func directoriesNoRecordNamesAreReportedAndOnlyOldRmOnesCollected() throws {
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let gone = try podman("create", "--rm", "busybox", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let kept = try podman("create", "--name", "kept", "busybox", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let containers = directory.file("storage/containers")
        let sound = try store("check")
        #expect(sound.status == 0 && sound.stdout == "the image store is sound (1 images)\n", "control: every directory is named: \(sound)")

        // The volatile list emptied (as by a power loss), and a kept container's list moved aside by hand.
        #expect(truncate("\(containers)/volatile-containers.json", 0) == 0)
        #expect(rename("\(containers)/containers.json", "\(containers)/containers.json.aside") == 0)
        let check = try store("check", "--repair")
        #expect(check.status == 1, "\(check)")
        // In the order of their directories' names (random ids).
        #expect(lines(check.stdout) == ["\(containers)/\(gone): the files of a --rm container of this boot (it may still run) no record names",
                                        "\(containers)/\(kept): the files of a kept container no record names"], "\(check)")
        #expect(check.stderr.contains("podlab leaves the others to you"), "\(check)")

        // The same directory as a power loss leaves it: last changed before the system booted.
        var times = [timeval(tv_sec: time_t(try bootTime() - 3600), tv_usec: 0), timeval(tv_sec: time_t(try bootTime() - 3600), tv_usec: 0)]
        #expect(utimes("\(containers)/\(gone)", &times) == 0)
        let reported = try store("check")
        #expect(reported.stdout.contains("\(containers)/\(gone): the files of a --rm container no record names\n"), "\(reported)")
        #expect(reported.stderr.contains("'podlab store check --repair' deletes the files of --rm containers from before this boot"), "\(reported)")
        let repair = try store("check", "--repair")
        #expect(repair.status == 1, "the kept container's files are still unnamed: \(repair)")
        #expect(repair.stdout == "removed \(containers)/\(gone): the files of a --rm container no record names\n"
                + "\(containers)/\(kept): the files of a kept container no record names\n", "removals first: \(repair)")
        #expect(!FileManager.default.fileExists(atPath: "\(containers)/\(gone)"))
        #expect(FileManager.default.fileExists(atPath: "\(containers)/\(kept)/spec.json"), "a kept container's files stay")

        // Its list put back, the kept container is whole again and the store sound.
        #expect(rename("\(containers)/containers.json.aside", "\(containers)/containers.json") == 0)
        let mended = try store("check")
        #expect(mended.status == 0 && mended.stdout == "the image store is sound (1 images)\n", "\(mended)")
        #expect(try podman("start", "kept").status == 0)
        #expect(try podman("wait", "kept").stdout == "0\n")
    }

    /// A create killed between making its directory (as `<id>.new`) and renaming it into place leaves that empty
    /// directory and at most a record without a directory: `store check` does not count it, `--repair` sweeps it
    /// whether or not a record names the id (a create does all of it with the lists locked, and so does the sweep).
    @Test func anInterruptedCreatesDirectoryIsSweptByRepair() throws {
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let listed = try podman("create", "--name", "listed", "busybox", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let containers = directory.file("storage/containers")
        let killed = String(repeating: "a", count: 64)
        for id in [killed, listed] { #expect(mkdir("\(containers)/\(id).new", 0o700) == 0) }
        let check = try store("check")
        #expect(check.status == 0 && check.stdout == "the image store is sound (1 images)\n", "\(check)")
        let repair = try store("check", "--repair")
        #expect(repair.status == 0, "\(repair)")
        #expect(lines(repair.stdout) == ["removed \(containers)/\(killed).new: the empty directory of a create that was interrupted",
                                         "removed \(containers)/\(listed).new: the empty directory of a create that was interrupted",
                                         "the image store is sound (1 images)"], "\(repair)")
        #expect(!FileManager.default.fileExists(atPath: "\(containers)/\(killed).new"))
        #expect(!FileManager.default.fileExists(atPath: "\(containers)/\(listed).new"))
        #expect(try podman("start", "listed").status == 0, "the listed container is whole")
    }

    /// A --rm container still listed after a reboot (nothing clears the list at boot) and started again runs in a
    /// directory whose entries are all there already: the start itself marks the directory as of this boot, so
    /// `--repair` leaves it while the container runs.
    @Test func aRestartedRmContainersDirectoryIsOfThisBoot() throws {
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let id = try podman("run", "-d", "--rm", "--name", "again", "busybox", "sleep", "600").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The reboot, as the container and its monitor see it: both killed, the record left listed.
        let pids = try podman("inspect", "--format", "{{.State.ConmonPid}} {{.State.Pid}}", "again").stdout.split(separator: " ")
            .compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(pids.count == 2 && pids.allSatisfy { $0 > 0 }, "\(pids)")
        for pid in pids { kill(pid, SIGKILL) }
        #expect(try podman("wait", "again").stdout == "-1\n", "its monitor recorded no exit")
        let containers = directory.file("storage/containers")
        let volatileList = "\(containers)/volatile-containers.json"
        var times = [timeval(tv_sec: time_t(try bootTime() - 3600), tv_usec: 0), timeval(tv_sec: time_t(try bootTime() - 3600), tv_usec: 0)]
        #expect(utimes("\(containers)/\(id)", &times) == 0)
        // The control: unlisted and not started again, it is from before this boot and would be collected.
        let saved = try Data(contentsOf: URL(fileURLWithPath: volatileList))
        #expect(truncate(volatileList, 0) == 0)
        #expect(try store("check").stdout.contains("\(containers)/\(id): the files of a --rm container no record names\n"))
        try saved.write(to: URL(fileURLWithPath: volatileList))

        #expect(try podman("start", "again").status == 0)
        let listed = try Data(contentsOf: URL(fileURLWithPath: volatileList))
        // Listed again (its new pid with it) and stopped, whatever the expectations below found.
        defer {
            _ = try? listed.write(to: URL(fileURLWithPath: volatileList))
            #expect((try? podman("rm", "-f", "again"))?.status == 0)
        }
        #expect(truncate(volatileList, 0) == 0)
        let repair = try store("check", "--repair")
        #expect(repair.stdout == "\(containers)/\(id): the files of a --rm container of this boot (it may still run) no record names\n", "\(repair)")
        #expect(FileManager.default.fileExists(atPath: "\(containers)/\(id)/upper"), "the running container keeps its files")
    }

    /// When this machine booted, from /proc/stat (as podlab reads it).
    func bootTime() throws -> Int {
        let text = try String(contentsOfFile: "/proc/stat", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("btime ") })
        return try #require(Int(line.dropFirst(6)))
    }
}
