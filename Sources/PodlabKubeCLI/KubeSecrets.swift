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

    static func store(_ name: String, data: [String: [UInt8]], engine: ContainerEngine, replace: Bool) throws {
        if (try? engine.secrets.find(name)) != nil {
            guard replace else {
                throw KubeError("a secret named \"\(name)\" exists already", hint: "remove it (podman secret rm \(name)) or add --replace")
            }
            _ = try engine.secrets.remove(name)
        }
        let stored = Stored(kind: "Secret", data: data.mapValues { Base64.encode($0) })
        _ = try engine.secrets.create(name, value: try JSONCoding.encode(stored))
    }

    /// The `podman create` arguments that give variable `variable` the value of `key` in `secret`.
    static func environment(_ variable: String, secret: String, key: String, engine: ContainerEngine) throws -> [String] {
        let record: SecretRecord
        do {
            record = try engine.secrets.find(secret)
        } catch {
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
