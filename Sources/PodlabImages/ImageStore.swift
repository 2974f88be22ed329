import PodlabArchive
import PodlabCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The local image store: blobs, unpacked layers, and the list of images with their names.
///
/// Readers take no lock (the list is replaced atomically). Every change takes `storage.lock`
/// exclusively for the read-modify-write of the list. Imports, pulls and builds hold `ingest.lock` shared
/// (`beginIngest`) while they write blobs, snapshots and scratch files; garbage collection runs only when it
/// can take that lock exclusively, so it never deletes what running work has written but not yet listed.
public final class ImageStore: @unchecked Sendable {
    public let root: String
    public let blobs: BlobStore
    public let layers: LayerStore
    let indexPath: String
    let temporary: String
    let storageLock: FileLock
    let ingestLock: FileLock
    /// The nested `beginIngest` holds of this instance on `ingestLock`.
    let ingestHolds = Mutex(0)

    /// Opens (creating if needed) the store at `root`.
    public init(root: String, ownership: LayerOwnership = ImageStore.defaultOwnership) throws {
        self.root = root
        temporary = "\(root)/tmp"
        // Private: only podlab's user (and, as root, the containers' root, which mounts their layers) may enter.
        try StoreAccess.prepare(root)
        try StoreAccess.prepare("\(root)/layers")
        blobs = BlobStore(root: "\(root)/blobs", temporary: temporary)
        layers = LayerStore(root: "\(root)/layers", temporary: temporary, ownership: ownership)
        indexPath = "\(root)/images.json"
        storageLock = try FileLock(path: "\(root)/storage.lock")
        ingestLock = try FileLock(path: "\(root)/ingest.lock")
        try ImageStore.checkSettings(root: root, ownership: ownership, lock: storageLock)
    }

    /// Root keeps container ids off host ids: container id N is stored as host id 1,000,000,000 + N.
    /// An ordinary user keeps files as their own (the runtime maps them to container root).
    public static var defaultOwnership: LayerOwnership {
        Locations.isRoot ? .shift(offset: IDRange.rootOffset, count: IDRange.rootCount) : .ignore
    }

    // MARK: - Reading

    /// Every image, in no particular order. Never shows a half-made image.
    public func images() throws -> [ImageRecord] {
        guard FileSystem.exists(indexPath) else { return [] }
        let bytes = try FileSystem.readFile(indexPath)
        return try JSONCoding.decode(ImageIndexFile.self, from: bytes, what: "image list \(indexPath)").images
    }

    /// Finds an image by name (full or short), id, or id prefix, as podman does for local images.
    public func resolve(_ query: String) throws -> ImageRecord {
        let all = try images()
        if let match = try ImageStore.find(query, in: all) { return match }
        throw ImageError.notKnown(query)
    }

    public func exists(_ query: String) -> Bool {
        guard let all = try? images() else { return false }
        return (try? ImageStore.find(query, in: all)) != nil
    }

    static func find(_ query: String, in all: [ImageRecord]) throws -> ImageRecord? {
        var text = query
        if text.hasPrefix("sha256:") && text.count > 7 && !text.contains("/") { text.removeFirst(7) }
        // A hex string is an id or id prefix, if an image has it.
        if text.count >= 3, text.count <= 64, text.utf8.allSatisfy(Digest.isLowerHexByte) {
            let matches = all.filter { $0.id.hex.hasPrefix(text) }
            if matches.count == 1 { return matches[0] }
            if matches.count > 1 { throw ImageError.ambiguous(query, matches.map(\.id.hex)) }
        }
        guard let reference = try? ImageReference(parsing: query, defaultDomain: ImageReference.localDomain) else { return nil }
        if let digest = reference.digest {
            return all.first { $0.manifest.digest == digest && $0.names.contains { ImageStore.repository(of: $0) == reference.repository } }
                ?? (reference.wasShortName ? all.first { $0.manifest.digest == digest } : nil)
        }
        let full = reference.description
        if let exact = all.first(where: { $0.names.contains(full) }) { return exact }
        guard reference.wasShortName else { return nil }
        // A short name matches any registry's image with that path and tag (`nginx` → docker.io/library/nginx).
        return all.sorted(by: { $0.added > $1.added }).first { $0.name(matching: query) != nil }
    }

    static func repository(of name: String) -> String {
        (try? ImageReference(parsing: name))?.repository ?? name
    }

    // MARK: - Changing names

    /// Runs `body` on the image list with the store locked, and writes the list back atomically.
    func mutate<T>(_ body: (inout [ImageRecord]) throws -> T) throws -> T {
        try storageLock.lock(.exclusive)
        defer { storageLock.unlock() }
        var all = try images()
        let result = try body(&all)
        try FileSystem.writeAtomically(try JSONCoding.encode(ImageIndexFile(images: all)), to: indexPath, mode: 0o600)
        return result
    }

    /// Adds `name` to the image, taking it from whichever image had it.
    public func tag(_ query: String, as name: ImageReference) throws {
        let full = name.description
        try mutate { all in
            guard let target = try ImageStore.find(query, in: all) else { throw ImageError.notKnown(query) }
            for index in all.indices where all[index].id != target.id {
                all[index].names.removeAll { $0 == full }
            }
            if let index = all.firstIndex(where: { $0.id == target.id }), !all[index].names.contains(full) {
                all[index].names.append(full)
                all[index].namesHistory.removeAll { $0 == full }
                all[index].namesHistory.insert(full, at: 0)
            }
        }
    }

    /// What `image rm` did to one image.
    public struct Removal: Sendable, Equatable {
        public var untagged: [String]
        public var deleted: Digest?
        /// Unnamed build-step images above it that nothing else needed any more, nearest first.
        public var parentsDeleted: [Digest] = []
    }

    /// Which image `remove` asks `containersUsing` about.
    public enum RemovalCandidate: Sendable, Equatable {
        /// The image the query names, as found under the store's lock.
        case named
        /// An unnamed build-step image above it, which goes too when nothing else needs it.
        case parent
    }

    /// Removes a name, or the whole image when it is given by id or loses its last name.
    /// `containersUsing` lists the containers based on an image (they block removal unless `force`). An image given by
    /// id that has several names needs `force`, or `everyName` (`rmi -a`, `image prune`, which mean every name).
    public func remove(_ query: String, force: Bool, everyName: Bool = false,
                       containersUsing: (Digest, RemovalCandidate) throws -> [String] = { _, _ in [] }) throws -> Removal {
        let removal: Removal = try mutate { all in
            guard let target = try ImageStore.find(query, in: all), let index = all.firstIndex(where: { $0.id == target.id }) else {
                throw ImageError.notKnown(query)
            }
            let byID = ImageStore.isIDQuery(query, of: target)
            var removal = Removal(untagged: [], deleted: nil)
            if !byID && target.names.count > 1 {
                // One of several names: only that name goes.
                let name = target.name(matching: query) ?? target.names.first ?? query
                all[index].names.removeAll { $0 == name }
                removal.untagged = [name]
            } else {
                if byID && target.names.count > 1 && !force && !everyName {
                    throw ImageError.severalTags(id: query, names: target.names)
                }
                let users = try containersUsing(target.id, .named)
                if !users.isEmpty && !force { throw ImageError.inUse(image: target.id.hex, containers: users) }
                removal.untagged = target.names
                removal.deleted = target.id
                all.remove(at: index)
                // As podman: the build's intermediate images go too, while they have no name, no other child
                // image and no container.
                var parent = target.parent
                while let id = parent, let position = all.firstIndex(where: { $0.id == id }), all[position].names.isEmpty,
                      !all.contains(where: { $0.parent == id }), try containersUsing(id, .parent).isEmpty {
                    removal.parentsDeleted.append(id)
                    parent = all[position].parent
                    all.remove(at: position)
                }
            }
            return removal
        }
        if removal.deleted != nil { collectGarbage() }
        return removal
    }

    /// True when `query` named the image by (a prefix of) its id rather than by a name.
    public static func isIDQuery(_ query: String, of image: ImageRecord) -> Bool {
        var text = query
        if text.hasPrefix("sha256:") { text.removeFirst(7) }
        return text.count >= 3 && text.utf8.allSatisfy(Digest.isLowerHexByte) && image.id.hex.hasPrefix(text)
    }


    // MARK: - Housekeeping

    /// Deletes blobs and snapshots no image refers to, and leftovers of interrupted commands.
    /// Skipped (harmlessly) while an import, pull, load or build holds the store, here or in another process.
    @discardableResult
    public func collectGarbage() -> Int {
        // Under this instance's hold count: its own work (a build whose FROM pulled) holds the lock shared on the same
        // descriptor, where an exclusive request would convert that hold rather than wait for it.
        ingestHolds.withLock { holds in
            guard holds == 0, (try? ingestLock.tryLock(.exclusive)) == true else { return 0 }
            defer { ingestLock.unlock() }
            return collectUnlisted()
        }
    }

    /// Garbage collection proper, with `ingest.lock` held exclusively.
    private func collectUnlisted() -> Int {
        guard (try? storageLock.lock(.exclusive)) != nil else { return 0 }
        defer { storageLock.unlock() }
        guard let all = try? images() else { return 0 }
        var wantedBlobs = Set<Digest>()
        var wantedLayers = Set<Digest>()
        for image in all {
            wantedBlobs.insert(image.manifest.digest)
            wantedBlobs.insert(image.id)
            for layer in image.layers {
                wantedBlobs.insert(layer.blob.digest)
                wantedLayers.insert(layer.chainID)
            }
        }
        var removed = 0
        for digest in blobs.all() where !wantedBlobs.contains(digest) {
            blobs.remove(digest)
            removed += 1
        }
        for chainID in layers.all() where !wantedLayers.contains(chainID) {
            if (try? layers.remove(chainID)) != nil { removed += 1 }
        }
        for leftover in FileSystem.list(temporary) {
            try? FileSystem.removeTree("\(temporary)/\(leftover)")
        }
        for name in FileSystem.list(root) where name.hasPrefix("images.json.tmp-") {
            unlink("\(root)/\(name)")
        }
        return removed
    }
}

extension Digest {
    /// 0-9 or a-f: a byte of a digest's (or a container id's) hex.
    public static func isLowerHexByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }
}

extension ImageReference {
    /// Path and tag as typed, without any domain or default-tag rules (`nginx:1.24` → `nginx`, `1.24`;
    /// `nginx` → `nginx`, nil).
    public static func shortParts(_ text: String) -> (path: String, tag: String?) {
        var remainder = Substring(text)
        if let at = remainder.firstIndex(of: "@") { remainder = remainder[..<at] }
        if let colon = remainder.lastIndex(of: ":"), !remainder[colon...].contains("/") {
            return (String(remainder[..<colon]), String(remainder[remainder.index(after: colon)...]))
        }
        return (String(remainder), nil)
    }
}

extension ImageRecord {
    /// The name of this image that `query` means: the same full name, or for a short name one with that
    /// path (Docker Hub's `library/` implied) and tag (`latest` when none is given). Nil when none does.
    public func name(matching query: String) -> String? {
        if let reference = try? ImageReference(parsing: query, defaultDomain: ImageReference.localDomain),
           names.contains(reference.description) {
            return reference.description
        }
        let wanted = ImageReference.shortParts(query)
        return names.first { name in
            guard let candidate = try? ImageReference(parsing: name) else { return false }
            return candidate.tag == (wanted.tag ?? ImageReference.defaultTag)
                && (candidate.path == wanted.path || candidate.path == "library/" + wanted.path)
        }
    }
}
