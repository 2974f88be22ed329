import PodlabCore
import PodlabImages
import PodlabRuntime

/// `-v`/`--volume` and `--mount`, then the image's VOLUMEs, into the mounts a container gets: named volumes
/// made on first use, anonymous ones made here, host paths checked. podman's syntax, messages and exit 125.
enum MountOptions {
    enum Source: Equatable {
        case host(String)
        case named(String)
        case anonymous
    }

    struct Request: Equatable {
        var source: Source
        var destination: String
        var readOnly: Bool
    }

    /// The `-v` and `--mount` flags parsed and checked, before any image is pulled or volume made.
    static func requests(volumes: [String], mounts: [String]) throws -> [Request] {
        try volumes.map(parseVolume) + mounts.map(parseMount)
    }

    /// The mounts for `requests` and the image's VOLUMEs, with the volumes they name made now; `made` lists the
    /// volumes this call created, for the caller to remove if the container is not made after all. When one
    /// fails, the ones made before it are removed here.
    static func volumeMounts(_ requests: [Request], imageVolumes: [String],
                             engine: ContainerEngine) throws -> (mounts: [VolumeMount], made: [String]) {
        var all = requests
        let taken = Set(requests.map { FileSystem.normalize($0.destination) })
        for path in imageVolumes.sorted() where !taken.contains(FileSystem.normalize(path)) {
            all.append(Request(source: .anonymous, destination: path, readOnly: false))
        }
        var made: [String] = []
        do {
            let mounts = try all.map { request in
                switch request.source {
                case .host(let path):
                    return VolumeMount(source: path, destination: request.destination, readOnly: request.readOnly)
                case .named(let name):
                    // An anonymous volume named by its hash stays anonymous, as in podman: the property is the
                    // volume's, so `rm -v` of its last user removes it (a kube emptyDir shared by a pod's members).
                    let (volume, isNew) = try engine.volumes.ensure(name)
                    if isNew { made.append(volume.name) }
                    return VolumeMount(source: engine.volumes.dataPath(of: volume.name), destination: request.destination,
                                       readOnly: request.readOnly, volumeName: volume.name, anonymous: volume.anonymous)
                case .anonymous:
                    let volume = try engine.volumes.create(nil, anonymous: true)
                    made.append(volume.name)
                    return VolumeMount(source: engine.volumes.dataPath(of: volume.name), destination: request.destination,
                                       readOnly: request.readOnly, volumeName: volume.name, anonymous: true)
                }
            }
            return (mounts, made)
        } catch {
            removeMade(made, engine: engine)
            throw error
        }
    }

    /// Removes volumes a refused `run`/`create` made, unless another container has taken one up meanwhile; one that
    /// cannot be removed stays, and the learner is told how to remove it.
    static func removeMade(_ names: [String], engine: ContainerEngine) {
        for name in names {
            do {
                guard try engine.users(ofVolume: name).isEmpty else { continue }
                try engine.volumes.remove(name)
            } catch {
                Output.err("WARN: volume \(name) was made for a container that could not be created; remove it with 'podman volume rm \(name)'")
            }
        }
    }

    /// `-v SOURCE:DESTINATION[:OPTIONS]` or `-v DESTINATION`.
    static func parseVolume(_ text: String) throws -> Request {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
            throw RuntimeError.invalidOption("invalid volume specification \"\(text)\"",
                                             hint: "use -v NAME:/path, -v /host/path:/path[:ro] or -v /path")
        }
        if parts.count == 1 {
            return Request(source: .anonymous, destination: try destination(parts[0]), readOnly: false)
        }
        let options = parts.count == 3 ? parts[2].split(separator: ",").map(String.init) : []
        for option in options where !["ro", "rw", "z", "Z", "U", "copy", "nocopy"].contains(option) {
            throw RuntimeError.invalidOption("invalid option type \"\(option)\"", hint: "podlab knows ro and rw (z, Z and U are accepted and ignored)")
        }
        return Request(source: try source(parts[0]), destination: try destination(parts[1]), readOnly: options.contains("ro"))
    }

    /// `--mount type=volume|bind,source=…,destination=…[,readonly]`.
    static func parseMount(_ text: String) throws -> Request {
        var fields: [String: String] = [:]
        var readOnly = false
        for item in text.split(separator: ",").map(String.init) {
            let pair = item.splitOnce(at: "=")
            switch (pair.before, pair.after) {
            case (let key, let value) where key == "readonly" || key == "ro":
                switch value {
                case nil, "true", "1": readOnly = true
                case "false", "0": readOnly = false
                default:
                    throw RuntimeError.invalidOption("--mount \(key)=\(value ?? "") must be set to true or false",
                                                     hint: "write \(key) (or \(key)=true) for a read-only mount")
                }
            case (let key, let value?) where ["type", "source", "src", "destination", "dst", "target"].contains(key):
                fields[["src": "source", "dst": "destination", "target": "destination"][key] ?? key] = value
            default:
                throw RuntimeError.invalidOption("unsupported --mount option \"\(item)\"",
                                                 hint: "podlab knows type, source (src), destination (dst, target) and readonly")
            }
        }
        guard let target = fields["destination"] else {
            throw RuntimeError.invalidOption("must set --mount destination", hint: "--mount type=volume,source=NAME,destination=/path")
        }
        switch fields["type"] {
        case "bind":
            guard let path = fields["source"], !path.isEmpty else {
                throw RuntimeError.invalidOption("must set --mount source for a bind mount", hint: "--mount type=bind,source=/host/path,destination=/path")
            }
            return Request(source: try hostPath(path), destination: try destination(target), readOnly: readOnly)
        case "volume":
            let name = fields["source"]
            if let name, !VolumeStore.isValidName(name) { throw RuntimeError.invalidVolumeName(name) }
            return Request(source: name.map { .named($0) } ?? .anonymous, destination: try destination(target), readOnly: readOnly)
        default:
            throw RuntimeError.invalidOption("invalid mount type \"\(fields["type"] ?? "")\"", hint: "podlab knows --mount type=volume and type=bind")
        }
    }

    /// A host path (absolute, or relative to here when it starts with `.`), or a volume's name.
    static func source(_ text: String) throws -> Source {
        if text.hasPrefix("/") || text.hasPrefix(".") { return try hostPath(text) }
        guard VolumeStore.isValidName(text) else {
            throw RuntimeError.invalidOption("creating named volume \"\(text)\": running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument",
                                             hint: "a host path starts with / (or ./ for one below this directory); a volume's name has no /")
        }
        return .named(text)
    }

    static func hostPath(_ text: String) throws -> Source {
        guard let resolved = FileSystem.realPath(text) else {
            let shown = text.hasPrefix("/") ? "statfs \(text)" : "lstat \(FileSystem.normalize(text))"
            throw RuntimeError.invalidOption("\(shown): no such file or directory", hint: "create it first (mkdir -p \(text)), or name a volume instead")
        }
        return .host(resolved)
    }

    /// Absolute, and not `/` or inside /proc, /sys or /dev, whose contents the container's runtime provides.
    static func destination(_ text: String) throws -> String {
        guard text.hasPrefix("/") else {
            throw RuntimeError.invalidOption("invalid container path \"\(text)\", must be an absolute path", hint: "e.g. -v data:/var/lib/data")
        }
        let path = FileSystem.normalize(text)
        if path == "/" || ["/proc", "/sys", "/dev"].contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
            throw RuntimeError.invalidOption("invalid container path \"\(text)\": a volume cannot replace / or go inside /proc, /sys or /dev",
                                             hint: "mount it at a directory of its own, e.g. /data")
        }
        return path
    }
}
