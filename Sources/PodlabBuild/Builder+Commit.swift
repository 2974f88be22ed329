import PodlabArchive
import PodlabCore
import PodlabImages
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Blobs of an image being committed: new files in the build's scratch area, the rest in the store.
struct LocalBlobs: BlobSource {
    let store: ImageStore
    var files: [Digest: String]

    func file(for descriptor: Descriptor) throws -> String {
        files[descriptor.digest] ?? store.blobs.path(for: descriptor.digest)
    }
}

extension Builder {
    /// The cache key of a step: its parent image, the instruction as it will run, and what it reads.
    func cacheKey(_ state: StageState, _ instruction: Instruction, extra: String = "") -> String {
        let material = "\(state.imageID?.description ?? "scratch")\n\(instruction.keyword) \(instruction.flags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))\n\(Substitution.expand(instruction.arguments, state.variables))\n\(state.args.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))\n\(extra)"
        return Digest.sha256(of: Array(material.utf8)).hex
    }

    /// Uses the cached image for `key` when there is one (and the cache is on); prints podman's lines.
    func reuse(_ key: String, into state: inout StageState, last: Bool) throws -> Bool {
        guard !options.noCache, let id = cache.lookup(key), let image = try? store.resolve(id) else { return false }
        say("--> Using cache \(image.id.hex)")
        if !last { say("--> \(String(image.id.hex.prefix(11)))") }
        state.imageID = image.id
        state.config = try store.config(of: image)
        state.manifestLayers = try store.manifest(of: image).layers
        return true
    }

    /// A step that changes only the configuration.
    func commitConfig(_ state: inout StageState, instruction: Instruction, last: Bool) throws {
        let key = cacheKey(state, instruction)
        if try reuse(key, into: &state, last: last) { return }
        let createdBy = "/bin/sh -c #(nop) \(instruction.keyword) \(Substitution.expand(instruction.arguments, state.variables))"
        try commit(&state, layer: nil, createdBy: createdBy, key: key, last: last)
    }

    /// Makes an image of the stage (plus `layer`, a tar.gz file, when given) and records it in the cache.
    func commit(_ state: inout StageState, layer: String?, createdBy: String, key: String, last: Bool) throws {
        var files: [Digest: String] = [:]
        // To the nanosecond, as buildah: two builds never make the same image by happening in the same second
        // (a --no-cache build is a new image, whose steps nothing else shares).
        let now = WallClock.now()
        if let layer {
            let (digest, size) = try BlobStore.hash(file: layer)
            let decompressed = try DecompressingSource(path: layer, accepting: [.gzip])
            try decompressed.drain()
            files[digest] = layer
            state.manifestLayers.append(Descriptor(mediaType: MediaType.ociLayerGzip, digest: digest, size: size))
            state.config.rootfs.diff_ids.append(decompressed.digest)
        }
        var history = state.config.history ?? []
        history.append(HistoryEntry(created: JSONCoding.preciseTimestamp(now), createdBy: createdBy,
                                    comment: state.imageID.map { "FROM \($0.shortHex)" }, emptyLayer: layer == nil ? true : nil))
        state.config.history = history
        state.config.created = JSONCoding.preciseTimestamp(now)
        let configBytes = try JSONCoding.encode(state.config)
        let configDigest = Digest.sha256(of: configBytes)
        let configFile = try scratchFile("config")
        try FileSystem.writeAtomically(configBytes, to: configFile)
        files[configDigest] = configFile
        let manifest = Manifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configBytes.count)),
                                layers: state.manifestLayers)
        let record = try store.importImage(manifestBytes: try JSONCoding.encode(manifest), source: LocalBlobs(store: store, files: files),
                                           names: [], parent: state.imageID)
        cache.store(key, id: record.id.hex)
        state.imageID = record.id
        if !last { say("--> \(String(record.id.hex.prefix(11)))") }
    }

    func scratchFile(_ label: String) throws -> String {
        let directory = "\(store.root)/tmp"
        try FileSystem.createDirectory(directory, mode: 0o700)
        let path = "\(directory)/build-\(label)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        scratchFiles.append(path)
        return path
    }

    /// WORKDIR makes the directory when the image lacks it (a layer), as podman does.
    func workdir(_ state: inout StageState, instruction: Instruction, path: String, last: Bool) throws {
        // "in root": a WORKDIR cached while its directory was looked up on the host is not reused.
        let key = cacheKey(state, instruction, extra: "in root")
        if try reuse(key, into: &state, last: last) { return }
        let exists = try rootfs(of: state).map { FileSystem.isDirectory(path, inRoot: $0) } ?? false
        var layer: String?
        if !exists && path != "/" {
            let file = try scratchFile("layer")
            let writer = try ArchiveWriter(path: file, compression: .gzip)
            try writer.add(ArchiveEntry(path: String(path.dropFirst()), kind: .directory, permissions: 0o755, modificationTime: Int64(time(nil))))
            try writer.close()
            layer = file
        }
        try commit(&state, layer: layer, createdBy: "/bin/sh -c #(nop) WORKDIR \(path)", key: key, last: last)
    }
}

/// Which image each step made: `build-cache.json`, step key → image id, shared by builds of one store.
final class BuildCache {
    let path: String
    let lock: FileLock
    private var entries: [String: String]

    init(storage: String) throws {
        path = "\(storage)/build-cache.json"
        lock = try FileLock(path: "\(storage)/build-cache.lock")
        entries = (try? JSONCoding.decode([String: String].self, from: try FileSystem.readFile(path), what: "build cache")) ?? [:]
    }

    func lookup(_ key: String) -> String? { entries[key] }

    func store(_ key: String, id: String) {
        entries[key] = id
        guard (try? lock.lock(.exclusive)) != nil else { return }
        defer { lock.unlock() }
        var merged = (try? JSONCoding.decode([String: String].self, from: try FileSystem.readFile(path), what: "build cache")) ?? [:]
        merged[key] = id
        if let bytes = try? JSONCoding.encode(merged) { try? FileSystem.writeAtomically(bytes, to: path) }
    }
}
