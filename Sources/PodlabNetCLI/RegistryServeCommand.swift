import PodlabCLI
import ArgumentParser
import PodlabCore
import PodlabFixtures
import PodlabImages
import PodlabRegistryClient
import PodlabRegistryServer
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `podlab registry serve`: an OCI distribution server. With `--sandbox`, the learner's sandbox registry
/// (normally started on demand by pull/push/login, not by hand).
struct RegistryServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run a registry server (OCI distribution API).")

    @Option(help: "HOST:PORT to listen on (port 0: any free port).")
    var address = "127.0.0.1:5000"
    @Option(help: "Directory holding the registry's data.")
    var storage: String?
    @Option(help: "htpasswd file with bcrypt entries (htpasswd -B); requests then need a login.")
    var htpasswd: String?
    @Flag(help: "With --htpasswd: let anyone pull; only pushes need a login.")
    var anonymousPull = false
    @Flag(help: "With --htpasswd: a user may push only under USER/ (as on Docker Hub).")
    var ownerNamespaces = false
    @Flag(help: "Print one line per request on stderr.")
    var logRequests = false
    @Option(help: "The largest blob (image layer) a client may upload, in MiB (413 beyond).")
    var maxUploadSize = 1024
    @Option(help: "How many uploads may be open at once (429 beyond).")
    var maxOpenUploads = 64
    @Flag(help: "Run as the sandbox registry of the image store given by --root/--runroot.")
    var sandbox = false
    @Option(help: .hidden) var root: String?
    @Option(help: .hidden) var runroot: String?
    @Option(help: .hidden) var readyFd: Int32?

    mutating func validate() throws {
        guard maxUploadSize > 0, maxOpenUploads > 0 else {
            throw ValidationError("--max-upload-size and --max-open-uploads must be at least 1")
        }
    }

    func run() throws {
        let ready = readyFd.map(ReadyReport.init)
        do {
            try serve(ready: ready)
        } catch {
            ready?.failed(error)
            throw error
        }
    }

    func serve(ready: ReadyReport?) throws {
        let (host, port) = try Self.parse(address: sandbox ? "127.0.0.1:0" : address)
        var options: RegistryServer.Options
        var onListening: @Sendable (String, Int) -> Void = { host, port in
            Output.err("podlab registry listening on http://\(host):\(port)")
            Output.flush()
        }
        var lock: FileLock?
        if sandbox {
            var locations = Locations.current()
            if let root { locations.storage = root }
            if let runroot { locations.runtime = runroot }
            let registry = SandboxRegistry(locations: locations)
            try FileSystem.createDirectory(registry.stateDirectory, mode: 0o700)
            let serverLock = try FileLock(path: registry.serverLockPath)
            guard try serverLock.tryLock(.exclusive) else {
                if let state = registry.running() { ready?.ready(state.address); return }
                throw CLIError.refused("another sandbox registry is starting", hint: "try again in a moment")
            }
            lock = serverLock
            Self.redirectStandardError(to: registry.logPath)
            try prepareSandboxStorage(registry)
            options = .init(host: host, port: port, storage: registry.storage,
                            policy: .init(htpasswdPath: registry.htpasswdPath, anonymousPull: true, ownerNamespaces: true,
                                          realm: "podlab sandbox registry"),
                            idleTimeout: SandboxRegistry.idleTimeout)
            let statePath = registry.statePath, storagePath = registry.storage
            onListening = { host, port in
                let state = SandboxRegistry.State(pid: getpid(), address: "\(host):\(port)", storage: storagePath)
                if let bytes = try? JSONCoding.encode(state) { try? FileSystem.writeAtomically(bytes, to: statePath, mode: 0o600) }
                Output.err("sandbox registry listening on http://\(host):\(port) (pid \(getpid()))")
                Output.flush()
                ready?.ready("\(host):\(port)")
            }
        } else {
            guard let storage else {
                throw CLIError.usage("--storage DIR is required (where the registry keeps its data)", command: "podlab registry serve")
            }
            if let warning = RegistryServer.plainTextWarning(host: host, withLogins: htpasswd != nil) { Output.err(warning) }
            options = .init(host: host, port: port, storage: storage,
                            policy: .init(htpasswdPath: htpasswd, anonymousPull: anonymousPull, ownerNamespaces: ownerNamespaces))
            let wrapped = onListening
            onListening = { host, port in wrapped(host, port); ready?.ready("\(host):\(port)") }
        }
        options.logRequests = logRequests
        options.limits = RegistryLimits(maxUploadBytes: Int64(maxUploadSize) << 20, maxOpenUploads: maxOpenUploads)
        let server = RegistryServer(options: options)
        let listening = onListening
        try BlockingAsync.run { try await server.run(onListening: listening) }
        withExtendedLifetime(lock) {}
    }

    /// The sandbox's data directory, an htpasswd file for sign-ups, and the tutorial's images.
    func prepareSandboxStorage(_ registry: SandboxRegistry) throws {
        let storage = try RegistryStorage(root: registry.storage)
        if !FileSystem.exists(registry.htpasswdPath) {
            try FileSystem.writeAtomically([], to: registry.htpasswdPath, mode: 0o600)
        }
        guard let catalog = FixtureCatalog.locate() else {
            Output.err("no offline images found: the sandbox registry holds only what is pushed to it")
            return
        }
        let seeded = try storage.seed(from: catalog.layout) { SandboxNames.place($0) }
        if !seeded.isEmpty { Output.err("seeded: " + seeded.joined(separator: ", ")) }
    }

    static func parse(address: String) throws -> (String, Int) {
        guard let parsed = RegistryServer.address(address) else {
            throw CLIError.usage("--address must be HOST:PORT, got \"\(address)\"", command: "podlab registry serve")
        }
        return parsed
    }

    static func redirectStandardError(to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        dup2(fd, 2)
        close(fd)
    }
}

/// The write end of a pipe a launcher waits on: one message, then closed.
/// The server's side of its ready pipe (see ReadyPipe): answered once, from whichever thread gets there first.
final class ReadyReport: Sendable {
    let fd: Mutex<Int32>
    init(_ fd: Int32) { self.fd = Mutex(fd) }

    func ready(_ address: String) {
        take { ReadyPipe.sendReady($0, detail: address) }
    }

    func failed(_ error: any Error) {
        take { ReadyPipe.sendFailure($0, error) }
    }

    private func take(_ body: (Int32) -> Void) {
        fd.withLock { fd in
            guard fd >= 0 else { return }
            body(fd)
            fd = -1
        }
    }
}

/// Where images live inside the sandbox registry: Docker Hub's repositories as they are
/// (`library/nginx`), other registries' under their host name (`quay.io/podman/hello`).
enum SandboxNames {
    static func place(_ refName: String) -> (repository: String, tag: String)? {
        guard let reference = try? ImageReference(parsing: refName), let tag = reference.tag else { return nil }
        return (RegistryEndpoint.sandboxRepository(domain: reference.domain, path: reference.path), tag)
    }
}
