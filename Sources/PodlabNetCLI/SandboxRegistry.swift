import PodlabCLI
import PodlabCore
import PodlabImages
import PodlabRegistryClient
#if canImport(Glibc)
import Glibc
#endif

/// The sandbox registry: podlab's own registry server on 127.0.0.1, started on demand by the first
/// command that needs it and shared by every podlab process of the user (per storage directory).
/// The running server holds `server.lock`; `state.json` says where it listens. It stops by itself after
/// half an hour without requests, or with `podlab registry stop`.
struct SandboxRegistry {
    struct State: Codable {
        var pid: Int32
        var address: String
        var storage: String
    }

    let locations: Locations

    var stateDirectory: String { "\(locations.runtime)/sandbox-registry" }
    var statePath: String { "\(stateDirectory)/state.json" }
    var serverLockPath: String { "\(stateDirectory)/server.lock" }
    var logPath: String { "\(stateDirectory)/server.log" }
    /// Images, pushes and sign-ups: persistent, beside the image store.
    var storage: String { "\(locations.storage)/sandbox-registry" }
    var htpasswdPath: String { "\(storage)/htpasswd" }
    static let idleTimeout = 1800

    /// The running server's state, or nil when none runs.
    func running() -> State? {
        guard let lock = try? FileLock(path: serverLockPath) else { return nil }
        if (try? lock.tryLock(.shared)) == true {
            lock.unlock()
            return nil
        }
        guard let bytes = try? FileSystem.readFile(statePath) else { return nil }
        return try? JSONCoding.decode(State.self, from: bytes, what: "sandbox registry state")
    }

    /// `127.0.0.1:PORT` of the running server, starting one first if needed.
    func address() throws -> String {
        if let state = running() { return state.address }
        try PrivateDirectory.ensure(locations.runtime)
        try FileSystem.createDirectory(stateDirectory, mode: 0o700)
        let launchLock = try FileLock(path: "\(stateDirectory)/launch.lock")
        try launchLock.lock(.exclusive)
        defer { launchLock.unlock() }
        if let state = running() { return state.address }
        return try launch()
    }

    /// Starts `podlab registry serve --sandbox` detached; it writes its address to fd 3 once it listens.
    func launch() throws -> String {
        guard let executable = FileSystem.executablePath() else {
            throw CLIError.refused("cannot find podlab's own executable to start the sandbox registry", hint: nil)
        }
        let ready = try ReadyPipe()
        let arguments = [executable, "registry", "serve", "--sandbox", "--root", locations.storage,
                         "--runroot", locations.runtime, "--ready-fd", "3"]
        let child = try ChildProcess.spawn(arguments, options: .detached(passing: ready.writeEnd))
        let hint = "its log is \(logPath); 'podlab registry serve --sandbox' runs it in the foreground"
        switch ready.answer() {
        case .ready(let address) where !address.isEmpty: return address
        case .failed(_, let message, _):
            _ = child.hasEnded()
            throw CLIError.refused("the sandbox registry did not start: \(message)", hint: hint)
        default:
            _ = child.hasEnded()
            throw CLIError.refused("the sandbox registry did not start", hint: hint)
        }
    }

    /// Stops the running server (by the PID it recorded, only while it holds its lock). False if none ran.
    func stop() -> Bool {
        guard let state = running() else { return false }
        kill(state.pid, SIGTERM)
        for _ in 0..<100 {
            if running() == nil { return true }
            usleep(50_000)
        }
        kill(state.pid, SIGKILL)
        return true
    }
}
