import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Another local user cannot read, list or run anything in root's store or a learner's store (the
/// CVE-2021-41091 class: a store others may traverse hands out every layer file, setuid programs included).
/// Each probe first runs with the store opened as podlab once left it (o+x), to show that it would succeed.
@Suite struct StorePrivacyTests {
    static func probe(as user: String, storage: String) throws -> String {
        let layer = FileSystem.list("\(storage)/layers").first ?? "missing"
        let busybox = "\(storage)/layers/\(layer)/bin/busybox"
        let script = "cat \(busybox) > /dev/null && echo READ; \(busybox) true && echo RAN; ls \(storage) > /dev/null && echo LISTED; true"
        return try TestProcess.run(["runuser", "-u", user, "--", "/bin/sh", "-c", script]).stdout
    }

    /// Opens the store and its layer directory to others as podlab once did: the control.
    static func openToOthers(_ storage: String) {
        chmod(storage, 0o711)
        chmod("\(storage)/layers", 0o711)
    }

    @Test func anotherUserCannotEnterRootsStore() throws {
        guard geteuid() == 0 else { return } // only root has a root store; CI runs as root
        let directory = TemporaryDirectory("podlab-private-root")
        chmod(directory.path, 0o755)
        let storage = directory.file("storage")
        let podman = Podman(root: storage)
        let run = try podman("run", "--rm", "busybox", "true")
        #expect(run.status == 0, "\(run)")

        Self.openToOthers(storage)
        let control = try Self.probe(as: RootlessUser.name, storage: storage)
        #expect(control.contains("READ") && control.contains("RAN"), "control: an open store is readable: \(control)")

        #expect(try podman("images").status == 0, "any command closes the store again")
        var info = stat()
        #expect(stat(storage, &info) == 0 && info.st_mode & 0o007 == 0, "mode \(String(info.st_mode, radix: 8))")
        #expect(try Self.probe(as: RootlessUser.name, storage: storage) == "")
        // And containers still run from the closed store (their root passes through by group).
        #expect(try podman("run", "--rm", "busybox", "echo", "inside").stdout == "inside\n")
    }

    @Test func anotherUserCannotEnterALearnersStore() throws {
        guard geteuid() == 0, let learner = try RootlessUser.prepare() else { return } // needs a second user
        #expect(try learner.podman("run", "--rm", "busybox", "true").status == 0)
        let storage = "\(learner.data)/podlab"

        Self.openToOthers(storage)
        let control = try Self.probe(as: "nobody", storage: storage)
        #expect(control.contains("READ") && control.contains("RAN"), "control: an open store is readable: \(control)")

        #expect(try learner.podman("images").status == 0)
        #expect(try Self.probe(as: "nobody", storage: storage) == "")
    }
}
