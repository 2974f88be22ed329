import CSpawn
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// A running container's first process, held so that nothing done through it can reach another process that
/// was given the same pid later. It holds a pidfd and a descriptor of `/proc/PID`, both opened before the start
/// time read through that descriptor is compared with the one the record kept: if the pid had been reused
/// before either was opened, the comparison fails; once it passes, the pidfd signals only that process (ESRCH
/// after it has gone) and `/proc/PID` opens only its files (failing after it has gone).
public final class VerifiedProcess {
    public let pid: Int32
    private let pidfd: Int32
    private let procfd: Int32

    /// Nil when the record is not running or its process is gone (ended, or the pid now another process's); throws
    /// when the kernel will not say (no pidfd_open before Linux 5.3, or a sandbox around podlab refusing it).
    public convenience init?(_ record: ContainerRecord) throws {
        guard record.state.status == .running, let pid = record.state.pid, let started = record.state.pidStartTime else { return nil }
        try self.init(pid: pid, startTime: started)
    }

    /// Nil when process `pid` is gone or is no longer the one that started at `started` (its start time in `stat`).
    public init?(pid: Int32, startTime started: UInt64) throws {
        let pidfd = podlab_pidfd_open(pid)
        guard pidfd >= 0 else {
            // EINVAL: the pid is now a thread that leads no process; the record's process led one, so it has gone.
            if errno == ESRCH || errno == EINVAL { return nil }
            throw SystemError("hold (pidfd_open, Linux 5.3 or later)", path: "process \(pid)", errno: errno)
        }
        let procfd = open("/proc/\(pid)", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard procfd >= 0 else {
            let failure = errno
            close(pidfd)
            if failure == ENOENT || failure == ESRCH { return nil }
            throw SystemError("open", path: "/proc/\(pid)", errno: failure)
        }
        guard Self.startTime(at: procfd) == started else {
            close(procfd)
            close(pidfd)
            return nil
        }
        self.pid = pid
        self.pidfd = pidfd
        self.procfd = procfd
    }

    deinit {
        close(procfd)
        close(pidfd)
    }

    /// Sends `signal`; false when the process has already gone.
    @discardableResult
    public func signal(_ signal: Int32) throws -> Bool {
        if podlab_pidfd_send_signal(pidfd, signal) == 0 { return true }
        if errno == ESRCH { return false }
        throw SystemError("send signal \(signal) to", path: "process \(pid)", errno: errno)
    }

    /// Waits until the process has ended, at most `milliseconds` (-1: no limit); true when it has.
    @discardableResult
    public func waitForExit(milliseconds: Int32) -> Bool {
        podlab_wait_pidfd(pidfd, milliseconds) == 1
    }

    /// Opens the process's namespaces (`user`, `net`, …) in the order given, for the caller to enter and close;
    /// nil when the process has gone meanwhile.
    public func openNamespaces(_ names: [String]) throws -> [Int32]? {
        var opened: [Int32] = []
        for name in names {
            let fd = openat(procfd, "ns/\(name)", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let failure = errno
                opened.forEach { close($0) }
                if failure == ESRCH || failure == ENOENT { return nil }
                throw SystemError("open the \(name) namespace of", path: "process \(pid)", errno: failure)
            }
            opened.append(fd)
        }
        return opened
    }

    /// The namespaces a pod member shares with its infra and those `exec` enters, in the order CSpawn takes their
    /// descriptors (CSpawn writes that order once; these read it).
    public static let podNamespaces = namespaceNames(Int(PODLAB_POD_NAMESPACES), podlab_pod_namespace)
    public static let execNamespaces = namespaceNames(Int(PODLAB_EXEC_NAMESPACES), podlab_exec_namespace)

    static func namespaceNames(_ count: Int, _ name: (Int32) -> UnsafePointer<CChar>?) -> [String] {
        (0..<count).compactMap { name(Int32($0)).map { String(cString: $0) } }
    }

    /// A descriptor of the process's root directory, as its processes see it, for the caller to close; nil when the
    /// process has gone meanwhile.
    public func openRoot() throws -> Int32? {
        let fd = openat(procfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { return fd }
        if errno == ESRCH || errno == ENOENT { return nil }
        throw SystemError("open the root of", path: "process \(pid)", errno: errno)
    }

    /// The start time in `stat` under a `/proc/PID` descriptor; nil when the process has gone.
    static func startTime(at procfd: Int32) -> UInt64? {
        let fd = openat(procfd, "stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let bytes = try? FileSystem.readAll(fd: fd, path: "stat") else { return nil }
        return ProcessInfoReader.startTime(stat: bytes)
    }
}
