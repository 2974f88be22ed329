import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// An OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/…`): what fixture images are
/// built as, and what oci-archive files contain.
public struct OCILayout: BlobSource {
    public let path: String
    public static let refNameAnnotation = "org.opencontainers.image.ref.name"

    public init(path: String) {
        self.path = path
    }

    public func blobPath(_ digest: Digest) -> String { "\(path)/blobs/\(digest.algorithm)/\(digest.hex)" }

    public func file(for descriptor: Descriptor) throws -> String {
        let file = blobPath(descriptor.digest)
        guard FileSystem.exists(file) else {
            throw ImageError.malformed("OCI layout \(path)", "blob \(descriptor.digest) is missing")
        }
        return file
    }

    public func readIndex() throws -> ImageIndex {
        let layoutFile = "\(path)/oci-layout"
        guard FileSystem.exists(layoutFile) else { throw ImageError.malformed("OCI layout \(path)", "no oci-layout file") }
        let index = try JSONCoding.decode(ImageIndex.self, from: try FileSystem.readFile("\(path)/index.json"), what: "OCI index \(path)/index.json")
        guard index.schemaVersion == 2 else { throw ImageError.unsupported("OCI index schema version \(index.schemaVersion)") }
        return index
    }

    /// Reads a small blob (manifest, index, config), verifying its digest.
    public func readBlob(_ descriptor: Descriptor, limit: Int64 = 4 << 20) throws -> [UInt8] {
        guard descriptor.size <= limit else { throw ImageError.malformed("OCI layout \(path)", "\(descriptor.digest) is too large") }
        let bytes = try FileSystem.readFile(try file(for: descriptor))
        let digest = Digest.sha256(of: bytes)
        guard digest == descriptor.digest else { throw DigestError.mismatch(expected: descriptor.digest, actual: digest, what: "blob in \(path)") }
        return bytes
    }

    /// One image of the layout: its manifest bytes and the name it carries (the ref-name annotation).
    public struct Entry {
        public var manifestBytes: [UInt8]
        public var manifestDigest: Digest
        public var refName: String?
    }

    /// Every image in the layout; manifest lists are resolved to the host's platform.
    public func entries() throws -> [Entry] {
        var result: [Entry] = []
        for descriptor in try readIndex().manifests {
            let refName = descriptor.annotations?[OCILayout.refNameAnnotation]
            result.append(try resolve(descriptor, refName: refName, depth: 0))
        }
        return result
    }

    public func resolve(_ descriptor: Descriptor, refName: String?, depth: Int) throws -> Entry {
        guard depth < 4 else { throw ImageError.malformed("OCI layout \(path)", "indexes nest too deeply") }
        let bytes = try readBlob(descriptor)
        if MediaType.indexes.contains(descriptor.mediaType) {
            let index = try JSONCoding.decode(ImageIndex.self, from: bytes, what: "image index")
            guard let match = index.manifests.first(where: {
                $0.platform.map { $0.os == Platform.host.os && $0.architecture == Platform.host.architecture } ?? false
            }) else {
                throw ImageError.noMatchingPlatform(refName ?? descriptor.digest.description)
            }
            return try resolve(match, refName: refName, depth: depth + 1)
        }
        return Entry(manifestBytes: bytes, manifestDigest: descriptor.digest, refName: refName)
    }

    // MARK: - Writing

    /// Creates an empty layout (or keeps an existing one).
    public func create() throws {
        try FileSystem.createDirectory("\(path)/blobs/sha256")
        if !FileSystem.exists("\(path)/oci-layout") {
            try FileSystem.writeAtomically(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: "\(path)/oci-layout")
        }
    }

    /// Writes a blob (by content) into the layout.
    @discardableResult
    public func writeBlob(_ bytes: [UInt8]) throws -> Digest {
        let digest = Digest.sha256(of: bytes)
        let destination = blobPath(digest)
        if !FileSystem.exists(destination) { try FileSystem.writeAtomically(bytes, to: destination) }
        return digest
    }

    /// Moves a finished file into the layout under its content digest.
    public func adoptBlob(file: String) throws -> (Digest, Int64) {
        let (digest, size) = try BlobStore.hash(file: file)
        let destination = blobPath(digest)
        if FileSystem.exists(destination) {
            unlink(file)
        } else if rename(file, destination) != 0 {
            throw SystemError("store blob", path: destination, errno: errno)
        }
        return (digest, size)
    }

    public func writeIndex(_ index: ImageIndex) throws {
        try FileSystem.writeAtomically(try JSONCoding.encode(index), to: "\(path)/index.json")
    }
}
