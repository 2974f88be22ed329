import CSpawn
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

extension ContainerEngine {
    /// Runs a command inside a running container (its namespaces, root, capabilities and seccomp filter).
    public func exec(_ record: ContainerRecord, command: [String], environment: [String], workingDir: String?, user: String?,
                     tty: Bool, interactive: Bool) throws -> Int32 {
        // Opened here from the verified process; the child enters and closes its copies, these are closed after.
        guard let process = try VerifiedProcess(record), let namespaces = try process.openNamespaces(VerifiedProcess.execNamespaces) else {
            throw RuntimeError.notRunning(record.id)
        }
        defer { namespaces.forEach { close($0) } }
        let container = try spec(of: record)
        // Its memory and process limits hold for what exec runs too (the child moves itself in first).
        let cgroupProcs: [Int32]
        do {
            cgroupProcs = try CgroupLimits.openProcs(id: record.id, memory: container.settings.memoryLimit, pids: container.settings.pidsLimit)
        } catch {
            // The container ended since it was verified, and its cgroups went with it; a running container whose
            // cgroup is missing gets the error itself, and the command does not run.
            guard error.errno == ENOENT, process.waitForExit(milliseconds: 0) else { throw error }
            throw RuntimeError.notRunning(record.id)
        }
        defer { cgroupProcs.forEach { close($0) } }
        let resolved = try user.map { try ImageUser.resolve($0, rootfs: container.lowerDirectory ?? "\(containers.directory(of: record.id))/empty") } ?? container.user
        let program = try SeccompCompiler.program(for: container.settings, uid: resolved.uid, cacheDirectory: try seccompCache)
        let strings = CStrings()
        var relay = Relay()
        defer { relay.closeAll() }
        try relay.prepare(tty: tty, interactive: interactive)

        var errorPipe: [Int32] = [0, 0]
        guard podlab_pipe_cloexec(&errorPipe) == 0 else { throw SystemError("pipe", path: "exec", errno: errno) }
        defer { close(errorPipe[0]) }
        var spec = podlab_exec_spec()
        spec.cgroup_procs_fds = (cgroupProcs.count > 0 ? cgroupProcs[0] : -1, cgroupProcs.count > 1 ? cgroupProcs[1] : -1)
        spec.namespace_fds = (namespaces[0], namespaces[1], namespaces[2], namespaces[3], namespaces[4], namespaces[5])
        spec.argv = UnsafePointer(strings.array(command))
        spec.envp = UnsafePointer(strings.array(environment))
        spec.cwd = strings.optional(workingDir ?? container.settings.workingDir)
        spec.uid = resolved.uid
        spec.gid = resolved.gid
        spec.may_set_groups = mapping.maySetGroups ? 1 : 0
        spec.stdin_fd = relay.childStdin
        spec.stdout_fd = relay.childStdout
        spec.stderr_fd = relay.childStderr
        spec.tty = tty ? 1 : 0
        spec.capabilities = Capabilities.mask(container.settings.capabilities)
        spec.seccomp = strings.seccomp(program)
        spec.error_fd = errorPipe[1]
        spec.trampoline_fd = try ExecTrampoline.descriptor()
        let stackSize = 1 << 20
        guard let stack = mmap(nil, stackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0),
              stack != MAP_FAILED else { throw SystemError("allocate", path: "exec stack", errno: errno) }
        defer { munmap(stack, stackSize) }
        let child = withUnsafePointer(to: &spec) { podlab_clone_exec($0, stack, stackSize) }
        close(errorPipe[1])
        guard child > 0 else { throw RuntimeError.startFailed(stage: "joining the container", detail: "clone", errno: errno) }
        relay.closeChildEnds()
        if let failure = ContainerLauncher.readFailure(errorPipe[0]) {
            var status: Int32 = 0
            waitpid(child, &status, 0)
            throw failure
        }
        var supervise = relay.superviseSpec(child: child)
        let status = withUnsafePointer(to: &supervise) { podlab_supervise($0) }
        relay.restoreTerminal()
        return status < 0 ? 125 : podlab_wstatus_exit_code(status)
    }
}
