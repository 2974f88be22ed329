import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// A store's list of containers, pods or secrets (or a volume's record) that cannot be read is an error naming the file and what moving it
/// aside forgets, and no command writes over it: what it holds comes back when the file is mended. (A damaged pod or
/// secret list was read as empty, and the next create wrote a list of one over every record.)
@Suite struct DamagedListTests {
    let directory = TemporaryDirectory("podlab-damaged")
    var podman: Podman { Podman(root: directory.file("storage")) }

    /// Damages `path`, expects `list` and `change` refused with its path and `forgets` in the hint, the damaged bytes
    /// untouched; then puts the old bytes back and expects `list` to show `kept` again.
    func expectRefusedThenMended(_ path: String, list: [String], change: [String], stdin: String? = nil,
                                 alsoRefused: [[String]] = [], forgets: String, kept: String) throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(try podman.run(list).stdout.contains(kept), "control: \(kept) is listed before the damage")
        let damage = Data(original.prefix(original.count / 2))
        try damage.write(to: URL(fileURLWithPath: path))
        for words in [list, change] + alsoRefused {
            let refused = try podman.run(words, stdin: words == change ? stdin : nil)
            #expect(refused.status == 125, "\(words): \(refused)")
            #expect(refused.stderr.hasPrefix("Error: cannot read \(path): "), "\(words): \(refused)")
            #expect(refused.stderr.contains("podlab forgets \(forgets)"), "\(words): \(refused)")
            #expect(refused.stderr.hasSuffix(": mv \(path) \(path).damaged\n"), "a plain path is not quoted: \(words): \(refused)")
        }
        let check = try storeCheck()
        #expect(check.status == 1 && check.stdout.contains("cannot read \(path): "), "store check reports it: \(check)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == damage, "nothing wrote over the damaged list")
        try original.write(to: URL(fileURLWithPath: path))
        let mended = try podman.run(list)
        #expect(mended.status == 0 && mended.stdout.contains(kept), "\(mended)")
        let sound = try storeCheck()
        #expect(sound.status == 0 && sound.stdout.hasPrefix("the image store is sound"), "\(sound)")
    }

    func storeCheck() throws -> ProcessResult {
        try TestProcess.run([BuildProducts.podlab, "store", "check"], environment: podman.environment)
    }

    @Test func damagedPodListLosesNoPod() throws {
        #expect(try podman("pod", "create", "--name", "keep").status == 0)
        // Lookups that answer "no such pod" (exists: 1, rm --ignore: nothing to do) must not take damage for absence.
        try expectRefusedThenMended(directory.file("storage/pods/pods.json"), list: ["pod", "ps"], change: ["pod", "create", "--name", "other"],
                                    alsoRefused: [["pod", "exists", "keep"], ["pod", "rm", "--ignore", "keep"], ["pod", "inspect", "keep"]],
                                    forgets: "every pod", kept: "keep")
    }

    /// The hint's way out: with the pod list moved aside, the pod's infra container is a container like any other.
    @Test func aMovedAsidePodListLeavesItsContainersRemovable() throws {
        #expect(try podman("pod", "create", "--name", "keep").status == 0)
        let infra = try podman("ps", "-a", "-q").stdout.trimmed()
        #expect(infra.count == 12, "the infra container: \(infra)")
        let refused = try podman("rm", "-f", infra)
        #expect(refused.status == 125 && refused.stderr.contains("infra container"), "control: it goes with its pod: \(refused)")
        let path = directory.file("storage/pods/pods.json")
        try Data("[{".utf8).write(to: URL(fileURLWithPath: path))
        let unsure = try podman("rm", "-f", infra)
        #expect(unsure.status == 125 && unsure.stderr.contains("cannot read \(path)"), "a damaged list cannot tell whether the pod is there: \(unsure)")
        #expect(rename(path, path + ".damaged") == 0)
        let removed = try podman("rm", "-f", infra)
        #expect(removed.status == 0, "\(removed)")
        #expect(try podman("ps", "-a", "-q").stdout.isEmpty)
    }

    /// The hint's command does what it says when pasted into a shell, also where the store's path has a space and a
    /// quote (it was printed unquoted: `mv` got four words).
    @Test func theHintsCommandMovesTheListAsideWhateverItsPath() throws {
        let podman = Podman(root: directory.file("a learner's store"))
        #expect(try podman("pod", "create", "--name", "keep").status == 0)
        let path = directory.file("a learner's store/pods/pods.json")
        try Data("[{".utf8).write(to: URL(fileURLWithPath: path))
        let refused = try podman("pod", "ps")
        #expect(refused.status == 125, "\(refused)")
        let line = try #require(refused.stderr.split(separator: "\n").first { $0.contains(": mv ") }, "\(refused)")
        let command = try #require(line.range(of: ": mv ").map { String(line[$0.upperBound...]) })
        let moved = try TestProcess.run(["/bin/sh", "-c", "mv " + command])
        #expect(moved.status == 0, "\(command): \(moved)")
        #expect(FileManager.default.fileExists(atPath: path + ".damaged") && !FileManager.default.fileExists(atPath: path))
        let listed = try podman("pod", "ps")
        #expect(listed.status == 0 && !listed.stdout.contains("keep"), "the list moved aside, its pods are forgotten: \(listed)")
    }

    @Test func damagedSecretListLosesNoSecret() throws {
        #expect(try podman("secret", "create", "keep", "-", stdin: "value").status == 0)
        try expectRefusedThenMended(directory.file("storage/secrets/secrets.json"), list: ["secret", "ls"],
                                    change: ["secret", "create", "other", "-"], stdin: "other", forgets: "every secret", kept: "keep")
    }

    @Test func damagedVolumeRecordIsNotRecordedAfresh() throws {
        #expect(try podman("volume", "create", "--label", "lesson=db", "keep").status == 0)
        try expectRefusedThenMended(directory.file("storage/volumes/keep/volume.json"), list: ["volume", "ls"],
                                    change: ["volume", "create", "keep"], forgets: "the volume's labels and options", kept: "keep")
        let inspect = try podman("volume", "inspect", "keep")
        #expect(inspect.stdout.contains("\"lesson\": \"db\""), "its label survived: \(inspect)")
    }

    @Test func damagedContainerListLosesNoContainer() throws {
        #expect(try podman("create", "--name", "keep", "busybox", "true").status == 0)
        try expectRefusedThenMended(directory.file("storage/containers/containers.json"), list: ["ps", "-a"],
                                    change: ["create", "--name", "other", "busybox", "true"],
                                    alsoRefused: [["container", "exists", "keep"], ["inspect", "keep"]],
                                    forgets: "every container it names, except --rm ones", kept: "keep")
    }

    /// The `--rm` list is never synced; beyond the empty file a power loss leaves (no records), damage is named as such,
    /// and moving it aside forgets only `--rm` containers.
    @Test func damagedVolatileListNamesWhatItHolds() throws {
        #expect(try podman("create", "--name", "keep", "busybox", "true").status == 0)
        let path = directory.file("storage/containers/volatile-containers.json")
        try Data("{\"containers\": [".utf8).write(to: URL(fileURLWithPath: path))
        let refused = try podman("ps", "-a")
        #expect(refused.status == 125, "\(refused)")
        #expect(refused.stderr.contains("podlab forgets the --rm containers it names"), "\(refused)")
        try Data().write(to: URL(fileURLWithPath: path))
        let listed = try podman("ps", "-a")
        #expect(listed.status == 0 && listed.stdout.contains("keep"), "\(listed)")
    }
}
