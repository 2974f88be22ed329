import CSpawn
import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// A learner's session network: a network namespace with only a loopback interface, owned by a user namespace of
/// the learner's own and held open by one small process (the holder, `podlab-session` in `ps`). With it on,
/// published ports (`-p 8080:80`) are bound inside it instead of on the host, so forty learners on one lab server
/// can each publish 8080 and none of them can reach another's server. podlab itself stays in the host's
/// namespaces (newuidmap, exec and cp need them); only sockets are made inside, by a short-lived child that
/// enters the holder's namespaces and hands the socket back.
///
/// Files, under the run-time directory's `session/` (0700): `holder.lock`, which the holder keeps locked for as
/// long as it lives (so a free lock means no holder, whatever `state.json` says); `launch.lock`, taken by whoever
/// starts one; `state.json`, the holder's pid, start time and network namespace inode. Another user can neither
/// read these files nor enter the holder's namespaces (the kernel refuses `/proc/PID/ns/*` to them).
///
/// On when `PODLAB_SESSION_NETWORK=1` at `create`; a container remembers where its ports go
/// (`ContainerSettings.portNamespace`), so `start`, `restart` and `kube play` bind them in the same place.
public struct SessionNetwork: Sendable {
    public struct State: Codable, Equatable, Sendable {
        public var pid: Int32
        public var startTime: UInt64
        /// The inode of its network namespace: the session a socket was made in.
        public var network: UInt64
    }

    public static let environmentKey = "PODLAB_SESSION_NETWORK"
    /// The value of `ContainerSettings.portNamespace` for ports bound in the session.
    public static let portNamespace = "session"

    public static func isRequested(_ environment: [String: String] = Environment.current) -> Bool {
        environment[environmentKey] == "1"
    }

    /// Decides, when a container (or a pod's infra) is made, where its published ports will be bound for good.
    static func place(_ settings: inout ContainerSettings, environment: [String: String] = Environment.current) {
        if !settings.ports.isEmpty && settings.network != "host" && isRequested(environment) { settings.portNamespace = portNamespace }
    }

    /// The session for `runtime` when `environment` asks for one (the learner's shell's, with its exports).
    public static func ifRequested(runtime: String, environment: [String: String]) -> SessionNetwork? {
        isRequested(environment) ? SessionNetwork(runtime: runtime) : nil
    }

    let runtime: String
    public var directory: String { "\(runtime)/session" }
    var statePath: String { "\(directory)/state.json" }
    var holderLockPath: String { "\(directory)/holder.lock" }

    public init(runtime: String) {
        self.runtime = runtime
    }

    /// The running holder, nil when none runs.
    public func running() -> State? {
        guard FileSystem.exists(holderLockPath), let lock = try? FileLock(path: holderLockPath) else { return nil }
        if (try? lock.tryLock(.shared)) == true {
            lock.unlock()
            return nil
        }
        guard let bytes = try? FileSystem.readFile(statePath, limit: 4096) else { return nil }
        return try? JSONCoding.decode(State.self, from: bytes, what: "session network state")
    }

    /// The running holder, started first when none runs.
    public func ensure() throws -> State {
        if let state = running() { return state }
        try PrivateDirectory.ensure(runtime)
        try FileSystem.createDirectory(directory, mode: 0o700)
        let launchLock = try FileLock(path: "\(directory)/launch.lock")
        try launchLock.lock(.exclusive)
        defer { launchLock.unlock() }
        if let state = running() { return state }
        return try launch()
    }

    func launch() throws -> State {
        let lockFD = open(holderLockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lockFD >= 0 else { throw SystemError("open", path: holderLockPath, errno: errno) }
        defer { close(lockFD) }
        let ready = try ReadyPipe()
        guard podlab_session_start(lockFD, ready.writeEnd) == 0 else {
            throw SystemError("start the session network holder", path: directory, errno: errno)
        }
        ready.closeWriteEnd()
        let said = String(decoding: try FileSystem.readAll(fd: ready.readEnd, path: "session ready pipe"), as: UTF8.self)
        let words = said.split(separator: " ").map(String.init)
        guard words.count == 2, words[0] == PODLAB_READY_WORD, let pid = Int32(words[1]) else {
            throw Self.failure(words)
        }
        guard let started = ProcessInfoReader.startTime(of: pid), let process = try VerifiedProcess(pid: pid, startTime: started),
              let fds = try process.openNamespaces(["net"]) else {
            throw RuntimeError.cannotRun("the session network's holder ended as it started", hint: Self.doctorHint)
        }
        defer { fds.forEach { close($0) } }
        let state = State(pid: pid, startTime: started, network: try Self.inode(fds[0]))
        try FileSystem.writeAtomically(try JSONCoding.encode(state), to: statePath, mode: 0o600)
        return state
    }

    static let doctorHint = "'podlab doctor' checks user namespaces; without them, leave PODLAB_SESSION_NETWORK unset to publish ports on the host"

    /// What the holder said instead of ready ("failed STEP ERRNO"), as a learner reads it.
    static func failure(_ words: [String]) -> RuntimeError {
        guard words.count == 3, words[0] == "failed", let code = Int32(words[2]) else {
            return .cannotRun("the session network's holder ended before it was ready", hint: doctorHint)
        }
        let step = words[1] == "unshare" ? "make its user and network namespaces" : words[1]
        return .cannotRun("cannot start the session network (\(step)): \(SystemError.describe(code))", hint: doctorHint)
    }

    static func inode(_ fd: Int32) throws -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SystemError("stat", path: "session network namespace", errno: errno) }
        return UInt64(info.st_ino)
    }

    /// The holder's user and network namespaces, opened through its verified process (a pid reused by another
    /// process is never entered), for the caller to close.
    func namespaces(_ state: State) throws -> (user: Int32, net: Int32) {
        guard let process = try VerifiedProcess(pid: state.pid, startTime: state.startTime),
              let fds = try process.openNamespaces(["user", "net"]) else {
            throw RuntimeError.cannotRun("the session network's holder has ended", hint: "run the command again: a new session starts")
        }
        guard (try? Self.inode(fds[1])) == state.network else {
            fds.forEach { close($0) }
            throw RuntimeError.cannotRun("the session network's holder is not the one recorded", hint: "run the command again")
        }
        return (fds[0], fds[1])
    }

    /// A published port's listening socket (bound, for UDP), made inside the session, started first if needed.
    /// Ports below the host's `ip_unprivileged_port_start` are refused to an ordinary user as on the host, so
    /// what works in the session works outside it too.
    public func listen(_ mapping: PortMapping) throws -> Int32 {
        let address = "\(mapping.hostAddress):\(mapping.hostPort)"
        if mapping.hostPort != 0 && geteuid() != 0 && Int(mapping.hostPort) < Self.unprivilegedPortStart() {
            throw RuntimeError.portInUse(address, errno: EACCES)
        }
        let state = try ensure()
        let fds = try namespaces(state)
        defer { close(fds.user); close(fds.net) }
        let fd = podlab_session_socket(fds.user, fds.net, mapping.hostAddress, Int32(mapping.hostPort), mapping.proto == "udp" ? 1 : 0, 0)
        guard fd >= 0 else { throw RuntimeError.portInUse(address, errno: errno) }
        return fd
    }

    /// A TCP connection to `ipv4:port` inside the running session (a lesson's HTTP check, `curl` in the guided
    /// shell); nil when no session runs.
    public func connect(_ ipv4: String, port: UInt16) throws -> Int32? {
        guard let state = running() else { return nil }
        let fds = try namespaces(state)
        defer { close(fds.user); close(fds.net) }
        let fd = podlab_session_socket(fds.user, fds.net, ipv4, Int32(port), 0, 1)
        guard fd >= 0 else { throw SystemError("connect to", path: "\(ipv4):\(port) in the session network", errno: errno) }
        return fd
    }

    /// Stops the running holder (verified by pid and start time); false when none ran. Sockets already made in
    /// the session keep working until they are closed; the next published port starts a new session.
    public func stop() throws -> Bool {
        guard let state = running(), let process = try VerifiedProcess(pid: state.pid, startTime: state.startTime) else { return false }
        try process.signal(SIGTERM)
        process.waitForExit(milliseconds: 5000)
        return true
    }

    /// The host's lowest port an ordinary user may bind (1024 unless the administrator lowered it).
    static func unprivilegedPortStart() -> Int {
        guard let bytes = try? FileSystem.readFile("/proc/sys/net/ipv4/ip_unprivileged_port_start", limit: 64) else { return 1024 }
        return Int(String(decoding: bytes.filter { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }, as: UTF8.self)) ?? 1024
    }
}
