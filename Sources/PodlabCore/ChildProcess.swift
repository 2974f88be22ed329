import CSpawn
#if canImport(Glibc)
import Glibc
#endif

/// A program podlab started: helpers (cp, apt-get), podlab-net, a container's monitor, the sandbox registry.
/// The one Swift type over the one C spawner (`podlab_spawn`); containers themselves are cloned by the runtime.
public struct ChildProcess: Sendable {
    /// Where one of the program's standard streams goes.
    public enum Stream: Sendable {
        case inherit
        case null
        case descriptor(Int32)

        var raw: Int32 {
            switch self {
            case .inherit: return PODLAB_SPAWN_INHERIT
            case .null: return PODLAB_SPAWN_NULL
            case .descriptor(let fd): return fd
            }
        }
    }

    public struct Options: Sendable {
        public var directory: String?
        public var stdin: Stream = .inherit
        public var stdout: Stream = .inherit
        public var stderr: Stream = .inherit
        /// Becomes the program's descriptor 3 (a ready pipe).
        public var passing: Int32?
        /// A long-lived child in a session of its own, stdio on /dev/null, nothing of ours left open.
        public var detached = false
        /// `arguments[0]` is looked up on PATH.
        public var searchPath = false

        public init() {}

        /// A program that outlives the command that starts it (a monitor, a server), told it is ready on `readyFD`.
        public static func detached(passing readyFD: Int32) -> Options {
            var options = Options()
            options.stdin = .null
            options.stdout = .null
            options.stderr = .null
            options.passing = readyFD
            options.detached = true
            return options
        }
    }

    public let pid: pid_t

    /// A child started another way (a cloned container process), to wait for the same way.
    public init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts `arguments` (the first is the program, `path` overriding where it is found); `environment` (NAME=value)
    /// replaces this process's when given.
    public static func spawn(_ arguments: [String], path: String? = nil, environment: [String]? = nil,
                             options: Options = Options()) throws(SystemError) -> ChildProcess {
        let program = path ?? arguments.first ?? ""
        let argv = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup($0) } + [nil] }
        defer { for pointer in argv + (envp ?? []) { free(pointer) } }
        let pid = program.withCString { programPointer in
            (options.directory ?? "").withCString { directoryPointer in
                var request = podlab_spawn_request()
                request.path = programPointer
                request.directory = options.directory == nil ? nil : directoryPointer
                request.search_path = options.searchPath ? 1 : 0
                request.stdin_fd = options.stdin.raw
                request.stdout_fd = options.stdout.raw
                request.stderr_fd = options.stderr.raw
                request.pass_fd = options.passing ?? -1
                request.close_others = options.detached ? 1 : 0
                request.new_session = options.detached ? 1 : 0
                return argv.withUnsafeBufferPointer { argvBuffer in
                    request.argv = argvBuffer.baseAddress
                    if let envp {
                        return envp.withUnsafeBufferPointer { envBuffer in
                            request.envp = envBuffer.baseAddress
                            return podlab_spawn(&request)
                        }
                    }
                    request.envp = UnsafePointer(environ)
                    return podlab_spawn(&request)
                }
            }
        }
        guard pid > 0 else { throw SystemError("run", path: program, errno: errno) }
        return ChildProcess(pid: pid)
    }

    /// Runs `body` in a detached copy of this process (see `podlab_fork_detached`: its own session, stdio on
    /// /dev/null, `readyFD` as descriptor 3, nothing else open) and ends that copy with what `body` returns;
    /// `body` must not touch anything this process had open. Nil when this process has other threads (a fork
    /// would inherit their locks held): then spawn a program instead.
    public static func forkDetached(passing readyFD: Int32, name: String,
                                    _ body: () -> Int32) throws(SystemError) -> ChildProcess? {
        let pid = podlab_fork_detached(readyFD, name)
        if pid == 0 { _exit(body()) }
        if pid < 0 {
            if errno == EBUSY { return nil }
            throw SystemError("fork", path: name, errno: errno)
        }
        return ChildProcess(pid: pid)
    }

    /// Waits for the program to end: its exit code, 128+N when signal N ended it.
    public func wait() -> Int32 {
        let code = podlab_wait_exit_code(pid)
        return code < 0 ? 125 : code
    }

    /// Whether it has ended (reaping it then); for a child that failed to report ready.
    public func hasEnded() -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }

    /// The one decoder of a `waitpid` status (see podlab_wstatus_exit_code).
    public static func exitCode(waitStatus: Int32) -> Int32 {
        podlab_wstatus_exit_code(waitStatus)
    }
}
