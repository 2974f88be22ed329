import PodlabKube

/// The kube YAML decoder on hostile text: refusing is fine; what it accepts must be safe to play. Every name it
/// hands on is one podman accepts, every path it will mount or write is where the decoder promised (a host path
/// absolute, a mount path absolute, a ConfigMap file relative and without `..`), and a Deployment stays within
/// its replica limit.
enum KubeFuzzing {
    static func decode(_ text: String) -> FuzzFinding? {
        guard let documents = try? KubeDecoder.decode(text, file: "fuzz.yaml") else { return nil }
        for document in documents {
            switch document {
            case .pod(let pod):
                if let finding = check(pod) { return finding }
            case .deployment(let name, let replicas, let template):
                guard (0...KubeDecoder.replicaLimit).contains(replicas) else { return FuzzFinding("\(name) has \(replicas) replicas") }
                if let finding = check(template) { return finding }
            case .volumeClaim, .secret, .configMap:
                break
            }
        }
        return nil
    }

    static func check(_ pod: KubePod) -> FuzzFinding? {
        guard isName(pod.name) else { return FuzzFinding("pod name \(pod.name.debugDescription) accepted") }
        for container in pod.containers {
            guard isName(container.name) else { return FuzzFinding("container name \(container.name.debugDescription) accepted") }
            guard !container.image.hasPrefix("-"), !container.image.isEmpty else { return FuzzFinding("image \(container.image.debugDescription) accepted") }
            for variable in container.env where variable.name.contains(",") || variable.name.contains("=") || variable.name.isEmpty {
                return FuzzFinding("variable name \(variable.name.debugDescription) accepted")
            }
            for mount in container.volumeMounts where !mount.mountPath.hasPrefix("/") {
                return FuzzFinding("mount path \(mount.mountPath.debugDescription) accepted")
            }
            for port in container.ports where port.containerPort == 0 {
                return FuzzFinding("container port 0 accepted")
            }
        }
        for volume in pod.volumes {
            switch volume.source {
            case .hostPath(let path, _):
                guard path.hasPrefix("/") else { return FuzzFinding("host path \(path.debugDescription) accepted") }
            case .configMap(_, let items), .secret(_, let items, _):
                let unsafe = { (path: String) in
                    path.hasPrefix("/") || path.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty || $0 == "." || $0 == ".." }
                }
                for item in items where unsafe(item.path) {
                    return FuzzFinding("item path \(item.path.debugDescription) accepted")
                }
            case .claim, .emptyDir:
                break
            }
        }
        return nil
    }

    /// podman's name rule, written again here so the check does not trust the code it checks.
    static func isName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 253 else { return false }
        func alphanumeric(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) }
        return alphanumeric(first) && bytes.allSatisfy { alphanumeric($0) || $0 == 95 || $0 == 46 || $0 == 45 }
    }
}
