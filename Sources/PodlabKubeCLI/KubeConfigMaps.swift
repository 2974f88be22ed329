#if canImport(Glibc)
import Glibc
#endif
import PodlabCLI
import PodlabCore
import PodlabKube
import PodlabRuntime

/// ConfigMaps for kube play: the ones in the same file, by name. A key becomes a variable (`configMapKeyRef`) or a
/// file in a volume named after the ConfigMap (as podman 4.3.1 names it), mounted read-only. podlab writes that
/// volume's files itself, once per play, so it refuses a volume of that name it did not make (a learner's data is
/// never overwritten), and it writes into a directory it has just emptied, relative to its descriptor, never
/// following a link.
struct KubeConfigMaps {
    /// The label that marks a volume as one kube play wrote from a ConfigMap.
    static let label = "io.podlab.kube.configmap"

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

    /// The volumes of every ConfigMap the pods mount, written once before any pod is made (a Deployment's later
    /// replicas must not rewrite what the first ones already read): each holds the union of what its mounts ask for
    /// (every key for a mount without `items`). Returns the volume's name by map.
    func prepareVolumes(for pods: [KubePod], engine: ContainerEngine) throws -> [String: String] {
        var wanted: [String: [String: String]] = [:]  // map → path → key
        for pod in pods {
            for case .configMap(let map, let items) in pod.volumes.map(\.source) {
                guard let data = maps[map] else {
                    throw KubeError("the ConfigMap \"\(map)\" that the pod \(pod.name) mounts is not in this file",
                                    hint: "add a document with kind: ConfigMap and metadata.name: \(map)")
                }
                let files = items.isEmpty ? data.keys.map { KubeKeyToPath(key: $0, path: $0) } : items
                for file in files {
                    guard data[file.key] != nil else {
                        throw KubeError("the ConfigMap \"\(map)\" has no key \"\(file.key)\"", hint: "its keys: \(data.keys.sorted().joined(separator: ", "))")
                    }
                    if let other = wanted[map]?[file.path], other != file.key {
                        throw KubeError("two mounts of the ConfigMap \"\(map)\" put the keys \(other) and \(file.key) at the same path \(file.path)")
                    }
                    wanted[map, default: [:]][file.path] = file.key
                }
            }
        }
        var volumes: [String: String] = [:]
        for (map, files) in wanted.sorted(by: { $0.key < $1.key }) {
            let paths = files.keys.sorted()
            // Every directory a path passes through must not be another mount's file (`a` and `a/x`, whatever lies
            // between them in sorted order).
            for path in paths {
                let parts = path.split(separator: "/")
                for depth in parts.indices.dropLast() {
                    let parent = parts[...depth].joined(separator: "/")
                    if files[parent] != nil {
                        throw KubeError("the ConfigMap \"\(map)\" is to hold both a file \(parent) and \(path) inside it")
                    }
                }
            }
            volumes[map] = try write(map, files: paths.map { (path: $0, bytes: maps[map]?[files[$0] ?? ""] ?? []) }, engine: engine)
        }
        return volumes
    }

    /// Writes the files into the ConfigMap's volume, emptied first (files a container made under other ids too).
    private func write(_ map: String, files: [(path: String, bytes: [UInt8])], engine: ContainerEngine) throws -> String {
        if let existing = engine.volumes.get(map) {
            guard existing.labels[Self.label] == map else {
                throw KubeError("a volume named \"\(map)\" exists already and is not a ConfigMap's",
                                hint: "kube play writes the ConfigMap \(map) into a volume of that name: rename one of them, or remove the volume (podman volume rm \(map))")
            }
            try engine.volumes.resetData(of: map)
        } else {
            _ = try engine.volumes.create(map, labels: [Self.label: map], copyUp: false)
        }
        let path = engine.volumes.dataPath(of: map)
        let directory = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { throw SystemError("open", path: path, errno: errno) }
        defer { close(directory) }
        for file in files {
            try Self.write(file.bytes, at: file.path, in: directory, displayPath: path)
        }
        return map
    }

    /// Writes `bytes` at the relative `path` under `directory`, making the directories on the way; every step is
    /// relative to a descriptor and refuses links (O_NOFOLLOW, O_EXCL).
    static func write(_ bytes: [UInt8], at path: String, in directory: Int32, displayPath: String) throws {
        let components = path.split(separator: "/").map(String.init)
        guard let last = components.last, !components.contains(".."), !components.contains(".") else {
            throw KubeError("\(path) is not a file name podlab writes into a ConfigMap's volume")
        }
        var current = dup(directory)
        guard current >= 0 else { throw SystemError("open", path: displayPath, errno: errno) }
        defer { close(current) }
        var walked = displayPath
        for component in components.dropLast() {
            walked += "/" + component
            if mkdirat(current, component, 0o755) != 0 && errno != EEXIST { throw SystemError("create", path: walked, errno: errno) }
            let next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { throw SystemError("open", path: walked, errno: errno) }
            close(current)
            current = next
            _ = fchmod(current, 0o755)  // whatever the umask: the container's user reads it
        }
        let fd = openat(current, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("create", path: walked + "/" + last, errno: errno) }
        defer { close(fd) }
        guard fchmod(fd, 0o644) == 0 else { throw SystemError("change the mode of", path: walked + "/" + last, errno: errno) }
        try bytes.withUnsafeBytes { buffer in try FileSystem.writeAll(fd: fd, buffer, path: walked + "/" + last) }
    }
}
