import PodlabCore

/// The store's own invariant: every listed image's manifest, config and layer blobs exist and agree with each
/// other, and every layer has its snapshot.
extension ImageStore {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var image: Digest
        public var names: [String]
        public var detail: String

        public var description: String {
            "image \(image.hex.prefix(12))\(names.isEmpty ? "" : " (\(names.joined(separator: ", ")))"): \(detail)"
        }
    }

    /// What does not hold, image by image (empty: the store is sound).
    public func check() throws -> [Problem] {
        var problems: [Problem] = []
        for image in try images() {
            func report(_ detail: String) { problems.append(Problem(image: image.id, names: image.names, detail: detail)) }
            if !blobs.contains(image.id) { report("its config blob \(image.id) is missing") }
            guard blobs.contains(image.manifest.digest) else {
                report("its manifest blob \(image.manifest.digest) is missing")
                continue
            }
            guard let manifest = try? manifest(of: image) else {
                report("its manifest \(image.manifest.digest) cannot be read")
                continue
            }
            if manifest.config.digest != image.id { report("its manifest names the config \(manifest.config.digest)") }
            if manifest.layers.map(\.digest) != image.layers.map(\.blob.digest) {
                report("its manifest's layers differ from the layers it lists")
            }
            for layer in manifest.layers where !blobs.contains(layer.digest) {
                report("layer blob \(layer.digest) is missing")
            }
            for layer in image.layers where !layers.contains(layer.chainID) {
                report("the snapshot of layer \(layer.chainID) is missing")
            }
        }
        return problems
    }
}

extension ImageStore {
    /// What `repair` did for one image.
    public enum Mend: Sendable, Equatable {
        /// Its layers and config were all there: a manifest naming exactly them was written.
        case rebuiltManifest(Digest, names: [String])
        /// Its content is gone: the image (and its names) were forgotten; nothing that exists was deleted.
        case forgot(Digest, names: [String])
    }

    /// Mends what `check` found, then collects leftovers of interrupted commands and unreferenced blobs. An image
    /// whose config, layer blobs and snapshots are all present gets a manifest that names them (the state an old
    /// podlab left when the same image arrived twice in different compression); any other broken image is forgotten.
    @discardableResult
    public func repair() throws -> [Mend] {
        let broken = Set(try check().map(\.image))
        var mends: [Mend] = []
        if !broken.isEmpty {
            // A rebuilt manifest is written through the scratch area before it is listed.
            try beginIngest()
            defer { endIngest() }
            for image in try images() where broken.contains(image.id) {
                let whole = blobs.contains(image.id) && image.layers.allSatisfy { blobs.contains($0.blob.digest) && layers.contains($0.chainID) }
                guard whole, let configBytes = try? blobs.read(image.id) else {
                    mends.append(.forgot(image.id, names: image.names))
                    continue
                }
                let oci = image.layers.allSatisfy { $0.blob.mediaType.hasPrefix("application/vnd.oci.") }
                let manifest = Manifest(mediaType: oci ? MediaType.ociManifest : MediaType.dockerManifest,
                                        config: Descriptor(mediaType: oci ? MediaType.ociConfig : MediaType.dockerConfig,
                                                           digest: image.id, size: Int64(configBytes.count)),
                                        layers: image.layers.map(\.blob))
                let bytes = try JSONCoding.encode(manifest)
                let digest = try blobs.put(bytes)
                try mutate { all in
                    guard let index = all.firstIndex(where: { $0.id == image.id }) else { return }
                    all[index].manifest = Descriptor(mediaType: manifest.mediaType ?? MediaType.ociManifest, digest: digest, size: Int64(bytes.count))
                }
                mends.append(.rebuiltManifest(image.id, names: image.names))
            }
            let forgotten = Set(mends.compactMap { if case .forgot(let id, _) = $0 { return id } else { return nil } })
            if !forgotten.isEmpty { try mutate { all in all.removeAll { forgotten.contains($0.id) } } }
        }
        collectGarbage()
        return mends
    }
}
