/// The two archive formats `podman save` and `podman load` use.
public enum ImageArchiveFormat: String, Sendable, CaseIterable {
    /// A tar of an OCI image layout (layers as stored, usually gzip).
    case ociArchive = "oci-archive"
    /// Docker's `docker save` format: manifest.json, config, uncompressed layer tars.
    case dockerArchive = "docker-archive"
}

/// One image to save, under the name it was asked for (nil when it was named by id).
public struct ImageToSave: Sendable {
    public var image: ImageRecord
    public var names: [String]

    public init(image: ImageRecord, names: [String]) {
        self.image = image
        self.names = names
    }
}

/// docker-archive's manifest.json entry.
struct DockerArchiveEntry: Codable {
    var Config: String
    var RepoTags: [String]?
    var Layers: [String]
}
