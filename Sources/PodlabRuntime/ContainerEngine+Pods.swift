import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// Pods: an infra container makes the user, network, UTS and IPC namespaces and holds them (the trampoline
/// pausing, on an empty root); members join them and get mount and PID namespaces of their own. Members reach
/// each other on 127.0.0.1 and by name; the pod's published ports are the infra's.
extension ContainerEngine {
    /// How `ps` names the infra's image: there is no such image in the store, the infra runs nothing.
    public static let infraImageName = "localhost/podlab-pause:latest"
    static let infraImageID = Digest.sha256(of: Array("podlab-pause".utf8))
    /// The PATH a container gets when its image sets none (podman's).
    public static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// A new pod with its infra container (created, not started).
    public func createPod(name: String?, ports: [PortMapping], labels: [String: String] = [:]) throws -> PodRecord {
        let id = ContainerStore.newID()
        let podName = name ?? containers.generateName()
        var settings = ContainerSettings(
            command: ["podlab-pause"], env: [Self.defaultPath], workingDir: "/", user: "", hostname: podName, ports: ports,
            volumes: [], readOnly: true, network: "private", capabilities: [], seccomp: nil, initProcess: false, tty: false,
            interactive: false, autoRemove: false, stopSignal: SIGTERM, stopTimeout: 10)
        settings.pod = id
        settings.infra = true
        SessionNetwork.place(&settings)
        let infra = ContainerRecord(id: ContainerStore.newID(), name: "\(id.prefix(12))-infra", imageID: Self.infraImageID,
                                    imageName: Self.infraImageName, created: WallClock.now(), settings: settings, state: ContainerState())
        let pod = PodRecord(id: id, name: podName, created: infra.created, infraID: infra.id, ports: ports, labels: labels.isEmpty ? nil : labels)
        try pods.add(pod)
        do {
            // Held as a member's create holds it (`PodStore.hold`): a `pod rm` at the same moment comes first (then no
            // such pod here, and the pod's record and directory go again) or after the infra is listed (and takes it).
            let hold = try pods.hold(pod, .shared)
            defer { hold?.unlock() }
            // The infra's start lock is held until it is whole, as `create` holds a container's (`addClaimed`).
            let claim = try addClaimed(infra)
            defer { claim.unlock() }
            do {
                let directory = containers.directory(of: infra.id)
                try ContainerSpec.resolve(infra, lowerDirectory: nil, locations: locations, containerDirectory: directory).save(in: directory)
                try pods.writeHosts(pod, members: [])
            } catch {
                // Never journaled as made, so not as removed either.
                try? containers.remove(infra.id)
                throw error
            }
        } catch {
            // Undone in the order pod rm uses, the infra before the pod: never an infra left without its pod.
            try? pods.remove(pod.id)
            throw error
        }
        journal.record(JournalEvent(type: "pod", status: "create", id: pod.id, name: pod.name, image: nil))
        return pod
    }

    /// Starts a container under its monitor (a pod member after its pod's infra) and returns once it runs.
    public func startDetached(_ record: ContainerRecord) throws {
        try startInfra(of: record)
        try ContainerMonitor.start(record, engine: self)
    }

    /// The infra first (it makes the namespaces), then every member not running.
    public func startPod(_ pod: PodRecord) throws {
        try startInfra(pod)
        for record in try containers(of: pod) where record.settings.infra != true && record.state.status != .running {
            try ContainerMonitor.start(record, engine: self)
        }
    }

    /// Before a member starts (run, start, restart): its pod's infra must run.
    public func startInfra(of record: ContainerRecord) throws {
        guard let id = record.settings.pod, record.settings.infra != true else { return }
        try startInfra(try pods.find(id))
    }

    func startInfra(_ pod: PodRecord) throws {
        let infra = try containers.find(pod.infraID)
        if infra.state.status != .running { try ContainerMonitor.start(infra, engine: self) }
    }

    /// Every container of the pod, the infra first.
    public func containers(of pod: PodRecord) throws -> [ContainerRecord] {
        try containers.all().filter { $0.settings.pod == pod.id }.sorted { ($0.settings.infra == true ? 0 : 1, $0.created) < ($1.settings.infra == true ? 0 : 1, $1.created) }
    }

    /// A member's name goes into the pod's hosts file (the others see it at once: the file is bound, not copied).
    func addMember(_ record: ContainerRecord, to pod: PodRecord) throws {
        let names = try containers(of: pod).filter { $0.settings.infra != true }.map(\.name)
        try pods.writeHosts(pod, members: names.contains(record.name) ? names : names + [record.name])
    }

    /// The namespaces a member enters (user, net, UTS, IPC), opened from its pod's running infra, for the caller
    /// to close; none for a container outside any pod.
    func podNamespaces(of spec: ContainerSpec) throws -> [Int32] {
        guard let podID = spec.settings.pod, spec.settings.infra != true else { return [] }
        let pod = try pods.find(podID)
        let infra = try containers.find(pod.infraID)
        guard let process = try VerifiedProcess(infra), let namespaces = try process.openNamespaces(VerifiedProcess.podNamespaces) else {
            throw RuntimeError.cannotRun("pod \(pod.name)'s infra container is not running", hint: "start the pod first: podman pod start \(pod.name)")
        }
        return namespaces
    }

    /// podman's pod states: Created, Running, Degraded (some running), Exited (all stopped after running).
    public func status(of pod: PodRecord) throws -> String {
        PodRecord.status(of: try containers(of: pod).map(\.state.status))
    }

    /// Forgets a pod whose containers are not running, and removes them, all or none (`removeTogether`).
    public func removePod(_ pod: PodRecord) throws {
        // Held against members being created meanwhile (`PodStore.hold`): the list read below is all of them.
        let hold = try pods.hold(pod, .exclusive)
        defer { hold?.unlock() }
        // The members first, the newest first, as podman does: a running one is named, it is what the learner started.
        try removeTogether(try containers(of: pod).reversed())
        try pods.remove(pod.id)
        journal.record(JournalEvent(type: "pod", status: "remove", id: pod.id, name: pod.name, image: nil))
    }
}
