import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Without XDG_RUNTIME_DIR, a learner's run-time directory is /tmp/podlab-run-UID. Another user who makes it
/// first (to read the sandbox registry's address and log, or to plant a weaker seccomp filter) is refused.
@Suite(.serialized) struct RunTimeDirectoryTests {
    /// `podman run` as the learner, with no XDG_RUNTIME_DIR.
    static func run(_ learner: RootlessUser) throws -> ProcessResult {
        try TestProcess.run(learner.prefix + ["env", "-i", "HOME=\(learner.data)", "XDG_DATA_HOME=\(learner.data)",
                                              "PODLAB_FIXTURES=\(learner.directory.file("fixtures"))", "PATH=/usr/bin:/bin",
                                              learner.directory.file("podlab"), "podman", "run", "--rm", "busybox", "echo", "ran"],
                            directory: learner.data)
    }

    @Test(arguments: ["a directory", "a symbolic link"])
    func aRunTimeDirectoryPlantedByAnotherUserIsRefused(planted: String) throws {
        guard geteuid() == 0, let learner = try RootlessUser.prepare() else { return } // needs two users
        let runtime = "/tmp/podlab-run-\(learner.uid)"
        try TestProcess.run(["rm", "-rf", runtime])
        defer {
            SandboxCleanup.stopSandboxes(under: runtime) // the control run starts the learner's sandbox registry
            _ = try? TestProcess.run(["rm", "-rf", runtime])
        }
        let decoy = learner.directory.file("decoy")
        let plant = planted == "a directory"
            ? ["mkdir", "-m", "0777", runtime]
            : ["sh", "-c", "mkdir -m 0777 \(decoy) && ln -s \(decoy) \(runtime)"]
        chmod(learner.directory.path, 0o777)
        #expect(try TestProcess.run(["runuser", "-u", "nobody", "--"] + plant).status == 0)

        let refused = try Self.run(learner)
        #expect(refused.status == 125, "\(refused)")
        #expect(refused.stderr.contains("will not use \(runtime): "), "\(refused)")
        #expect(refused.stderr.contains(planted == "a directory" ? "belongs to uid" : "symbolic link"), "\(refused)")
        #expect(FileSystem.list(planted == "a directory" ? runtime : decoy).isEmpty, "nothing was written there")

        // Control: once the planted one is gone, the same command makes its own and runs.
        try TestProcess.run(["rm", "-rf", runtime])
        let ran = try Self.run(learner)
        #expect(ran.stdout == "ran\n", "\(ran)")
        var info = stat()
        #expect(lstat(runtime, &info) == 0 && info.st_uid == learner.uid && info.st_mode & 0o777 == 0o700)
    }
}
