import PodlabCore
import PodlabImages
import PodlabRuntime
import Yams

/// A pod (or containers outside one) as the Kubernetes Pod YAML `podman kube generate` writes: podman 4.3.1's
/// header, keys in alphabetical order, strings quoted where YAML would read them as something else.
public struct KubeGenerator {
    /// One container with its image's configuration (what the container differs from is left out, as podman does).
    public struct Member {
        public var record: ContainerRecord
        public var image: ContainerConfig

        public init(record: ContainerRecord, image: ContainerConfig) {
            self.record = record
            self.image = image
        }
    }

    public var podName: String
    /// The pod's id, for podman's per-container annotations; a random-looking one is not made up for containers
    /// outside a pod: they get none.
    public var podID: String?
    public var ports: [PortMapping]
    public var members: [Member]
    /// The time written as `creationTimestamp`.
    public var now: Double
    public var podmanVersion: String

    public init(podName: String, podID: String?, ports: [PortMapping], members: [Member], now: Double, podmanVersion: String) {
        self.podName = podName
        self.podID = podID
        self.ports = ports
        self.members = members
        self.now = now
        self.podmanVersion = podmanVersion
    }

    /// The PATH podman adds to every container, left out of the YAML as podman leaves it out.
    public static let defaultPath = ContainerEngine.defaultPath

    public func yaml() throws -> String {
        let header = "# Save the output of this file and use kubectl create -f to import\n# it into Kubernetes.\n#\n"
            + "# Created with podman-\(podmanVersion)\n"
        do {
            return header + (try Yams.serialize(node: document(), width: -1, sortKeys: true))
        } catch {
            throw KubeError("writing the YAML failed: \(error)")
        }
    }

    func document() -> Node {
        var metadata: [(String, Node)] = [
            ("creationTimestamp", Self.text(JSONCoding.timestamp(now))),
            ("labels", Self.map([("app", Self.text(podName))])),
            ("name", Self.text(podName)),
        ]
        if let podID {
            metadata.append(("annotations", Self.map(members.flatMap { annotations(of: $0.record, podID: podID) })))
        }
        var volumes: [String: Node] = [:]
        var containers: [Node] = []
        for (index, member) in members.enumerated() {
            containers.append(container(member, ports: index == 0 ? ports : [], volumes: &volumes))
        }
        var spec: [(String, Node)] = [
            ("automountServiceAccountToken", Self.bool(false)),
            ("containers", .sequence(.init(containers))),
            ("enableServiceLinks", Self.bool(false)),
            ("hostname", Self.text(podName)),
            ("restartPolicy", Self.text("Never")),
        ]
        if !volumes.isEmpty {
            spec.append(("volumes", .sequence(.init(volumes.keys.sorted().compactMap { volumes[$0] }))))
        }
        return Self.map([
            ("apiVersion", Self.text("v1")),
            ("kind", Self.text("Pod")),
            ("metadata", Self.map(metadata)),
            ("spec", Self.map(spec)),
            ("status", Self.map([])),
        ])
    }

    /// podman's annotations for each container of a pod (the sandbox id cut to Kubernetes' 63 characters).
    func annotations(of record: ContainerRecord, podID: String) -> [(String, Node)] {
        let name = record.name
        let flag: (Bool) -> Node = { Self.text($0 ? "TRUE" : "FALSE") }
        return [
            ("io.kubernetes.cri-o.ContainerType/\(name)", Self.text("container")),
            ("io.kubernetes.cri-o.SandboxID/\(name)", Self.text(String(podID.prefix(63)))),
            ("io.kubernetes.cri-o.TTY/\(name)", Self.text(record.settings.tty ? "true" : "false")),
            ("io.podman.annotations.autoremove/\(name)", flag(record.settings.autoRemove)),
            ("io.podman.annotations.init/\(name)", flag(record.settings.initProcess)),
            ("io.podman.annotations.privileged/\(name)", flag(false)),
            ("io.podman.annotations.publish-all/\(name)", flag(false)),
        ]
    }

    func container(_ member: Member, ports: [PortMapping], volumes: inout [String: Node]) -> Node {
        let settings = member.record.settings
        var fields: [(String, Node)] = [
            ("image", Self.text(member.record.imageName)),
            ("name", Self.text(member.record.name)),
            ("resources", Self.map([])),
            ("securityContext", Self.map([("capabilities", Self.map([]))])),
        ]
        let imageCommand = (member.image.Entrypoint ?? []) + (member.image.Cmd ?? [])
        if settings.command != imageCommand {
            fields.append(("command", Self.texts(settings.command)))
        }
        let environment = self.environment(of: member)
        if !environment.isEmpty { fields.append(("env", .sequence(.init(environment)))) }
        let imageDirectory = member.image.WorkingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        if settings.workingDir != imageDirectory { fields.append(("workingDir", Self.text(settings.workingDir))) }
        if !ports.isEmpty {
            fields.append(("ports", .sequence(.init(ports.map { port in
                var entry: [(String, Node)] = [("containerPort", Self.number(Int(port.containerPort))), ("hostPort", Self.number(Int(port.hostPort)))]
                if port.proto != "tcp" { entry.append(("protocol", Self.text(port.proto.uppercased()))) }
                return Self.map(entry)
            }))))
        }
        var mounts: [(String, Node)] = []
        for (index, volume) in settings.volumes.enumerated() where volume.destination != ContainerHosts.destination && volume.anonymous != true {
            let name: String
            if let volumeName = volume.volumeName {
                name = "\(volumeName)-pvc"
                volumes[name] = Self.map([("name", Self.text(name)),
                                          ("persistentVolumeClaim", Self.map([("claimName", Self.text(volumeName))]))])
            } else {
                let dashed = volume.source.split(separator: "/").joined(separator: "-")
                name = "\(dashed)-host-\(index)"
                let type = FileSystem.isDirectory(volume.source) ? "Directory" : "File"
                volumes[name] = Self.map([("hostPath", Self.map([("path", Self.text(volume.source)), ("type", Self.text(type))])),
                                          ("name", Self.text(name))])
            }
            var mount: [(String, Node)] = [("mountPath", Self.text(volume.destination)), ("name", Self.text(name))]
            if volume.readOnly { mount.append(("readOnly", Self.bool(true))) }
            mounts.append((volume.destination, Self.map(mount)))
        }
        if !mounts.isEmpty {
            fields.append(("volumeMounts", .sequence(.init(mounts.sorted { $0.0 < $1.0 }.map(\.1)))))
        }
        return Self.map(fields)
    }

    /// The variables the container sets beyond its image's (and podlab's own `container=podman` and default PATH),
    /// then each secret given as a variable, as a `secretKeyRef` (podman 4.3.1 leaves those out, and the pod it
    /// plays back lacks its passwords).
    func environment(of member: Member) -> [Node] {
        let image = Set(member.image.Env ?? [])
        var result: [Node] = []
        for entry in member.record.settings.env where !image.contains(entry) && entry != "container=podman" && entry != Self.defaultPath {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            result.append(Self.map([("name", Self.text(parts[0])), ("value", Self.text(parts.count > 1 ? parts[1] : ""))]))
        }
        for use in member.record.settings.secrets ?? [] where use.kind == .env {
            let reference = Self.map([("key", Self.text(use.name)), ("name", Self.text(use.name))])
            result.append(Self.map([("name", Self.text(use.target)), ("valueFrom", Self.map([("secretKeyRef", reference)]))]))
        }
        return result
    }

    // MARK: Nodes

    static func map(_ pairs: [(String, Node)]) -> Node {
        .mapping(.init(pairs.map { (Node($0.0), $0.1) }, .implicit, pairs.isEmpty ? .flow : .block))
    }

    /// A string, double-quoted when YAML would otherwise read it as a number, boolean, null or time.
    static func text(_ value: String) -> Node {
        let plain = Node(value)
        let style: Node.Scalar.Style = Resolver.default.resolveTag(of: plain) == .str ? .any : .doubleQuoted
        return .scalar(.init(value, .implicit, style))
    }

    static func texts(_ values: [String]) -> Node { .sequence(.init(values.map(text))) }
    static func number(_ value: Int) -> Node { Node(String(value)) }
    static func bool(_ value: Bool) -> Node { Node(value ? "true" : "false") }
}
