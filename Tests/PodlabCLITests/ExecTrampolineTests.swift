import CSpawn
import Foundation
import PodlabCore
@testable import PodlabRuntime
import PodlabTestSupport
import Testing

/// podlab's binary never runs inside a container and cannot be rewritten from one (the CVE-2019-5736 class):
/// a container process execs the sealed trampoline, so `/proc/self/exe` at its first exec is that memfd.
struct ExecTrampolineTests {
    let directory = TemporaryDirectory("podlab-trampoline")
    var podman: Podman { Podman(root: directory.file("storage")) }

    /// The dynamic loader's answer to LD_TRACE_LOADED_OBJECTS: one "name => path (address)" line per library.
    static func listsLibraries(_ text: String) -> Bool { text.contains(" => ") }

    @Test func anEntrypointOfProcSelfExeNeverRunsPodlab() throws {
        // Control: the probe does list podlab's libraries when podlab's file is what runs.
        let control = try TestProcess.run([BuildProducts.podlab], environment: ["LD_TRACE_LOADED_OBJECTS": "1"])
        #expect(Self.listsLibraries(control.stdout), "\(control)")

        let probe = try podman("run", "--rm", "-e", "LD_TRACE_LOADED_OBJECTS=1", "--entrypoint", "/proc/self/exe", "busybox")
        #expect(!Self.listsLibraries(probe.stdout + probe.stderr), "\(probe)")
        #expect(!probe.stdout.contains("podlab") && !probe.stdout.contains("swift"), "\(probe)")
        #expect(probe.status == 127)
        #expect(probe.stderr.contains("podlab-exec: podlab's exec trampoline starts container programs"), "\(probe)")
    }

    @Test func aScriptWhoseInterpreterIsProcSelfExeFindsTheTrampoline() throws {
        let context = directory.file("context")
        try FileSystem.createDirectory(context, mode: 0o755)
        try FileSystem.writeAtomically(Array("""
            FROM docker.io/library/busybox
            RUN printf '#!/proc/self/exe\\n' > /probe && chmod 755 /probe
            """.utf8), to: "\(context)/Containerfile")
        let build = try podman("build", "-t", "interpreter-probe", context)
        #expect(build.status == 0, "\(build)")
        let probe = try podman("run", "--rm", "-e", "LD_TRACE_LOADED_OBJECTS=1", "--entrypoint", "/probe", "interpreter-probe")
        #expect(!Self.listsLibraries(probe.stdout + probe.stderr), "\(probe)")
        #expect(probe.stderr.contains("podlab-exec:"), "\(probe)")
    }

    @Test func initsProcessOneIsTheSealedTrampoline() throws {
        // Control: without --init, PID 1 is the image's own program.
        let plain = try podman("run", "--rm", "busybox", "readlink", "/proc/1/exe")
        #expect(plain.stdout == "/bin/busybox\n", "\(plain)")
        let result = try podman("run", "--rm", "--init", "busybox", "sh", "-c",
                                "readlink /proc/1/exe; tr '\\0' ' ' < /proc/1/cmdline; echo")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("/memfd:podlab-exec") == true, "\(result)")
        #expect(lines.last?.hasPrefix("podlab-init ") == true, "\(result)")
        #expect(!result.stdout.contains(BuildProducts.podlab), "the host's command line stays out: \(result)")
    }

    /// What a container could reopen through /proc/PID/exe is sealed: podlab's own errno, EPERM, for writing,
    /// growing and shrinking, from any descriptor to it.
    @Test func theTrampolineCannotBeRewritten() throws {
        let fd = try ExecTrampoline.descriptor()
        let reopened = open("/proc/self/fd/\(fd)", O_RDWR)
        #expect(reopened >= 0)
        defer { close(reopened) }
        var byte: UInt8 = 0x90
        #expect(pwrite(reopened, &byte, 1, 0) == -1 && errno == EPERM)
        #expect(ftruncate(reopened, 0) == -1 && errno == EPERM)
        #expect(ftruncate(reopened, 1 << 20) == -1 && errno == EPERM)
        let addSeals: Int32 = 1033 // F_ADD_SEALS, which Glibc's Swift module does not export
        #expect(fcntl(reopened, addSeals, Int32(0)) == -1 && errno == EPERM, "the seals themselves are sealed")
    }
}

/// The parent reads the child's error pipe: end of file means the program runs; a report, or any part of one,
/// means it does not.
struct ChildReportTests {
    static func read(_ bytes: [UInt8]) -> RuntimeError? {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        _ = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        defer { close(fds[0]) }
        return ContainerLauncher.readFailure(fds[0])
    }

    @Test func endOfFileIsSuccessAndAPartialReportIsAFailure() {
        #expect(Self.read([]) == nil)
        let partial = Self.read([1, 0, 0])
        #expect(partial?.message.contains("truncated report") == true, "\(String(describing: partial))")
    }
}
