import PodlabCore

/// One layer of a stored image: the blob as distributed and the snapshot it unpacked to.
public struct StoredLayer: Codable, Hashable, Sendable {
    public var blob: Descriptor
    public var diffID: Digest
    public var chainID: Digest
    /// Length of the uncompressed tar stream.
    public var uncompressedSize: Int64

    public init(blob: Descriptor, diffID: Digest, chainID: Digest, uncompressedSize: Int64) {
        self.blob = blob
        self.diffID = diffID
        self.chainID = chainID
        self.uncompressedSize = uncompressedSize
    }
}

/// An image in the local store. Its id is the digest of its configuration.
public struct ImageRecord: Codable, Hashable, Sendable {
    public var id: Digest
    public var manifest: Descriptor
    /// Fully qualified names (`docker.io/library/nginx:1.24`), most recently pulled or loaded first.
    public var names: [String]
    /// Every name the image ever had, most recent first.
    public var namesHistory: [String]
    /// The config's creation time (Unix seconds), if it has one.
    public var created: Double?
    /// When this store got the image.
    public var added: Double
    public var layers: [StoredLayer]
    /// The image this one was built on (set by builds; hides intermediate images from `images`).
    public var parent: Digest?

    public init(id: Digest, manifest: Descriptor, names: [String], created: Double?, added: Double, layers: [StoredLayer], parent: Digest? = nil) {
        self.id = id
        self.manifest = manifest
        self.names = names
        self.namesHistory = names
        self.created = created
        self.added = added
        self.layers = layers
        self.parent = parent
    }

    /// Sum of the uncompressed layers, as podman's SIZE.
    public var size: Int64 { layers.reduce(0) { $0 + $1.uncompressedSize } }
    /// The snapshot holding the image's whole root filesystem (nil for an image without layers).
    public var topLayer: Digest? { layers.last?.chainID }
    public var createdOrAdded: Double { created ?? added }
}

/// The file listing every image (`images.json`), replaced atomically on every change.
struct ImageIndexFile: Codable {
    var version: Int = 1
    var images: [ImageRecord] = []
}
