import CSpawn
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Copies a file, symlink or directory tree from one directory descriptor to another, for `podman cp`. Every
/// step is relative to a descriptor podlab holds and opens with O_NOFOLLOW: nothing a container puts in its tree
/// (symlinks, a directory swapped for a link meanwhile, a FIFO where a file was) can make podlab read or write
/// outside the two trees. Entries are always made new (unlinked, then created exclusively), never written into.
public struct TreeCopy {
    /// Owner given to what is made (the container's root when copying in as root); nil: whoever podlab runs as.
    public var owner: (uid: UInt32, gid: UInt32)?
    /// Clear setuid/setgid bits (copying out of a container onto the host).
    public var dropSetID = false
    /// Devices, FIFOs and sockets met and left out; /proc and /sys mounts not entered.
    public private(set) var skipped: [String] = []

    public init(owner: (uid: UInt32, gid: UInt32)?, dropSetID: Bool) {
        self.owner = owner
        self.dropSetID = dropSetID
    }

    static let procMagic: Int = 0x9fa0
    static let sysfsMagic: Int = 0x62656572

    /// Whether `fd` is on /proc or /sys, which `cp` neither reads nor writes.
    public static func isKernelFileSystem(_ fd: Int32) -> Bool {
        let type = podlab_file_system_type(fd)
        return type == procMagic || type == sysfsMagic
    }

    /// Copies `name` in `source` to `target` under the name `newName`. `display` names the entry in messages.
    public mutating func copy(from source: Int32, _ name: String, to target: Int32, as newName: String, display: String) throws {
        var info = stat()
        guard fstatat(source, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { throw SystemError("read", path: display, errno: errno) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: try copyFile(from: source, name, to: target, as: newName, display: display)
        case S_IFDIR: try copyDirectory(from: source, name, to: target, as: newName, display: display)
        case S_IFLNK: try copyLink(from: source, name, to: target, as: newName, display: display)
        default: skipped.append(display)
        }
    }

    mutating func copyFile(from source: Int32, _ name: String, to target: Int32, as newName: String, display: String) throws {
        // O_NONBLOCK: a FIFO swapped in after the check must not hang the copy; the descriptor's own type decides.
        let input = openat(source, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard input >= 0 else { throw SystemError("open", path: display, errno: errno) }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw SystemError("read", path: display, errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            skipped.append(display)
            return
        }
        _ = fcntl(input, F_SETFL, 0)
        try removeExisting(newName, in: target, keepDirectory: false, display: display)
        let output = creating { openat(target, newName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
        guard output >= 0 else { throw SystemError("create", path: display, errno: errno) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(input, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw SystemError("read", path: display, errno: errno) }
            if count == 0 { break }
            var written = 0
            while written < count {
                let done = buffer.withUnsafeBytes { write(output, $0.baseAddress.map { $0 + written }, count - written) }
                if done < 0 && errno == EINTR { continue }
                guard done > 0 else { throw SystemError("write", path: display, errno: errno) }
                written += done
            }
        }
        try finish(output, info, display: display)
    }

    mutating func copyDirectory(from source: Int32, _ name: String, to target: Int32, as newName: String, display: String) throws {
        let input = openat(source, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard input >= 0 else { throw SystemError("open", path: display, errno: errno) }
        defer { close(input) }
        if Self.isKernelFileSystem(input) {
            skipped.append(display)
            return
        }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw SystemError("read", path: display, errno: errno) }
        try removeExisting(newName, in: target, keepDirectory: true, display: display)
        if creating({ mkdirat(target, newName, 0o700) }) != 0 && errno != EEXIST { throw SystemError("create", path: display, errno: errno) }
        let output = openat(target, newName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard output >= 0 else { throw SystemError("open", path: display, errno: errno) }
        defer { close(output) }
        let listing = try Self.names(in: input, display: display)
        if listing.notUTF8 > 0 { skipped.append("\(display)/(\(listing.notUTF8) names that are not UTF-8)") }
        for entry in listing.names {
            try copy(from: input, entry, to: output, as: entry, display: display == "/" ? "/\(entry)" : "\(display)/\(entry)")
        }
        try finish(output, info, display: display)
    }

    mutating func copyLink(from source: Int32, _ name: String, to target: Int32, as newName: String, display: String) throws {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlinkat(source, name, &buffer, buffer.count - 1)
        guard count >= 0 else { throw SystemError("read the link", path: display, errno: errno) }
        buffer[count] = 0
        try removeExisting(newName, in: target, keepDirectory: false, display: display)
        guard creating({ symlinkat(buffer, target, newName) }) == 0 else { throw SystemError("create", path: display, errno: errno) }
    }

    /// Runs a creating call as `owner`, who then owns what it made (as root: the container's root, whose ids the
    /// container's file systems map;
    /// host root's are not mapped there and creating would fail with EOVERFLOW). Without the root's file
    /// capabilities meanwhile: a directory only an override could write is refused, as for the container's root.
    func creating(_ body: () -> Int32) -> Int32 {
        guard let owner, geteuid() == 0 else { return body() }
        podlab_set_file_ids(owner.uid, owner.gid)
        let result = body()
        let saved = errno
        podlab_set_file_ids(0, 0)
        errno = saved
        return result
    }

    /// Mode (less setuid/setgid when asked) and modification time of the copy; its owner came with `creating`.
    func finish(_ fd: Int32, _ info: stat, display: String) throws {
        var mode = info.st_mode & 0o7777
        if dropSetID { mode &= ~(S_ISUID | S_ISGID) }
        guard fchmod(fd, mode) == 0 else { throw SystemError("change the mode of", path: display, errno: errno) }
        let times = [timespec(tv_sec: info.st_atim.tv_sec, tv_nsec: info.st_atim.tv_nsec),
                     timespec(tv_sec: info.st_mtim.tv_sec, tv_nsec: info.st_mtim.tv_nsec)]
        _ = futimens(fd, times)
    }

    /// Makes room for a new entry: a file or link is unlinked; a directory stays when a directory comes (merge),
    /// and is never replaced by something else.
    func removeExisting(_ name: String, in directory: Int32, keepDirectory: Bool, display: String) throws {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            if keepDirectory { return }
            throw TreeCopyError.directoryInTheWay(display)
        }
        if keepDirectory { throw TreeCopyError.fileInTheWay(display) }
        guard unlinkat(directory, name, 0) == 0 else { throw SystemError("replace", path: display, errno: errno) }
    }

    /// The entries of a directory, and how many have names that are not UTF-8 (a String cannot carry them unchanged,
    /// so they are not copied, and said so).
    static func names(in fd: Int32, display: String) throws -> (names: [String], notUTF8: Int) {
        let copy = dup(fd)
        guard copy >= 0, let directory = fdopendir(copy) else { throw SystemError("list", path: display, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        var notUTF8 = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(validating: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let name else { notUTF8 += 1; continue }
            if name != "." && name != ".." { names.append(name) }
        }
        return (names.sorted(), notUTF8)
    }
}

/// Why a copy could not put an entry where it was asked to.
public enum TreeCopyError: LearnerFacingError {
    case directoryInTheWay(String)
    case fileInTheWay(String)

    public var message: String {
        switch self {
        case .directoryInTheWay(let path): return "cannot overwrite directory \"\(path)\" with a file"
        case .fileInTheWay(let path): return "cannot overwrite non-directory \"\(path)\" with a directory"
        }
    }

    public var hint: String? { "copy to another name, or remove what is there first" }
    public var exitStatus: Int32 { ExitStatus.engineError }
}
