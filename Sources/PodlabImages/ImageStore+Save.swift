import PodlabArchive
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

extension ImageStore {
    /// Writes images to `writer` as an oci-archive or docker-archive. `progress` gets each blob's digest.
    public func save(_ images: [ImageToSave], format: ImageArchiveFormat, to writer: ArchiveWriter,
                     progress: (ImportEvent) -> Void = { _ in }) throws {
        switch format {
        case .ociArchive: try saveOCI(images, to: writer, progress: progress)
        case .dockerArchive: try saveDocker(images, to: writer, progress: progress)
        }
        try writer.close()
    }

    static func archiveFile(_ path: String, mode: UInt32 = 0o644) -> ArchiveEntry {
        ArchiveEntry(path: path, kind: .regular, permissions: mode, modificationTime: 0)
    }

    func saveOCI(_ images: [ImageToSave], to writer: ArchiveWriter, progress: (ImportEvent) -> Void) throws {
        try writer.add(ArchiveEntry(path: "blobs/", kind: .directory, permissions: 0o755))
        try writer.add(ArchiveEntry(path: "blobs/sha256/", kind: .directory, permissions: 0o755))
        var written = Set<Digest>()
        var descriptors: [Descriptor] = []
        func addBlob(_ digest: Digest) throws {
            guard written.insert(digest).inserted else { return }
            try writer.add(ImageStore.archiveFile("blobs/sha256/\(digest.hex)"), contentsOfFile: blobs.path(for: digest))
        }
        for item in images {
            for layer in item.image.layers {
                progress(.copyingBlob(layer.blob.digest, alreadyPresent: false))
                try addBlob(layer.blob.digest)
            }
            progress(.copyingConfig(item.image.id))
            try addBlob(item.image.id)
            progress(.writingManifest)
            try addBlob(item.image.manifest.digest)
            let names = item.names.isEmpty ? [nil] : item.names.map { Optional($0) }
            for name in names {
                var descriptor = item.image.manifest
                descriptor.annotations = name.map { [OCILayout.refNameAnnotation: $0] }
                descriptors.append(descriptor)
            }
        }
        let index = ImageIndex(manifests: descriptors, mediaType: nil)
        try writer.add(ImageStore.archiveFile("index.json"), data: try JSONCoding.encode(index))
        try writer.add(ImageStore.archiveFile("oci-layout"), data: Array(#"{"imageLayoutVersion": "1.0.0"}"#.utf8))
    }

    func saveDocker(_ images: [ImageToSave], to writer: ArchiveWriter, progress: (ImportEvent) -> Void) throws {
        var written = Set<Digest>()
        var entries: [DockerArchiveEntry] = []
        var repositories: [String: [String: String]] = [:]
        for item in images {
            var layerFiles: [String] = []
            for layer in item.image.layers {
                progress(.copyingBlob(layer.blob.digest, alreadyPresent: false))
                let name = "\(layer.diffID.hex).tar"
                layerFiles.append(name)
                guard written.insert(layer.diffID).inserted else { continue }
                try writeUncompressed(layer, as: name, to: writer)
            }
            progress(.copyingConfig(item.image.id))
            let configName = "\(item.image.id.hex).json"
            if written.insert(item.image.id).inserted {
                try writer.add(ImageStore.archiveFile(configName, mode: 0o444), contentsOfFile: blobs.path(for: item.image.id))
            }
            progress(.writingManifest)
            entries.append(DockerArchiveEntry(Config: configName, RepoTags: item.names, Layers: layerFiles))
            for name in item.names {
                guard let reference = try? ImageReference(parsing: name), let tag = reference.tag else { continue }
                repositories[reference.repository, default: [:]][tag] = item.image.layers.last?.diffID.hex ?? item.image.id.hex
            }
        }
        try writer.add(ImageStore.archiveFile("manifest.json", mode: 0o444), data: try JSONCoding.encode(entries))
        try writer.add(ImageStore.archiveFile("repositories", mode: 0o444), data: try JSONCoding.encode(repositories))
    }

    /// docker-archive layers are plain tars whose digest is the diff id: decompress the stored blob on the way.
    func writeUncompressed(_ layer: StoredLayer, as name: String, to writer: ArchiveWriter) throws {
        let source = try DecompressingSource(path: blobs.path(for: layer.blob.digest),
                                             accepting: MediaType.layerDecompressors(layer.blob.mediaType))
        var entry = ImageStore.archiveFile(name, mode: 0o444)
        entry.size = layer.uncompressedSize
        try writer.add(entry, streamingFrom: source)
        guard source.digest == layer.diffID else {
            throw DigestError.mismatch(expected: layer.diffID, actual: source.digest, what: "stored layer \(layer.blob.digest)")
        }
    }
}
