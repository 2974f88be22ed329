import CSpawn
import PodlabCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The sealed in-memory program every container process execs last (Sources/ExecTrampoline/trampoline.c).
///
/// A container process is a clone of podlab, so before its exec `/proc/self/exe` is podlab's file on the host.
/// Exec'ing the container's program directly would let an image name `/proc/self/exe` as its entrypoint (or
/// as a script's interpreter) and run, then rewrite, the host binary: CVE-2019-5736. Instead the clone execs
/// this trampoline out of a memfd sealed against writes, shrinking and growing, and the trampoline execs the
/// program: whatever the container then finds behind `/proc/self/exe` is that sealed memfd.
public enum ExecTrampoline {
    private static let shared = Mutex<Int32?>(nil)

    /// A close-on-exec descriptor of the sealed trampoline, made once per podlab process.
    public static func descriptor() throws -> Int32 {
        try shared.withLock { cached in
            if let fd = cached { return fd }
            let fd = try makeSealed()
            cached = fd
            return fd
        }
    }

    /// The trampoline's bytes, decoded from the hex the build plugin generated.
    static var bytes: [UInt8] {
        image.withUTF8Buffer { hex in
            stride(from: 0, to: hex.count - 1, by: 2).map { UInt8(nibble(hex[$0]) << 4 | nibble(hex[$0 + 1])) }
        }
    }

    private static func nibble(_ character: UInt8) -> UInt8 {
        character >= UInt8(ascii: "a") ? character - UInt8(ascii: "a") + 10 : character - UInt8(ascii: "0")
    }

    private static func makeSealed() throws -> Int32 {
        let program = bytes
        let fd = program.withUnsafeBytes { podlab_sealed_executable("podlab-exec", $0.baseAddress, $0.count) }
        guard fd >= 0 else {
            let code = errno
            throw RuntimeError.cannotRun(
                "cannot create the sealed program that starts containers: \(SystemError.describe(code))",
                hint: code == EACCES
                    ? "this kernel forbids executable memfds (vm.memfd_noexec = 2); podlab needs them: sysctl vm.memfd_noexec=1"
                    : "check that memfd_create and sealing are allowed for podlab (seccomp, SELinux or AppArmor rules)")
        }
        return fd
    }
}
