import CSpawn
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// What a container's first process needs from its caller.
public struct LaunchRequest {
    public var spec: ContainerSpec
    public var containerDirectory: String
    /// Where compiled seccomp programs are kept.
    public var seccompCache: String
    /// Use `<containerDirectory>/rootfs`, a private copy of the image, instead of an overlay.
    public var privateCopy = false
    /// `NAME=value` of secrets given as variables: added to the process's environment only.
    public var secretEnvironment: [String] = []
    /// A pod member enters these namespaces of its pod's running infra (user, net, UTS, IPC; opened by the
    /// caller, who closes them); empty for any other container.
    public var podNamespaces: [Int32] = []
    /// Run nothing: the trampoline holds the container's root and mounts (a pod's infra; `cp` to a stopped container).
    public var pause = false
    public var stdin: Int32 = -1
    public var stdout: Int32 = -1
    public var stderr: Int32 = -1

    public init(spec: ContainerSpec, containerDirectory: String, seccompCache: String) {
        self.spec = spec
        self.containerDirectory = containerDirectory
        self.seccompCache = seccompCache
    }
}

/// Starts a container's first process: new namespaces, the overlay root, podman's masked paths, the
/// capability set and seccomp filter, then the command. Returns once the command has been exec'd (or
/// throws podman's error for why it could not be: 127 not found, 126 not executable, 125 otherwise).
public enum ContainerLauncher {
    public struct Launched: Sendable {
        /// The process the monitor waits for: the container's PID 1, or a pod member's waiter.
        public var pid: pid_t
        /// The container's PID 1 (signals, exec and `top` go there).
        public var containerPid: pid_t
        public var startTime: UInt64?
    }

    public static func launch(_ request: LaunchRequest, mapping: IDMapping) throws -> Launched {
        let settings = request.spec.settings
        let directory = request.containerDirectory
        let rootHost = mapping.host(for: 0) ?? geteuid()
        let rootGroupHost = geteuid() == 0 ? rootHost : getegid()
        for name in ["upper", "work", "merged", "empty"] {
            try FileSystem.createDirectory("\(directory)/\(name)", mode: 0o755)
            if geteuid() == 0 { chown("\(directory)/\(name)", rootHost, rootGroupHost) }
        }
        // The container may reopen its stdout/stderr through /proc/self/fd (nginx logs to /dev/stdout): as
        // root, give those files and pipes to the container's root.
        if geteuid() == 0 {
            for fd in [request.stdout, request.stderr] where fd >= 0 { fchown(fd, rootHost, rootGroupHost) }
        }
        let lower = request.spec.lowerDirectory ?? "\(directory)/empty"
        let user = request.spec.user
        let program = try SeccompCompiler.program(for: settings, uid: user.uid, cacheDirectory: request.seccompCache)

        let strings = CStrings()
        let volumes = request.spec.mounts.map { volume in
            podlab_volume(source: strings.string(volume.source), target: strings.string(volume.destination),
                          read_only: volume.readOnly ? 1 : 0, is_directory: FileSystem.isDirectory(volume.source) ? 1 : 0)
        }

        var syncPipe: [Int32] = [0, 0]
        var errorPipe: [Int32] = [0, 0]
        var pidPipe: [Int32] = [0, 0]
        guard podlab_pipe_cloexec(&syncPipe) == 0, podlab_pipe_cloexec(&errorPipe) == 0, podlab_pipe_cloexec(&pidPipe) == 0 else {
            throw SystemError("pipe", path: "container start", errno: errno)
        }
        defer { close(syncPipe[1]); close(errorPipe[0]); close(pidPipe[0]) }

        var spec = podlab_container_spec()
        spec.argv = UnsafePointer(strings.array(settings.command))
        spec.envp = UnsafePointer(strings.array(request.spec.environment + request.secretEnvironment))
        spec.cwd = strings.optional(settings.workingDir.isEmpty ? "/" : settings.workingDir)
        spec.uid = user.uid
        spec.gid = user.gid
        spec.groups = UnsafePointer(strings.buffer(user.groups))
        spec.group_count = user.groups.count
        spec.may_set_groups = mapping.maySetGroups ? 1 : 0
        spec.hostname = strings.optional(settings.hostname)
        spec.stdin_fd = request.stdin
        spec.stdout_fd = request.stdout
        spec.stderr_fd = request.stderr
        spec.tty = settings.tty ? 1 : 0
        spec.`init` = settings.initProcess ? 1 : 0
        spec.new_network = settings.network == "host" ? 0 : 1
        if request.privateCopy {
            spec.rootfs = strings.optional("\(directory)/rootfs")
        } else {
            spec.rootfs = strings.optional("\(directory)/merged")
            spec.overlay_lower = strings.optional(lower)
            spec.overlay_upper = strings.optional("\(directory)/upper")
            spec.overlay_work = strings.optional("\(directory)/work")
        }
        spec.volumes = UnsafePointer(strings.buffer(volumes))
        spec.volume_count = volumes.count
        spec.read_only_rootfs = settings.readOnly ? 1 : 0
        spec.masked_paths = UnsafePointer(strings.constArray(ContainerPaths.masked))
        spec.read_only_paths = UnsafePointer(strings.constArray(ContainerPaths.readOnly))
        spec.capabilities = Capabilities.mask(settings.capabilities)
        spec.seccomp = strings.seccomp(program)
        spec.sync_fd = syncPipe[0]
        spec.sync_parent_fd = syncPipe[1]
        spec.error_fd = errorPipe[1]
        spec.trampoline_fd = try ExecTrampoline.descriptor()
        let namespaces = request.podNamespaces
        guard namespaces.isEmpty || namespaces.count == VerifiedProcess.podNamespaces.count else {
            // Never a container of its own where a pod member was asked for.
            throw RuntimeError.cannotRun("the pod's namespaces could not all be opened (\(namespaces.count) of \(VerifiedProcess.podNamespaces.count))", hint: nil)
        }
        if !namespaces.isEmpty {
            spec.join_pod = 1
            spec.pod_namespace_fds = (namespaces[0], namespaces[1], namespaces[2], namespaces[3])
        }
        spec.pid_report_fd = pidPipe[1]
        spec.pause = settings.infra == true || request.pause ? 1 : 0

        let stackSize = 1 << 20
        guard let stack = mmap(nil, stackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0),
              stack != MAP_FAILED else {
            throw SystemError("allocate", path: "clone stack", errno: errno)
        }
        defer { munmap(stack, stackSize) }
        let pid = withUnsafePointer(to: &spec) { podlab_clone_container($0, stack, stackSize) }
        close(syncPipe[0])
        close(errorPipe[1])
        close(pidPipe[1])
        guard pid > 0 else {
            throw RuntimeError.startFailed(stage: "creating namespaces", detail: "clone", errno: errno)
        }
        do {
            // A pod member's user namespace is the infra's, already mapped.
            if spec.join_pod == 0 { try mapping.apply(to: pid) }
            try CgroupLimits.apply(id: request.spec.id, pid: pid, memory: settings.memoryLimit, pids: settings.pidsLimit)
        } catch {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            throw error
        }
        var go: UInt8 = 1
        _ = write(syncPipe[1], &go, 1)
        if let failure = readFailure(errorPipe[0]) {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            throw failure
        }
        var containerPid = pid
        if spec.join_pod != 0 {
            var reported: Int32 = 0
            guard read(pidPipe[0], &reported, 4) == 4, reported > 0 else {
                throw RuntimeError.startFailed(stage: "joining the pod", detail: "the waiting process reported no pid", errno: EIO)
            }
            containerPid = reported
        }
        return Launched(pid: pid, containerPid: containerPid, startTime: ProcessInfoReader.startTime(of: containerPid))
    }

    /// The child's report, or nil at EOF (the command was exec'd).
    static func readFailure(_ fd: Int32) -> RuntimeError? {
        var report = podlab_spawn_error()
        let size = MemoryLayout<podlab_spawn_error>.size
        var got = 0
        while got < size {
            let count = withUnsafeMutableBytes(of: &report) { read(fd, $0.baseAddress.map { $0 + got }, size - got) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            got += count
        }
        // Nothing at all: the program was exec'd. A part of a report is still a failure, never a success.
        if got == 0 { return nil }
        guard got == size else {
            return .startFailed(stage: "starting", detail: "the container's process ended with a truncated report (\(got) of \(size) bytes)", errno: EIO)
        }
        let detail = withUnsafeBytes(of: report.detail) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return error(stage: report.stage, errno: report.error, detail: detail)
    }

    static func error(stage: Int32, errno code: Int32, detail: String) -> RuntimeError {
        switch UInt32(stage) {
        case PODLAB_STAGE_EXEC_NOT_FOUND.rawValue: return .commandNotFound(detail)
        case PODLAB_STAGE_EXEC_DENIED.rawValue: return .permissionDenied(detail)
        case PODLAB_STAGE_CWD.rawValue:
            return .cannotRun("chdir to `\(detail)`: \(SystemError.describe(code)): the working directory is not a directory in the container",
                              hint: "check -w / WORKDIR: it must be a directory inside the image")
        case PODLAB_STAGE_USER.rawValue:
            return .cannotRun("switching to the container user failed: \(SystemError.describe(code))",
                              hint: "the user's id must be mapped; see the warning about /etc/subuid")
        default:
            let names: [UInt32: String] = [
                PODLAB_STAGE_SYNC.rawValue: "waiting for the user namespace", PODLAB_STAGE_IDS.rawValue: "becoming root in the user namespace",
                PODLAB_STAGE_HOSTNAME.rawValue: "setting the hostname", PODLAB_STAGE_MOUNT_PRIVATE.rawValue: "making mounts private",
                PODLAB_STAGE_ROOTFS.rawValue: "mounting the root file system", PODLAB_STAGE_PROC.rawValue: "mounting /proc",
                PODLAB_STAGE_DEV.rawValue: "setting up /dev", PODLAB_STAGE_SYS.rawValue: "mounting /sys", PODLAB_STAGE_VOLUME.rawValue: "mounting a volume",
                PODLAB_STAGE_PIVOT.rawValue: "switching to the container's root", PODLAB_STAGE_MASK.rawValue: "masking paths",
                PODLAB_STAGE_READONLY.rawValue: "making paths read-only", PODLAB_STAGE_CAPS.rawValue: "setting capabilities",
                PODLAB_STAGE_NO_NEW_PRIVS.rawValue: "setting no_new_privs", PODLAB_STAGE_SECCOMP.rawValue: "installing the seccomp filter",
                PODLAB_STAGE_TTY.rawValue: "setting up the terminal", PODLAB_STAGE_SETNS.rawValue: "joining the container",
                PODLAB_STAGE_NETWORK.rawValue: "setting up the network", PODLAB_STAGE_EXEC.rawValue: "starting the command",
                PODLAB_STAGE_CGROUP.rawValue: "joining the container's cgroup",
            ]
            return .startFailed(stage: names[UInt32(stage)] ?? "starting", detail: detail, errno: code)
        }
    }
}
