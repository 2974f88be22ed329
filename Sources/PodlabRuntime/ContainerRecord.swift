import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// A published port: `[hostAddress:]hostPort:containerPort[/protocol]`.
public struct PortMapping: Codable, Hashable, Sendable, CustomStringConvertible {
    public var hostAddress: String
    public var hostPort: UInt16
    public var containerPort: UInt16
    public var proto: String

    public init(hostAddress: String, hostPort: UInt16, containerPort: UInt16, proto: String) {
        self.hostAddress = hostAddress
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.proto = proto
    }

    /// podman's form in `ps`: `127.0.0.1:8080->80/tcp`.
    public var description: String { "\(hostAddress):\(hostPort)->\(containerPort)/\(proto)" }
}

/// A mount of a host path (bind) or of a volume's data into the container.
public struct VolumeMount: Codable, Hashable, Sendable {
    /// The host path mounted: a bind's source, or the volume's `_data`.
    public var source: String
    public var destination: String
    public var readOnly: Bool
    /// The volume mounted (nil: a bind mount).
    public var volumeName: String?
    /// The volume was made for this container alone (`-v /path`, an image's VOLUME): `rm -v` and `--rm` remove it.
    public var anonymous: Bool?

    public init(source: String, destination: String, readOnly: Bool, volumeName: String? = nil, anonymous: Bool = false) {
        self.source = source
        self.destination = destination
        self.readOnly = readOnly
        self.volumeName = volumeName
        self.anonymous = volumeName == nil ? nil : anonymous
    }
}

/// How a container was asked to run (what `create`/`run` flags and the image config decided).
public struct ContainerSettings: Codable, Hashable, Sendable {
    public var command: [String]
    public var env: [String]
    public var workingDir: String
    public var user: String
    public var hostname: String
    public var ports: [PortMapping]
    public var volumes: [VolumeMount]
    public var readOnly: Bool
    /// `private` (own network namespace, loopback, published ports), `none`, or `host`.
    public var network: String
    public var capabilities: [String]
    /// nil: podlab's default profile; "unconfined"; or a podman-format JSON profile's path.
    public var seccomp: String?
    public var initProcess: Bool
    public var tty: Bool
    public var interactive: Bool
    /// `--rm`: removed when it exits. Its records are volatile, as podman's are (containers/storage keeps such
    /// containers in a store it never syncs): nothing of it should outlive a reboot.
    public var autoRemove: Bool
    public var stopSignal: Int32
    public var stopTimeout: Int
    /// Limits applied through cgroups (nil: none).
    public var memoryLimit: Int64?
    public var pidsLimit: Int?
    /// Secrets given to the container (names and where; their values are copied into its directory, never here).
    public var secrets: [SecretUse]?
    /// The pod this container belongs to (its id); its network, UTS and IPC namespaces are the pod's.
    public var pod: String?
    /// This container is its pod's infra: it holds the namespaces and runs nothing.
    public var infra: Bool?
    /// Where published ports are bound: nil on the host, `SessionNetwork.portNamespace` in the learner's session.
    public var portNamespace: String?
    /// The build whose RUN step this container is (podman's "external" containers, as buildah's are): `ps` lists it
    /// only with --external, `stop -a`, `restart -a` and `stats` pass it over, and `container prune` and `rm -a` leave
    /// it while that build runs (its layer is read from the container's files after the step's command has exited).
    public var buildStep: BuildStepOwner?
    /// The image's labels with `--label` and `--label-file` over them, as podman keeps them when the container is
    /// made (nil: none, and in containers made before labels were kept).
    public var labels: [String: String]?

    public init(command: [String], env: [String], workingDir: String, user: String, hostname: String, ports: [PortMapping],
                volumes: [VolumeMount], readOnly: Bool, network: String, capabilities: [String], seccomp: String?,
                initProcess: Bool, tty: Bool, interactive: Bool, autoRemove: Bool, stopSignal: Int32, stopTimeout: Int) {
        self.command = command
        self.env = env
        self.workingDir = workingDir
        self.user = user
        self.hostname = hostname
        self.ports = ports
        self.volumes = volumes
        self.readOnly = readOnly
        self.network = network
        self.capabilities = capabilities
        self.seccomp = seccomp
        self.initProcess = initProcess
        self.tty = tty
        self.interactive = interactive
        self.autoRemove = autoRemove
        self.stopSignal = stopSignal
        self.stopTimeout = stopTimeout
    }

    /// How the container's own files and records are written: synced unless it is removed when it exits.
    var durability: FileSystem.Durability { autoRemove ? .volatile : .synced }
}

/// The `podman build` process that made a RUN step's container, known by its pid and start time (so a pid the system
/// gave to another process after the build was killed does not keep the container).
public struct BuildStepOwner: Codable, Hashable, Sendable {
    public var pid: Int32
    public var startTime: UInt64

    /// This process, or nil when its start time cannot be read (no /proc).
    public static func current() -> BuildStepOwner? {
        let pid = getpid()
        return ProcessInfoReader.startTime(of: pid).map { BuildStepOwner(pid: pid, startTime: $0) }
    }

    public init(pid: Int32, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    /// The build is still running: its container is in use even when the step's command has exited.
    public var isAlive: Bool { ProcessInfoReader.startTime(of: pid) == startTime }
}

/// Where a container is in its life.
public enum ContainerStatus: String, Codable, Sendable {
    case created, running, exited
}

public struct ContainerState: Codable, Hashable, Sendable {
    public var status: ContainerStatus = .created
    public var pid: Int32?
    /// The process's start time (from /proc/PID/stat), so a reused pid is not mistaken for the container.
    public var pidStartTime: UInt64?
    public var monitorPid: Int32?
    /// The monitor's start time, as `pidStartTime` is the container's: a pid the system gave to another process
    /// after the monitor ended is not taken for the monitor.
    public var monitorStartTime: UInt64?
    public var startedAt: Double?
    public var finishedAt: Double?
    public var exitCode: Int32?
    /// Why the last start failed, if it did.
    public var error: String?

    public init() {}

    /// Whether the process that watches this run is still there: its pid alive, with the start time recorded (a
    /// record written before podlab kept that time is judged by the pid alone).
    var isMonitorAlive: Bool {
        guard let monitorPid, let started = ProcessInfoReader.startTime(of: monitorPid) else { return false }
        return monitorStartTime.map { $0 == started } ?? true
    }

    /// Returns once that process has ended, polling; after 30 s at most (on a busy machine a monitor's last steps, which
    /// start podlab afresh, can take seconds).
    func waitForMonitorToEnd() {
        var polls = 0
        while isMonitorAlive && polls < 3000 {
            usleep(10_000)
            polls += 1
        }
    }
}

public struct ContainerRecord: Codable, Hashable, Sendable {
    public var id: String
    public var name: String
    public var imageID: Digest
    /// The image as named when the container was made (`docker.io/library/nginx:1.24`).
    public var imageName: String
    public var created: Double
    public var settings: ContainerSettings
    public var state: ContainerState

    public var shortID: String { String(id.prefix(12)) }

    /// A build's RUN step container (podman's "external" kind): `ps` without --external, `stop -a`, `restart -a`, `stats`
    /// and tab completion pass it over.
    public var isBuildStep: Bool { settings.buildStep != nil }

    /// A build's RUN step container whose build still runs: no removal of many (`container prune`, `rm -a`) takes it.
    public var isInRunningBuild: Bool { settings.buildStep?.isAlive == true }

    public init(id: String, name: String, imageID: Digest, imageName: String, created: Double, settings: ContainerSettings,
                state: ContainerState) {
        self.id = id
        self.name = name
        self.imageID = imageID
        self.imageName = imageName
        self.created = created
        self.settings = settings
        self.state = state
    }
}

struct ContainerIndexFile: Codable {
    var version = 1
    var containers: [ContainerRecord] = []
}
