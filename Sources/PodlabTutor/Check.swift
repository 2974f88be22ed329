/// One declarative check (a one-key map in the lesson file).
public enum Check: Codable, Sendable {
    case image(ImageCheck)
    case container(ContainerCheck)
    case http(HTTPCheck)
    case file(FileCheck)
    case registry(RegistryCheck)
    case login(LoginCheck)
    case accountExists(AccountCheck)
    case journal(JournalCheck)
    case journalEvent(JournalEventCheck)
    case env(EnvCheck)
    case volume(VolumeCheck)
    case secret(SecretCheck)
    case pod(PodCheck)
    case kube(KubeCheck)

    public struct ImageCheck: Codable, Sendable { public var name: String; public var present: Bool? }
    public struct ContainerCheck: Codable, Sendable {
        public var name: String
        public var present: Bool?
        public var state: String?
        public var exitCode: Int32?
        public var image: String?
        public var ports: [String]?
        /// Mounts it must have, `VOLUME:/destination` (a named volume) or `/host/path:/destination` (a bind).
        public var volumes: [String]?
        /// Text no environment value or command argument of the container's record may hold (a password given as a
        /// secret instead).
        public var lacksValue: String?
    }
    public struct HTTPCheck: Codable, Sendable {
        public var url: String
        public var status: Int?
        public var contains: String?
        /// Text the page must not hold (what an earlier step added and this one lost).
        public var lacks: String?
    }
    public struct FileCheck: Codable, Sendable { public var path: String; public var exists: Bool?; public var contains: String? }
    public struct RegistryCheck: Codable, Sendable { public var image: String; public var local: String? }
    public struct LoginCheck: Codable, Sendable { public var registry: String; public var loggedIn: Bool? }
    public struct AccountCheck: Codable, Sendable { public var registry: String?; public var username: String }
    public struct JournalCheck: Codable, Sendable { public var command: [String]; public var exitCode: Int32? }
    public struct JournalEventCheck: Codable, Sendable { public var type: String; public var status: String; public var name: String? }
    public struct EnvCheck: Codable, Sendable { public var name: String; public var value: String? }
    /// A volume exists (or not), and holds a file at a path relative to its data.
    public struct VolumeCheck: Codable, Sendable { public var name: String; public var present: Bool?; public var holds: String? }
    public struct SecretCheck: Codable, Sendable { public var name: String; public var present: Bool? }
    /// A pod exists (or not), in a podman status (`Running`, `Degraded`, `Created`, `Exited`), with N containers
    /// counting its infra, as `pod ps` counts them.
    public struct PodCheck: Codable, Sendable {
        public var name: String
        public var present: Bool?
        public var state: String?
        public var containers: Int?
    }

    /// A kube YAML file in the workspace that podlab's `kube play` would read, describing these pods (a
    /// Deployment's by its name) and containers.
    public struct KubeCheck: Codable, Sendable {
        public var path: String
        public var pods: [String]?
        public var containers: [String]?
    }

    enum Key: String, CodingKey, CaseIterable {
        case image, container, http, file, registry, login, accountExists, journal, journalEvent, env, volume, secret, pod, kube
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "a check is a map with exactly one of: " + Key.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        switch key {
        case .image: self = .image(try container.decode(ImageCheck.self, forKey: key))
        case .container: self = .container(try container.decode(ContainerCheck.self, forKey: key))
        case .http: self = .http(try container.decode(HTTPCheck.self, forKey: key))
        case .file: self = .file(try container.decode(FileCheck.self, forKey: key))
        case .registry: self = .registry(try container.decode(RegistryCheck.self, forKey: key))
        case .login: self = .login(try container.decode(LoginCheck.self, forKey: key))
        case .accountExists: self = .accountExists(try container.decode(AccountCheck.self, forKey: key))
        case .journal: self = .journal(try container.decode(JournalCheck.self, forKey: key))
        case .journalEvent: self = .journalEvent(try container.decode(JournalEventCheck.self, forKey: key))
        case .env: self = .env(try container.decode(EnvCheck.self, forKey: key))
        case .volume: self = .volume(try container.decode(VolumeCheck.self, forKey: key))
        case .secret: self = .secret(try container.decode(SecretCheck.self, forKey: key))
        case .pod: self = .pod(try container.decode(PodCheck.self, forKey: key))
        case .kube: self = .kube(try container.decode(KubeCheck.self, forKey: key))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch self {
        case .image(let value): try container.encode(value, forKey: .image)
        case .container(let value): try container.encode(value, forKey: .container)
        case .http(let value): try container.encode(value, forKey: .http)
        case .file(let value): try container.encode(value, forKey: .file)
        case .registry(let value): try container.encode(value, forKey: .registry)
        case .login(let value): try container.encode(value, forKey: .login)
        case .accountExists(let value): try container.encode(value, forKey: .accountExists)
        case .journal(let value): try container.encode(value, forKey: .journal)
        case .journalEvent(let value): try container.encode(value, forKey: .journalEvent)
        case .env(let value): try container.encode(value, forKey: .env)
        case .volume(let value): try container.encode(value, forKey: .volume)
        case .secret(let value): try container.encode(value, forKey: .secret)
        case .pod(let value): try container.encode(value, forKey: .pod)
        case .kube(let value): try container.encode(value, forKey: .kube)
        }
    }

    /// A short name for reports (`container my-web-server`).
    public var label: String {
        switch self {
        case .image(let check): return "image \(check.name)"
        case .container(let check): return "container \(check.name)"
        case .http(let check): return "http \(check.url)"
        case .file(let check): return "file \(check.path)"
        case .registry(let check): return "registry \(check.image)"
        case .login(let check): return "login \(check.registry)"
        case .accountExists(let check): return "account \(check.username)"
        case .journal(let check): return "podman " + check.command.joined(separator: " ")
        case .journalEvent(let check): return "event \(check.type) \(check.status)" + (check.name.map { " \($0)" } ?? "")
        case .env(let check): return "env \(check.name)"
        case .volume(let check): return "volume \(check.name)"
        case .secret(let check): return "secret \(check.name)"
        case .pod(let check): return "pod \(check.name)"
        case .kube(let check): return "kube \(check.path)"
        }
    }
}
