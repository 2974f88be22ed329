import PodlabCore
import PodlabImages

/// What a registry checks before it accepts a manifest: it is JSON of a known kind, at most 4 MiB, and
/// everything it references is already there (`exists(digest, isManifest)` answers for the repository).
public enum ManifestCheck {
    public static let maximumSize = 4 << 20

    struct Probe: Decodable {
        var schemaVersion: Int?
        var mediaType: String?
        var config: Descriptor?
        var layers: [Descriptor]?
        var manifests: [Descriptor]?
    }

    public enum Failure: Error, Equatable {
        case invalid(String)
        case missing(Digest)
    }

    /// The manifest's media type; throws `Failure` when the manifest must be refused.
    public static func validate(_ bytes: [UInt8], contentType: String?, exists: (Digest, Bool) -> Bool) throws(Failure) -> String {
        guard bytes.count <= maximumSize else { throw .invalid("the manifest is larger than 4 MiB") }
        let probe: Probe
        do { probe = try JSONCoding.decode(Probe.self, from: bytes, what: "manifest") } catch {
            throw .invalid(error.message)
        }
        guard probe.schemaVersion == 2 else { throw .invalid("schemaVersion must be 2") }
        let declared = probe.mediaType ?? contentType.flatMap { $0.isEmpty || $0.hasPrefix("application/json") ? nil : $0 }
        if let manifests = probe.manifests {
            let type = declared ?? MediaType.ociIndex
            guard MediaType.indexes.contains(type) else { throw .invalid("a list of manifests with media type \(type)") }
            for child in manifests where !exists(child.digest, true) { throw .missing(child.digest) }
            return type
        }
        guard let config = probe.config, let layers = probe.layers else {
            throw .invalid("neither an image manifest (config, layers) nor an index (manifests)")
        }
        let type = declared ?? MediaType.ociManifest
        guard MediaType.manifests.contains(type) else { throw .invalid("an image manifest with media type \(type)") }
        for blob in [config] + layers where !exists(blob.digest, false) { throw .missing(blob.digest) }
        return type
    }
}
