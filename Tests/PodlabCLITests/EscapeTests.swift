import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// Attempts to break out of a container, each refused. The attempts are a static C program of the tests'
/// own (Tests/Programs/escape.c), bind-mounted read-only into a busybox container.
@Suite(.serialized) struct EscapeTests {
    static let shared = SharedEscapeFixture()

    /// Only attempts the kernel would allow container root but podlab refuses (seccomp, read-only mounts):
    /// ptrace, kexec_load, init_module, finit_module, bpf and open_by_handle_at fail in a user namespace
    /// whatever podlab does, so they prove nothing and are not listed.
    static let attempts = ["mount", "userns", "mountns", "keyctl", "reboot", "proc-sys", "sysfs", "sysrq", "exe"]

    @Test(arguments: attempts)
    func attemptIsRefused(attempt: String) throws {
        let fixture = try EscapeTests.shared.ready()
        let result = try fixture.podman("run", "--rm", "-v", "\(fixture.programs):/t:ro", "busybox", "/t/escape", attempt)
        #expect(result.status == 0, "\(attempt): \(result)")
        #expect(result.stdout.contains("refused"), "\(attempt): \(result.stdout)")
    }

    @Test func chrootClimbStaysInsideTheContainer() throws {
        let fixture = try EscapeTests.shared.ready()
        let marker = fixture.directory.file("host-marker")
        try FileSystem.writeAtomically(Array("host".utf8), to: marker)
        let result = try fixture.podman("run", "--rm", "-v", "\(fixture.programs):/t:ro", "busybox", "/t/escape", "chroot", marker)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("still inside the container"))
    }

    @Test func workingDirectoryThroughALeakedDescriptorIsRefused() throws {
        let fixture = try EscapeTests.shared.ready()
        for descriptor in 3...20 {
            let result = try fixture.podman("run", "--rm", "-w", "/proc/self/fd/\(descriptor)", "busybox", "pwd")
            #expect(result.status != 0, "-w /proc/self/fd/\(descriptor) started: \(result)")
            #expect(result.stderr.contains("chdir to `/proc/self/fd/\(descriptor)`"), "\(result)")
        }
    }
}

/// One store and one compiled escape program for the whole suite.
final class SharedEscapeFixture: @unchecked Sendable {
    struct Ready {
        let directory: TemporaryDirectory
        let podman: Podman
        let programs: String
    }

    private let lock = NSLock()
    private var prepared: Ready?

    func ready() throws -> Ready {
        lock.lock()
        defer { lock.unlock() }
        if let prepared { return prepared }
        let directory = TemporaryDirectory("podlab-escape")
        directory.removeAtExit()
        let programs = directory.file("programs")
        try FileSystem.createDirectory(programs)
        _ = try TestPrograms.build("escape", into: programs)
        let podman = Podman(root: directory.file("storage"))
        let pull = try podman("pull", "-q", "busybox")
        guard pull.status == 0 else { throw ProgramBuildFailure(output: pull.description) }
        // This fixture lives until the test process ends: stop the sandbox registry the pull started now.
        SandboxCleanup.stopSandboxes(under: directory.path)
        let ready = Ready(directory: directory, podman: podman, programs: programs)
        prepared = ready
        return ready
    }
}
