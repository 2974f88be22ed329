import CSpawn
import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// Containers' lives: create, run attached or under a detached monitor, stop, kill, remove, wait.
public final class ContainerEngine: @unchecked Sendable {
    public let containers: ContainerStore
    public let images: ImageStore
    public let volumes: VolumeStore
    public let secrets: SecretStore
    public let pods: PodStore
    public let journal: Journal
    public let mapping: IDMapping
    public let locations: Locations

    public init(locations: Locations, images: ImageStore) throws {
        self.locations = locations
        self.images = images
        containers = try ContainerStore(storage: locations.storage)
        journal = Journal(storage: locations.storage)
        mapping = IDMapping.current()
        volumes = VolumeStore(storage: locations.storage, mapping: mapping)
        secrets = SecretStore(storage: locations.storage)
        pods = PodStore(storage: locations.storage)
    }

    /// Compiled seccomp programs, per boot (see SeccompCompiler.program), inside the checked run-time
    /// directory: a filter another user planted there would be loaded into every container.
    var seccompCache: String {
        get throws {
            try PrivateDirectory.ensure(locations.runtime)
            return "\(locations.runtime)/seccomp"
        }
    }

    /// The container's spec as create resolved it. A container made before specs existed gets one now, from its
    /// record and image, once.
    public func spec(of record: ContainerRecord) throws -> ContainerSpec {
        let directory = containers.directory(of: record.id)
        let path = ContainerSpec.path(in: directory)
        if FileSystem.exists(path) { return try ContainerSpec.load(from: path) }
        let lower = record.settings.infra == true ? nil : try images.resolve(record.imageID.hex).topLayer.map { images.layers.path(for: $0) }
        let spec = try ContainerSpec.resolve(record, lowerDirectory: lower, locations: locations, containerDirectory: directory)
        try spec.save(in: directory)
        return spec
    }

    /// How a supervised run connects the container's stdio.
    public enum Attachment {
        /// Output relayed to our stdout/stderr and the log; stdin passed when `interactive`.
        case terminal(interactive: Bool)
        /// Output straight into the log (a detached container); `ready` hears "ok" once it runs.
        case log(ready: Int32)
    }

    /// Runs a created (or exited) container to its end: ports, start, relay, exit status, --rm.
    /// Returns the container's exit code. `whenRunning` is called once the record says the container runs.
    public func run(_ record: ContainerRecord, attachment: Attachment, whenRunning: () -> Void = {}) throws -> Int32 {
        try checkReachable()
        let directory = containers.directory(of: record.id)
        var spec = try spec(of: record)
        let settings = spec.settings
        let session = settings.portNamespace == SessionNetwork.portNamespace ? SessionNetwork(runtime: locations.runtime) : nil
        var forwards: [(fd: Int32, mapping: PortMapping)] = []
        defer { for forward in forwards { close(forward.fd) } }   // also those opened before one that failed
        for mapping in settings.network == "host" ? [] : settings.ports {
            let fd = try session?.listen(mapping) ?? PortListener.open(mapping)
            forwards.append((fd: fd, mapping: PortListener.bound(mapping, fd: fd)))
        }
        // Ports the system chose (-p 80) are kept with the container: `podman port` shows them, restarts reuse them.
        if !forwards.isEmpty && forwards.map(\.mapping) != settings.ports {
            spec.settings.ports = forwards.map(\.mapping)
            try spec.save(in: directory)
            try containers.mutate { records in
                if let index = records.firstIndex(where: { $0.id == record.id }) { records[index].settings.ports = forwards.map(\.mapping) }
            }
            // A pod's ports are its infra's: the pod shows what was chosen too.
            if settings.infra == true, let podID = settings.pod {
                try pods.mutate { pods in
                    if let index = pods.firstIndex(where: { $0.id == podID }) { pods[index].ports = forwards.map(\.mapping) }
                }
            }
        }
        try StoreAccess.prepare(directory)
        // A directory changed since boot is one a container of this boot may use (`store check --repair` leaves it):
        // a restart adds no entry, so it says so itself.
        guard utimensat(AT_FDCWD, directory, nil, 0) == 0 else { throw SystemError("touch", path: directory, errno: errno) }
        let logFD = open(containers.logPath(of: record.id), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard logFD >= 0 else { throw SystemError("open", path: containers.logPath(of: record.id), errno: errno) }
        defer { close(logFD) }

        var request = LaunchRequest(spec: spec, containerDirectory: directory, seccompCache: try seccompCache)
        request.secretEnvironment = try secretEnvironment(of: spec, in: directory)
        var relay = Relay()
        defer { relay.closeAll() }
        var readyFD: Int32 = -1
        switch attachment {
        case .log(let ready):
            // The monitor relays the container's output into the log (nobody's terminal).
            try relay.prepare(tty: settings.tty, interactive: false)
            readyFD = ready
        case .terminal(let interactive):
            try relay.prepare(tty: settings.tty, interactive: interactive)
        }

        request.stdin = relay.childStdin
        request.stdout = relay.childStdout
        request.stderr = relay.childStderr
        let launched: ContainerLauncher.Launched
        do {
            // A pod member's namespaces, opened from the verified infra just before the launch and closed right
            // after it: this process stays as the monitor and must not hold them.
            request.podNamespaces = try podNamespaces(of: spec)
            defer { request.podNamespaces.forEach { close($0) } }
            launched = try launch(request)
        } catch {
            _ = try? containers.update(record.id) { $0.error = (error as? any LearnerFacingError)?.message ?? "\(error)" }
            throw error
        }
        relay.closeChildEnds()
        try containers.update(record.id) { state in
            state.status = .running
            state.pid = launched.containerPid
            state.pidStartTime = launched.startTime
            state.monitorPid = getpid()
            state.monitorStartTime = ProcessInfoReader.startTime(of: getpid())
            state.startedAt = WallClock.now()
            state.finishedAt = nil
            state.exitCode = nil
            state.error = nil
        }
        journal.record(JournalEvent(type: "container", status: "start", id: record.id, name: record.name, image: record.imageName))
        whenRunning()

        let userNS = forwards.isEmpty ? -1 : open("/proc/\(launched.pid)/ns/user", O_RDONLY | O_CLOEXEC)
        let netNS = forwards.isEmpty ? -1 : open("/proc/\(launched.pid)/ns/net", O_RDONLY | O_CLOEXEC)
        defer { if userNS >= 0 { close(userNS) }; if netNS >= 0 { close(netNS) } }
        let cForwards = forwards.map { podlab_forward(listen_fd: $0.fd, container_port: Int32($0.mapping.containerPort), udp: $0.mapping.proto == "udp" ? 1 : 0) }
        var supervision = relay.superviseSpec(child: launched.pid)
        supervision.forward_count = cForwards.count
        supervision.userns_fd = geteuid() == 0 ? -1 : userNS
        supervision.netns_fd = netNS
        supervision.log_fd = relay.outFrom >= 0 ? logFD : -1
        supervision.log_k8s = 1
        supervision.ready_fd = readyFD
        if case .log = attachment {
            supervision.out_to = -1
            supervision.err_to = -1
            // From here on a small C program watches the container, not podlab (MonitorProgram); it returns here
            // only when the kernel refused that exec, and this process then supervises as an attached run does.
            MonitorProgram.replaceProcess(supervising: supervision, forwards: cForwards, specPath: ContainerSpec.path(in: directory))
        }
        let status = cForwards.withUnsafeBufferPointer { buffer -> Int32 in
            supervision.forwards = buffer.baseAddress
            return withUnsafePointer(to: &supervision) { podlab_supervise($0) }
        }
        relay.restoreTerminal()
        let code = status < 0 ? 125 : podlab_wstatus_exit_code(status)
        try finish(record, exitCode: code)
        return code
    }

    /// Starts the request's process on the overlay, or on a private copy of the image where the kernel refuses the
    /// overlay (or `PODLAB_NO_OVERLAY=1`, or the container already has its copy): slower to start, same result.
    func launch(_ request: LaunchRequest) throws -> ContainerLauncher.Launched {
        var request = request
        let directory = request.containerDirectory
        if Environment.current["PODLAB_NO_OVERLAY"] == "1" || FileSystem.isDirectory("\(directory)/rootfs") {
            try preparePrivateCopy(of: request.spec.lowerDirectory, in: directory)
            request.privateCopy = true
        }
        do {
            return try ContainerLauncher.launch(request, mapping: mapping)
        } catch let error as RuntimeError where error.isRootMountFailure && !request.privateCopy {
            try preparePrivateCopy(of: request.spec.lowerDirectory, in: directory)
            request.privateCopy = true
            return try ContainerLauncher.launch(request, mapping: mapping)
        }
    }

    /// A container's own copy of its image (`rootfs/`), made once, for machines without overlay mounts.
    func preparePrivateCopy(of lower: String?, in directory: String) throws {
        let destination = "\(directory)/rootfs"
        if FileSystem.isDirectory(destination) { return }
        let scratch = "\(directory)/rootfs.partial"
        try? FileSystem.removeTree(scratch)
        if let lower {
            let result = try Subprocess.run(["cp", "-a", "--reflink=auto", lower, scratch])
            guard result.status == 0 else {
                throw RuntimeError.cannotRun("copying the image for the container failed: \(result.output.trimmed())", hint: nil)
            }
        } else {
            try FileSystem.createDirectory(scratch)
            if geteuid() == 0, let root = mapping.host(for: 0) { chown(scratch, root, root) }
        }
        if geteuid() == 0, let root = mapping.host(for: 0) { chown(scratch, root, root) }
        guard rename(scratch, destination) == 0 else { throw SystemError("rename", path: destination, errno: errno) }
    }

    /// As root, containers run as ids 1,000,000,000 and up, which must be able to pass through every directory
    /// above the store to reach the image layers.
    func checkReachable() throws {
        guard geteuid() == 0 else { return }
        // The store's own directories admit the containers' root (StoreAccess); the directories above it must
        // let it pass too.
        var path = FileSystem.parent(of: locations.storage)
        while path != "/" && !path.isEmpty {
            var info = stat()
            if stat(path, &info) == 0 && !Self.containerRootMayPass(info) {
                throw RuntimeError.cannotRun("containers cannot reach \(locations.storage): \(path) is not searchable by other users",
                                             hint: "run 'chmod o+x \(path)', or keep the store (--root) under a directory others may pass through")
            }
            path = FileSystem.parent(of: path)
        }
    }

    static func containerRootMayPass(_ info: stat) -> Bool {
        let containerRoot = UInt32(IDRange.rootOffset)
        return info.st_mode & 0o001 != 0 || (info.st_gid == containerRoot && info.st_mode & 0o010 != 0)
            || (info.st_uid == containerRoot && info.st_mode & 0o100 != 0)
    }

    /// Records the end of a container, and removes it when it was run with --rm.
    /// Only while the record is still this process's run (`monitorPid`, set at start by the process that watches
    /// it): a `start` after a `stop` that gave up waiting belongs to another monitor, whose container stays running.
    ///
    /// A --rm container is removed at once, without first writing the exited state that the removal would delete (one
    /// rewrite of the list fewer on every `run --rm`). Its code stays in the journal's `died` event, where `wait` finds
    /// it; the exited state is written only when the removal fails, so a container left behind shows it.
    func finish(_ record: ContainerRecord, exitCode: Int32) throws {
        let ours = record.settings.autoRemove
            ? try containers.lookup(record.id)?.state.monitorPid == getpid()
            : try recordExit(of: record.id, exitCode: exitCode)
        guard ours else { return }
        CgroupLimits.remove(id: record.id)
        journal.record(JournalEvent(type: "container", status: "died", id: record.id, name: record.name, image: record.imageName, exitCode: exitCode))
        guard record.settings.autoRemove else { return }
        do {
            try removeUnclaimed(record, anonymousVolumes: true)
        } catch {
            // The removal's error is the one to report; a second failure here only leaves the state unwritten.
            _ = try? recordExit(of: record.id, exitCode: exitCode)
            throw error
        }
    }

    /// Writes a container's exit, if its record is still this process's run; false when it is not.
    private func recordExit(of id: String, exitCode: Int32) throws -> Bool {
        try containers.mutate { records -> Bool in
            guard let index = records.firstIndex(where: { $0.id == id }), records[index].state.monitorPid == getpid() else { return false }
            records[index].state.status = .exited
            records[index].state.exitCode = exitCode
            records[index].state.finishedAt = WallClock.now()
            return true
        }
    }

    /// Each secret the container uses, copied into its directory as `secrets/N`: readable by the container's root
    /// for a mounted one (bound read-only at its target), by podlab alone for one given as a variable.
    func storeSecrets(_ uses: [SecretUse], in directory: String, durability: FileSystem.Durability) throws {
        guard !uses.isEmpty else { return }
        let folder = "\(directory)/secrets"
        try StoreAccess.prepare(folder)
        for (index, use) in uses.enumerated() {
            let value = try secrets.value(of: try secrets.find(use.name))
            let path = "\(folder)/\(index)"
            try FileSystem.writeAtomically(value, to: path, mode: use.kind == .mount ? 0o444 : 0o400, durability: durability)
            if use.kind == .mount, Locations.isRoot, let owner = mapping.host(for: 0), chown(path, owner, owner) != 0 {
                throw SystemError("change the owner of", path: path, errno: errno)
            }
        }
    }

    /// `NAME=value` for each secret given as a variable, added when the process starts (not in the record).
    func secretEnvironment(of spec: ContainerSpec, in directory: String) throws -> [String] {
        let folder = "\(directory)/secrets"
        return try (spec.settings.secrets ?? []).enumerated().compactMap { index, use in
            guard use.kind == .env else { return nil }
            return use.target + "=" + String(decoding: try FileSystem.readFile("\(folder)/\(index)"), as: UTF8.self)
        }
    }

    /// The containers that mount the volume `name`.
    public func users(ofVolume name: String) throws -> [ContainerRecord] {
        try containers.all().filter { $0.settings.volumes.contains { $0.volumeName == name } }
    }
}

extension ContainerEngine {
    /// Sends the stop signal, waits up to `timeout` seconds, then SIGKILL. Returns true when it had to kill.
    @discardableResult
    public func stop(_ record: ContainerRecord, timeout: Int) throws -> Bool {
        guard record.state.status == .running else { return false }
        var killed = false
        // No process (it has just ended): only its exit is left to record.
        if let process = try VerifiedProcess(record) {
            if timeout > 0 {
                try process.signal(record.settings.stopSignal)
                // A timeout past what poll(2) can wait (about 24 days) waits as long as it can.
                let milliseconds = timeout.multipliedReportingOverflow(by: 1000)
                killed = !process.waitForExit(milliseconds: milliseconds.overflow ? Int32.max : Int32(clamping: milliseconds.partialValue))
            } else {
                killed = true
            }
            if killed {
                try process.signal(SIGKILL)
                process.waitForExit(milliseconds: 5000)
            }
        }
        journal.record(JournalEvent(type: "container", status: "stop", id: record.id, name: record.name, image: record.imageName))
        _ = try waitForMonitor(record)
        return killed && timeout > 0
    }

    /// After the process is gone, gives its monitor time to record the exit (it starts podlab afresh for that: on a
    /// busy machine this can take seconds); records it itself when the monitor is gone too (exit status unknown
    /// then), or after 30 s.
    func waitForMonitor(_ record: ContainerRecord) throws -> ContainerRecord? {
        for _ in 0..<3000 {
            // Gone is gone (removed meanwhile, a --rm container); a list that cannot be read says nothing of it.
            guard let current = try containers.lookup(record.id) else {
                // Its monitor still deletes the container's anonymous volumes after the record: done when it has ended.
                record.state.waitForMonitorToEnd()
                return nil
            }
            // Done when the monitor has written the exit (a reaped-but-unrecorded process reads as exited
            // without a code for a moment), or when there is no monitor left to write it.
            // A monitor that ended unreaped (a zombie) is gone: only a live one may still write.
            let monitorAlive = current.state.isMonitorAlive
            if current.state.status != .running && (current.state.exitCode != nil || !monitorAlive) { return current }
            usleep(10_000)
        }
        return try containers.update(record.id) { state in
            state.status = .exited
            state.finishedAt = WallClock.now()
        }
    }

    /// Blocks until the container is no longer running; returns its exit code (-1 if unknown).
    public func wait(_ record: ContainerRecord) throws -> Int32 {
        try VerifiedProcess(record)?.waitForExit(milliseconds: -1)
        let pending = record.state.status == .running || (record.state.status == .exited && record.state.exitCode == nil)
        guard pending else { return record.state.exitCode ?? -1 }
        if let code = try waitForMonitor(record)?.state.exitCode { return code }
        // Removed meanwhile (--rm), or left without its code: the monitor wrote it into the journal first.
        let died = journal.newest(since: record.state.startedAt ?? 0) { $0.id == record.id && $0.status == "died" }
        return died?.exitCode ?? -1
    }
}
