import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// A secret's record: never its value.
public struct SecretRecord: Codable, Hashable, Sendable {
    /// 25 hex characters, as podman.
    public var id: String
    public var name: String
    public var driver = "file"
    public var created: Double
    public var updated: Double
    public var labels: [String: String] = [:]
}

/// How a container gets a secret: `--secret NAME[,type=mount|env][,target=…]`.
public struct SecretUse: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Sendable { case mount, env }
    public var name: String
    public var kind: Kind
    /// The file's path inside (mount) or the variable's name (env).
    public var target: String

    public init(name: String, kind: Kind, target: String) {
        self.name = name
        self.kind = kind
        self.target = target
    }
}

/// Secrets under `<storage>/secrets/`: `secrets.json` with the records (a `JSONIndexFile`), each value in
/// `data/<id>` (0600, the private store around it). A value leaves this store only into a container: as a read-only file copied into
/// the container's directory, or as a variable added when its process starts — never into the container's
/// record, so `inspect`, logs and the journal cannot show it.
public final class SecretStore: @unchecked Sendable {
    public let root: String
    let index: JSONIndexFile<SecretRecord>

    public init(storage: String) {
        root = "\(storage)/secrets"
        index = JSONIndexFile(directory: root, name: "secrets", holds: "every secret (their values stay in \(root)/data until removed; create them again with 'podman secret create')")
    }

    func dataPath(_ id: String) -> String { "\(root)/data/\(id)" }

    public func all() throws -> [SecretRecord] { try index.all() }

    /// By name, full id or a unique id prefix.
    public func find(_ reference: String) throws -> SecretRecord {
        guard let found = RecordLookup.find(reference, in: try all(), name: \.name, id: \.id) else { throw RuntimeError.noSuchSecret(reference) }
        return found
    }

    @discardableResult
    public func create(_ name: String, value: [UInt8], labels: [String: String] = [:]) throws -> SecretRecord {
        guard VolumeStore.isValidName(name), name.count <= 253 else { throw RuntimeError.invalidSecretName(name) }
        guard (1..<512_000).contains(value.count) else {
            throw RuntimeError.invalidOption("secret data must be larger than 0 and less than 512000 bytes", hint: nil)
        }
        return try index.mutate { secrets in
            guard !secrets.contains(where: { $0.name == name }) else { throw RuntimeError.secretNameInUse(name) }
            let now = WallClock.now()
            let record = SecretRecord(id: String(ContainerStore.newID().prefix(25)), name: name, created: now, updated: now, labels: labels)
            try FileSystem.createDirectory("\(root)/data", mode: 0o700)
            try FileSystem.writeAtomically(value, to: dataPath(record.id), mode: 0o600)
            secrets.append(record)
            return record
        }
    }

    public func value(of record: SecretRecord) throws -> [UInt8] {
        try FileSystem.readFile(dataPath(record.id))
    }

    public func remove(_ reference: String) throws -> SecretRecord {
        try index.mutate { secrets in
            let record = try find(reference)
            secrets.removeAll { $0.id == record.id }
            unlink(dataPath(record.id))
            return record
        }
    }

    /// `NAME[,type=mount|env][,target=…]` → a use of an existing secret.
    public func parseUse(_ text: String) throws -> SecretUse {
        let items = text.split(separator: ",").map(String.init)
        guard let name = items.first, !name.isEmpty else { throw RuntimeError.invalidOption("--secret needs a secret's name", hint: nil) }
        var kind = SecretUse.Kind.mount
        var target: String?
        for item in items.dropFirst() {
            let pair = item.splitOnce(at: "=")
            switch (pair.before, pair.after ?? "") {
            case ("type", let value):
                guard let parsed = SecretUse.Kind(rawValue: value) else {
                    throw RuntimeError.invalidOption("type \(value) is invalid: secrets are of type mount or env", hint: nil)
                }
                kind = parsed
            case ("target", let value) where !value.isEmpty: target = value
            default:
                throw RuntimeError.invalidOption("option \(item) invalid: podlab knows type and target", hint: "--secret NAME,type=env,target=DB_PASSWORD")
            }
        }
        _ = try find(name)
        switch kind {
        case .env:
            return SecretUse(name: name, kind: .env, target: target ?? name)
        case .mount:
            let path = target.map { $0.hasPrefix("/") ? $0 : "/run/secrets/\($0)" } ?? "/run/secrets/\(name)"
            return SecretUse(name: name, kind: .mount, target: FileSystem.normalize(path))
        }
    }
}
