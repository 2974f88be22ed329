import AsyncHTTPClient
import NIOCore
import NIOSSL
import PodlabCore
import Synchronization

/// The HTTP clients of one command: one that checks TLS certificates against the system's CA store, one that
/// does not (insecure registries, `--tls-verify=false`), and, for a registry with a certs.d directory of podman's
/// (`CertificateDirectory`), one that also trusts its CAs and presents its client certificate. Redirects are
/// followed by hand, so credentials never travel to another host.
public final class RegistryConnections: Sendable {
    let verifying: HTTPClient
    let trusting: HTTPClient
    let environment: [String: String]
    /// Clients for registries with a certs.d directory, made on first use, by registry name.
    let withCertificates = Mutex<[String: HTTPClient]>([:])

    public init(environment: [String: String] = Environment.current) {
        self.environment = environment
        var insecure = TLSConfiguration.makeClientConfiguration()
        insecure.certificateVerification = .none
        verifying = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.configuration(tls: nil))
        trusting = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.configuration(tls: insecure))
    }

    static func configuration(tls: TLSConfiguration?) -> HTTPClient.Configuration {
        let timeout = HTTPClient.Configuration.Timeout(connect: .seconds(15), read: .seconds(120))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: timeout)
        // A refused connection is an answer (no registry there, or no network): say so at once, as podman does,
        // instead of retrying until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// A session with `endpoint`; fails only when the registry's certs.d directory holds a file that is not what
    /// it should be.
    public func session(_ endpoint: RegistryEndpoint, credentials: AuthFile.Credentials?) throws(RegistryClientError) -> RegistrySession {
        RegistrySession(endpoint: endpoint, credentials: credentials,
                        http: endpoint.insecure ? trusting : try client(for: Self.certificateName(endpoint)))
    }

    /// The name podman looks a registry's certs.d directory up by: the host it connects to (a mirror's, when
    /// registries.conf redirects), Docker Hub as `docker.io`.
    public static func certificateName(_ endpoint: RegistryEndpoint) -> String {
        endpoint.host == "registry-1.docker.io" ? "docker.io" : endpoint.host
    }

    func client(for registry: String) throws(RegistryClientError) -> HTTPClient {
        if let made = withCertificates.withLock({ $0[registry] }) { return made }
        guard let directory = CertificateDirectory.find(registry: registry, environment: environment),
              let tls = try directory.tlsConfiguration() else { return verifying }
        return withCertificates.withLock { clients in
            if let made = clients[registry] { return made }
            let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.configuration(tls: tls))
            clients[registry] = made
            return made
        }
    }

    public func shutdown() async {
        try? await verifying.shutdown()
        try? await trusting.shutdown()
        for client in withCertificates.withLock({ Array($0.values) }) {
            try? await client.shutdown()
        }
    }

    /// Runs `body` with fresh connections, shut down afterwards whatever happens.
    public static func with<T: Sendable>(_ body: (RegistryConnections) async throws -> T) async throws -> T {
        let connections = RegistryConnections()
        do {
            let result = try await body(connections)
            await connections.shutdown()
            return result
        } catch {
            await connections.shutdown()
            throw error
        }
    }
}
