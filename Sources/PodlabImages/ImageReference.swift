import PodlabCore

/// An image name as podman reads it: `[domain/]path[:tag][@digest]`.
/// `nginx` is a short name; `docker.io/library/nginx:latest` is its fully qualified form.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    public var domain: String
    /// The repository path inside the registry (`library/nginx`).
    public var path: String
    public var tag: String?
    public var digest: Digest?
    /// True when the text named no registry (`nginx`, `student/app`).
    public var wasShortName: Bool

    public static let dockerHub = "docker.io"
    public static let localDomain = "localhost"
    public static let defaultTag = "latest"

    /// Parses and normalises. Short names get `defaultDomain` (Docker Hub's `library/` rule applies
    /// when that is docker.io); a name without tag or digest gets `:latest`.
    public init(parsing text: String, defaultDomain: String = ImageReference.dockerHub) throws(ReferenceError) {
        guard !text.isEmpty else { throw .invalid(text, "the name is empty") }
        guard text.utf8.count <= 512 else { throw .invalid(text, "the name is too long") }
        var remainder = Substring(text)
        var digest: Digest?
        if let at = remainder.lastIndex(of: "@") {
            do {
                digest = try Digest(parsing: String(remainder[remainder.index(after: at)...]))
            } catch {
                throw .invalid(text, "the digest after @ is not sha256: and 64 hex digits")
            }
            remainder = remainder[..<at]
        }
        var tag: String?
        if let colon = remainder.lastIndex(of: ":"), !remainder[colon...].contains("/") {
            tag = String(remainder[remainder.index(after: colon)...])
            remainder = remainder[..<colon]
            guard let tag, ImageReference.isValidTag(tag) else {
                throw .invalid(text, "the tag must be 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'")
            }
        }
        var components = remainder.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var domain = defaultDomain
        var wasShortName = true
        if components.count > 1, let first = components.first,
           first.contains(".") || first.contains(":") || first == ImageReference.localDomain || first != first.lowercased() {
            domain = first
            wasShortName = false
            components.removeFirst()
            guard ImageReference.isValidDomain(domain) else { throw .invalid(text, "\"\(domain)\" is not a valid registry host") }
        }
        if domain == "index.docker.io" { domain = ImageReference.dockerHub }
        if domain == ImageReference.dockerHub && components.count == 1 { components.insert("library", at: 0) }
        for component in components {
            if component != component.lowercased() { throw .notLowercase(text) }
            guard ImageReference.isValidPathComponent(component) else {
                throw .invalid(text, component.isEmpty ? "a part of the name is empty" : "\"\(component)\" is not a valid name part")
            }
        }
        self.domain = domain
        self.path = components.joined(separator: "/")
        self.digest = digest
        self.tag = (tag == nil && digest == nil) ? ImageReference.defaultTag : tag
        self.wasShortName = wasShortName
        guard repository.utf8.count <= 255 else { throw .invalid(text, "the repository name is longer than 255 characters") }
    }

    public init(domain: String, path: String, tag: String?, digest: Digest? = nil) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
        self.wasShortName = false
    }

    /// `domain/path`, what podman shows under REPOSITORY.
    public var repository: String { "\(domain)/\(path)" }

    /// The full text: `repository[:tag][@digest]`.
    public var description: String {
        var text = repository
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// The same repository with another tag and no digest.
    public func with(tag: String) -> ImageReference {
        ImageReference(domain: domain, path: path, tag: tag, digest: nil)
    }

    static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard (1...128).contains(bytes.count), let first = bytes.first, first != UInt8(ascii: "."), first != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// `[a-z0-9]+` separated by `.`, `_`, `__` or runs of `-`.
    static func isValidPathComponent(_ component: String) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last) else { return false }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if isLowerAlphanumeric(byte) { index += 1; continue }
            var end = index
            while end < bytes.count && !isLowerAlphanumeric(bytes[end]) { end += 1 }
            let separator = String(decoding: bytes[index..<end], as: UTF8.self)
            let valid = separator == "." || separator == "_" || separator == "__" || separator.allSatisfy { $0 == "-" }
            if !valid { return false }
            index = end
        }
        return true
    }

    static func isValidDomain(_ domain: String) -> Bool {
        var host = Substring(domain)
        if let colon = domain.lastIndex(of: ":") {
            let port = domain[domain.index(after: colon)...]
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber) else { return false }
            host = domain[..<colon]
        }
        guard !host.isEmpty else { return false }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            let bytes = Array(label.utf8)
            guard let first = bytes.first, let last = bytes.last else { return false }
            return isAlphanumeric(first) && isAlphanumeric(last) && bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
    }

    static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39)
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (byte >= 0x41 && byte <= 0x5a)
    }
}

public enum ReferenceError: LearnerFacingError, Equatable {
    case invalid(String, String)
    case notLowercase(String)

    public var message: String {
        switch self {
        case .invalid(let text, let why): return "invalid reference format: \"\(text)\": \(why)"
        case .notLowercase(let text): return "invalid reference format: \"\(text)\": repository name must be lowercase"
        }
    }

    public var hint: String? {
        "image names look like docker.io/library/nginx:1.24 or localhost/myimage:0.1.0 (lowercase, tag after ':')"
    }

    public var exitStatus: Int32 { ExitStatus.engineError }
}
