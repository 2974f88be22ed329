import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// What a running container uses, summed over its live processes (/proc): CPU time, resident memory, threads,
/// storage and network bytes. podman reads the same from the container's cgroup, which also counts page cache
/// and processes that have ended; podlab's containers have a cgroup only with --memory/--pids-limit.
public struct ContainerUsage: Sendable {
    public var cpuNanoseconds: UInt64 = 0
    public var memoryBytes: UInt64 = 0
    /// `--memory`, or the machine's memory.
    public var memoryLimit: UInt64 = 0
    public var networkReceived: UInt64 = 0
    public var networkSent: UInt64 = 0
    public var storageRead: UInt64 = 0
    public var storageWritten: UInt64 = 0
    public var pids = 0
    /// Seconds since the container started.
    public var uptime: Double = 0

    /// The usage of `record`, or nil when it is not running.
    public static func measure(_ record: ContainerRecord) -> ContainerUsage? {
        guard record.state.status == .running, let pid = record.state.pid else { return nil }
        let processes = ContainerProcesses.list(namespaceOf: pid)
        guard let first = processes.first else { return nil }
        var usage = ContainerUsage()
        let ticks = ContainerProcesses.ticksPerSecond
        for process in processes {
            usage.cpuNanoseconds += process.cpuTicks * (1_000_000_000 / ticks)
            usage.memoryBytes += process.residentBytes
            usage.pids += process.threads
            usage.storageRead += process.storageRead ?? 0
            usage.storageWritten += process.storageWritten ?? 0
        }
        usage.memoryLimit = record.settings.memoryLimit.map { UInt64($0) } ?? machineMemory()
        (usage.networkReceived, usage.networkSent) = ContainerProcesses.networkBytes(of: first.hostPid)
        let started = processes.map(\.startTicks).min() ?? first.startTicks
        usage.uptime = max(0, ContainerProcesses.secondsSinceBoot() - Double(started) / Double(ticks))
        return usage
    }

    /// MemTotal of /proc/meminfo, in bytes.
    static func machineMemory() -> UInt64 {
        let text = String(decoding: (try? FileSystem.readFile("/proc/meminfo")) ?? [], as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let number = line.split(separator: " ").dropFirst().first.flatMap { UInt64($0) } ?? 0
            return number * 1024
        }
        return 0
    }
}
