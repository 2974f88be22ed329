import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// One process of a container, as the host's /proc shows it, with its ids as the container sees them.
public struct ContainerProcess: Sendable {
    public var hostPid: Int32
    /// The pid in the container's PID namespace; `parentPid` is 0 when the parent is outside it.
    public var pid: Int32
    public var parentPid: Int32
    public var processGroup: Int32
    /// Effective ids inside the container, and on the host.
    public var uid: UInt32
    public var gid: UInt32
    public var hostUid: UInt32
    public var hostGid: UInt32
    /// `R`, `S`, `D`, `Z`, `T` …
    public var state: String
    public var nice: Int
    /// `pts/N`, or `?` without a terminal.
    public var terminal: String
    public var virtualBytes: UInt64
    public var residentBytes: UInt64
    /// User plus system time, in clock ticks.
    public var cpuTicks: UInt64
    /// When it started, in clock ticks since boot.
    public var startTicks: UInt64
    public var threads: Int
    /// The executable's name (`comm`) and its command line as written (NUL-separated).
    public var name: String
    public var commandLine: [UInt8]
    /// Bytes it made the storage read and write (nil where /proc/PID/io cannot be read).
    public var storageRead: UInt64?
    public var storageWritten: UInt64?
}

/// The processes of a running container: every host process in the PID namespace of its first process.
public enum ContainerProcesses {
    public static let ticksPerSecond = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))

    /// Sorted by pid inside the container. Empty when the container's first process is gone.
    public static func list(namespaceOf firstPid: Int32) -> [ContainerProcess] {
        guard let namespace = link("/proc/\(firstPid)/ns/pid") else { return [] }
        let toContainerUid = IDMap(file: "/proc/\(firstPid)/uid_map")
        let toContainerGid = IDMap(file: "/proc/\(firstPid)/gid_map")
        var members: [(host: Int32, status: [String: [String]], stat: [Substring], name: String)] = []
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let pid = Int32(name), link("/proc/\(pid)/ns/pid") == namespace,
                  let status = try? FileSystem.readFile("/proc/\(pid)/status"),
                  let statBytes = try? FileSystem.readFile("/proc/\(pid)/stat") else { continue }
            let statText = String(decoding: statBytes, as: UTF8.self)
            guard let open = statText.firstIndex(of: "("), let close = statText.lastIndex(of: ")") else { continue }
            let comm = String(statText[statText.index(after: open)..<close])
            let statFields = statText[statText.index(after: close)...].split(separator: " ")
            guard statFields.count > 21 else { continue }
            members.append((pid, Self.fields(status), Array(statFields), comm))
        }
        var inside: [Int32: Int32] = [:]
        for member in members { inside[member.host] = member.status["NSpid"]?.last.flatMap { Int32($0) } ?? member.host }
        let pageSize = UInt64(max(1, sysconf(Int32(_SC_PAGESIZE))))
        return members.map { member in
            let stat = member.stat
            let number = { (index: Int) in UInt64(stat[index]) ?? 0 }
            let hostUid = member.status["Uid"].flatMap { $0.count > 1 ? UInt32($0[1]) : nil } ?? 0
            let hostGid = member.status["Gid"].flatMap { $0.count > 1 ? UInt32($0[1]) : nil } ?? 0
            let io = ioCounters(member.host)
            return ContainerProcess(
                hostPid: member.host, pid: inside[member.host] ?? member.host,
                parentPid: Int32(stat[1]).flatMap { inside[$0] } ?? 0,
                processGroup: member.status["NSpgid"]?.last.flatMap { Int32($0) } ?? 0,
                uid: toContainerUid.inside(hostUid), gid: toContainerGid.inside(hostGid), hostUid: hostUid, hostGid: hostGid,
                state: String(stat[0]), nice: Int(stat[16]) ?? 0, terminal: terminalName(Int(stat[4]) ?? 0),
                virtualBytes: number(20), residentBytes: number(21) * pageSize, cpuTicks: number(11) + number(12),
                startTicks: number(19), threads: Int(stat[17]) ?? 1, name: member.name,
                commandLine: (try? FileSystem.readFile("/proc/\(member.host)/cmdline")) ?? [],
                storageRead: io?.read, storageWritten: io?.written)
        }.sorted { $0.pid < $1.pid }
    }

    /// Seconds since boot, with nanoseconds (the clock /proc's start times count from).
    public static func secondsSinceBoot() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_BOOTTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// When the system booted (seconds since the epoch, from /proc/stat).
    public static func bootTime() -> Int64 {
        let text = String(decoding: (try? FileSystem.readFile("/proc/stat")) ?? [], as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Int64(line.dropFirst(6).trimmed()) ?? 0
        }
        return 0
    }

    /// Bytes received and sent on the network interfaces of `pid`'s network namespace, loopback left out.
    public static func networkBytes(of pid: Int32) -> (received: UInt64, sent: UInt64) {
        let text = String(decoding: (try? FileSystem.readFile("/proc/\(pid)/net/dev")) ?? [], as: UTF8.self)
        var total: (received: UInt64, sent: UInt64) = (0, 0)
        for line in text.split(separator: "\n").dropFirst(2) {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmed() != "lo" else { continue }
            let numbers = parts[1].split(separator: " ").compactMap { UInt64($0) }
            guard numbers.count >= 9 else { continue }
            total.received += numbers[0]
            total.sent += numbers[8]
        }
        return total
    }

    static func fields(_ status: [UInt8]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for line in String(decoding: status, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            result[String(parts[0])] = parts[1].split(whereSeparator: { $0 == "\t" || $0 == " " }).map(String.init)
        }
        return result
    }

    static func ioCounters(_ pid: Int32) -> (read: UInt64, written: UInt64)? {
        guard let bytes = try? FileSystem.readFile("/proc/\(pid)/io") else { return nil }
        let values = fields(bytes)
        guard let read = values["read_bytes"]?.first.flatMap({ UInt64($0) }),
              let written = values["write_bytes"]?.first.flatMap({ UInt64($0) }) else { return nil }
        return (read, written)
    }

    /// `tty_nr` of /proc/PID/stat as ps names it: major 136–143 are /dev/pts.
    static func terminalName(_ device: Int) -> String {
        guard device != 0 else { return "?" }
        let major = (device >> 8) & 0xfff
        let minor = (device & 0xff) | ((device >> 12) & 0xfff00)
        if (136...143).contains(major) { return "pts/\((major - 136) * 256 + minor)" }
        return "?"
    }

    static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 128)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A user namespace's id map read backwards: host id → id inside (65534, the overflow id, when unmapped).
    struct IDMap {
        var ranges: [(inside: UInt32, outside: UInt32, count: UInt32)] = []

        init(file: String) {
            let text = String(decoding: (try? FileSystem.readFile(file)) ?? [], as: UTF8.self)
            for line in text.split(separator: "\n") {
                let numbers = line.split(separator: " ").compactMap { UInt32($0) }
                if numbers.count == 3 { ranges.append((numbers[0], numbers[1], numbers[2])) }
            }
        }

        func inside(_ host: UInt32) -> UInt32 {
            for range in ranges where host >= range.outside && host - range.outside < range.count {
                return range.inside + (host - range.outside)
            }
            return 65534
        }
    }
}
