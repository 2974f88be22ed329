import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// libarchive is loaded only by commands that read or write archives (Sources/CArchive/lazy.c): the others
/// start without it, and without it they still work while the archive commands say what to install.
struct LibraryLoadingTests {
    let directory = TemporaryDirectory("podlab-library-loading")
    var podman: Podman { Podman(root: directory.file("storage")) }

    /// The shared objects the dynamic loader opened for one command (LD_DEBUG=files lists each it opens).
    func loadedLibraries(_ arguments: [String]) throws -> String {
        var environment = podman.environment
        environment["LD_DEBUG"] = "files"
        let result = try TestProcess.run([BuildProducts.podlab, "podman"] + arguments, environment: environment)
        #expect(result.status == 0, "\(result)")
        return result.stderr
    }

    @Test func onlyArchiveCommandsLoadLibarchive() throws {
        #expect(try podman("pull", "-q", "busybox").status == 0)
        for command in [["images"], ["ps", "-a"], ["--version"], ["image", "inspect", "busybox"]] {
            let loaded = try loadedLibraries(command)
            #expect(!loaded.contains("libarchive.so"), "podman \(command.joined(separator: " ")) loaded libarchive")
        }
        // The control: the same probe sees libarchive when a command needs it.
        let save = try loadedLibraries(["save", "-o", directory.file("busybox.tar"), "busybox"])
        #expect(save.contains("file=libarchive.so.13"), "the probe does not see libarchive being loaded: \(save.suffix(500))")
    }

    /// As root, a mount namespace with the library hidden: archive commands refuse with the package to install.
    @Test(.enabled(if: getuid() == 0, "hiding a system library takes a mount namespace of root's"))
    func aMissingLibarchiveIsNamedWithItsPackage() throws {
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let library = try #require(["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"]
            .map { "\($0)/libarchive.so.13" }.first(where: FileSystem.exists))
        let script = """
        mount --bind /dev/null '\(library)' || exit 99
        '\(BuildProducts.podlab)' podman save -o '\(directory.file("out.tar"))' busybox; echo "save=$?"
        '\(BuildProducts.podlab)' podman images --format '{{.Repository}}'; echo "images=$?"
        '\(BuildProducts.podlab)' doctor --format json | grep -A1 '"libarchive"'
        """
        let result = try TestProcess.run(["unshare", "-m", "sh", "-c", script], environment: podman.environment)
        #expect(result.stdout.hasPrefix("save=125\ndocker.io/library/busybox\nimages=0\n"), "\(result)")
        #expect(result.stdout.contains(#""status": "failed""#), "doctor: \(result.stdout)")
        #expect(result.stderr.contains("Error: podlab cannot load libarchive, which reads and writes images: \(library)"), "\(result)")
        #expect(result.stderr.contains("Hint: install it: sudo apt install libarchive13"), "\(result)")
    }
}
