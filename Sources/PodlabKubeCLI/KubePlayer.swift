import ArgumentParser
import PodlabCLI
import PodlabCore
import PodlabKube
import PodlabRuntime

/// Makes one pod of a kube file: the pod with its published ports, then each container through the same path as
/// `podman create --pod` (so every flag's checks apply), named `POD-CONTAINER` as podman names them.
struct KubePlayer {
    let engine: ContainerEngine
    let replace: Bool
    let configMaps: KubeConfigMaps
    /// The volume of each ConfigMap and Secret the file's pods mount, written before the first pod.
    let fileVolumes: [KubeFileVolumes.Source: String]
    /// What this play made, for undoing it all if a later step fails.
    let undo: KubePlayUndo

    struct Played {
        var pod: PodRecord
        var containers: [ContainerRecord]
    }

    func play(_ pod: KubePod) throws -> Played {
        if let existing = try engine.pods.lookup(pod.name) {
            guard replace else { throw Self.nameInUse(pod.name) }
            try Pods.stop(existing, timeout: 10, engine: engine)
            try engine.removePod(existing)
        }
        let ports = try pod.publishedPorts.map { port in
            let host = port.hostIP.flatMap { $0.isEmpty ? nil : "\($0):" } ?? ""
            return try PortListener.parse("\(host)\(port.hostPort ?? port.containerPort):\(port.containerPort)/\(port.proto)")
        }
        let record = try engine.createPod(name: pod.name, ports: ports, labels: pod.labels)
        undo.madePod(record)
        var containers: [ContainerRecord] = []
        var emptyDirs: [String: String] = [:]
        do {
            // One anonymous volume per emptyDir, shared by the members that mount it and removed with the last.
            let mounted = Set(pod.containers.flatMap(\.volumeMounts).map(\.name))
            for volume in pod.volumes where volume.source == .emptyDir && mounted.contains(volume.name) {
                emptyDirs[volume.name] = try engine.volumes.create(nil, anonymous: true).name
            }
            for container in pod.containers {
                let arguments = try createArguments(container, of: pod, podID: record.id, emptyDirs: emptyDirs)
                containers.append(try ContainerFactory.create(try RunOptions.parse(arguments)))
            }
        } catch {
            // The pod's emptyDir volumes belong to no container yet when a member is refused: they go with the rest.
            for name in emptyDirs.values { undo.madeVolume(name) }
            throw error
        }
        return Played(pod: record, containers: containers)
    }

    /// podman 4.3.1's refusal of a pod name that is taken, with podlab's hint.
    static func nameInUse(_ name: String) -> KubeError {
        KubeError("adding pod to state: name \"\(name)\" is in use: pod already exists",
                  hint: "remove it first (podman kube down FILE, or podman pod rm -f \(name)), or add --replace")
    }

    /// The `podman create` arguments of one container of the pod. Every value is joined to its flag (`--env=…`), so
    /// a value that looks like a flag stays a value; the image, the first argument that is not a flag, is checked
    /// again here for the same reason (everything after it is the container's command).
    func createArguments(_ container: KubeContainer, of pod: KubePod, podID: String, emptyDirs: [String: String]) throws -> [String] {
        guard KubeNames.isPlausibleImage(container.image) else {
            throw KubeError("\(container.image.debugDescription) is not an image reference (container \(container.name))")
        }
        var arguments = ["--pod=\(podID)", "--name=\(pod.name)-\(container.name)"]
        for variable in container.env {
            switch variable.source {
            case .value(let value):
                arguments.append("--env=\(variable.name)=\(value)")
            case .secretKey(let secret, let key):
                arguments += try KubeSecrets.environment(variable.name, secret: secret, key: key, engine: engine)
            case .configMapKey(let map, let key, let optional):
                arguments += try configMaps.environment(variable.name, map: map, key: key, optional: optional)
            }
        }
        for mount in container.volumeMounts {
            guard let volume = pod.volumes.first(where: { $0.name == mount.name }) else { continue }
            let suffix = mount.readOnly || volume.readOnly ? ":ro" : ""
            switch volume.source {
            case .claim(let claim):
                // Made here, by name, so a claimName that is not a volume name is refused as one (never read by
                // --volume as a relative host path).
                if try engine.volumes.ensure(claim).made { undo.madeVolume(claim) }
                arguments.append("--volume=\(claim):\(mount.mountPath)\(suffix)")
            case .hostPath(let path, let type):
                try Self.prepareHostPath(path, type: type)
                arguments.append("--volume=\(path):\(mount.mountPath)\(suffix)")
            case .emptyDir:
                guard let name = emptyDirs[volume.name] else { continue }
                arguments.append("--volume=\(name):\(mount.mountPath)\(suffix)")
            case .configMap(let map, _):
                // Always read-only: the files are the ConfigMap's, written again at every play.
                guard let name = fileVolumes[.init(kind: .configMap, name: map)] else { continue }
                arguments.append("--volume=\(name):\(mount.mountPath):ro")
            case .secret(let secret, _, _):
                // None for a missing optional secret.
                guard let name = fileVolumes[.init(kind: .secret, name: secret)] else { continue }
                arguments.append("--volume=\(name):\(mount.mountPath):ro")
            }
        }
        if let directory = container.workingDir { arguments.append("--workdir=\(directory)") }
        if let policy = container.imagePullPolicy {
            arguments.append("--pull=" + (["Always": "always", "IfNotPresent": "missing", "Never": "never"][policy] ?? "missing"))
        }
        if container.stdin { arguments.append("--interactive") }
        if container.tty { arguments.append("--tty") }
        var trailing = container.args ?? []
        if let command = container.command {
            // Kubernetes' command replaces ENTRYPOINT and CMD: its first word is the entrypoint.
            arguments.append("--entrypoint=\(command.first ?? "")")
            trailing = Array(command.dropFirst()) + trailing
        }
        return arguments + [container.image] + trailing
    }

    /// `DirectoryOrCreate` and `FileOrCreate` make what is missing; `Directory` and `File` must find it.
    static func prepareHostPath(_ path: String, type: String?) throws {
        switch type ?? "" {
        case "DirectoryOrCreate":
            if !FileSystem.exists(path) { try FileSystem.createDirectory(path) }
        case "FileOrCreate":
            if !FileSystem.exists(path) { try FileSystem.writeAtomically([], to: path) }
        case "Directory":
            guard FileSystem.isDirectory(path) else { throw KubeError("hostPath \(path) is not a directory", hint: "make it first, or use type: DirectoryOrCreate") }
        case "File":
            guard FileSystem.exists(path), !FileSystem.isDirectory(path) else {
                throw KubeError("hostPath \(path) is not a file", hint: "make it first, or use type: FileOrCreate")
            }
        default:
            break
        }
    }

    /// Starts the pod's members (its infra first); reports each failure and returns how many failed.
    static func start(_ played: Played, engine: ContainerEngine) -> Int {
        var failed = 0
        for record in played.containers {
            do {
                try engine.startDetached(try engine.containers.find(record.id))
            } catch {
                Output.err("starting container \(record.id): \(TerminalText.visible((error as? any LearnerFacingError)?.message ?? "\(error)"))")
                failed += 1
            }
        }
        return failed
    }
}
