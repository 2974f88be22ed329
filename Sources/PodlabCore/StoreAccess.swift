#if canImport(Glibc)
import Glibc
#endif

/// Who may enter podlab's store directories: podlab's own user, nobody else (CVE-2021-41091 class: a store
/// others can traverse hands them every layer's files, setuid programs included).
///
/// Rootless, a store directory is 0700. As root, a container's overlay is mounted by the container's root,
/// host uid/gid `IDRange.rootOffset`, which must pass through the store to name its layers: the directories
/// are then `root:<that gid>` 0710 — enterable by container roots, by no other user.
public enum StoreAccess {
    /// The mode and group a store directory gets here.
    public static var mode: mode_t { Locations.isRoot ? 0o710 : 0o700 }

    /// Creates `path` if needed and (re)sets its owner and mode, so older, wider stores are closed too.
    public static func prepare(_ path: String) throws(SystemError) {
        try FileSystem.createDirectory(path, mode: 0o700)
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", path: path, errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SystemError("inspect", path: path, errno: errno) }
        // Someone else's directory is not made ours: its owner could swap what is inside.
        guard info.st_uid == geteuid() else { throw SystemError("use the store at", path: path, errno: EPERM) }
        if Locations.isRoot && fchown(fd, 0, gid_t(IDRange.rootOffset)) != 0 {
            throw SystemError("change the group of", path: path, errno: errno)
        }
        if fchmod(fd, mode) != 0 { throw SystemError("change the mode of", path: path, errno: errno) }
    }
}
