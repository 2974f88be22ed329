import PodlabCLI
import PodlabCore
import PodlabDistribution
import PodlabImages
import PodlabKube
import PodlabRuntime

/// Secrets for kube play. A `kind: Secret` becomes a podman secret of its name holding its keys (JSON, values in
/// base64), as podman keeps them. `valueFrom.secretKeyRef` reads a key of such a secret; a secret made with
/// `podman secret create` holds one value, which answers any key and is given as `--secret NAME,type=env`
/// (so it never appears in the container's configuration, unlike a value taken from a kube Secret, which podman
/// also puts in the environment).
enum KubeSecrets {
    struct Stored: Codable {
        var kind: String
        var data: [String: String]
    }

    /// The secret named exactly `name` (a YAML names secrets; an id or a prefix of one must not stand in).
    static func named(_ name: String, engine: ContainerEngine) throws -> SecretRecord? {
        try engine.secrets.all().first { $0.name == name }
    }

    /// Stores a Secret document; true when no secret of that name was there before.
    static func store(_ name: String, data: [String: [UInt8]], engine: ContainerEngine, replace: Bool) throws -> Bool {
        let existed = try named(name, engine: engine) != nil
        if existed {
            guard replace else {
                throw KubeError("a secret named \"\(name)\" exists already", hint: "remove it (podman secret rm \(name)) or add --replace")
            }
            _ = try engine.secrets.remove(name)
        }
        let stored = Stored(kind: "Secret", data: data.mapValues { Base64.encode($0) })
        _ = try engine.secrets.create(name, value: try JSONCoding.encode(stored))
        return !existed
    }

    /// The keys of the secret a pod mounts as a volume, each to become a file (`KubeFileVolumes`); nil when there is
    /// no such secret. Only a secret a kube play made has keys: one made with `podman secret create` is refused, as
    /// podman refuses it.
    static func files(of secret: String, mountedBy pod: String, engine: ContainerEngine) throws -> [String: [UInt8]]? {
        guard let record = try named(secret, engine: engine) else { return nil }
        let value = try engine.secrets.value(of: record)
        guard let stored = try? JSONCoding.decode(Stored.self, from: value, what: "secret \(secret)"), stored.kind == "Secret" else {
            throw KubeError("the secret \"\(secret)\" that the pod \(pod) mounts was not made by kube play, so it has no keys to be files",
                            hint: "give it to a container as a file with podman run --secret \(secret), or write it in the YAML as a document with kind: Secret")
        }
        var files: [String: [UInt8]] = [:]
        for (key, encoded) in stored.data {
            // Stored by kube play from checked keys, but the store is a file: a key is a file name again here.
            guard KubeNames.isValidKey(key), let bytes = Base64.decode(encoded) else {
                throw KubeError("the secret \"\(secret)\" holds a key podlab cannot write as a file: \(key.debugDescription)",
                                hint: "make it again from YAML: podman secret rm \(secret), then podman kube play FILE")
            }
            files[key] = bytes
        }
        return files
    }

    /// The `podman create` arguments that give variable `variable` the value of `key` in `secret`.
    static func environment(_ variable: String, secret: String, key: String, engine: ContainerEngine) throws -> [String] {
        guard let record = try named(secret, engine: engine) else {
            throw KubeError("the secret \"\(secret)\" that \(variable) names does not exist",
                            hint: "create it first: printf '%s' VALUE | podman secret create \(secret) -")
        }
        let value = try engine.secrets.value(of: record)
        guard let stored = try? JSONCoding.decode(Stored.self, from: value, what: "secret \(secret)"), stored.kind == "Secret" else {
            return ["--secret=\(secret),type=env,target=\(variable)"]
        }
        guard let encoded = stored.data[key], let bytes = Base64.decode(encoded) else {
            throw KubeError("the secret \"\(secret)\" has no key \"\(key)\"", hint: "its keys: \(stored.data.keys.sorted().joined(separator: ", "))")
        }
        return ["--env=\(variable)=\(String(decoding: bytes, as: UTF8.self))"]
    }
}
