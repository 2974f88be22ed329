import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Memory and process-count limits through cgroups: cgroup v2 (`/sys/fs/cgroup/podlab/<id>`) or the v1
/// memory and pids hierarchies (`/sys/fs/cgroup/{memory,pids}/podlab/<id>`), where podlab may write them.
public enum CgroupLimits {
    static let root = "/sys/fs/cgroup"

    static var isUnified: Bool { FileSystem.exists("\(root)/cgroup.controllers") && !FileSystem.exists("\(root)/memory") }

    /// Why limits cannot be applied here, or nil when they can.
    public static func unavailableReason() -> String? {
        let probe = isUnified ? "\(root)" : "\(root)/memory"
        guard FileSystem.isDirectory(probe) else { return "this machine has no memory cgroup controller" }
        guard access(probe, W_OK) == 0 else {
            return "podlab may not create cgroups here (running as an ordinary user without a delegated cgroup)"
        }
        return nil
    }

    /// `512m`, `1g`, `65536` (bytes), `100k` (`MemorySize`).
    public static func parseMemory(_ text: String) throws -> Int64 {
        guard let bytes = MemorySize.bytes(text) else {
            throw RuntimeError.invalidOption("invalid memory limit \"\(text)\"", hint: "use a size such as 64m or 1g")
        }
        return bytes
    }

    /// The container's group: under the unified hierarchy (`controller` nil) or a v1 controller's. The one place
    /// that knows where a container's cgroups are; apply, exec and remove all go through it.
    static func group(_ controller: String?, id: String) -> String {
        controller.map { "\(root)/\($0)/podlab/\(id)" } ?? "\(root)/podlab/\(id)"
    }

    /// The groups a container with these limits has: the unified one, or one per v1 controller it limits.
    static func groups(id: String, memory: Int64?, pids: Int?) -> [String] {
        if isUnified { return memory != nil || pids != nil ? [group(nil, id: id)] : [] }
        return [("memory", memory != nil), ("pids", pids != nil)].filter(\.1).map { group($0.0, id: id) }
    }

    /// Puts `pid` into a new cgroup for the container with the limits (before it runs anything).
    static func apply(id: String, pid: pid_t, memory: Int64?, pids: Int?) throws {
        guard memory != nil || pids != nil else { return }
        if isUnified {
            let parent = "\(root)/podlab"
            try FileSystem.createDirectory(parent)
            try? write("+memory +pids", to: "\(parent)/cgroup.subtree_control")
            let group = Self.group(nil, id: id)
            try FileSystem.createDirectory(group)
            if let memory { try write(String(memory), to: "\(group)/memory.max") }
            if let pids { try write(String(pids), to: "\(group)/pids.max") }
            try write(String(pid), to: "\(group)/cgroup.procs")
            return
        }
        for (controller, file, value) in [("memory", "memory.limit_in_bytes", memory.map(String.init)), ("pids", "pids.max", pids.map(String.init))] {
            guard let value else { continue }
            let group = Self.group(controller, id: id)
            try FileSystem.createDirectory(group)
            try write(value, to: "\(group)/\(file)")
            try write(String(pid), to: "\(group)/cgroup.procs")
        }
    }

    /// The `cgroup.procs` files of the container's cgroups, opened for writing, for a process that joins the
    /// container (`exec`) to move itself in: none when the container has no limits. A limited container whose
    /// cgroup cannot be opened is an error, never a process outside its limits.
    static func openProcs(id: String, memory: Int64?, pids: Int?) throws(SystemError) -> [Int32] {
        let paths = groups(id: id, memory: memory, pids: pids).map { "\($0)/cgroup.procs" }
        var fds: [Int32] = []
        for path in paths {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let openErrno = errno
                fds.forEach { close($0) }
                throw SystemError("open", path: path, errno: openErrno)
            }
            fds.append(fd)
        }
        return fds
    }

    /// Removes the container's cgroups (they must be empty: the container has exited).
    static func remove(id: String) {
        for path in [nil, "memory", "pids"].map({ group($0, id: id) }) {
            rmdir(path)
        }
    }

    static func write(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", path: path, errno: errno) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw SystemError("write", path: path, errno: errno)
        }
    }
}
