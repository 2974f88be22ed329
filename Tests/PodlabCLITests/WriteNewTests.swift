import Foundation
@testable import PodlabCore
import PodlabTestSupport
import Testing

/// `FileSystem.writeNew`, the write behind `kube generate -f`: a new name gets the whole file or nothing, an
/// existing one is refused and left as it was, by either of its two ways of writing.
@Suite struct WriteNewTests {
    let directory = TemporaryDirectory("podlab-writenew")

    @Test func aNewNameGetsTheWholeFileAndAnExistingOneIsLeftAlone() throws {
        let path = directory.file("new.yaml")
        try FileSystem.writeNew(Array("kind: Pod\n".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "kind: Pod\n")
        do {
            try FileSystem.writeNew(Array("other\n".utf8), to: path)
            Issue.record("an existing file was replaced")
        } catch {
            #expect(error.errno == EEXIST, "\(error)")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "kind: Pod\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["new.yaml"], "nothing beside it")
    }

    /// The way taken where the filesystem has no unnamed files or there is no /proc to link through.
    @Test func theExclusiveWayAlsoRefusesAnExistingName() throws {
        let path = directory.file("excl.yaml")
        try FileSystem.writeExclusively(Array("first\n".utf8), to: path, mode: 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first\n")
        do {
            try FileSystem.writeExclusively(Array("second\n".utf8), to: path, mode: 0o600)
            Issue.record("an existing file was replaced")
        } catch {
            #expect(error.errno == EEXIST, "\(error)")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first\n")
    }

    /// Without /proc/self/fd (a chroot or sandbox without /proc) the unnamed file cannot be linked; the file is
    /// written the exclusive way. Here an empty directory is mounted over the process's fd directory (podlab still
    /// finds itself through /proc/self/exe). Control: the same command in the same kind of mount namespace as is.
    @Test(.enabled(if: getuid() == 0, "a mount namespace of its own needs root"))
    func withoutProcTheFileIsStillWritten() throws {
        let podman = Podman(root: directory.file("storage"))
        #expect(try podman("pod", "create", "--name", "gen").status == 0)
        #expect(try podman("create", "--pod", "gen", "--name", "gen-a", "busybox", "true").status == 0)
        let empty = directory.file("empty")
        try FileSystem.createDirectory(empty)
        for (name, hideProc) in [("with-proc.yaml", false), ("without-proc.yaml", true)] {
            let file = directory.file(name)
            let hide = hideProc ? "mount --bind '\(empty)' /proc/$$/fd && test ! -e /proc/self/fd/0 && " : ""
            let command = "\(hide)exec \"$0\" \"$@\""
            let result = try TestProcess.run(["/usr/bin/unshare", "-m", "--propagation", "private", "sh", "-c", command,
                                              BuildProducts.podlab, "podman", "kube", "generate", "gen", "-f", file],
                                             environment: podman.environment)
            #expect(result.status == 0, "\(name): \(result)")
            #expect(try String(contentsOfFile: file, encoding: .utf8).contains("kind: Pod\n"), "\(name)")
        }
    }
}
