import CArchive
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

extension LayerApplier {
    static let symlinkBudget = 40

    /// Opens the directory at `path` inside the target, creating missing directories (as tar does for
    /// implicit parents). Symlinks on the way are followed inside the target only. Returns a new descriptor.
    func resolveDirectory(_ path: LayerPath, entry raw: String) throws -> Int32 {
        let duplicate = dup(rootFD)
        guard duplicate >= 0 else { throw failure(raw, "dup", errno) }
        var stack: [Int32] = [duplicate]
        var walked: [String] = []
        // Everything still on the stack when this returns is closed: the result was popped off it first.
        defer { for fd in stack { close(fd) } }
        var pending = Array(path.components.reversed())
        var budget = LayerApplier.symlinkBudget
        while let name = pending.popLast() {
            if name.isEmpty || name == "." { continue }
            if name == ".." {
                // Only symlink targets bring ".." here; the entry names themselves were checked.
                guard stack.count > 1, let top = stack.popLast() else {
                    throw refuse(raw, "reaches outside the image through a symbolic link")
                }
                close(top)
                walked.removeLast()
                continue
            }
            let current = stack[stack.count - 1]
            var fd = openat(current, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0 && errno == ENOENT {
                if mkdirat(current, name, 0o755) != 0 && errno != EEXIST {
                    if errno == EACCES, makeWritable(current, path: LayerPath(components: walked)) {
                        _ = mkdirat(current, name, 0o755)
                    } else {
                        throw failure(raw, "create directory \((walked + [name]).joined(separator: "/"))", errno)
                    }
                }
                markWritten(LayerPath(components: walked + [name]))
                fd = openat(current, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if fd >= 0 {
                stack.append(fd)
                walked.append(name)
                continue
            }
            let openError = errno
            guard openError == ELOOP || openError == ENOTDIR, let target = readLink(in: current, name: name) else {
                if openError == ENOTDIR || openError == ELOOP {
                    throw refuse(raw, "needs \((walked + [name]).joined(separator: "/")) to be a directory, but it is a file")
                }
                throw failure(raw, "open \((walked + [name]).joined(separator: "/"))", openError)
            }
            budget -= 1
            guard budget > 0 else { throw refuse(raw, "goes through too many symbolic links (a loop?)") }
            if target.hasPrefix("/") {
                // Absolute targets mean the image's own root, as they will inside the container.
                for fd in stack.dropFirst() { close(fd) }
                stack = [stack[0]]
                walked = []
            }
            pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
        }
        guard let result = stack.popLast() else { throw failure(raw, "resolve", EINVAL) }
        return result
    }

    func readLink(in dirFD: Int32, name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlinkat(dirFD, name, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Rootless stores keep directories' real modes; a read-only one is opened up while the layer is
    /// applied and its mode restored at the end.
    func makeWritable(_ dirFD: Int32, path: LayerPath) -> Bool {
        var info = stat()
        guard fstat(dirFD, &info) == 0, info.st_uid == geteuid() else { return false }
        if restoredModes[path] == nil { restoredModes[path] = info.st_mode & 0o7777 }
        return fchmod(dirFD, (info.st_mode & 0o7777) | 0o700) == 0
    }

    /// Removes whatever is at `path.name` (a file, a link, a whole directory) before an entry replaces it.
    func removeExisting(in parentFD: Int32, path: LayerPath, raw: String) throws {
        var info = stat()
        guard fstatat(parentFD, path.name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        do {
            try FileSystem.removeEntry(in: parentFD, name: path.name, displayPath: path.text)
        } catch {
            if error.errno == EACCES, makeWritable(parentFD, path: path.parent) {
                try? FileSystem.removeEntry(in: parentFD, name: path.name, displayPath: path.text)
                return
            }
            throw failure(raw, "replace \(path.text)", error.errno)
        }
    }

    func makeDirectory(in parentFD: Int32, path: LayerPath, entry: ArchiveEntry) throws {
        var info = stat()
        if fstatat(parentFD, path.name, &info, AT_SYMLINK_NOFOLLOW) == 0 {
            if (info.st_mode & S_IFMT) != S_IFDIR {
                try removeExisting(in: parentFD, path: path, raw: entry.path)
            }
        }
        if mkdirat(parentFD, path.name, 0o700) != 0 && errno != EEXIST {
            throw failure(entry.path, "create directory", errno)
        }
        // Mode, owner and times are set when the layer is done, so children can still be written.
        directoryMetadata[path] = entry
    }

    func writeFile(in parentFD: Int32, path: LayerPath, entry: ArchiveEntry, reader: ArchiveReader) throws {
        var fd = openat(parentFD, path.name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 && errno == EACCES && makeWritable(parentFD, path: path.parent) {
            fd = openat(parentFD, path.name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        }
        guard fd >= 0 else { throw failure(entry.path, "create file", errno) }
        defer { close(fd) }
        do {
            try reader.writeData(to: fd, path: entry.path)
        } catch let error as SystemError {
            throw failure(entry.path, "write", error.errno)
        }
        // Sparse files end in a hole: give the file its full length.
        if ftruncate(fd, off_t(entry.size)) != 0 { throw failure(entry.path, "truncate", errno) }
        try setOwner(fd: fd, entry: entry)
        if fchmod(fd, mode_t(entry.permissions & 0o7777)) != 0 { throw failure(entry.path, "chmod", errno) }
        setAttributes(fd: fd, entry: entry)
        var times = LayerApplier.timespecs(for: entry)
        _ = futimens(fd, &times)
    }

    func makeHardlink(in parentFD: Int32, path: LayerPath, entry: ArchiveEntry) throws {
        let parsed = LayerPath.parse(entry.linkTarget ?? "")
        guard let target = parsed.path, !target.isRoot else {
            throw refuse(entry.path, "is a hard link to \"\(entry.linkTarget ?? "")\", which \(parsed.reason ?? "names nothing")")
        }
        let targetParentFD = try resolveDirectory(target.parent, entry: entry.path)
        defer { close(targetParentFD) }
        var info = stat()
        guard fstatat(targetParentFD, target.name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw refuse(entry.path, "is a hard link to \(target.text), which does not exist in the image")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK: throw refuse(entry.path, "is a hard link to a symbolic link (\(target.text))")
        default: throw refuse(entry.path, "is a hard link to \(target.text), which is not a regular file")
        }
        var existing = stat()
        if fstatat(parentFD, path.name, &existing, AT_SYMLINK_NOFOLLOW) == 0 {
            if existing.st_ino == info.st_ino && existing.st_dev == info.st_dev { return }
            try removeExisting(in: parentFD, path: path, raw: entry.path)
        }
        guard linkat(targetParentFD, target.name, parentFD, path.name, 0) == 0 else {
            throw failure(entry.path, "link to \(target.text)", errno)
        }
    }

    // MARK: - Metadata

    func hostIDs(for entry: ArchiveEntry) throws -> (uid_t, gid_t)? {
        switch ownership {
        case .ignore:
            return nil
        case .shift(let offset, let count):
            guard entry.uid >= 0, entry.uid < count, entry.gid >= 0, entry.gid < count else {
                throw refuse(entry.path, "is owned by \(entry.uid):\(entry.gid), outside the \(count) ids podlab maps into containers")
            }
            return (uid_t(entry.uid + offset), gid_t(entry.gid + offset))
        }
    }

    func setOwner(fd: Int32, entry: ArchiveEntry) throws {
        guard let (uid, gid) = try hostIDs(for: entry) else { return }
        if fchown(fd, uid, gid) != 0 { throw failure(entry.path, "chown", errno) }
    }

    func setOwner(in dirFD: Int32, name: String, entry: ArchiveEntry) throws {
        guard let (uid, gid) = try hostIDs(for: entry) else { return }
        if fchownat(dirFD, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0 { throw failure(entry.path, "chown", errno) }
    }

    func setTimes(in dirFD: Int32, name: String, entry: ArchiveEntry) {
        var times = LayerApplier.timespecs(for: entry)
        _ = utimensat(dirFD, name, &times, AT_SYMLINK_NOFOLLOW)
    }

    /// Extended attributes a layer may set. `security.*` (file capabilities, which root would write as host-wide
    /// ones, and LSM labels) and `trusted.*` belong to the host, and `*.overlay.*` would steer the overlay mount
    /// (redirects, opaque and metacopy markers) the container's root is later built from: those are dropped.
    static func keepsAttribute(_ name: String) -> Bool {
        !(name.hasPrefix("security.") || name.hasPrefix("trusted.") || name.hasPrefix("user.overlay."))
    }

    func setAttributes(fd: Int32, entry: ArchiveEntry) {
        for (name, value) in entry.extendedAttributes.sorted(by: { $0.key < $1.key }) where LayerApplier.keepsAttribute(name) {
            let status = value.withUnsafeBytes { podlab_fsetxattr(fd, name, $0.baseAddress, $0.count) }
            if status != 0 { notes.append("\(entry.path): extended attribute \(name) not kept (\(SystemError.describe(errno)))") }
        }
    }

    static func timespecs(for entry: ArchiveEntry) -> [timespec] {
        let time = timespec(tv_sec: Int(entry.modificationTime), tv_nsec: entry.modificationNanoseconds)
        return [time, time]
    }

    /// Sets directories' final mode, owner, attributes and times, deepest first, once all entries are in.
    func finishDirectories() throws {
        var modes: [LayerPath: (entry: ArchiveEntry?, mode: mode_t?)] = [:]
        for (path, entry) in directoryMetadata { modes[path] = (entry, nil) }
        for (path, mode) in restoredModes where modes[path] == nil { modes[path] = (nil, mode) }
        for path in modes.keys.sorted(by: { $0.components.count > $1.components.count }) {
            guard let item = modes[path], let fd = openNoFollow(path) else { continue }
            defer { close(fd) }
            if let entry = item.entry {
                try setOwner(fd: fd, entry: entry)
                _ = fchmod(fd, mode_t(entry.permissions & 0o7777))
                setAttributes(fd: fd, entry: entry)
                var times = LayerApplier.timespecs(for: entry)
                _ = futimens(fd, &times)
            } else if let mode = item.mode {
                _ = fchmod(fd, mode)
            }
        }
    }

    /// Opens a directory by path without following any symlink (nil if it is gone or not a directory).
    func openNoFollow(_ path: LayerPath) -> Int32? {
        var fd = dup(rootFD)
        for name in path.components {
            let next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            close(fd)
            guard next >= 0 else { return nil }
            fd = next
        }
        return fd >= 0 ? fd : nil
    }
}
