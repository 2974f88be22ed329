import PodlabArchive
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Where an import reads blobs from: an OCI layout, an unpacked archive, later a registry.
public protocol BlobSource {
    /// A readable file holding the blob's content (verified by the store before it is kept).
    func file(for descriptor: Descriptor) throws -> String
}

/// Steps of an import, for podman-style progress lines.
public enum ImportEvent: Sendable, Equatable {
    case copyingBlob(Digest, alreadyPresent: Bool)
    case copyingConfig(Digest)
    case writingManifest
}

extension ImageStore {
    /// Largest manifest or config podlab accepts (real ones are a few KiB).
    static let maximumMetadataSize: Int64 = 4 << 20

    /// Imports the image described by `manifestBytes`: every blob verified, every layer unpacked into a
    /// snapshot, then the image listed under `names` (which move here from any image that had them).
    /// A failure or a kill at any point lists nothing; leftovers are collected later.
    @discardableResult
    public func importImage(manifestBytes: [UInt8], expectedDigest: Digest? = nil, source: any BlobSource,
                            names: [ImageReference], parent: Digest? = nil,
                            progress: (ImportEvent) -> Void = { _ in }) throws -> ImageRecord {
        try beginIngest()
        defer { endIngest() }

        let manifestDigest = Digest.sha256(of: manifestBytes)
        if let expectedDigest, expectedDigest != manifestDigest {
            throw DigestError.mismatch(expected: expectedDigest, actual: manifestDigest, what: "manifest")
        }
        let manifest = try ImageStore.validatedManifest(manifestBytes)

        guard manifest.config.size <= ImageStore.maximumMetadataSize else {
            throw ImageError.malformed("image config", "it claims \(manifest.config.size) bytes")
        }
        let configPath = try source.file(for: manifest.config)
        let configBytes = try FileSystem.readFile(configPath)
        guard Int64(configBytes.count) == manifest.config.size else {
            throw DigestError.sizeMismatch(expected: manifest.config.size, actual: Int64(configBytes.count), what: "image config")
        }
        let config = try ImageStore.validatedConfig(configBytes, manifest: manifest)

        let chainIDs = ChainID.compute(config.rootfs.diff_ids)
        var stored: [StoredLayer] = []
        for (index, layer) in manifest.layers.enumerated() {
            let present = blobs.contains(layer.digest) && layers.contains(chainIDs[index])
            progress(.copyingBlob(layer.digest, alreadyPresent: present))
            if !blobs.contains(layer.digest) {
                try blobs.ingest(file: try source.file(for: layer), expected: layer, what: "layer \(layer.digest)")
            }
            let size = try layers.ensure(chainID: chainIDs[index], parent: index > 0 ? chainIDs[index - 1] : nil,
                                         diffID: config.rootfs.diff_ids[index], blob: layer, blobPath: blobs.path(for: layer.digest))
            let uncompressed = try size ?? knownUncompressedSize(of: chainIDs[index], blob: layer)
            stored.append(StoredLayer(blob: layer, diffID: config.rootfs.diff_ids[index], chainID: chainIDs[index],
                                      uncompressedSize: uncompressed))
        }
        progress(.copyingConfig(manifest.config.digest))
        try blobs.put(configBytes, expected: manifest.config.digest, what: "image config")
        progress(.writingManifest)
        try blobs.put(manifestBytes)

        let descriptor = Descriptor(mediaType: manifest.mediaType ?? MediaType.ociManifest, digest: manifestDigest,
                                    size: Int64(manifestBytes.count))
        let fullNames = names.map(\.description)
        let now = Double(time(nil))
        return try mutate { all in
            for index in all.indices {
                all[index].names.removeAll { fullNames.contains($0) }
            }
            if let index = all.firstIndex(where: { $0.id == manifest.config.digest }) {
                var record = all[index]
                record.names = fullNames + record.names.filter { !fullNames.contains($0) }
                record.namesHistory = fullNames + record.namesHistory.filter { !fullNames.contains($0) }
                // The same image (same config) arrived in another form (other compression, another registry):
                // its manifest and the layer blobs that manifest names are replaced together. Keeping the old
                // layers beside the new manifest let garbage collection take the blobs the manifest names.
                record.manifest = descriptor
                record.layers = stored
                if record.parent == nil { record.parent = parent }
                all[index] = record
                return record
            }
            let record = ImageRecord(id: manifest.config.digest, manifest: descriptor, names: fullNames,
                                     created: config.created.flatMap(JSONCoding.parseTimestamp), added: now, layers: stored,
                                     parent: parent)
            all.append(record)
            return record
        }
    }

    /// The uncompressed size of a layer that was already unpacked, from any image that lists it.
    func knownUncompressedSize(of chainID: Digest, blob: Descriptor) throws -> Int64 {
        for image in try images() {
            if let layer = image.layers.first(where: { $0.chainID == chainID }) { return layer.uncompressedSize }
        }
        // Unpacked by an import that never finished listing its image: measure the blob again.
        let source = try DecompressingSource(path: blobs.path(for: blob.digest), accepting: MediaType.layerDecompressors(blob.mediaType))
        try source.drain()
        return source.byteCount
    }

    static func validatedManifest(_ bytes: [UInt8]) throws -> Manifest {
        guard Int64(bytes.count) <= maximumMetadataSize else { throw ImageError.malformed("manifest", "it is larger than 4 MiB") }
        let manifest = try JSONCoding.decode(Manifest.self, from: bytes, what: "manifest")
        guard manifest.schemaVersion == 2 else {
            throw ImageError.unsupported("manifest schema version \(manifest.schemaVersion) (podlab reads version 2)")
        }
        if let type = manifest.mediaType, !MediaType.manifests.contains(type) {
            throw ImageError.unsupported("manifest media type \(type)")
        }
        guard MediaType.configs.contains(manifest.config.mediaType) else {
            throw ImageError.unsupported("config media type \(manifest.config.mediaType) (this is not a container image)")
        }
        for layer in manifest.layers {
            guard MediaType.layers.contains(layer.mediaType) else { throw ImageError.unsupported("layer media type \(layer.mediaType)") }
            guard layer.size >= 0 else { throw ImageError.malformed("manifest", "a layer has a negative size") }
        }
        guard manifest.layers.count <= 500 else { throw ImageError.malformed("manifest", "it lists \(manifest.layers.count) layers") }
        return manifest
    }

    static func validatedConfig(_ bytes: [UInt8], manifest: Manifest) throws -> ImageConfig {
        let digest = Digest.sha256(of: bytes)
        guard digest == manifest.config.digest else {
            throw DigestError.mismatch(expected: manifest.config.digest, actual: digest, what: "image config")
        }
        let config = try JSONCoding.decode(ImageConfig.self, from: bytes, what: "image config")
        guard config.os == "linux" else { throw ImageError.unsupported("image for operating system \"\(config.os)\"") }
        guard config.rootfs.diff_ids.count == manifest.layers.count else {
            throw ImageError.malformed("image", "the config lists \(config.rootfs.diff_ids.count) layers but the manifest \(manifest.layers.count)")
        }
        return config
    }

    /// The parsed config and manifest of a stored image.
    public func config(of image: ImageRecord) throws -> ImageConfig {
        try JSONCoding.decode(ImageConfig.self, from: try blobs.read(image.id), what: "image config")
    }

    public func manifest(of image: ImageRecord) throws -> Manifest {
        try JSONCoding.decode(Manifest.self, from: try blobs.read(image.manifest.digest), what: "manifest")
    }
}

/// For importers that fetch blobs themselves (the registry client): scratch files in the store's
/// temporary area, and verified blobs adopted by rename.
extension ImageStore {
    /// Holds off garbage collection (which empties the temporary area and deletes blobs and snapshots no listed image
    /// names) until the matching `endIngest()`: for work that writes there before it lists an image (a pull's
    /// downloads, a build's layers). Other imports may run meanwhile; holds on one `ImageStore` nest, and the lock goes
    /// with the last one (another instance, in this process or another, locks through a descriptor of its own).
    public func beginIngest() throws {
        try ingestHolds.withLock { (holds: inout Int) throws(SystemError) in
            if holds == 0 { try ingestLock.lock(.shared) }
            holds += 1
        }
    }

    public func endIngest() {
        ingestHolds.withLock { holds in
            precondition(holds > 0, "endIngest without beginIngest")
            holds -= 1
            if holds == 0 { ingestLock.unlock() }
        }
    }

    /// A new, unused path in the store's temporary area (same file system as the blobs).
    public func temporaryPath() throws -> String {
        try blobs.makeTemporaryPath()
    }

    /// Gives the store a complete file whose content the caller verified to be `digest`.
    public func adoptVerifiedBlob(_ file: String, digest: Digest) throws {
        if blobs.contains(digest) {
            unlink(file)
            return
        }
        try blobs.publish(file, as: digest)
    }

    /// True when the store has the blob and, for a layer, has it unpacked in a snapshot already.
    public func hasBlob(_ digest: Digest) -> Bool {
        blobs.contains(digest)
    }
}
