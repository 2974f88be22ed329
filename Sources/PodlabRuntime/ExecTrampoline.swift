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

    private static func makeSealed() throws -> Int32 {
        try EmbeddedProgram.seal("podlab-exec", image: image, purpose: "starts containers")
    }
}
