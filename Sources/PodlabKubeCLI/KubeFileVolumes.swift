#if canImport(Glibc)
import Glibc
#endif
import PodlabCore
import PodlabKube
import PodlabRuntime

/// Volumes of files that kube play writes itself: one for each ConfigMap and Secret the pods mount, named after it
/// (as podman names them), labelled with what it holds, mounted read-only. They are written once per play, before
/// any pod is made (a Deployment's later replicas must not rewrite what the first ones already read), each holding
/// the union of what its mounts ask for (every key for a mount without `items`). A volume of that name that kube
/// play did not write is refused (a learner's data is never overwritten); the files go into a directory just
/// emptied, each step relative to a descriptor, never following a link.
enum KubeFileVolumes {
    enum Kind: String, Sendable {
        case configMap = "ConfigMap"
        case secret = "Secret"

        /// The label that marks a volume as one kube play wrote for a source of this kind (`io.podlab.kube.secret`).
        var label: String { "io.podlab.kube.\(rawValue.lowercased())" }
    }

    /// A ConfigMap or a Secret, by name.
    struct Source: Hashable, Sendable {
        var kind: Kind
        var name: String
    }

    /// Writes a volume for every ConfigMap and Secret the pods mount; returns the volume's name by source. A missing
    /// optional Secret gets none (its mounts are left out).
    static func prepare(for pods: [KubePod], configMaps: KubeConfigMaps, engine: ContainerEngine, undo: KubePlayUndo) throws -> [Source: String] {
        var data: [Source: [String: [UInt8]]] = [:]
        var wanted: [Source: [String: String]] = [:]  // source → path → key
        for pod in pods {
            for volume in pod.volumes {
                guard let (source, items, optional) = mount(volume.source) else { continue }
                if data[source] == nil {
                    guard let found = try keys(of: source, mountedBy: pod.name, configMaps: configMaps, engine: engine) else {
                        if optional { continue }
                        throw KubeError("the secret \"\(source.name)\" that the pod \(pod.name) mounts does not exist",
                                        hint: "add a document with kind: Secret and metadata.name: \(source.name), or mark the volume optional: true")
                    }
                    data[source] = found
                }
                let keys = data[source] ?? [:]
                // A source mounted with no keys at all still gets its (empty) volume.
                if wanted[source] == nil { wanted[source] = [:] }
                for file in items.isEmpty ? keys.keys.map({ KubeKeyToPath(key: $0, path: $0) }) : items {
                    guard keys[file.key] != nil else {
                        throw KubeError("the \(source.kind.rawValue) \"\(source.name)\" has no key \"\(file.key)\"",
                                        hint: "its keys: \(keys.keys.sorted().joined(separator: ", "))")
                    }
                    if let other = wanted[source]?[file.path], other != file.key {
                        throw KubeError("two mounts of the \(source.kind.rawValue) \"\(source.name)\" put the keys \(other) and \(file.key) at the same path \(file.path)")
                    }
                    wanted[source, default: [:]][file.path] = file.key
                }
            }
        }
        // One volume per name: a ConfigMap and a Secret of the same name cannot both be mounted.
        let names = Dictionary(grouping: wanted.keys, by: \.name)
        if let (name, _) = names.sorted(by: { $0.key < $1.key }).first(where: { $0.value.count > 1 }) {
            throw KubeError("a ConfigMap and a Secret are both named \"\(name)\", and each would be written into a volume of that name",
                            hint: "rename one of them")
        }
        var volumes: [Source: String] = [:]
        for (source, files) in wanted.sorted(by: { ($0.key.name, $0.key.kind.rawValue) < ($1.key.name, $1.key.kind.rawValue) }) {
            let paths = files.keys.sorted()
            // Every directory a path passes through must not be another mount's file (`a` and `a/x`, whatever lies
            // between them in sorted order).
            for path in paths {
                let parts = path.split(separator: "/")
                for depth in parts.indices.dropLast() {
                    let parent = parts[...depth].joined(separator: "/")
                    if files[parent] != nil {
                        throw KubeError("the \(source.kind.rawValue) \"\(source.name)\" is to hold both a file \(parent) and \(path) inside it")
                    }
                }
            }
            let contents = paths.map { (path: $0, bytes: data[source]?[files[$0] ?? ""] ?? []) }
            volumes[source] = try write(source, files: contents, engine: engine, undo: undo)
        }
        return volumes
    }

    /// The source a volume of files mounts, the items it asks for, and whether it may be missing; nil for the others.
    private static func mount(_ volume: KubeVolume.Source) -> (source: Source, items: [KubeKeyToPath], optional: Bool)? {
        switch volume {
        case .configMap(let name, let items): return (Source(kind: .configMap, name: name), items, false)
        case .secret(let name, let items, let optional): return (Source(kind: .secret, name: name), items, optional)
        case .claim, .hostPath, .emptyDir: return nil
        }
    }

    /// The keys of a ConfigMap of this file or of a Secret a kube play stored; nil for a Secret that does not exist.
    private static func keys(of source: Source, mountedBy pod: String, configMaps: KubeConfigMaps,
                             engine: ContainerEngine) throws -> [String: [UInt8]]? {
        switch source.kind {
        case .configMap: return try configMaps.files(of: source.name, mountedBy: pod)
        case .secret: return try KubeSecrets.files(of: source.name, mountedBy: pod, engine: engine)
        }
    }

    /// Writes the files into the source's volume, emptied first (files a container made under other ids too).
    private static func write(_ source: Source, files: [(path: String, bytes: [UInt8])], engine: ContainerEngine, undo: KubePlayUndo) throws -> String {
        let name = source.name
        if let existing = try engine.volumes.get(name) {
            guard existing.labels[source.kind.label] == name else {
                throw KubeError("a volume named \"\(name)\" exists already and is not a \(source.kind.rawValue)'s",
                                hint: "kube play writes the \(source.kind.rawValue) \(name) into a volume of that name: rename one of them, or remove the volume (podman volume rm \(name))")
            }
            try engine.volumes.resetData(of: name)
        } else {
            _ = try engine.volumes.create(name, labels: [source.kind.label: name], copyUp: false)
            undo.madeVolume(name)
        }
        let path = engine.volumes.dataPath(of: name)
        let directory = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { throw SystemError("open", path: path, errno: errno) }
        defer { close(directory) }
        for file in files {
            try Self.write(file.bytes, at: file.path, in: directory, displayPath: path)
        }
        return name
    }

    /// Writes `bytes` at the relative `path` under `directory`, making the directories on the way; every step is
    /// relative to a descriptor and refuses links (O_NOFOLLOW, O_EXCL).
    static func write(_ bytes: [UInt8], at path: String, in directory: Int32, displayPath: String) throws {
        let components = path.split(separator: "/").map(String.init)
        guard let last = components.last, !components.contains(".."), !components.contains(".") else {
            throw KubeError("\(path) is not a file name podlab writes into a volume")
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
