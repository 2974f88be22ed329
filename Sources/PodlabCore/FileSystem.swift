#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Small, explicit file-system operations that report errno with the path, for the engine's stores.
public enum FileSystem {
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// A new private directory `/tmp/PREFIX-XXXXXX` (mkdtemp: 0700, a name nobody else holds).
    public static func makeTemporaryDirectory(_ prefix: String, in parent: String = "/tmp") throws(SystemError) -> String {
        var template = Array("\(parent)/\(prefix)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw SystemError("create", path: "\(parent)/\(prefix)-*", errno: errno)
        }
        return String(cString: made)
    }

    /// `mkdir -p` with the given mode for the directories it creates.
    public static func createDirectory(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0 && errno != EEXIST {
                throw SystemError("create directory", path: prefix, errno: errno)
            }
        }
        guard isDirectory(path) else { throw SystemError("create directory", path: path, errno: ENOTDIR) }
    }

    /// The file's bytes; with a `limit`, at most `limit + 1` of them (see `readAll`).
    public static func readFile(_ path: String, limit: Int? = nil) throws(SystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("read", path: path, errno: errno) }
        defer { close(fd) }
        return try readAll(fd: fd, path: path, limit: limit)
    }

    /// The file's bytes, or nil when there is no such file (never made, or removed since: a store's record that
    /// another command removes while this one reads). Any other failure is an error, a path through something that is
    /// not a directory among them (a store directory replaced by a file is damage, not absence).
    public static func readFileIfPresent(_ path: String) throws(SystemError) -> [UInt8]? {
        do {
            return try readFile(path)
        } catch where error.errno == ENOENT {
            return nil
        }
    }

    /// Everything left to read from `fd`, or, with a `limit`, at most `limit + 1` bytes (more than `limit` read
    /// means the input is too large; an endless one, `/dev/zero` or a pipe, is not read to its end).
    public static func readAll(fd: Int32, path: String, limit: Int? = nil) throws(SystemError) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let wanted = limit.map { min(buffer.count, $0 + 1 - result.count) } ?? buffer.count
            if wanted <= 0 { return result }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path: path, errno: errno)
            }
            if count == 0 { return result }
            result.append(contentsOf: buffer[0..<count])
        }
    }


    /// A file's bytes, or standard input's for `-` (as podman reads `kube play -`, `secret create NAME -`); with a
    /// `limit`, at most `limit + 1` of them (see `readAll`).
    public static func readFileOrStandardInput(_ path: String, limit: Int? = nil) throws(SystemError) -> [UInt8] {
        path == "-" ? try readAll(fd: 0, path: "standard input", limit: limit) : try readFile(path, limit: limit)
    }

    /// One line read from `fd` a byte at a time (nothing past its newline is consumed), without the newline or a
    /// carriage return before it: a password typed or piped in.
    public static func readLine(fd: Int32) -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(fd, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count != 1 || byte == 10 { break }
            bytes.append(byte)
        }
        if bytes.last == 13 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func writeAll(fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemError("write", path: path, errno: errno)
            }
            offset += written
        }
    }

    /// How long a written file must last.
    public enum Durability: Sendable {
        /// Through a power loss too: the data and then the directory entry are synced before the write returns.
        case synced
        /// Through the writer being killed (the kernel's page cache outlives it), not through a power loss: for state
        /// that means nothing after a reboot, such as a `--rm` container's. Saves two syncs, a third of a millisecond
        /// or more each on a laptop's disk.
        case volatile
    }

    /// Writes a whole file atomically: a temporary file beside it, then rename over the target.
    /// A killed writer leaves either the old file or the new one, never a mix; `.synced` (fsync of the data, then of
    /// the directory) makes that hold through a power loss too.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644,
                                       durability: Durability = .synced) throws(SystemError) {
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError("create", path: temporary, errno: errno) }
        var failure: SystemError?
        let writeError = bytes.withUnsafeBytes { buffer -> SystemError? in
            do throws(SystemError) { try writeAll(fd: fd, buffer, path: temporary) } catch { return error }
            return nil
        }
        if let writeError { failure = writeError }
        else if durability == .synced, fsync(fd) != 0 { failure = SystemError("sync", path: temporary, errno: errno) }
        else if fchmod(fd, mode) != 0 { failure = SystemError("chmod", path: temporary, errno: errno) }
        close(fd)
        if failure == nil && rename(temporary, path) != 0 { failure = SystemError("rename", path: path, errno: errno) }
        if let failure {
            unlink(temporary)
            throw failure
        }
        if durability == .synced { syncDirectory(of: path) }
    }

    /// Makes a rename durable by syncing the directory that holds the entry.
    public static func syncDirectory(of path: String) {
        let directory = parent(of: path)
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    public static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Names in a directory, without `.` and `..`; empty when the directory does not exist or cannot be read (where
    /// that matters, `entries`).
    public static func list(_ path: String) -> [String] {
        (try? entries(path)) ?? []
    }

    /// Names in a directory, without `.` and `..`, sorted; why not when it cannot be opened (missing included).
    public static func entries(_ path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else { throw SystemError("read directory", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Removes a file or a whole tree. Symlinks are removed, never followed. Missing is not an error.
    public static func removeTree(_ path: String) throws(SystemError) {
        let parentFD = open(parent(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if parentFD < 0 {
            if errno == ENOENT { return }
            throw SystemError("open", path: parent(of: path), errno: errno)
        }
        defer { close(parentFD) }
        try removeEntry(in: parentFD, name: baseName(of: path), displayPath: path)
    }

    /// Removes `name` inside the directory `dirFD` (recursively for directories), never following symlinks.
    public static func removeEntry(in dirFD: Int32, name: String, displayPath: String) throws(SystemError) {
        if unlinkat(dirFD, name, 0) == 0 { return }
        let first = errno
        if first == ENOENT { return }
        guard first == EISDIR || first == EPERM else {
            throw SystemError("remove", path: displayPath, errno: first)
        }
        var childFD = openat(dirFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if childFD < 0 && errno == EACCES {
            // A directory of ours without read permission (overlay's work/work is mode 000): open it up.
            if fchmodat(dirFD, name, 0o700, 0) == 0 {
                childFD = openat(dirFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
        }
        guard childFD >= 0 else {
            if errno == ENOENT { return }   // removed meanwhile: another removal of the same tree got there first
            throw SystemError("remove", path: displayPath, errno: errno == ENOTDIR ? first : errno)
        }
        // Make sure we can list and delete inside, even for a directory stored read-only.
        _ = fchmod(childFD, 0o700)
        try removeContents(of: childFD, displayPath: displayPath)
        close(childFD)
        if unlinkat(dirFD, name, AT_REMOVEDIR) != 0 && errno != ENOENT {
            throw SystemError("remove", path: displayPath, errno: errno)
        }
    }

    /// Removes everything inside the directory `dirFD`, keeping the directory itself.
    public static func removeContents(of dirFD: Int32, displayPath: String) throws(SystemError) {
        for name in try names(in: dirFD, displayPath: displayPath) {
            try removeEntry(in: dirFD, name: name, displayPath: displayPath + "/" + name)
        }
    }

    /// Names inside the directory `dirFD` (the descriptor stays open and usable).
    public static func names(in dirFD: Int32, displayPath: String) throws(SystemError) -> [String] {
        let copy = dup(dirFD)
        guard copy >= 0, let dir = fdopendir(copy) else {
            throw SystemError("list", path: displayPath, errno: errno)
        }
        defer { closedir(dir) }
        rewinddir(dir)
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The real path of the running executable.
    public static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The path without `.`, `..` (never above `/`) and repeated slashes, by its text alone: `/a//b/../c/.` → `/a/c`.
    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

extension FileSystem {
    /// Reads the regular file `relative` inside `root` without following any symlink on the way (an image's
    /// /etc/passwd must not lead podlab to read a host file). nil when absent, a symlink, not a regular file,
    /// larger than `limit`, or unreadable. A FIFO or device an image puts there is neither waited on nor read:
    /// the open does not block (O_NONBLOCK) and only a regular file is read, at most `limit + 1` bytes of it.
    public static func readInside(root: String, relative: String, limit: Int = 1 << 20) -> [UInt8]? {
        guard let (directory, name) = openParentInside(root: root, relative: relative) else { return nil }
        let fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        close(directory)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        guard let bytes = try? readAll(fd: fd, path: relative, limit: limit), bytes.count <= limit else { return nil }
        return bytes
    }

    /// Whether `relative` names an entry inside `root`, reached without following a symlink or leaving `root`
    /// (what a container wrote into a volume must not make podlab look at a host path).
    public static func existsInside(root: String, relative: String) -> Bool {
        guard let (directory, name) = openParentInside(root: root, relative: relative) else { return false }
        defer { close(directory) }
        var info = stat()
        return fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0
    }

    /// The directory holding the last part of `relative`, opened part by part with O_NOFOLLOW, and that part's
    /// name; nil for an empty path, a `..` part, or a part that is missing or a symlink.
    private static func openParentInside(root: String, relative: String) -> (Int32, String)? {
        let parts = relative.split(separator: "/").map(String.init).filter { $0 != "." }
        guard let name = parts.last, !parts.contains("..") else { return nil }
        var fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        for part in parts.dropLast() {
            let next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            close(fd)
            guard next >= 0 else { return nil }
            fd = next
        }
        return (fd, name)
    }
}
