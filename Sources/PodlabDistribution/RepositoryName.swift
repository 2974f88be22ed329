import PodlabCore
import PodlabImages

/// Names as the distribution spec allows them. A repository name is lowercase path components joined by
/// `/` (`library/nginx`); a tag is up to 128 of `[A-Za-z0-9_.-]` not starting with `.` or `-`. A valid name
/// never holds `..`, an empty component or a leading `/`, so it can name a directory safely.
public enum RegistryNames {
    public static let maximumRepositoryLength = 255

    public static func isValidRepository(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maximumRepositoryLength else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(isValidComponent)
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
    static func isValidComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
        var index = 0
        while index < bytes.count {
            if isAlphanumeric(bytes[index]) { index += 1; continue }
            // A separator: ".", "_", "__" or one or more "-", always followed by an alphanumeric.
            let start = index
            switch bytes[index] {
            case UInt8(ascii: "."):
                index += 1
            case UInt8(ascii: "_"):
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "_") { index += 1 }
            case UInt8(ascii: "-"):
                while index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            default:
                return false
            }
            guard index > start, index < bytes.count, isAlphanumeric(bytes[index]) else { return false }
        }
        return true
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    public static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard let first = bytes.first, bytes.count <= 128 else { return false }
        func allowed(_ byte: UInt8) -> Bool {
            isAlphanumeric(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
        return first != UInt8(ascii: ".") && first != UInt8(ascii: "-") && bytes.allSatisfy(allowed)
    }
}

/// What follows `/manifests/` in a URL: a tag or a digest.
public enum ManifestReference: Hashable, Sendable, CustomStringConvertible {
    case tag(String)
    case digest(Digest)

    public init?(_ text: String) {
        if text.contains(":") {
            guard let digest = try? Digest(parsing: text) else { return nil }
            self = .digest(digest)
        } else {
            guard RegistryNames.isValidTag(text) else { return nil }
            self = .tag(text)
        }
    }

    public var description: String {
        switch self {
        case .tag(let tag): return tag
        case .digest(let digest): return digest.description
        }
    }
}

/// Header names and values both sides use.
public enum DistributionHeader {
    public static let contentDigest = "Docker-Content-Digest"
    public static let apiVersion = "Docker-Distribution-API-Version"
    public static let apiVersionValue = "registry/2.0"
    public static let uploadUUID = "Docker-Upload-UUID"
    /// Every manifest type a client accepts, image indexes first.
    public static let manifestAccept = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest]
}
