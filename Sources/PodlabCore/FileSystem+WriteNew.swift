#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension FileSystem {
    /// O_TMPFILE, which Swift does not import (a macro of macros): `__O_TMPFILE | O_DIRECTORY` as Linux's
    /// asm-generic/fcntl.h defines it for x86-64 and arm64.
    static let openTemporaryFile: Int32 = 0o20000000 | O_DIRECTORY

    /// Writes a file that must not exist yet, whole or not at all (a file the learner named, such as
    /// `kube generate -f todo.yaml`): an existing name is refused with EEXIST and left alone. The bytes go into an
    /// unnamed file (O_TMPFILE) that is synced and then linked to the name, which fails rather than replace; a kill
    /// before the link leaves nothing behind. Where the filesystem has no unnamed files, or the unnamed file cannot
    /// be linked (no /proc/self/fd, as in a chroot), the name is created exclusively and written, and removed again
    /// if the write fails. The mode is subject to the umask, as for any file the learner's own commands make.
    public static func writeNew(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(SystemError) {
        var info = stat()
        if lstat(path, &info) == 0 { throw SystemError("create", path: path, errno: EEXIST) }
        let fd = open(parent(of: path), openTemporaryFile | O_WRONLY | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let openErrno = errno
            // EOPNOTSUPP: this filesystem has no unnamed files; EISDIR/EINVAL: a kernel or libc without O_TMPFILE.
            guard [EOPNOTSUPP, EISDIR, EINVAL].contains(openErrno) else { throw SystemError("create", path: path, errno: openErrno) }
            try writeExclusively(bytes, to: path, mode: mode)
            return
        }
        defer { close(fd) }
        try writeAndSync(bytes, fd: fd, path: path)
        // The descriptor's /proc link names the unnamed file; AT_SYMLINK_FOLLOW links the file itself.
        guard linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 else {
            let linkErrno = errno
            if linkErrno == EEXIST { throw SystemError("create", path: path, errno: EEXIST) }
            // No /proc to link through (a chroot, a sandbox): the unnamed file is dropped with its descriptor.
            try writeExclusively(bytes, to: path, mode: mode)
            return
        }
        syncDirectory(of: path)
    }

    /// O_EXCL create and write; the name goes again when the write fails, so no half file stays under it.
    static func writeExclusively(_ bytes: [UInt8], to path: String, mode: mode_t) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError("create", path: path, errno: errno) }
        do {
            try writeAndSync(bytes, fd: fd, path: path)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        close(fd)
        syncDirectory(of: path)
    }

    static func writeAndSync(_ bytes: [UInt8], fd: Int32, path: String) throws(SystemError) {
        let writeError = bytes.withUnsafeBytes { buffer -> SystemError? in
            do throws(SystemError) { try writeAll(fd: fd, buffer, path: path) } catch { return error }
            return nil
        }
        if let writeError { throw writeError }
        guard fsync(fd) == 0 else { throw SystemError("sync", path: path, errno: errno) }
    }
}
