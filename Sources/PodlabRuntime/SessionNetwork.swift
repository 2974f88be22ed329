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
/// starts one (and, shared, whoever reads the state); `state.json`, the holder's pid, start time and network
/// namespace inode. Another user can neither read these files (0600 in a 0700 directory) nor enter the holder's
/// namespaces (the kernel refuses `/proc/PID/ns/*` to them).
///
/// On when `PODLAB_SESSION_NETWORK=1` at `create`; a container remembers where its ports go
/// (`ContainerSettings.portNamespace`), so `start`, `restart` and `kube play` bind them in the same place.
public struct SessionNetwork: Sendable {
    public struct State: Codable, Equatable, Sendable {
        public var pid: Int32
        public var startTime: UInt64
        /// The inode of its network namespace: the session a socket was made in.
        public var network: UInt64

        public init(pid: Int32, startTime: UInt64, network: UInt64) {
            self.pid = pid
            self.startTime = startTime
            self.network = network
        }
    }

    public static let environmentKey = "PODLAB_SESSION_NETWORK"
    /// The value of `ContainerSettings.portNamespace` for ports bound in the session.
    public static let portNamespace = "session"

    /// Whether `environment` (nil: this process's, read with getenv, not copied whole) asks for the session.
    public static func isRequested(_ environment: [String: String]? = nil) -> Bool {
        guard let environment else { return getenv(environmentKey).map { String(cString: $0) } == "1" }
        return environment[environmentKey] == "1"
    }

    /// Decides, when a container (or a pod's infra) is made, where its published ports will be bound for good.
    static func place(_ settings: inout ContainerSettings) {
        if !settings.ports.isEmpty && settings.network != "host" && isRequested() { settings.portNamespace = portNamespace }
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

    /// The running holder, nil when none runs. Read under `launch.lock` (shared), so never half-way through a
    /// start; the run-time directory is checked first (ours, 0700), so no other user's files are believed.
    public func running() throws -> State? {
        let launchLock = try lockLaunch(.shared)
        defer { launchLock.unlock() }
        return probe()
    }

    /// `launch.lock`, held in `mode`, once the run-time directory is checked to be ours (0700, not a link) and the
    /// session directory is there.
    func lockLaunch(_ mode: FileLock.Mode) throws -> FileLock {
        try PrivateDirectory.ensure(runtime)
        try FileSystem.createDirectory(directory, mode: 0o700)
        let lock = try FileLock(path: "\(directory)/launch.lock")
        try lock.lock(mode)
        return lock
    }

    /// The recorded holder while its lock is held (by it: only a holder takes it); the caller holds launch.lock.
    func probe() -> State? {
        guard FileSystem.exists(holderLockPath), let lock = try? FileLock(path: holderLockPath) else { return nil }
        if (try? lock.tryLock(.shared)) == true {
            lock.unlock()
            return nil
        }
        guard let bytes = try? FileSystem.readFile(statePath, limit: 4096) else { return nil }
        return try? JSONCoding.decode(State.self, from: bytes, what: "session network state")
    }

    /// The running holder, started first when none runs. (Whoever makes a socket with it verifies it first.)
    public func ensure() throws -> State {
        if let state = try running() { return state }
        let launchLock = try lockLaunch(.exclusive)
        defer { launchLock.unlock() }
        if let state = probe() { return state }
        return try launch()
    }

    /// Starts a holder; it stays only once `state.json` records it (the commit byte), else it ends by itself.
    func launch() throws -> State {
        let lockFD = open(holderLockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lockFD >= 0 else { throw SystemError("open", path: holderLockPath, errno: errno) }
        defer { close(lockFD) }
        let ready = try ReadyPipe()
        var commit: [Int32] = [0, 0]
        guard podlab_pipe_cloexec(&commit) == 0 else { throw SystemError("pipe", path: "session commit", errno: errno) }
        defer { close(commit[1]) }   // without the commit byte, this end of file ends the holder
        // Once committed, the holder becomes the sealed trampoline, a few pages; without it, it holds on as itself.
        // (Not one of 0-2, which the holder makes /dev/null: only a podlab started with its stdio closed has one.)
        let trampoline = (try? ExecTrampoline.descriptor()).flatMap { $0 > 2 ? $0 : nil } ?? -1
        let forked = podlab_session_start(lockFD, ready.writeEnd, commit[0], commit[1], trampoline)
        let failure = errno
        close(commit[0])
        guard forked == 0 else { throw SystemError("start the session network holder", path: directory, errno: failure) }
        let state: State
        switch ready.answer() {
        case .ready(let detail):
            guard let pid = Int32(detail), let started = ProcessInfoReader.startTime(of: pid),
                  let process = try VerifiedProcess(pid: pid, startTime: started),
                  let fds = try process.openNamespaces(["net"]) else {
                throw RuntimeError.cannotRun("the session network's holder ended as it started", hint: Self.doctorHint)
            }
            defer { fds.forEach { close($0) } }
            state = State(pid: pid, startTime: started, network: try Self.inode(fds[0]))
        case .failed(let code, let step, _):
            throw Self.failure(step: step, errno: code)
        case .silent:
            throw RuntimeError.cannotRun("the session network's holder ended before it was ready", hint: Self.doctorHint)
        }
        try FileSystem.writeAtomically(try JSONCoding.encode(state), to: statePath, mode: 0o600)
        var byte: UInt8 = 1
        guard write(commit[1], &byte, 1) == 1 else { throw SystemError("commit", path: "session network holder", errno: errno) }
        return state
    }

    static let doctorHint = "'podlab doctor' checks user namespaces; without them, leave PODLAB_SESSION_NETWORK unset to publish ports on the host"

    /// What the holder said instead of ready ("failed\tERRNO\tSTEP"), as a learner reads it.
    static func failure(step: String, errno code: Int32) -> RuntimeError {
        switch step {
        case "lock":
            return .cannotRun("another session network holder is running without a record", hint: "end that podlab-session process of yours, then try again")
        case "unshare":
            return .cannotRun("cannot make the session network's user and network namespaces: \(SystemError.describe(code))", hint: doctorHint)
        default:
            return .cannotRun("cannot start the session network (\(step)): \(SystemError.describe(code))", hint: doctorHint)
        }
    }

    static func inode(_ fd: Int32) throws -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SystemError("stat", path: "session network namespace", errno: errno) }
        return UInt64(info.st_ino)
    }

    /// The holder's user and network namespaces, opened through its verified process (a pid reused by another
    /// process is never entered; nor is a holder whose network is not the one recorded), for the caller to close.
    static func verify(_ state: State) throws -> (user: Int32, net: Int32) {
        guard let process = try VerifiedProcess(pid: state.pid, startTime: state.startTime),
              let fds = try process.openNamespaces(["user", "net"]) else {
            throw RuntimeError.cannotRun("the session network's holder has ended",
                                         hint: "run the command again: a new session starts; 'podman restart NAME' moves a running container's ports into it")
        }
        guard (try? inode(fds[1])) == state.network else {
            fds.forEach { close($0) }
            throw RuntimeError.cannotRun("the session network's holder is not the one recorded", hint: "run the command again")
        }
        return (fds[0], fds[1])
    }

    /// A socket made inside the session: listening (or bound, for UDP), or connected.
    func socket(_ state: State, _ ipv4: String, port: UInt16, udp: Bool, connect: Bool) throws -> (fd: Int32, errno: Int32) {
        let fds = try Self.verify(state)
        defer { close(fds.user); close(fds.net) }
        var entered: Int32 = 0
        let fd = podlab_session_socket(fds.user, fds.net, ipv4, Int32(port), udp ? 1 : 0, connect ? 1 : 0, &entered)
        let code = errno
        if fd < 0 && entered == 0 { throw SystemError("enter", path: "the session network", errno: code) }
        return (fd, code)
    }

    /// A published port's listening socket (bound, for UDP), made inside the session, started first if needed.
    /// Ports below the host's `ip_unprivileged_port_start` are refused to an ordinary user as on the host, so
    /// what works in the session works outside it too.
    public func listen(_ mapping: PortMapping) throws -> Int32 {
        let address = "\(mapping.hostAddress):\(mapping.hostPort)"
        if mapping.hostPort != 0 && geteuid() != 0 && Int(mapping.hostPort) < Self.unprivilegedPortStart() {
            throw RuntimeError.portInUse(address, errno: EACCES)
        }
        let made = try socket(try ensure(), mapping.hostAddress, port: mapping.hostPort, udp: mapping.proto == "udp", connect: false)
        guard made.fd >= 0 else { throw RuntimeError.portInUse(address, errno: made.errno) }
        return made.fd
    }

    /// A TCP connection to `ipv4:port` inside the running session (a lesson's HTTP check, `browse`); nil when no
    /// session runs.
    public func connect(_ ipv4: String, port: UInt16) throws -> Int32? {
        guard let state = try running() else { return nil }
        let made = try socket(state, ipv4, port: port, udp: false, connect: true)
        guard made.fd >= 0 else { throw SystemError("connect to", path: "\(ipv4):\(port) in the session network", errno: made.errno) }
        return made.fd
    }

    /// Stops the running holder (verified by pid and start time); false when none ran. Sockets already made in
    /// it stay open, but nothing new can reach them: containers publishing ports there need a restart, which
    /// binds them in the next session.
    public func stop() throws -> Bool {
        let launchLock = try lockLaunch(.exclusive)
        defer { launchLock.unlock() }
        guard let state = probe(), let process = try VerifiedProcess(pid: state.pid, startTime: state.startTime) else { return false }
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
