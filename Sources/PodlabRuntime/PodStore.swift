import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// A pod: containers that share one network, UTS and IPC namespace, held by an infra container.
public struct PodRecord: Codable, Hashable, Sendable {
    public var id: String
    public var name: String
    public var created: Double
    public var infraID: String
    /// Ports published for the whole pod (on its infra).
    public var ports: [PortMapping]
    /// `pod create --label`, or a kube Pod's `metadata.labels`; absent in pods made before labels were kept.
    public var labels: [String: String]?

    public var shortID: String { String(id.prefix(12)) }

    /// podman's pod status from its containers' states (the infra's included).
    public static func status(of states: [ContainerStatus]) -> String {
        if states.allSatisfy({ $0 == .running }) { return "Running" }
        if states.contains(.running) { return "Degraded" }
        if states.allSatisfy({ $0 == .created }) { return "Created" }
        return "Exited"
    }
}

/// Pods under `<storage>/pods/`: `pods.json` (a `JSONIndexFile`), and each pod's `hosts` file (`pods/<id>/hosts`), bound at /etc/hosts
/// in every member so that `localhost`, the pod's name and each member's name all reach the shared network.
public final class PodStore: @unchecked Sendable {
    public let root: String
    let index: JSONIndexFile<PodRecord>

    public init(storage: String) {
        root = "\(storage)/pods"
        index = JSONIndexFile(directory: root, name: "pods", holds: "every pod (their containers stay: 'podman rm -f NAME' removes each)")
    }

    public func hostsPath(of pod: PodRecord) -> String { "\(root)/\(pod.id)/hosts" }

    /// Holds the pod against removal (`.shared`: a member being created) or holds it for its removal (`.exclusive`:
    /// `pod rm`), by an flock on its directory, until `unlock`. A member's create and a `pod rm` at once then come one
    /// after the other: the removal names every member made before it, and a create after it finds no such pod. Nil
    /// for a pod without its directory (a kill between its record and its directory) or whose directory is no longer
    /// one (a damaged store): there is nothing to hold, and its removal must still be possible (a member's create then
    /// fails where it writes the pod's hosts file). No such pod when it was removed before the hold was taken.
    func hold(_ pod: PodRecord, _ mode: FileLock.Mode) throws -> FileLock? {
        let hold: FileLock
        do { hold = try FileLock(directory: "\(root)/\(pod.id)") } catch {
            guard [ENOENT, ENOTDIR, ELOOP].contains(error.errno) else { throw error }
            guard try lookup(pod.id) != nil else { throw RuntimeError.noSuchPod(pod.name) }
            return nil
        }
        try hold.lock(mode)
        guard try lookup(pod.id) != nil else { throw RuntimeError.noSuchPod(pod.name) }
        return hold
    }

    public func all() throws -> [PodRecord] { try index.all() }

    /// By name, full id or unique id prefix.
    public func find(_ reference: String) throws -> PodRecord {
        guard let pod = try lookup(reference) else { throw RuntimeError.noSuchPod(reference) }
        return pod
    }

    /// The pod `reference` names, or nil when there is none; a list that cannot be read is an error, not "none".
    public func lookup(_ reference: String) throws -> PodRecord? {
        RecordLookup.find(reference, in: try all(), name: \.name, id: \.id)
    }

    func mutate<T>(_ change: (inout [PodRecord]) throws -> T) throws -> T {
        try index.mutate(change)
    }

    func add(_ pod: PodRecord) throws {
        try mutate { pods in
            if pods.contains(where: { $0.name == pod.name }) { throw RuntimeError.podNameInUse(pod.name) }
            pods.append(pod)
        }
        try StoreAccess.prepare("\(root)/\(pod.id)")
    }

    func remove(_ id: String) throws {
        try mutate { $0.removeAll { $0.id == id } }
        try? FileSystem.removeTree("\(root)/\(id)")
    }

    /// Rewrites the pod's hosts file in place (members have it bound: the same inode must change).
    func writeHosts(_ pod: PodRecord, members: [String]) throws {
        let names = ([pod.name] + members).joined(separator: " ")
        let text = "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.0.1\t\(names)\n"
        let path = hostsPath(of: pod)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("write", path: path, errno: errno) }
        defer { close(fd) }
        try Array(text.utf8).withUnsafeBytes { try FileSystem.writeAll(fd: fd, $0, path: path) }
        fchmod(fd, 0o644)
    }
}
