import PodlabCore

/// The /etc/hosts each container gets, as podman writes one (`containers/<id>/hosts`, bound over the image's):
/// `localhost`, and the container's hostname and name on the loopback, the one interface of its network namespace.
/// With `--network host` the host's own file comes first. A pod's members share the pod's file instead
/// (`PodStore.writeHosts`), and a container made before this file existed keeps the image's.
public enum ContainerHosts {
    /// Where the file is bound in every container (a RUN step's too, which the builder keeps out of the layer).
    public static let destination = "/etc/hosts"
    /// The most of the host's /etc/hosts copied for `--network host`.
    static let hostFileLimit = 64 << 10

    static func path(in containerDirectory: String) -> String { "\(containerDirectory)/hosts" }

    static func text(hostname: String, name: String, network: String, hostFile: String = "/etc/hosts") -> String {
        let names = hostname == name ? name : "\(hostname) \(name)"
        var text = ""
        if network == "host", let bytes = try? FileSystem.readFile(hostFile), bytes.count <= hostFileLimit {
            text = String(decoding: bytes, as: UTF8.self)
            if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        } else {
            text = "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
                + "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n"
        }
        return text + "127.0.0.1\t\(names)\n"
    }

    /// Writes the file for a new container, unless something else is bound at /etc/hosts (a pod's file, `-v`).
    static func write(for record: ContainerRecord, in containerDirectory: String) throws {
        guard !record.settings.volumes.contains(where: { $0.destination == destination }) else { return }
        let text = text(hostname: record.settings.hostname, name: record.name, network: record.settings.network)
        try FileSystem.writeAtomically(Array(text.utf8), to: path(in: containerDirectory), mode: 0o644,
                                       durability: record.settings.durability)
    }

    /// The bind of the container's file, when it has one.
    static func mount(in containerDirectory: String, settings: ContainerSettings) -> VolumeMount? {
        guard !settings.volumes.contains(where: { $0.destination == destination }),
              FileSystem.exists(path(in: containerDirectory)) else { return nil }
        return VolumeMount(source: path(in: containerDirectory), destination: destination, readOnly: false)
    }
}
