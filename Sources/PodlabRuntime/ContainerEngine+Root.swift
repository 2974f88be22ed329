import CSpawn
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

extension ContainerEngine {
    /// Calls `body` with a directory descriptor of the container's root as its processes see it (overlay, volumes,
    /// read-only mounts), for `cp`. A running container's is its first process's; a container that is not running
    /// gets a process that holds its mounts and runs nothing (the trampoline pausing, no network), killed afterwards.
    public func withRoot<T>(of record: ContainerRecord, _ body: (Int32) throws -> T) throws -> T {
        if record.state.status == .running {
            guard let process = try VerifiedProcess(record), let fd = try process.openRoot() else { throw RuntimeError.notRunning(record.id) }
            defer { close(fd) }
            return try body(fd)
        }
        try checkReachable()
        let directory = containers.directory(of: record.id)
        var spec = try spec(of: record)
        spec.settings.memoryLimit = nil
        spec.settings.pidsLimit = nil
        spec.settings.network = "none"
        spec.settings.readOnly = false
        var request = LaunchRequest(spec: spec, containerDirectory: directory, seccompCache: try seccompCache)
        request.pause = true
        let launched = try launch(request)
        defer {
            kill(launched.pid, SIGKILL)
            _ = ChildProcess(pid: launched.pid).wait()
        }
        let fd = open("/proc/\(launched.containerPid)/root", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open the root of", path: record.name, errno: errno) }
        defer { close(fd) }
        return try body(fd)
    }
}
