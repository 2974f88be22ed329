import PodlabArchive
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

extension ImageStore {
    /// What `load` brought in: each image with the names it was given.
    public struct Loaded: Sendable {
        public var image: ImageRecord
        public var names: [String]
    }

    /// Loads every image of an oci-archive or docker-archive (compressed or not) read by `reader`.
    public func load(from reader: ArchiveReader, progress: (ImportEvent) -> Void = { _ in }) throws -> [Loaded] {
        // The archive's members wait in the scratch area until their images are listed.
        try beginIngest()
        defer { endIngest() }
        try FileSystem.createDirectory(temporary, mode: 0o700)
        let scratch = "\(temporary)/load-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileSystem.removeTree(scratch) }
        let members: ArchiveMembers
        do {
            members = try ArchiveMembers(reader: reader, directory: scratch)
        } catch let error as ArchiveError {
            if case .unreadable(_, let detail) = error { throw ImageError.notAnArchive(reader.sourceName, detail) }
            throw error
        }
        if members.contains("oci-layout") && members.contains("index.json") {
            return try loadOCI(members, progress: progress)
        }
        if members.contains("manifest.json") {
            return try loadDocker(members, progress: progress)
        }
        throw ImageError.notAnArchive(reader.sourceName, "it has neither oci-layout and index.json nor manifest.json")
    }

    func loadOCI(_ members: ArchiveMembers, progress: (ImportEvent) -> Void) throws -> [Loaded] {
        let index = try JSONCoding.decode(ImageIndex.self, from: try members.read("index.json"), what: "index.json")
        var loaded: [Loaded] = []
        for descriptor in index.manifests {
            let manifestBytes = try FileSystem.readFile(try members.file(for: descriptor))
            let name = descriptor.annotations?["io.containerd.image.name"] ?? descriptor.annotations?[OCILayout.refNameAnnotation]
            let names = try name.map { [try ImageReference(parsing: $0, defaultDomain: ImageReference.localDomain)] } ?? []
            let source: any BlobSource = members
            let record: ImageRecord
            if MediaType.indexes.contains(descriptor.mediaType) {
                let layout = ResolvedIndex(members: members)
                let entry = try layout.resolve(descriptor, refName: name)
                record = try importImage(manifestBytes: entry.manifestBytes, expectedDigest: entry.manifestDigest,
                                         source: source, names: names, progress: progress)
            } else {
                record = try importImage(manifestBytes: manifestBytes, expectedDigest: descriptor.digest,
                                         source: source, names: names, progress: progress)
            }
            loaded.append(Loaded(image: record, names: names.map(\.description)))
        }
        return loaded
    }

    func loadDocker(_ members: ArchiveMembers, progress: (ImportEvent) -> Void) throws -> [Loaded] {
        let entries = try JSONCoding.decode([DockerArchiveEntry].self, from: try members.read("manifest.json"), what: "manifest.json")
        var loaded: [Loaded] = []
        for entry in entries {
            let configBytes = try members.read(entry.Config, limit: Int(ImageStore.maximumMetadataSize))
            let configDigest = Digest.sha256(of: configBytes)
            var byDigest: [Digest: String] = [configDigest: entry.Config]
            var layers: [Descriptor] = []
            for name in entry.Layers {
                guard let file = members.path(of: name) else { throw ImageError.malformed("docker-archive", "layer \(name) is missing") }
                let (digest, size) = try BlobStore.hash(file: file)
                byDigest[digest] = name
                layers.append(Descriptor(mediaType: try ImageStore.layerMediaType(of: file), digest: digest, size: size))
            }
            let manifest = Manifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configBytes.count)),
                                    layers: layers)
            let names = try (entry.RepoTags ?? []).map { try ImageReference(parsing: $0) }
            let record = try importImage(manifestBytes: try JSONCoding.encode(manifest), source: DockerArchiveBlobs(members: members, byDigest: byDigest),
                                         names: names, progress: progress)
            loaded.append(Loaded(image: record, names: names.map(\.description)))
        }
        return loaded
    }

    /// Layers in docker archives are usually plain tars; some writers gzip them.
    static func layerMediaType(of file: String) throws -> String {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("read", path: file, errno: errno) }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        let count = magic.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 4) }
        if count >= 2 && magic[0] == 0x1f && magic[1] == 0x8b { return MediaType.ociLayerGzip }
        if count >= 4 && magic == [0x28, 0xb5, 0x2f, 0xfd] { return MediaType.ociLayerZstd }
        return MediaType.ociLayer
    }
}

/// Resolves an image index inside an archive to the host platform's manifest.
struct ResolvedIndex {
    let members: ArchiveMembers

    func resolve(_ descriptor: Descriptor, refName: String?) throws -> OCILayout.Entry {
        var current = descriptor
        for _ in 0..<4 {
            let bytes = try FileSystem.readFile(try members.file(for: current))
            let digest = Digest.sha256(of: bytes)
            guard digest == current.digest else { throw DigestError.mismatch(expected: current.digest, actual: digest, what: "archive blob") }
            guard MediaType.indexes.contains(current.mediaType) else {
                return OCILayout.Entry(manifestBytes: bytes, manifestDigest: digest, refName: refName)
            }
            let index = try JSONCoding.decode(ImageIndex.self, from: bytes, what: "image index")
            guard let match = index.manifests.first(where: {
                $0.platform.map { $0.os == Platform.host.os && $0.architecture == Platform.host.architecture } ?? false
            }) else { throw ImageError.noMatchingPlatform(refName ?? descriptor.digest.description) }
            current = match
        }
        throw ImageError.malformed("archive", "indexes nest too deeply")
    }
}

extension ImageStore {
    /// Opens an image archive file (any compression); a file libarchive cannot read is "not an image archive".
    public static func openArchive(path: String) throws -> ArchiveReader {
        do { return try ArchiveReader(path: path, format: .tar) } catch let error as ArchiveError {
            throw ImageError.notAnArchive(path, error.detail)
        }
    }

    /// Opens an image archive arriving on a descriptor (standard input).
    public static func openArchive(fd: Int32, name: String) throws -> ArchiveReader {
        do { return try ArchiveReader(fd: fd, name: name, format: .tar) } catch let error as ArchiveError {
            throw ImageError.notAnArchive(name, error.detail)
        }
    }
}

extension ArchiveError {
    /// The part of the message after the source's name.
    var detail: String {
        if case .unreadable(_, let detail) = self { return detail }
        return message
    }
}
