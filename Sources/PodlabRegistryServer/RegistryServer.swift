import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import PodlabCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `podlab registry serve`: a distribution server on one address, storing under one directory.
public struct RegistryServer: Sendable {
    public struct Options: Sendable {
        public var host: String
        public var port: Int
        public var storage: String
        public var policy: RegistryAccess.Policy
        /// Exit after this many seconds without a request (the sandbox registry); nil: run until stopped.
        public var idleTimeout: Int?
        /// One line per request on stderr.
        public var logRequests = false
        public var limits = RegistryLimits()

        public init(host: String, port: Int, storage: String, policy: RegistryAccess.Policy, idleTimeout: Int? = nil) {
            self.host = host
            self.port = port
            self.storage = storage
            self.policy = policy
            self.idleTimeout = idleTimeout
        }
    }

    public let options: Options

    public init(options: Options) {
        self.options = options
    }

    /// Runs until SIGTERM/SIGINT (or the idle timeout); `onListening` gets the bound host and port.
    public func run(onListening: @escaping @Sendable (String, Int) -> Void) async throws {
        let storage = try RegistryStorage(root: options.storage)
        storage.sweepAbandonedUploads()
        let access = try RegistryAccess(policy: options.policy)
        let lastRequest = Mutex(time(nil))
        let log: (@Sendable (String) -> Void)? = options.logRequests ? RegistryServer.logLine : nil
        let handler = RegistryHandler(storage: storage, access: access, limits: options.limits, log: log) { lastRequest.withLock { $0 = time(nil) } }
        let responder = CallbackResponder<BasicRequestContext> { request, _ in await handler.respond(to: request) }
        if let idle = options.idleTimeout {
            IdleExit.watch(seconds: idle) { lastRequest.withLock { $0 } }
        }
        try await Self.serve(responder, host: options.host, port: options.port, name: "podlab-registry") { onListening($0, $1) }
    }

    /// Runs an HTTP/1.1 server on `host:port` answering with `responder` until SIGTERM/SIGINT, logging only warnings;
    /// `onListening` gets the host and the port bound (the one asked for, or the kernel's choice for port 0).
    /// With `tls`, it speaks HTTPS only.
    public static func serve(_ responder: CallbackResponder<BasicRequestContext>, host: String, port: Int, name: String,
                             tls: ServerTLS? = nil,
                             onListening: @escaping @Sendable (String, Int) -> Void) async throws {
        var logger = Logger(label: name)
        logger.logLevel = .warning
        let app = Application(
            responder: responder,
            server: try tls.map { try .tls(.http1(), tlsConfiguration: $0.configuration) } ?? .http1(),
            configuration: .init(address: .hostname(host, port: port), serverName: name),
            onServerRunning: { channel in
                onListening(host, channel.localAddress?.port ?? 0)
            },
            logger: logger
        )
        try await app.runService()
    }
}

extension RegistryServer {
    /// What to say when the registry listens beyond this machine: it has no TLS, so logins and images cross
    /// the network readable. Nil for a loopback address (127.0.0.0/8, ::1, localhost).
    public static func plainTextWarning(host: String, withLogins: Bool) -> String? {
        guard !(host == "localhost" || host == "::1" || host.hasPrefix("127.")) else { return nil }
        return "warning: listening on \(host) without TLS: other machines can reach this registry"
            + (withLogins ? ", and their passwords and images cross the network readable" : " and push to it without a login")
            + "; put a TLS proxy in front of it for anything but a closed classroom network"
    }

    /// `HOST:PORT` (`[::1]:5000` for IPv6; an empty host is 127.0.0.1) → host and port; nil when it is not one.
    public static func address(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }

    @Sendable public static func logLine(_ line: String) {
        let text = line + "\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
    }
}

enum IdleExit {
    /// Exits the process once `last()` is more than `seconds` ago. The storage is consistent at every
    /// instant, so leaving without ceremony is safe.
    static func watch(seconds: Int, last: @escaping @Sendable () -> time_t) {
        Task.detached {
            while true {
                try? await Task.sleep(for: .seconds(min(30, max(1, seconds / 4))))
                if Int(time(nil) - last()) > seconds { exit(0) }
            }
        }
    }
}
