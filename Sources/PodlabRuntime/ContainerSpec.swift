import PodlabCore
import PodlabImages

/// Everything a container's process needs, resolved once by `create` (image config + flags + pod + volumes +
/// secrets + ports + user + limits) and saved with the container as `containers/<id>/spec.json`. The monitor
/// runs from it; nothing downstream re-derives what create decided.
public struct ContainerSpec: Codable, Sendable {
    public var version = 1
    public var id: String
    public var name: String
    public var imageName: String
    /// The stores (the monitor opens them from here, whatever its own environment says).
    public var storage: String
    public var runtime: String
    /// The image's snapshot, the overlay's lower layer; nil for an empty root (a pod's infra, an image without layers).
    public var lowerDirectory: String?
    /// The user the command runs as, looked up in the image's /etc/passwd and /etc/group.
    public var user: ImageUser
    /// The command's environment: the image's and `-e`, with HOME, HOSTNAME and TERM filled in (secrets given as
    /// variables are not here: they are read from the container's directory when the process starts).
    public var environment: [String]
    /// Volumes and binds, the container's /etc/hosts, then secret files bound read-only at their targets.
    public var mounts: [VolumeMount]
    /// The flags and image config as asked (command, ports, capabilities, seccomp, limits, pod, stop signal …).
    public var settings: ContainerSettings

    static let fileName = "spec.json"

    /// Resolves `record` against its image's root file system (`lowerDirectory`).
    public static func resolve(_ record: ContainerRecord, lowerDirectory: String?, locations: Locations,
                               containerDirectory: String) throws -> ContainerSpec {
        let settings = record.settings
        let user = try ImageUser.resolve(settings.user, rootfs: lowerDirectory ?? "\(containerDirectory)/empty")
        var environment = settings.env
        if !environment.contains(where: { $0.hasPrefix("HOME=") }) { environment.append("HOME=\(user.home)") }
        if !environment.contains(where: { $0.hasPrefix("HOSTNAME=") }) { environment.append("HOSTNAME=\(settings.hostname)") }
        if settings.tty && !environment.contains(where: { $0.hasPrefix("TERM=") }) { environment.append("TERM=xterm") }
        let secretFiles = (settings.secrets ?? []).enumerated().filter { $0.element.kind == .mount }.map { index, use in
            VolumeMount(source: "\(containerDirectory)/secrets/\(index)", destination: use.target, readOnly: true)
        }
        let hosts = ContainerHosts.mount(in: containerDirectory, settings: settings).map { [$0] } ?? []
        return ContainerSpec(id: record.id, name: record.name, imageName: record.imageName, storage: locations.storage,
                             runtime: locations.runtime, lowerDirectory: lowerDirectory, user: user, environment: environment,
                             mounts: settings.volumes + hosts + secretFiles, settings: settings)
    }

    public static func path(in containerDirectory: String) -> String { "\(containerDirectory)/\(fileName)" }

    public static func load(from path: String) throws -> ContainerSpec {
        try JSONCoding.decode(ContainerSpec.self, from: try FileSystem.readFile(path), what: "container spec \(path)")
    }

    /// Written whole and renamed into place: a kill in the middle leaves the old spec or the new one.
    public func save(in containerDirectory: String) throws {
        try FileSystem.writeAtomically(try JSONCoding.encode(self), to: Self.path(in: containerDirectory), mode: 0o600,
                                       durability: settings.durability)
    }
}
