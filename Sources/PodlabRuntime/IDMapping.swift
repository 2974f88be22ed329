import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// How container user and group ids map onto the host's.
public struct IDMapping: Sendable, Equatable {
    public struct Range: Sendable, Equatable {
        public var container: UInt32
        public var host: UInt32
        public var count: UInt32
    }

    public var ranges: [Range]
    /// True when ranges beyond the user's own id come from /etc/subuid and /etc/subgid (newuidmap).
    public var usesHelpers: Bool
    /// A warning for the learner when containers get only one id.
    public var warning: String?

    /// Root maps container ids onto the range its layers were unpacked into (never host root); an ordinary
    /// user maps container root onto itself, plus its /etc/subuid range when it has one.
    public static func current(userName: String? = nil) -> IDMapping {
        if geteuid() == 0 {
            return IDMapping(ranges: [Range(container: 0, host: UInt32(IDRange.rootOffset), count: UInt32(IDRange.rootCount))],
                             usesHelpers: false, warning: nil)
        }
        let uid = geteuid()
        let name = userName ?? IDMapping.userName(uid) ?? String(uid)
        let own = Range(container: 0, host: uid, count: 1)
        if let sub = subordinate("/etc/subuid", name: name, id: uid), subordinate("/etc/subgid", name: name, id: getegid()) != nil,
           FileSystem.exists("/usr/bin/newuidmap") {
            return IDMapping(ranges: [own, Range(container: 1, host: sub.start, count: min(sub.count, 65536))], usesHelpers: true, warning: nil)
        }
        return IDMapping(ranges: [own], usesHelpers: false,
                         warning: "containers get a single user id (no range for \(name) in /etc/subuid or no newuidmap): images that switch users will fail. Fix: sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 \(name) ('podlab doctor' checks all that containers need)")
    }

    /// The container id a host id stands for (files a container wrote), if mapped.
    public func container(for hostID: UInt32) -> UInt32? {
        for range in ranges where hostID >= range.host && hostID < range.host + range.count {
            return range.container + (hostID - range.host)
        }
        return nil
    }

    /// The host id for a container id, if mapped.
    public func host(for id: UInt32) -> UInt32? {
        for range in ranges where id >= range.container && id < range.container + range.count {
            return range.host + (id - range.container)
        }
        return nil
    }

    static func userName(_ uid: uid_t) -> String? {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }

    static func subordinate(_ file: String, name: String, id: UInt32) -> (start: UInt32, count: UInt32)? {
        guard let bytes = try? FileSystem.readFile(file) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: ":")
            guard parts.count == 3, parts[0] == name || parts[0] == String(id),
                  let start = UInt32(parts[1]), let count = UInt32(parts[2]), count > 0 else { continue }
            return (start, count)
        }
        return nil
    }

    /// Writes the maps for the process `pid` (just cloned into a new user namespace).
    func apply(to pid: pid_t) throws {
        if usesHelpers {
            let uid = geteuid(), gid = getegid()
            guard ranges.count == 2 else { return }
            let sub = ranges[1]
            let gidSub = IDMapping.subordinate("/etc/subgid", name: IDMapping.userName(uid) ?? String(uid), id: gid)
            for (tool, own, start, count) in [("newuidmap", uid, sub.host, sub.count),
                                              ("newgidmap", gid, gidSub?.start ?? sub.host, min(gidSub?.count ?? sub.count, 65536))] {
                let result = try Subprocess.run([tool, String(pid), "0", String(own), "1", "1", String(start), String(count)])
                guard result.status == 0 else {
                    throw RuntimeError.cannotRun("\(tool) failed: \(result.output.trimmed())",
                                                 hint: "check /etc/subuid and /etc/subgid for your user, and that the uidmap package is installed; 'podlab doctor' checks both")
                }
            }
            return
        }
        let map = ranges.map { "\($0.container) \($0.host) \($0.count)\n" }.joined()
        if geteuid() != 0 { try write("deny", to: "/proc/\(pid)/setgroups") }
        try write(map, to: "/proc/\(pid)/uid_map")
        let gidMap = geteuid() == 0 ? map : "0 \(getegid()) 1\n"
        try write(gidMap, to: "/proc/\(pid)/gid_map")
    }

    /// Whether the container may call setgroups (not when a single unprivileged mapping denies it).
    var maySetGroups: Bool { geteuid() == 0 || usesHelpers }

    private func write(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", path: path, errno: errno) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw SystemError("write", path: path, errno: errno) }
    }
}
