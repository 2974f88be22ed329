#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An advisory lock on a file (`flock`), shared between podlab processes of one user.
/// The kernel drops it when the process dies, so a kill -9 never leaves a stale lock.
///
/// flock belongs to the open file, not to a thread: `lock`/`tryLock`/`unlock` hold this instance's one descriptor
/// (a process's own hold, such as a server's for its lifetime). `withLock` opens a descriptor of its own for each
/// hold, so threads sharing one instance are kept apart as processes are.
public final class FileLock: @unchecked Sendable {
    public enum Mode: Sendable { case shared, exclusive }

    public let path: String
    private var fd: Int32

    /// How the locked file is opened (a lock file, made if needed; or an existing directory).
    private let flags: Int32

    /// Opens (creating if needed) the lock file; does not lock yet.
    public convenience init(path: String) throws(SystemError) {
        try self.init(path: path, flags: O_RDWR | O_CREAT)
    }

    /// Locks an existing directory itself (no file is made in it, so nothing collides with its removal); does not
    /// lock yet. Fails with ENOENT when it is gone.
    public convenience init(directory: String) throws(SystemError) {
        try self.init(path: directory, flags: O_RDONLY | O_DIRECTORY)
    }

    private init(path: String, flags: Int32) throws(SystemError) {
        self.path = path
        self.flags = flags
        let descriptor = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SystemError("open lock", path: path, errno: errno) }
        fd = descriptor
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Blocks until the lock is held in `mode`.
    public func lock(_ mode: Mode) throws(SystemError) {
        let operation = mode == .shared ? LOCK_SH : LOCK_EX
        while flock(fd, operation) != 0 {
            if errno == EINTR { continue }
            throw SystemError("lock", path: path, errno: errno)
        }
    }

    /// Takes the lock only if nobody else holds a conflicting one.
    public func tryLock(_ mode: Mode) throws(SystemError) -> Bool {
        let operation = (mode == .shared ? LOCK_SH : LOCK_EX) | LOCK_NB
        while flock(fd, operation) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return false }
            throw SystemError("lock", path: path, errno: errno)
        }
        return true
    }

    public func unlock() {
        _ = flock(fd, LOCK_UN)
    }

    /// Runs `body` with the lock held on a descriptor of its own (see the type), released afterwards whatever
    /// happens. Not re-entrant: a `withLock` inside another on the same file waits for itself.
    public func withLock<T, E: Error>(_ mode: Mode, _ body: () throws(E) -> T) throws -> T {
        let hold = try FileLock(path: path, flags: flags)
        try hold.lock(mode)
        defer { hold.unlock() }
        return try body()
    }
}
