import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// How file owners in a layer become owners on disk.
public enum LayerOwnership: Sendable, Equatable {
    /// Keep the files owned by the user applying the layer (rootless without an ID range).
    case ignore
    /// Container id N becomes host id `offset + N`; ids at or beyond `count` are refused.
    case shift(offset: Int64, count: Int64)
}

/// What applying one layer did.
public struct LayerApplyResult: Sendable, Equatable {
    /// sha256 of the uncompressed tar stream (the OCI diff id).
    public var diffID: Digest
    /// Length of the uncompressed tar stream.
    public var uncompressedSize: Int64
    public var entryCount: Int
    /// Entries that were deliberately not created (device nodes, sockets), and attributes not kept.
    public var notes: [String]
}

/// Applies an OCI image layer onto a directory, following the image spec's whiteout rules, with
/// every path resolved relative to directory descriptors (`openat` + `O_NOFOLLOW`) so that no entry
/// can write, remove, link or read anything outside the target. Symlinks met on the way to an entry are
/// followed only inside the target (absolute targets are taken relative to it); one that climbs out
/// refuses the layer. The caller applies into a private directory and publishes it only on success.
public final class LayerApplier {
    let rootFD: Int32
    let layerName: String
    let ownership: LayerOwnership
    var written: Set<LayerPath> = []
    var writtenAncestors: Set<LayerPath> = []
    var directoryMetadata: [LayerPath: ArchiveEntry] = [:]
    var restoredModes: [LayerPath: mode_t] = [:]
    var notes: [String] = []
    var entryCount = 0

    init(rootFD: Int32, layerName: String, ownership: LayerOwnership) {
        self.rootFD = rootFD
        self.layerName = layerName
        self.ownership = ownership
    }

    /// Applies the layer file at `layerPath` onto the directory `target`: a tar, or one compressed with what
    /// `compressions` names (the layer's media type), expanding within `limits`.
    public static func apply(layerAt layerPath: String, name: String, onto target: String, ownership: LayerOwnership,
                             accepting compressions: Set<Decompressor>, limits: ArchiveLimits = .standard) throws -> LayerApplyResult {
        let source = try DecompressingSource(path: layerPath, accepting: compressions, limits: limits)
        let reader = try ArchiveReader(source: source, name: name, format: .tar, limits: limits)
        return try apply(reader: reader, source: source, name: name, onto: target, ownership: ownership)
    }

    /// Applies a layer held in memory (tests, small layers).
    public static func apply(layerBytes: [UInt8], name: String, onto target: String, ownership: LayerOwnership,
                             accepting compressions: Set<Decompressor> = [.gzip, .zstd],
                             limits: ArchiveLimits = .standard) throws -> LayerApplyResult {
        let source = try DecompressingSource(bytes: layerBytes, name: name, accepting: compressions, limits: limits)
        let reader = try ArchiveReader(source: source, name: name, format: .tar, limits: limits)
        return try apply(reader: reader, source: source, name: name, onto: target, ownership: ownership)
    }

    static func apply(reader: ArchiveReader, source: DecompressingSource, name: String, onto target: String,
                      ownership: LayerOwnership) throws -> LayerApplyResult {
        let rootFD = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw ArchiveError.io(layer: name, entry: ".", detail: "cannot open \(target): \(SystemError.describe(errno))") }
        defer { close(rootFD) }
        let applier = LayerApplier(rootFD: rootFD, layerName: name, ownership: ownership)
        while let entry = try reader.nextEntry() {
            try applier.apply(entry, reader: reader)
        }
        try applier.finishDirectories()
        try source.drain()
        return LayerApplyResult(diffID: source.digest, uncompressedSize: source.byteCount,
                                entryCount: applier.entryCount, notes: applier.notes)
    }

    // MARK: - One entry

    func refuse(_ entry: String, _ reason: String) -> ArchiveError {
        .refused(layer: layerName, entry: entry, reason: reason)
    }

    func failure(_ entry: String, _ what: String, _ code: Int32) -> ArchiveError {
        .io(layer: layerName, entry: entry, detail: "\(what): \(SystemError.describe(code))")
    }

    func apply(_ entry: ArchiveEntry, reader: ArchiveReader) throws {
        entryCount += 1
        let parsed = LayerPath.parse(entry.path)
        guard let path = parsed.path else { throw refuse(entry.path, parsed.reason ?? "has a bad name") }
        if path.isRoot {
            if entry.kind == .directory { directoryMetadata[path] = entry }
            return
        }
        if path.name.hasPrefix(Whiteout.prefix) {
            try applyWhiteout(path, raw: entry.path)
            return
        }
        let parentFD = try resolveDirectory(path.parent, entry: entry.path)
        defer { close(parentFD) }
        switch entry.kind {
        case .directory:
            try makeDirectory(in: parentFD, path: path, entry: entry)
        case .regular:
            try removeExisting(in: parentFD, path: path, raw: entry.path)
            try writeFile(in: parentFD, path: path, entry: entry, reader: reader)
        case .symlink:
            try removeExisting(in: parentFD, path: path, raw: entry.path)
            guard symlinkat(entry.linkTarget ?? "", parentFD, path.name) == 0 else {
                throw failure(entry.path, "create symlink", errno)
            }
            try setOwner(in: parentFD, name: path.name, entry: entry)
            setTimes(in: parentFD, name: path.name, entry: entry)
        case .hardlink:
            try makeHardlink(in: parentFD, path: path, entry: entry)
        case .fifo:
            try removeExisting(in: parentFD, path: path, raw: entry.path)
            guard mkfifoat(parentFD, path.name, mode_t(entry.permissions & 0o777)) == 0 else {
                throw failure(entry.path, "create fifo", errno)
            }
            try setOwner(in: parentFD, name: path.name, entry: entry)
            _ = fchmodat(parentFD, path.name, mode_t(entry.permissions & 0o7777), 0)
            setTimes(in: parentFD, name: path.name, entry: entry)
        case .characterDevice, .blockDevice:
            // Containers get their own minimal /dev; device files from images are never created.
            notes.append("\(entry.path): device node not created")
            return
        case .socket:
            notes.append("\(entry.path): socket not created")
            return
        }
        markWritten(path)
    }

    func markWritten(_ path: LayerPath) {
        written.insert(path)
        for ancestor in path.ancestors { writtenAncestors.insert(ancestor) }
    }

    // MARK: - Whiteouts

    func applyWhiteout(_ path: LayerPath, raw: String) throws {
        let parentFD = try resolveDirectory(path.parent, entry: raw)
        defer { close(parentFD) }
        if path.name == Whiteout.opaqueMarker {
            try clearLowerContent(of: parentFD, path: path.parent, raw: raw)
            return
        }
        let victim = String(path.name.dropFirst(Whiteout.prefix.count))
        guard !victim.isEmpty, victim != ".", victim != ".." else {
            throw refuse(raw, "is a whiteout of \"\(victim)\", which names no file")
        }
        let victimPath = path.parent.appending(victim)
        // A whiteout hides what lower layers had, never what this same layer wrote.
        guard !written.contains(victimPath), !writtenAncestors.contains(victimPath) else { return }
        do {
            try FileSystem.removeEntry(in: parentFD, name: victim, displayPath: victimPath.text)
        } catch {
            throw failure(raw, "remove \(victimPath.text)", error.errno)
        }
    }

    /// An opaque directory shows nothing from lower layers: remove what this layer did not write,
    /// whether the marker came before or after its siblings in the tar.
    func clearLowerContent(of dirFD: Int32, path: LayerPath, raw: String) throws {
        let names: [String]
        do { names = try FileSystem.names(in: dirFD, displayPath: path.text) } catch { throw failure(raw, "list", error.errno) }
        for name in names {
            let child = path.appending(name)
            let keep = written.contains(child) || writtenAncestors.contains(child)
            var info = stat()
            let isDirectory = fstatat(dirFD, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            if keep {
                if isDirectory {
                    let childFD = openat(dirFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                    guard childFD >= 0 else { throw failure(raw, "open \(child.text)", errno) }
                    defer { close(childFD) }
                    try clearLowerContent(of: childFD, path: child, raw: raw)
                }
                continue
            }
            do {
                try FileSystem.removeEntry(in: dirFD, name: name, displayPath: child.text)
            } catch {
                throw failure(raw, "remove \(child.text)", error.errno)
            }
        }
    }
}
