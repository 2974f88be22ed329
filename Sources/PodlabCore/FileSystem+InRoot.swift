import CSpawn
#if canImport(Glibc)
import Glibc
#endif

extension FileSystem {
    /// Linux's O_PATH (the same on x86-64 and arm64), which Glibc's Swift module does not export: a descriptor
    /// that names a file without the permission to read it (a directory of the image's another user owns).
    static let openPathOnly: Int32 = 0o10000000

    /// Whether `path` names a directory inside the tree at `root`, read as a container would see it: its links are
    /// followed with `root` as "/" (openat2 with RESOLVE_IN_ROOT), so an image's `/app -> /opt/app` is looked up in
    /// the image, never on this machine. False when anything on the way is missing or not a directory. A kernel
    /// without openat2 (before 5.6), or a seccomp filter refusing it, gets the plain look under `root`, whose
    /// absolute links lead out of it; openat2's EAGAIN (a rename elsewhere raced a "..") is tried again.
    public static func isDirectory(_ path: String, inRoot root: String) -> Bool {
        let rootFD = open(root, openPathOnly | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return false }
        defer { close(rootFD) }
        for _ in 0..<16 {
            let fd = podlab_open_in_root(rootFD, path, openPathOnly | O_DIRECTORY | O_CLOEXEC, 0)
            if fd >= 0 {
                close(fd)
                return true
            }
            switch errno {
            case EAGAIN: continue
            case ENOSYS, EPERM: return isDirectory(root + "/" + path)
            default: return false
            }
        }
        return false
    }
}
