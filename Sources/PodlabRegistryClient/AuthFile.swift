import PodlabCore
import PodlabDistribution
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// Credentials as podman keeps them: `{"auths": {"docker.io": {"auth": base64("user:password")}}}` in
/// `$REGISTRY_AUTH_FILE`, else `$XDG_RUNTIME_DIR/containers/auth.json` (root without it:
/// /run/containers/0/auth.json), mode 0600. Logins are read from Docker's ~/.docker/config.json too.
public struct AuthFile: Sendable {
    public struct Credentials: Equatable, Sendable {
        public var username: String
        public var password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    struct Document: Codable {
        struct Entry: Codable { var auth: String? }
        var auths: [String: Entry]
    }

    public let path: String
    /// Files read (never written) when `path` has no entry.
    let fallbacks: [String]

    public init(path: String, fallbacks: [String] = []) {
        self.path = path
        self.fallbacks = fallbacks
    }

    /// podman's choice of file: `--authfile`, REGISTRY_AUTH_FILE, the run-time directory.
    public static func standard(explicit: String? = nil, environment: [String: String] = Environment.current) -> AuthFile {
        let home = environment["HOME"] ?? "/root"
        let fallbacks = ["\(home)/.config/containers/auth.json", "\(home)/.docker/config.json"]
        if let explicit, !explicit.isEmpty { return AuthFile(path: explicit, fallbacks: []) }
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { return AuthFile(path: file, fallbacks: []) }
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            return AuthFile(path: "\(runtime)/containers/auth.json", fallbacks: fallbacks)
        }
        if geteuid() == 0 { return AuthFile(path: "/run/containers/0/auth.json", fallbacks: fallbacks) }
        return AuthFile(path: "\(home)/.config/containers/auth.json", fallbacks: Array(fallbacks.dropFirst()))
    }

    /// The login stored for `registry` (a host such as `docker.io`, or `host/namespace`).
    public func credentials(for registry: String) -> Credentials? {
        for file in [path] + fallbacks {
            guard let document = try? Self.read(file) else { continue }
            if let entry = document.auths[registry] ?? document.auths["https://\(registry)"]
                ?? (registry == "docker.io" ? document.auths["https://index.docker.io/v1/"] : nil),
               let auth = entry.auth, let credentials = Self.decode(auth) {
                return credentials
            }
        }
        return nil
    }

    public func store(_ credentials: Credentials, for registry: String) throws {
        var document = (try? Self.read(path)) ?? Document(auths: [:])
        document.auths[registry] = .init(auth: Base64.encode("\(credentials.username):\(credentials.password)"))
        try write(document)
    }

    /// Removes the login for `registry`; false when there was none in this file.
    public func remove(_ registry: String) throws -> Bool {
        guard var document = try? Self.read(path), document.auths.removeValue(forKey: registry) != nil else { return false }
        try write(document)
        return true
    }

    public func removeAll() throws {
        guard FileSystem.exists(path) else { return }
        try write(Document(auths: [:]))
    }

    static func read(_ file: String) throws -> Document {
        try JSONCoding.decode(Document.self, from: try FileSystem.readFile(file), what: "auth file \(file)")
    }

    func write(_ document: Document) throws {
        try FileSystem.createDirectory(FileSystem.parent(of: path), mode: 0o700)
        try FileSystem.writeAtomically(try JSONCoding.encode(document, pretty: true) + [10], to: path, mode: 0o600)
    }

    static func decode(_ auth: String) -> Credentials? {
        guard let bytes = Base64.decode(auth), let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return Credentials(username: String(decoding: bytes[..<colon], as: UTF8.self),
                           password: String(decoding: bytes[(colon + 1)...], as: UTF8.self))
    }
}
