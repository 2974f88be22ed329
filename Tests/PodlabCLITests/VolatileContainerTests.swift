import Foundation
import PodlabCore
import PodlabImages
@testable import PodlabRuntime
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `--rm` containers are volatile, as podman's are: their records (`volatile-containers.json`) and files are written
/// atomically but never synced, and a change to one leaves `containers.json`, which is synced, alone.
struct VolatileContainerTests {
    let directory = TemporaryDirectory("podlab-volatile")
    var podman: Podman { Podman(root: directory.file("storage")) }
    var containers: String { directory.file("storage") + "/containers" }

    static func record(_ name: String, created: Double, autoRemove: Bool) -> ContainerRecord {
        let settings = ContainerSettings(command: ["true"], env: [], workingDir: "/", user: "", hostname: name, ports: [],
                                         volumes: [], readOnly: false, network: "none", capabilities: [], seccomp: nil,
                                         initProcess: false, tty: false, interactive: false, autoRemove: autoRemove,
                                         stopSignal: SIGTERM, stopTimeout: 10)
        return ContainerRecord(id: String(repeating: String(name.prefix(1)), count: 64), name: name, imageID: Digest.sha256(of: Array(name.utf8)),
                               imageName: "docker.io/library/busybox:latest", created: created, settings: settings, state: ContainerState())
    }

    func names(in file: String) throws -> [String] {
        guard FileSystem.exists(file) else { return [] }
        let list = try JSONSerialization.jsonObject(with: Data(try FileSystem.readFile(file))) as? [String: Any]
        return (list?["containers"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    func inode(_ path: String) -> ino_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_ino : nil
    }

    @Test func eachListHoldsItsOwnAndAChangeRewritesOnlyItsList() throws {
        let store = try ContainerStore(storage: directory.file("storage"))
        try store.add(Self.record("kept", created: 1, autoRemove: false))
        try store.add(Self.record("removed", created: 2, autoRemove: true))
        try store.add(Self.record("another", created: 3, autoRemove: false))
        #expect(try names(in: "\(containers)/containers.json") == ["kept", "another"])
        #expect(try names(in: "\(containers)/volatile-containers.json") == ["removed"])
        #expect(try store.all().map(\.name) == ["kept", "removed", "another"], "one list, in the order they were made")
        #expect(try store.find("removed").settings.autoRemove)

        // A replaced file is a new inode: the synced list is not written for a volatile container's change.
        let keptInode = inode("\(containers)/containers.json")
        let volatileInode = inode("\(containers)/volatile-containers.json")
        let changed = try store.update(String(repeating: "r", count: 64)) { $0.status = .exited }
        #expect(changed?.state.status == .exited)
        #expect(inode("\(containers)/containers.json") == keptInode)
        #expect(inode("\(containers)/volatile-containers.json") != volatileInode)

        try store.remove(String(repeating: "r", count: 64))
        #expect(inode("\(containers)/containers.json") == keptInode)
        #expect(try names(in: "\(containers)/volatile-containers.json") == [])
        try store.update(String(repeating: "k", count: 64)) { $0.status = .exited }
        #expect(inode("\(containers)/containers.json") != keptInode, "the control: a kept container's change is written")
    }

    /// A list written before volatile containers existed: its `--rm` containers move at the first change.
    @Test func anOlderListMovesItsRmContainersAtTheFirstChange() throws {
        let store = try ContainerStore(storage: directory.file("storage"))
        let old = [Self.record("kept", created: 1, autoRemove: false), Self.record("removed", created: 2, autoRemove: true)]
        try FileSystem.writeAtomically(try JSONCoding.encode(ContainerIndexFile(containers: old)), to: "\(containers)/containers.json")
        #expect(try store.all().map(\.name) == ["kept", "removed"])

        try store.add(Self.record("new", created: 3, autoRemove: false))
        #expect(try names(in: "\(containers)/containers.json") == ["kept", "new"])
        #expect(try names(in: "\(containers)/volatile-containers.json") == ["removed"])
        #expect(try store.all().map(\.name) == ["kept", "removed", "new"])
    }

    /// A kill between the two writes of a move leaves the record in both lists: it is listed once, as the volatile
    /// list (written first, so the newer) has it.
    @Test func aRecordInBothListsIsReadOnceAsTheVolatileListHasIt() throws {
        let store = try ContainerStore(storage: directory.file("storage"))
        let before = Self.record("removed", created: 2, autoRemove: true)
        var after = before
        after.state.status = .exited
        after.state.exitCode = 3
        try FileSystem.writeAtomically(try JSONCoding.encode(ContainerIndexFile(containers: [before])), to: "\(containers)/containers.json")
        try FileSystem.writeAtomically(try JSONCoding.encode(ContainerIndexFile(containers: [after])), to: "\(containers)/volatile-containers.json")
        let listed = try store.all()
        #expect(listed.map(\.name) == ["removed"] && listed.first?.state.exitCode == 3, "\(listed)")
    }

    /// A power loss can leave the never-synced list empty: it then holds nothing. Anything else unreadable is an error.
    @Test func anEmptyVolatileListHoldsNothingAndADamagedOneIsAnError() throws {
        let store = try ContainerStore(storage: directory.file("storage"))
        try store.add(Self.record("kept", created: 1, autoRemove: false))
        try FileSystem.writeAtomically([], to: "\(containers)/volatile-containers.json")
        #expect(try store.all().map(\.name) == ["kept"])
        try store.add(Self.record("removed", created: 2, autoRemove: true))
        #expect(try store.all().map(\.name) == ["kept", "removed"])

        #expect(try podman("pull", "-q", "docker.io/library/busybox:latest").status == 0)
        try FileSystem.writeAtomically(Array("{\"containers\": [".utf8), to: "\(containers)/volatile-containers.json")
        #expect(throws: (any Error).self) { try store.all() }
        let listed = try podman("ps", "-a")
        #expect(listed.status == 125 && listed.stderr.contains("volatile-containers.json"), "\(listed)")
        // An image is never removed from under containers podlab cannot see.
        let removal = try podman("rmi", "docker.io/library/busybox:latest")
        #expect(removal.status != 0 && removal.stderr.contains("volatile-containers.json"), "\(removal)")
        #expect(try podman("images", "-q").stdout.split(separator: "\n").count == 1, "the image is still there")
    }

    /// Through the command line: a `run --rm` container is listed while it runs and syncs nothing; a kept one syncs.
    @Test func runRmSyncsNothingAndAKeptContainerSyncs() throws {
        let started = try podman("run", "--rm", "-d", "--name", "brief", "docker.io/library/busybox:latest", "sleep", "600")
        #expect(started.status == 0, "\(started)")
        #expect(try names(in: "\(containers)/volatile-containers.json") == ["brief"])
        #expect(try names(in: "\(containers)/containers.json") == [])
        let listed = try podman("ps", "--format", "{{.Names}}")
        #expect(listed.stdout == "brief\n", "\(listed)")
        let removed = try podman("rm", "-f", "brief")
        #expect(removed.status == 0 && removed.stdout == "brief\n", "\(removed)")
        #expect(try names(in: "\(containers)/volatile-containers.json") == [])

        guard FileSystem.exists("/usr/bin/strace") else {
            Issue.record("strace is missing: scripts/install-deps.sh test installs it")
            return
        }
        func syncs(_ arguments: [String]) throws -> Int {
            let trace = directory.file("trace-\(arguments.count)")
            let result = try TestProcess.run(["/usr/bin/strace", "-f", "-qq", "-e", "trace=fsync,fdatasync,sync_file_range", "-o", trace,
                                              BuildProducts.podlab, "podman"] + arguments, environment: podman.environment)
            #expect(result.status == 0, "\(result)")
            return String(decoding: try FileSystem.readFile(trace), as: UTF8.self).split(separator: "\n")
                .filter { $0.contains("sync") && !$0.contains("+++") }.count
        }
        #expect(try syncs(["run", "--rm", "docker.io/library/busybox:latest", "true"]) == 0)
        #expect(try syncs(["run", "--name", "kept", "docker.io/library/busybox:latest", "true"]) > 0,
                "the control: a kept container's records are synced")
    }

    /// A `--rm` container's list is written when it is made, when it starts and when it is removed: not a fourth time
    /// for the exited state the removal deletes. Its code stays in the journal, so `wait` on a container removed
    /// meanwhile still answers it.
    @Test func runRmWritesItsListThreeTimesAndWaitStillHearsItsCode() throws {
        guard FileSystem.exists("/usr/bin/strace") else {
            Issue.record("strace is missing: scripts/install-deps.sh test installs it")
            return
        }
        // Pulled first: the pull starts the fixtures' registry, a daemon strace would wait for.
        #expect(try podman("pull", "-q", "docker.io/library/busybox:latest").status == 0)
        let trace = directory.file("renames")
        let result = try TestProcess.run(["/usr/bin/strace", "-f", "-qq", "-e", "trace=rename,renameat,renameat2", "-o", trace,
                                          BuildProducts.podlab, "podman", "run", "--rm", "docker.io/library/busybox:latest", "sh", "-c", "exit 4"],
                                         environment: podman.environment)
        #expect(result.status == 4, "\(result)")
        let renames = String(decoding: try FileSystem.readFile(trace), as: UTF8.self).split(separator: "\n")
        #expect(renames.filter { $0.contains("volatile-containers.json\"") }.count == 3, "\(renames)")
        #expect(try names(in: "\(containers)/volatile-containers.json") == [])

        let started = try podman("run", "--rm", "-d", "--name", "brief", "docker.io/library/busybox:latest", "sleep", "600")
        #expect(started.status == 0, "\(started)")
        let storage = directory.file("storage")
        let engine = try ContainerEngine(locations: Locations(storage: storage, runtime: storage + "-run", config: storage + "-config"),
                                         images: try ImageStore(root: storage))
        let running = try engine.containers.find("brief")
        #expect(running.state.status == .running)
        try #require(try podman("kill", "brief").status == 0)
        #expect(try engine.wait(running) == 137, "the monitor removed it and left its code in the journal")
        #expect(try engine.containers.lookup("brief") == nil)
    }

    /// Stopping a `--rm` container returns once its monitor has removed it; what stops it goes on from there: a pod
    /// with a `--rm` member stops, `volume rm -f` takes a volume such a container uses.
    @Test func whatStopsARmContainerGoesOnOnceItIsRemoved() throws {
        #expect(try podman("pod", "create", "--name", "team").status == 0)
        let member = try podman("run", "-d", "--rm", "--pod", "team", "--name", "member", "docker.io/library/busybox:latest", "sleep", "600")
        #expect(member.status == 0, "\(member)")
        let restart = try podman("restart", "member")
        #expect(restart.status == 125 && restart.stderr.contains("was run with --rm"), "\(restart)")
        #expect(try podman("ps", "--format", "{{.Names}}").stdout.contains("member"), "a refused restart leaves it running")
        let stopped = try podman("pod", "stop", "-t", "0", "team")
        #expect(stopped.status == 0, "\(stopped)")
        #expect(try podman("ps", "-a", "--format", "{{.Names}}").stdout.contains("member") == false)
        #expect(try podman("pod", "ps", "--format", "{{.Status}}").stdout == "Exited\n")
        #expect(try podman("pod", "rm", "team").status == 0)

        // A named volume and an anonymous one (`-v /scratch`), which the container's monitor deletes as it removes it.
        let user = try podman("run", "-d", "--rm", "-v", "kept-data:/data", "-v", "/scratch", "--name", "user",
                              "docker.io/library/busybox:latest", "sleep", "600")
        #expect(user.status == 0, "\(user)")
        let volumes = try podman("volume", "ls", "-q").stdout.split(separator: "\n").map(String.init)
        #expect(volumes.count == 2, "\(volumes)")
        let removed = try podman("volume", "rm", "-f", "-a")
        #expect(removed.status == 0, "\(removed)")
        #expect(Set(removed.stdout.split(separator: "\n").map(String.init)).isSubset(of: Set(volumes)), "\(removed)")
        #expect(removed.stdout.contains("kept-data\n"), "\(removed)")
        #expect(try podman("ps", "-a", "-q").stdout.isEmpty)
        #expect(try podman("volume", "ls", "-q").stdout.isEmpty)

        // restart -a reports the --rm container it cannot restart and restarts the others.
        #expect(try podman("run", "-d", "--rm", "--name", "brief", "docker.io/library/busybox:latest", "sleep", "600").status == 0)
        #expect(try podman("run", "-d", "--name", "kept", "docker.io/library/busybox:latest", "sleep", "600").status == 0)
        let keptID = try podman("inspect", "--format", "{{.Id}}", "kept").stdout
        let restarted = try podman("restart", "-t", "0", "-a")
        #expect(restarted.status == 125 && restarted.stderr.contains("brief was run with --rm"), "\(restarted)")
        #expect(restarted.stdout == keptID, "\(restarted)")
        #expect(Set(try podman("ps", "--format", "{{.Names}}").stdout.split(separator: "\n")) == ["brief", "kept"])
        #expect(try podman("rm", "-f", "-t", "0", "brief", "kept").status == 0)
    }
}
