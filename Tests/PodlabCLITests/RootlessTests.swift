import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The image commands as an ordinary user: storage under the user's XDG data directory, files owned by
/// the user, no root anywhere. As root (CI), the test runs them as the unprivileged user the test set-up
/// created (scripts/test-setup.sh); as an ordinary user it runs them directly.
@Suite struct RootlessTests {
    static let user = "podlab-test"

    @Test func imageCommandsWorkWithoutRoot() throws {
        let directory = TemporaryDirectory("podlab-rootless")
        chmod(directory.path, 0o755)
        // A copy of podlab and the fixtures the unprivileged user can read (the build tree may be in /root).
        let binary = directory.file("podlab")
        try TestProcess.run(["cp", BuildProducts.podlab, binary])
        try TestProcess.run(["cp", "-r", BuildProducts.fixtures, directory.file("fixtures")])
        try TestProcess.run(["chmod", "-R", "a+rX", directory.path])
        let data = directory.file("data")
        try FileSystem.createDirectory(data)

        var prefix: [String] = []
        var uid = geteuid()
        if geteuid() == 0 {
            guard let entry = getpwnam(RootlessTests.user) else {
                Issue.record("the test user \(RootlessTests.user) is missing: run scripts/test-setup.sh (make test does)")
                return
            }
            uid = entry.pointee.pw_uid
            chown(data, entry.pointee.pw_uid, entry.pointee.pw_gid)
            prefix = ["runuser", "-u", RootlessTests.user, "--"]
        }
        func podman(_ arguments: String...) throws -> ProcessResult {
            try TestProcess.run(prefix + ["env", "-i", "HOME=\(data)", "XDG_DATA_HOME=\(data)", "PODLAB_FIXTURES=\(directory.file("fixtures"))",
                                          "PATH=/usr/bin:/bin", binary, "podman"] + arguments, directory: data)
        }

        let whoami = try TestProcess.run(prefix + ["id", "-u"])
        #expect(whoami.stdout == "\(uid)\n", "the commands must run as the unprivileged user")
        #expect(uid != 0)
        let pull = try podman("pull", "busybox")
        #expect(pull.status == 0, "\(pull)")
        let storage = "\(data)/podlab"
        var info = stat()
        #expect(stat("\(storage)/images.json", &info) == 0 && info.st_uid == uid)
        let layers = FileSystem.list("\(storage)/layers")
        #expect(layers.count == 1)
        #expect(stat("\(storage)/layers/\(layers[0])/bin/busybox", &info) == 0 && info.st_uid == uid,
                "a rootless store keeps files as the user's own")
        #expect(try podman("tag", "busybox", "localhost/mine:1").status == 0)
        #expect(try podman("save", "-o", "\(data)/mine.tar", "localhost/mine:1").status == 0)
        #expect(try podman("rmi", "-f", "busybox").status == 0)
        let load = try podman("load", "-i", "\(data)/mine.tar")
        #expect(load.stdout == "Loaded image: localhost/mine:1\n", "\(load)")
        #expect(try podman("images", "--format", "{{.Repository}}:{{.Tag}}").stdout == "localhost/mine:1\n")
    }
}
