import ArgumentParser
import PodlabCore
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// `podman top CONTAINER [DESCRIPTOR…]`: the container's processes, read from the host's /proc with their ids as
/// the container sees them, in podman's columns. Other arguments (`-eo pid,comm`) run the container's own `ps`,
/// as podman does.
struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "top", abstract: "Display the running processes of a container.")
    @Argument(parsing: .captureForPassthrough, help: "The container, then AIX descriptors (user pid ppid pcpu etime tty time args …).")
    var arguments: [String] = []

    func validate() throws { try UnknownFlag.refuse(before: arguments, podmanFlags: .top) }

    static let defaultDescriptors = ["user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"]

    func run() throws {
        let arguments = UnknownFlag.afterEnd(arguments)
        guard let name = arguments.first else { throw CLIError.usage("you must provide the name or ID of a running container", command: "podman top") }
        let engine = try Current.engine.containers()
        let record: ContainerRecord
        do {
            record = try engine.containers.find(name)
        } catch RuntimeError.noSuchContainer {
            throw CLIError.refused("unable to look up requested container: no container with name or ID \"\(name)\" found: no such container",
                                   hint: "see 'podman ps -a' for the containers there are")
        }
        guard record.state.status == .running, let pid = record.state.pid else {
            throw CLIError.refused("top can only be used on running containers", hint: "start it first: podman start \(record.name)")
        }
        let requested = arguments.dropFirst().flatMap { $0.split(separator: ",").map(String.init) }
        let descriptors = requested.isEmpty ? Self.defaultDescriptors : requested
        guard descriptors.allSatisfy({ TopColumns.known.contains($0) }) else {
            // Not a descriptor podlab reads itself: the container's own ps, with the arguments as given.
            Output.flush()
            let code = try engine.exec(record, command: ["ps"] + arguments.dropFirst(), environment: record.settings.env,
                                       workingDir: nil, user: nil, tty: false, interactive: false)
            if code != 0 { throw SilentExit(status: code) }
            return
        }
        let columns = TopColumns(rootfs: try engine.spec(of: record).lowerDirectory)
        var table = TableWriter()
        table.add(descriptors.map(TopColumns.header))
        for process in ContainerProcesses.list(namespaceOf: pid) {
            table.add(descriptors.map { columns.value($0, of: process) })
        }
        Output.out(table.render(), terminator: "")
    }
}

/// The descriptors `podman top` reads itself (psgo's names and headers), and their values.
struct TopColumns {
    static let known: Set<String> = ["user", "group", "pid", "ppid", "pgid", "pcpu", "etime", "tty", "time", "args", "comm",
                                     "hpid", "huser", "hgroup", "nice", "state", "vsz", "stime"]

    static func header(_ descriptor: String) -> String {
        let headers = ["user": "USER", "group": "GROUP", "pid": "PID", "ppid": "PPID", "pgid": "PGID", "pcpu": "%CPU",
                       "etime": "ELAPSED", "tty": "TTY", "time": "TIME", "args": "COMMAND", "comm": "COMMAND", "hpid": "HPID",
                       "huser": "HUSER", "hgroup": "HGROUP", "nice": "NI", "state": "STATE", "vsz": "VSZ", "stime": "STIME"]
        return headers[descriptor] ?? descriptor.uppercased()
    }

    let users: [UInt32: String]
    let groups: [UInt32: String]
    let hostUsers: [UInt32: String]
    let hostGroups: [UInt32: String]
    let now = ContainerProcesses.secondsSinceBoot()
    let bootTime = ContainerProcesses.bootTime()

    /// Names come from the image's /etc/passwd and /etc/group (the container's), and the host's for h*.
    init(rootfs: String?) {
        users = rootfs.map { ImageUser.names(in: $0) } ?? [:]
        groups = rootfs.map { ImageUser.names(in: $0, file: "etc/group") } ?? [:]
        hostUsers = ImageUser.names(in: "/")
        hostGroups = ImageUser.names(in: "/", file: "etc/group")
    }

    func value(_ descriptor: String, of process: ContainerProcess) -> String {
        let ticks = Double(ContainerProcesses.ticksPerSecond)
        let elapsed = max(0, now - Double(process.startTicks) / ticks)
        switch descriptor {
        case "user": return users[process.uid] ?? String(process.uid)
        case "group": return groups[process.gid] ?? String(process.gid)
        case "huser": return hostUsers[process.hostUid] ?? String(process.hostUid)
        case "hgroup": return hostGroups[process.hostGid] ?? String(process.hostGid)
        case "pid": return String(process.pid)
        case "ppid": return String(process.parentPid)
        case "pgid": return String(process.processGroup)
        case "hpid": return String(process.hostPid)
        case "pcpu":
            let cpu = Double(process.cpuTicks) / ticks
            return HumanFormat.fixed(elapsed > 0 ? cpu / elapsed * 100 : 0, digits: 3)
        case "etime": return HumanFormat.goDuration(nanoseconds: Int64(elapsed * 1e9))
        case "time": return HumanFormat.goDuration(nanoseconds: Int64(process.cpuTicks / ContainerProcesses.ticksPerSecond) * 1_000_000_000)
        case "tty": return process.terminal
        case "args":
            // psgo joins the NUL-terminated arguments with spaces, the last one too.
            guard !process.commandLine.isEmpty else { return "[\(process.name)]" }
            return String(decoding: process.commandLine.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        case "comm": return process.name
        case "nice": return String(process.nice)
        case "state": return process.state
        case "vsz": return String(process.virtualBytes / 1024)
        case "stime":
            var seconds = time_t(bootTime + Int64(process.startTicks / ContainerProcesses.ticksPerSecond))
            var parts = tm()
            gmtime_r(&seconds, &parts)
            var buffer = [CChar](repeating: 0, count: 64)
            let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S +0000 UTC", &parts)
            return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        default: return ""
        }
    }
}
