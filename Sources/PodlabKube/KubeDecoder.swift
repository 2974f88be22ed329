import PodlabCore
import PodlabDistribution
import Yams

/// Reads a kube YAML stream (documents separated by `---`) into `KubeDocument`s: Pod, apps/v1 Deployment,
/// PersistentVolumeClaim and Secret, with the fields podman 4.3.1 plays. Anything else is refused by name and line.
public enum KubeDecoder {
    /// At most this much YAML is read (a pod description is a few kilobytes).
    public static let sizeLimit = 1 << 20
    /// At most this many pods from one Deployment.
    public static let replicaLimit = 20

    public static func decode(_ text: String, file: String) throws(KubeError) -> [KubeDocument] {
        guard text.utf8.count <= sizeLimit else { throw KubeError("\(file) is larger than 1 MiB: not a pod description") }
        // Parser.nextRoot, not compose_all: compose_all's sequence keeps a parse error to itself and just ends. The
        // parser also stays alive while the documents are read, so their anchors can be seen (and refused).
        let parser: Parser
        do { parser = try Parser(yaml: text) } catch { throw KubeError("\(file) is not valid YAML: \(error)") }
        var documents: [KubeDocument] = []
        while true {
            let next: Node?
            do { next = try parser.nextRoot() } catch { throw KubeError("\(file) is not valid YAML: \(error)") }
            guard let node = next else { break }
            try refuseAnchors(in: node, file: file)
            documents.append(try document(node, file: file))
        }
        withExtendedLifetime(parser) {}
        guard !documents.isEmpty else { throw KubeError("YAML document does not contain any supported kube kind") }
        return documents
    }

    /// Anchors and aliases anywhere in a document, refused before any field is read: an alias repeats its anchor's
    /// text wherever it is used, so a small file could stand for gigabytes of values. Walked with a stack of its own
    /// (a deeply nested document must not exhaust the thread's).
    static func refuseAnchors(in root: Node, file: String) throws(KubeError) {
        var pending = [root]
        while let node = pending.popLast() {
            if node.anchor != nil {
                throw KubeError.at(node, in: file, "YAML anchors and aliases are not supported by podlab")
            }
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    pending.append(key)
                    pending.append(value)
                }
            case .sequence(let sequence):
                pending.append(contentsOf: sequence)
            default:
                break
            }
        }
    }

    static func document(_ node: Node, file: String) throws(KubeError) -> KubeDocument {
        var fields = try KubeFields(node, path: "", file: file)
        let apiVersion = try fields.requiredString("apiVersion")
        let kind = try fields.requiredString("kind")
        var metadata = try fields.fields("metadata") ?? KubeFields(emptyAt: "metadata", file: file)
        let name = try metadata.requiredString("name")
        guard KubeNames.isValid(name) else {
            throw KubeError.at(node, in: file, "metadata.name \"\(name)\" is not a valid name (letters, digits, '-', '.', '_')")
        }
        let labels = try metadata.stringMap("labels")
        _ = try metadata.stringMap("annotations")
        _ = try metadata.string("creationTimestamp")
        try metadata.finish()
        let result: KubeDocument
        switch (apiVersion, kind) {
        case ("v1", "Pod"):
            var spec = try fields.fields("spec") ?? KubeFields(emptyAt: "spec", file: file)
            var pod = try self.pod(&spec, name: name)
            pod.labels = labels
            try fields.empty("status")
            result = .pod(pod)
        case ("apps/v1", "Deployment"):
            result = try deployment(&fields, name: name)
        case ("v1", "PersistentVolumeClaim"):
            if var spec = try fields.fields("spec") {
                // Sizes and access modes describe a cluster's storage; a podman volume has neither.
                _ = try spec.strings("accessModes")
                if var resources = try spec.fields("resources") {
                    if var requests = try resources.fields("requests") { _ = try requests.string("storage"); try requests.finish() }
                    try resources.finish()
                }
                try spec.finish()
            }
            try fields.empty("status")
            result = .volumeClaim(name: name)
        case ("v1", "Secret"):
            result = .secret(name: name, data: try secretData(&fields))
        case ("v1", "ConfigMap"):
            result = .configMap(name: name, data: try configMapData(&fields))
        default:
            throw KubeError.at(node, in: file, "kind \(kind) (apiVersion \(apiVersion)) is not supported by podlab",
                               hint: "podlab plays v1 Pod, apps/v1 Deployment, v1 PersistentVolumeClaim, v1 Secret and v1 ConfigMap")
        }
        try fields.finish()
        return result
    }

    static func deployment(_ fields: inout KubeFields, name: String) throws(KubeError) -> KubeDocument {
        guard var spec = try fields.fields("spec") else { throw KubeError.at(fields.node, in: fields.file, "spec is missing") }
        let replicas = try spec.int("replicas", in: 0...replicaLimit) ?? 1
        if var selector = try spec.fields("selector") { _ = try selector.stringMap("matchLabels"); try selector.finish() }
        guard var template = try spec.fields("template") else { throw KubeError.at(spec.node, in: fields.file, "spec.template is missing") }
        var labels: [String: String] = [:]
        if var metadata = try template.fields("metadata") {
            labels = try metadata.stringMap("labels")
            _ = try metadata.stringMap("annotations")
            _ = try metadata.string("name")
            try metadata.finish()
        }
        guard var podSpec = try template.fields("spec") else { throw KubeError.at(template.node, in: fields.file, "spec.template.spec is missing") }
        var pod = try self.pod(&podSpec, name: name)
        pod.labels = labels
        try template.finish()
        try spec.finish()
        try fields.empty("status")
        return .deployment(name: name, replicas: replicas, template: pod)
    }

    static func pod(_ spec: inout KubeFields, name: String) throws(KubeError) -> KubePod {
        var pod = KubePod(name: name)
        pod.hostname = try spec.string("hostname")
        if let policy = try spec.string("restartPolicy"), policy != "Never" {
            throw KubeError.at(spec.node, in: spec.file, "\(spec.name(of: "restartPolicy")) \(policy) is not supported by podlab",
                               hint: "podlab does not restart containers: write restartPolicy: Never, or leave it out")
        }
        for key in ["automountServiceAccountToken", "enableServiceLinks", "hostNetwork"] {
            if try spec.bool(key) == true {
                throw KubeError.at(spec.node, in: spec.file, "\(spec.name(of: key)): true is not supported by podlab")
            }
        }
        for var volume in try spec.list("volumes") {
            pod.volumes.append(try self.volume(&volume))
        }
        let containers = try spec.list("containers")
        guard !containers.isEmpty else { throw KubeError.at(spec.node, in: spec.file, "\(spec.name(of: "containers")) is missing: a pod needs a container") }
        for var fields in containers {
            let container = try self.container(&fields, volumes: pod.volumes)
            guard !pod.containers.contains(where: { $0.name == container.name }) else {
                throw KubeError.at(fields.node, in: fields.file, "the pod \"\(name)\" is invalid; duplicate container name \"\(container.name)\" detected")
            }
            pod.containers.append(container)
            try fields.finish()
        }
        try spec.finish()
        return pod
    }

    static func container(_ fields: inout KubeFields, volumes: [KubeVolume]) throws(KubeError) -> KubeContainer {
        let name = try fields.requiredString("name")
        guard KubeNames.isValid(name) else {
            throw KubeError.at(fields.node, in: fields.file, "\(fields.name(of: "name")) \"\(name)\" is not a valid container name")
        }
        let image = try fields.requiredString("image")
        // It becomes an argument of podman create: one that looks like a flag would be read as one.
        guard KubeNames.isPlausibleImage(image) else {
            throw KubeError.at(fields.node, in: fields.file, "\(fields.name(of: "image")) \"\(image)\" is not an image reference")
        }
        var container = KubeContainer(name: name, image: image)
        container.command = try fields.strings("command")
        container.args = try fields.strings("args")
        container.workingDir = try fields.string("workingDir")
        container.stdin = try fields.bool("stdin") ?? false
        container.tty = try fields.bool("tty") ?? false
        if let policy = try fields.string("imagePullPolicy") {
            guard ["Always", "IfNotPresent", "Never"].contains(policy) else {
                throw KubeError.at(fields.node, in: fields.file, "\(fields.name(of: "imagePullPolicy")) must be Always, IfNotPresent or Never")
            }
            container.imagePullPolicy = policy
        }
        try fields.empty("resources")
        if var security = try fields.fields("securityContext") {
            try security.empty("capabilities")
            try security.finish()
        }
        for var item in try fields.list("env") {
            container.env.append(try env(&item))
            try item.finish()
        }
        for var item in try fields.list("ports") {
            container.ports.append(try port(&item))
            try item.finish()
        }
        for var item in try fields.list("volumeMounts") {
            let mount = KubeVolumeMount(name: try item.requiredString("name"), mountPath: try item.requiredString("mountPath"),
                                        readOnly: try item.bool("readOnly") ?? false)
            guard volumes.contains(where: { $0.name == mount.name }) else {
                throw KubeError.at(item.node, in: item.file, "\(item.name(of: "name")) \"\(mount.name)\" names no volume of the pod")
            }
            guard mount.mountPath.hasPrefix("/") else {
                throw KubeError.at(item.node, in: item.file, "\(item.name(of: "mountPath")) must be an absolute path")
            }
            container.volumeMounts.append(mount)
            try item.finish()
        }
        return container
    }

    static func env(_ item: inout KubeFields) throws(KubeError) -> KubeEnv {
        let name = try item.requiredString("name")
        guard KubeNames.isValidVariable(name) else {
            throw KubeError.at(item.node, in: item.file, "\(item.name(of: "name")) \"\(name)\" is not a valid variable name (letters, digits, '_', '-', '.'; not a digit first)")
        }
        if let value = try item.string("value") { return KubeEnv(name: name, source: .value(value)) }
        guard var from = try item.fields("valueFrom") else { return KubeEnv(name: name, source: .value("")) }
        let source: KubeEnv.Source
        if var reference = try from.fields("secretKeyRef") {
            source = .secretKey(secret: try reference.requiredString("name"), key: try reference.requiredString("key"))
            try reference.finish()
        } else if var reference = try from.fields("configMapKeyRef") {
            source = .configMapKey(map: try reference.requiredString("name"), key: try reference.requiredString("key"),
                                   optional: try reference.bool("optional") ?? false)
            try reference.finish()
        } else {
            throw KubeError.at(from.node, in: from.file, "\(from.path): only secretKeyRef and configMapKeyRef are supported by podlab")
        }
        try from.finish()
        return KubeEnv(name: name, source: source)
    }

    static func port(_ item: inout KubeFields) throws(KubeError) -> KubePort {
        guard let containerPort = try item.int("containerPort", in: 1...65535) else {
            throw KubeError.at(item.node, in: item.file, "\(item.name(of: "containerPort")) is missing")
        }
        var port = KubePort(containerPort: UInt16(containerPort))
        port.hostPort = try item.int("hostPort", in: 1...65535).map { UInt16($0) }
        port.hostIP = try item.string("hostIP")
        _ = try item.string("name")
        if let proto = try item.string("protocol") {
            guard ["TCP", "UDP"].contains(proto.uppercased()) else {
                throw KubeError.at(item.node, in: item.file, "\(item.name(of: "protocol")) must be TCP or UDP")
            }
            port.proto = proto.lowercased()
        }
        return port
    }

    static func volume(_ item: inout KubeFields) throws(KubeError) -> KubeVolume {
        let name = try item.requiredString("name")
        var sources: [KubeVolume.Source] = []
        var readOnly = false
        if var claim = try item.fields("persistentVolumeClaim") {
            sources.append(.claim(try claim.requiredString("claimName")))
            readOnly = try claim.bool("readOnly") ?? false
            try claim.finish()
        }
        if var host = try item.fields("hostPath") {
            let path = try host.requiredString("path")
            guard path.hasPrefix("/") else { throw KubeError.at(host.node, in: host.file, "\(host.name(of: "path")) must be an absolute path") }
            let type = try host.string("type")
            let known = ["", "Directory", "DirectoryOrCreate", "File", "FileOrCreate"]
            guard known.contains(type ?? "") else {
                throw KubeError.at(host.node, in: host.file, "\(host.name(of: "type")) \(type ?? "") is not supported by podlab",
                                   hint: "use Directory, DirectoryOrCreate, File or FileOrCreate")
            }
            sources.append(.hostPath(path: path, type: type))
            try host.finish()
        }
        if try item.value("emptyDir") != nil {
            try item.empty("emptyDir")
            sources.append(.emptyDir)
        }
        if var map = try item.fields("configMap") {
            sources.append(.configMap(name: try map.requiredString("name"), items: try keyToPaths(&map)))
            try map.finish()
        }
        if var secret = try item.fields("secret") {
            let name = try secret.requiredString("secretName")
            sources.append(.secret(name: name, items: try keyToPaths(&secret), optional: try secret.bool("optional") ?? false))
            try secret.finish()
        }
        try item.finish()
        guard sources.count == 1, let source = sources.first else {
            throw KubeError.at(item.node, in: item.file,
                               "\(item.path) needs one of persistentVolumeClaim, hostPath, emptyDir, configMap or secret (the sources podlab supports)")
        }
        return KubeVolume(name: name, source: source, readOnly: readOnly)
    }

    /// `items: [{key, path}]`; a path is relative and stays inside the volume (no `..`, as Kubernetes requires; no
    /// `.` or empty part either), and no path is another's or inside another's.
    static func keyToPaths(_ map: inout KubeFields) throws(KubeError) -> [KubeKeyToPath] {
        var items: [KubeKeyToPath] = []
        for var item in try map.list("items") {
            let entry = KubeKeyToPath(key: try item.requiredString("key"), path: try item.requiredString("path"))
            let parts = entry.path.split(separator: "/", omittingEmptySubsequences: false)
            guard !entry.path.hasPrefix("/"), !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
                throw KubeError.at(item.node, in: item.file, "\(item.name(of: "path")) \"\(entry.path)\" must be a relative path without '..'")
            }
            if let other = items.first(where: { $0.path == entry.path || $0.path.hasPrefix(entry.path + "/") || entry.path.hasPrefix($0.path + "/") }) {
                throw KubeError.at(item.node, in: item.file, "\(item.name(of: "path")) \"\(entry.path)\" collides with \"\(other.path)\"")
            }
            items.append(entry)
            try item.finish()
        }
        return items
    }

    /// A ConfigMap's `data` (text) and `binaryData` (base64); a key is a file name, so it may hold no `/`.
    static func configMapData(_ fields: inout KubeFields) throws(KubeError) -> [String: [UInt8]] {
        var data: [String: [UInt8]] = [:]
        for (key, text) in try fields.stringMap("data") { data[key] = Array(text.utf8) }
        for (key, encoded) in try fields.stringMap("binaryData") {
            guard let bytes = Base64.decode(encoded) else {
                throw KubeError.at(fields.node, in: fields.file, "binaryData.\(key) is not base64")
            }
            guard data[key] == nil else {
                throw KubeError.at(fields.node, in: fields.file, "the ConfigMap key \"\(key)\" is in both data and binaryData")
            }
            data[key] = bytes
        }
        for key in data.keys.sorted() where !KubeNames.isValidKey(key) {
            throw KubeError.at(fields.node, in: fields.file, "the ConfigMap key \"\(key)\" is not valid (letters, digits, '-', '_', '.')")
        }
        _ = try fields.bool("immutable")
        return data
    }

    static func secretData(_ fields: inout KubeFields) throws(KubeError) -> [String: [UInt8]] {
        if let type = try fields.string("type"), type != "Opaque" {
            throw KubeError.at(fields.node, in: fields.file, "a Secret of type \(type) is not supported by podlab (only Opaque)")
        }
        var data: [String: [UInt8]] = [:]
        for (key, encoded) in try fields.stringMap("data") {
            guard let bytes = Base64.decode(encoded) else {
                throw KubeError.at(fields.node, in: fields.file, "data.\(key) is not base64")
            }
            data[key] = bytes
        }
        for (key, text) in try fields.stringMap("stringData") { data[key] = Array(text.utf8) }
        // A key may become a file name in a secret volume.
        for key in data.keys.sorted() where !KubeNames.isValidKey(key) {
            throw KubeError.at(fields.node, in: fields.file, "the Secret key \"\(key)\" is not valid (letters, digits, '-', '_', '.')")
        }
        _ = try fields.bool("immutable")
        return data
    }
}
