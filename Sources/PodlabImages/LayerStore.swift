import PodlabArchive
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Unpacked layers, one directory per chain id (`layers/<hex>`), each the complete root filesystem of
/// the layer stack up to and including that layer. A snapshot shares file inodes with its parent's
/// (hard links), so a stack costs little more than its own layer, and an image is a single overlay lower.
/// Snapshots are built in the store's temporary area and renamed into place only when complete.
public struct LayerStore: Sendable {
    public let root: String
    let temporary: String
    public let ownership: LayerOwnership

    public init(root: String, temporary: String, ownership: LayerOwnership) {
        self.root = root
        self.temporary = temporary
        self.ownership = ownership
    }

    public func path(for chainID: Digest) -> String { "\(root)/\(chainID.hex)" }

    public func contains(_ chainID: Digest) -> Bool { FileSystem.isDirectory(path(for: chainID)) }

    /// Makes sure the snapshot for `chainID` exists: copies the parent snapshot (if any), applies the layer
    /// blob (undoing only the compression its media type names), checks that its uncompressed digest is
    /// `diffID`. Returns the uncompressed size of the layer.
    @discardableResult
    public func ensure(chainID: Digest, parent: Digest?, diffID: Digest, blob: Descriptor, blobPath: String) throws -> Int64? {
        let layerName = blob.digest.description
        if contains(chainID) { return nil }
        try StoreAccess.prepare(root)
        try FileSystem.createDirectory(temporary, mode: 0o700)
        let scratch = "\(temporary)/layer-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        do {
            if let parent {
                guard contains(parent) else { throw ImageError.malformed("image store", "parent layer \(parent) is missing") }
                try SnapshotCopier.copy(from: path(for: parent), to: scratch)
            } else {
                try FileSystem.createDirectory(scratch, mode: 0o755)
                // The image's / belongs to the container's root, like everything else in it.
                if case .shift(let offset, _) = ownership { chown(scratch, uid_t(offset), gid_t(offset)) }
            }
            let result = try LayerApplier.apply(layerAt: blobPath, name: layerName, onto: scratch, ownership: ownership,
                                                accepting: MediaType.layerDecompressors(blob.mediaType))
            guard result.diffID == diffID else {
                throw DigestError.mismatch(expected: diffID, actual: result.diffID, what: "uncompressed layer \(layerName)")
            }
            let destination = path(for: chainID)
            if rename(scratch, destination) != 0 {
                let code = errno
                // Another podlab process finished the same snapshot first: keep theirs.
                guard code == EEXIST || code == ENOTEMPTY else { throw SystemError("store layer", path: destination, errno: code) }
                try FileSystem.removeTree(scratch)
            }
            FileSystem.syncDirectory(of: destination)
            return result.uncompressedSize
        } catch {
            try? FileSystem.removeTree(scratch)
            throw error
        }
    }

    public func remove(_ chainID: Digest) throws {
        // Rename first so that a half-removed snapshot never carries its name.
        try FileSystem.createDirectory(temporary, mode: 0o700)
        let doomed = "\(temporary)/removing-\(chainID.hex)-\(UInt32.random(in: 0...UInt32.max))"
        if rename(path(for: chainID), doomed) != 0 {
            if errno == ENOENT { return }
            throw SystemError("remove layer", path: path(for: chainID), errno: errno)
        }
        try FileSystem.removeTree(doomed)
    }

    public func all() -> [Digest] {
        FileSystem.list(root).compactMap { try? Digest(algorithm: "sha256", hex: $0) }
    }
}

/// Copies a directory tree as a snapshot: directories are new (same mode, owner and times), everything
/// else is a hard link to the same inode. Appliers never write into an existing file, so sharing is safe.
public enum SnapshotCopier {
    /// Copies the contents of the directory `sourceFD` into the existing directory `destination`, keeping owners,
    /// modes and times; `destination` takes the source directory's owner and mode too.
    public static func copyContents(of sourceFD: Int32, into destination: String) throws {
        let destinationFD = open(destination, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard destinationFD >= 0 else { throw SystemError("open", path: destination, errno: errno) }
        defer { close(destinationFD) }
        try copyContents(from: sourceFD, to: destinationFD, display: destination)
        var info = stat()
        if fstat(sourceFD, &info) == 0 { copyMetadata(info, to: destinationFD) }
    }

    static func copy(from source: String, to destination: String) throws {
        let sourceFD = open(source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard sourceFD >= 0 else { throw SystemError("open", path: source, errno: errno) }
        defer { close(sourceFD) }
        var info = stat()
        guard fstat(sourceFD, &info) == 0 else { throw SystemError("stat", path: source, errno: errno) }
        guard mkdir(destination, 0o700) == 0 else { throw SystemError("create directory", path: destination, errno: errno) }
        let destinationFD = open(destination, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard destinationFD >= 0 else { throw SystemError("open", path: destination, errno: errno) }
        defer { close(destinationFD) }
        try copyContents(from: sourceFD, to: destinationFD, display: destination)
        copyMetadata(info, to: destinationFD)
    }

    static func copyContents(from sourceFD: Int32, to destinationFD: Int32, display: String) throws {
        for name in try FileSystem.names(in: sourceFD, displayPath: display) {
            var info = stat()
            guard fstatat(sourceFD, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw SystemError("stat", path: "\(display)/\(name)", errno: errno)
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                guard mkdirat(destinationFD, name, 0o700) == 0 else {
                    throw SystemError("create directory", path: "\(display)/\(name)", errno: errno)
                }
                let childSource = openat(sourceFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard childSource >= 0 else { throw SystemError("open", path: "\(display)/\(name)", errno: errno) }
                defer { close(childSource) }
                let childDestination = openat(destinationFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard childDestination >= 0 else { throw SystemError("open", path: "\(display)/\(name)", errno: errno) }
                defer { close(childDestination) }
                try copyContents(from: childSource, to: childDestination, display: "\(display)/\(name)")
                copyMetadata(info, to: childDestination)
            } else if linkat(sourceFD, name, destinationFD, name, 0) != 0 {
                throw SystemError("link", path: "\(display)/\(name)", errno: errno)
            }
        }
    }

    static func copyMetadata(_ info: stat, to fd: Int32) {
        if geteuid() == 0 || info.st_uid != geteuid() { _ = fchown(fd, info.st_uid, info.st_gid) }
        _ = fchmod(fd, info.st_mode & 0o7777)
        var times = [info.st_atim, info.st_mtim]
        _ = futimens(fd, &times)
    }
}
