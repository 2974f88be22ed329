#if canImport(Glibc)
import Glibc
#endif

/// A directory only this user may use: podlab's run-time directory (the sandbox registry's address and log,
/// compiled seccomp filters) and the /tmp fallbacks. It must be ours, 0700 and not a symbolic link; one that
/// another user made first (to catch logins, redirect the registry or plant a weaker filter) is refused.
public enum PrivateDirectory {
    public struct Refused: LearnerFacingError {
        public let path: String
        public let reason: String
        public var message: String { "will not use \(path): \(reason)" }
        public var hint: String? {
            "another user may have made it to catch podlab's files: remove it (as its owner or root), or set "
                + "XDG_RUNTIME_DIR (or --runroot) to a directory of your own; 'podlab doctor' checks it"
        }
        public var exitStatus: Int32 { ExitStatus.engineError }
    }

    /// Creates `path` (0700) if it is missing, then checks it; a mode wider than 0700 on our own directory is
    /// narrowed. Throws `Refused` for a symbolic link, a non-directory or another owner.
    public static func ensure(_ path: String) throws {
        if mkdir(path, 0o700) != 0 && errno == ENOENT {
            try FileSystem.createDirectory(FileSystem.parent(of: path), mode: 0o700)
            _ = mkdir(path, 0o700)
        }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            var info = stat()
            if lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK {
                throw Refused(path: path, reason: "it is a symbolic link")
            }
            if code == ENOTDIR { throw Refused(path: path, reason: "it is not a directory") }
            throw SystemError("open", path: path, errno: code)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SystemError("inspect", path: path, errno: errno) }
        guard info.st_uid == geteuid() else {
            throw Refused(path: path, reason: "it belongs to uid \(info.st_uid), not to you (uid \(geteuid()))")
        }
        if info.st_mode & 0o077 != 0 && fchmod(fd, 0o700) != 0 {
            throw SystemError("change the mode of", path: path, errno: errno)
        }
    }
}
