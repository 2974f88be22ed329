import CArchive
import PodlabArchive
import PodlabCore
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Turns an overlay upper directory (what a RUN step changed) into an OCI layer: deletions (overlay's 0:0
/// character devices) become `.wh.NAME` entries, opaque directories `.wh..wh..opq`, owners go back to
/// container ids, hard links inside the layer stay hard links.
enum LayerDiff {
    /// Something the step left that podlab cannot read: a rootless build reads what a step changed as the user, and
    /// a file or directory that only a user of the container may open (its owner one of the user's subordinate ids)
    /// is closed to it. Never passed over: the layer would lack it.
    struct Unreadable: Error {
        let path: String
        let owner: UInt32?
        let mode: mode_t
        let errno: Int32
    }

    static func write(upper: String, to layer: String, mapping: IDMapping) throws -> Int {
        let writer = try ArchiveWriter(path: layer, compression: .gzip)
        var links: [String: String] = [:]
        var count = 0
        try walk(upper, relative: "", writer: writer, mapping: mapping, links: &links, count: &count)
        try writer.close()
        return count
    }

    static func walk(_ directory: String, relative: String, writer: ArchiveWriter, mapping: IDMapping,
                     links: inout [String: String], count: inout Int) throws {
        let names: [String]
        do { names = try FileSystem.entries(directory) } catch {
            throw closed(directory, entryPath: relative, mapping: mapping, errno: error.errno)
        }
        for name in names {
            let path = "\(directory)/\(name)"
            let entryPath = relative.isEmpty ? name : "\(relative)/\(name)"
            var info = stat()
            guard lstat(path, &info) == 0 else {
                if errno == ENOENT { continue }   // gone since the listing
                throw closed(directory, entryPath: relative, mapping: mapping, errno: errno)   // readable, not searchable
            }
            let uid = Int64(mapping.container(for: info.st_uid) ?? 0)
            let gid = Int64(mapping.container(for: info.st_gid) ?? 0)
            var entry = ArchiveEntry(path: entryPath, kind: .regular, permissions: UInt32(info.st_mode & 0o7777), uid: uid, gid: gid,
                                     modificationTime: Int64(info.st_mtim.tv_sec))
            count += 1
            switch info.st_mode & S_IFMT {
            case S_IFCHR where info.st_rdev == 0:
                let parent = FileSystem.parent(of: entryPath)
                let whiteout = parent == "." || !entryPath.contains("/") ? ".wh.\(name)" : "\(parent)/.wh.\(name)"
                try writer.add(ArchiveEntry(path: whiteout, kind: .regular, permissions: 0o644, modificationTime: entry.modificationTime))
            case S_IFDIR:
                entry.kind = .directory
                try writer.add(entry)
                // Its opaque mark is read once it is open too: a `user.` attribute needs read permission.
                try withOwnerAccess(path, info, 0o500) {
                    if isOpaque(path) {
                        try writer.add(ArchiveEntry(path: "\(entryPath)/.wh..wh..opq", kind: .regular, permissions: 0o644,
                                                    modificationTime: entry.modificationTime))
                    }
                    try walk(path, relative: entryPath, writer: writer, mapping: mapping, links: &links, count: &count)
                }
            case S_IFLNK:
                entry.kind = .symlink
                var buffer = [CChar](repeating: 0, count: 4096)
                let length = readlink(path, &buffer, buffer.count - 1)
                entry.linkTarget = length > 0 ? String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
                try writer.add(entry)
            case S_IFREG:
                let identity = "\(info.st_dev):\(info.st_ino)"
                if info.st_nlink > 1, let first = links[identity] {
                    entry.kind = .hardlink
                    entry.linkTarget = first
                    try writer.add(entry)
                } else {
                    if info.st_nlink > 1 { links[identity] = entryPath }
                    // A rootless `useradd` leaves /etc/shadow 0000 on Fedora.
                    try withOwnerAccess(path, info, 0o400) {
                        guard access(path, R_OK) == 0 else { throw closed(path, entryPath: entryPath, mapping: mapping, errno: errno) }
                        try writer.add(entry, contentsOfFile: path)
                    }
                }
            case S_IFIFO:
                entry.kind = .fifo
                try writer.add(entry)
            default:
                continue  // sockets and device nodes made in a container are not image content
            }
        }
    }

    /// Runs `body` with the owner's `bits` (r, x) granted for the moment when the entry is the user's own (the
    /// container's root's, without root) and closed to its owner, as the container's root could still read it; its
    /// mode is put back after, and the layer takes the mode from `info`.
    static func withOwnerAccess(_ path: String, _ info: stat, _ bits: mode_t, _ body: () throws -> Void) throws {
        let mode = info.st_mode & 0o7777
        let reopen = info.st_uid == geteuid() && mode & bits != bits
        if reopen { chmod(path, mode | bits) }
        defer { if reopen { chmod(path, mode) } }
        try body()
    }

    /// Why `path` (`entryPath` in the layer) cannot be read: `Unreadable` when it is closed to this user (its owner and
    /// mode say whose it is), the system's error otherwise.
    static func closed(_ path: String, entryPath: String, mapping: IDMapping, errno code: Int32) -> any Error {
        var info = stat()
        guard code == EACCES || code == EPERM, lstat(path, &info) == 0 else { return SystemError("read", path: path, errno: code) }
        return Unreadable(path: "/" + entryPath, owner: mapping.container(for: info.st_uid), mode: info.st_mode & 0o7777, errno: code)
    }

    /// overlay marks a directory that hides the lower one with an `overlay.opaque` attribute.
    static func isOpaque(_ path: String) -> Bool {
        for name in ["user.overlay.opaque", "trusted.overlay.opaque"] {
            var value: UInt8 = 0
            if podlab_lgetxattr(path, name, &value, 1) == 1 && value == UInt8(ascii: "y") { return true }
        }
        return false
    }
}
