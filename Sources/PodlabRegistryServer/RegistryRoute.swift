import PodlabDistribution

/// Where a `/v2/…` URL points. Repository names contain slashes, so the path is read from its end:
/// the last `/manifests/`, `/blobs/uploads/` or `/blobs/` splits name from object.
public enum RegistryRoute: Equatable, Sendable {
    case base
    case catalog
    case tags(String)
    case manifest(String, String)
    case blob(String, String)
    case uploads(String)
    case upload(String, String)

    public init?(path: String) {
        guard path == "/v2" || path.hasPrefix("/v2/") else { return nil }
        let rest = String(path.dropFirst(path == "/v2" ? 3 : 4))
        if rest.isEmpty { self = .base; return }
        if rest == "_catalog" { self = .catalog; return }
        if let name = rest.strippingSuffix("/tags/list") { self = .tags(name); return }
        if let name = rest.strippingSuffix("/blobs/uploads/") ?? rest.strippingSuffix("/blobs/uploads") {
            self = .uploads(name); return
        }
        if let (name, id) = rest.splitAtLast("/blobs/uploads/") { self = .upload(name, id); return }
        if let (name, reference) = rest.splitAtLast("/manifests/") { self = .manifest(name, reference); return }
        if let (name, digest) = rest.splitAtLast("/blobs/") { self = .blob(name, digest); return }
        return nil
    }

    /// The repository the route names, if any.
    public var repository: String? {
        switch self {
        case .base, .catalog: return nil
        case .tags(let name), .manifest(let name, _), .blob(let name, _), .uploads(let name), .upload(let name, _): return name
        }
    }
}

extension String {
    func strippingSuffix(_ suffix: String) -> String? {
        hasSuffix(suffix) && count > suffix.count ? String(dropLast(suffix.count)) : nil
    }

    /// Splits at the last occurrence of `separator` when both sides are non-empty and the right has no `/`.
    func splitAtLast(_ separator: String) -> (String, String)? {
        guard let range = range(ofLast: separator) else { return nil }
        let left = String(self[..<range.lowerBound]), right = String(self[range.upperBound...])
        guard !left.isEmpty, !right.isEmpty, !right.contains("/") else { return nil }
        return (left, right)
    }

    func range(ofLast needle: String) -> Range<String.Index>? {
        var found: Range<String.Index>?
        var start = startIndex
        while let range = self[start...].firstRange(of: needle) {
            found = range
            start = index(after: range.lowerBound)
        }
        return found
    }
}
