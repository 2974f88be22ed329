import CSpawn
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// A program built into podlab by Plugins/EmbeddedProgramsPlugin (its bytes as hex), run out of a memfd sealed
/// against writes, shrinking and growing: nothing on disk to install, find, or have swapped.
enum EmbeddedProgram {
    /// A close-on-exec descriptor of a sealed memfd holding the program; `purpose` ends "cannot create the sealed
    /// program that …" when the kernel refuses.
    static func seal(_ name: String, image: StaticString, purpose: String) throws -> Int32 {
        let program = bytes(image)
        let fd = program.withUnsafeBytes { podlab_sealed_executable(name, $0.baseAddress, $0.count) }
        guard fd >= 0 else {
            let code = errno
            throw RuntimeError.cannotRun(
                "cannot create the sealed program that \(purpose): \(SystemError.describe(code))",
                hint: code == EACCES
                    ? "this kernel forbids executable memfds (vm.memfd_noexec = 2); podlab needs them: sysctl vm.memfd_noexec=1"
                    : "check that memfd_create and sealing are allowed for podlab (seccomp, SELinux or AppArmor rules)")
        }
        return fd
    }

    /// The program's bytes, decoded from the hex the build plugin generated.
    static func bytes(_ image: StaticString) -> [UInt8] {
        image.withUTF8Buffer { hex in
            stride(from: 0, to: hex.count - 1, by: 2).map { UInt8(nibble(hex[$0]) << 4 | nibble(hex[$0 + 1])) }
        }
    }

    private static func nibble(_ character: UInt8) -> UInt8 {
        character >= UInt8(ascii: "a") ? character - UInt8(ascii: "a") + 10 : character - UInt8(ascii: "0")
    }
}
