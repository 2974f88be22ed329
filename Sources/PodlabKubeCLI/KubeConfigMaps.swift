import PodlabCLI
import PodlabCore
import PodlabKube
import PodlabRuntime

/// ConfigMaps for kube play: the ones in the same file, by name. A key becomes a variable (`configMapKeyRef`) or a
/// file in the ConfigMap's volume (`KubeFileVolumes`).
struct KubeConfigMaps {
    let maps: [String: [String: [UInt8]]]

    init(_ documents: [KubeDocument]) {
        var maps: [String: [String: [UInt8]]] = [:]
        for case .configMap(let name, let data) in documents { maps[name] = data }
        self.maps = maps
    }

    /// The `podman create` arguments for one variable from a ConfigMap; none for a missing optional one.
    func environment(_ variable: String, map: String, key: String, optional: Bool) throws -> [String] {
        guard let data = maps[map] else {
            if optional { return [] }
            throw KubeError("the ConfigMap \"\(map)\" that \(variable) names is not in this file",
                            hint: "add a document with kind: ConfigMap and metadata.name: \(map), or mark the reference optional: true")
        }
        guard let value = data[key] else {
            if optional { return [] }
            throw KubeError("the ConfigMap \"\(map)\" has no key \"\(key)\"", hint: "its keys: \(data.keys.sorted().joined(separator: ", "))")
        }
        return ["--env=\(variable)=\(String(decoding: value, as: UTF8.self))"]
    }

    /// The keys of the ConfigMap a pod mounts, each to become a file (`KubeFileVolumes`).
    func files(of map: String, mountedBy pod: String) throws -> [String: [UInt8]] {
        guard let data = maps[map] else {
            throw KubeError("the ConfigMap \"\(map)\" that the pod \(pod) mounts is not in this file",
                            hint: "add a document with kind: ConfigMap and metadata.name: \(map)")
        }
        return data
    }
}
