import AsyncHTTPClient
import NIOCore
import NIOSSL

/// The HTTP clients of one command: one that checks TLS certificates against the system's CA store,
/// one that does not (insecure registries, `--tls-verify=false`). Redirects are followed by hand, so
/// credentials never travel to another host.
public final class RegistryConnections: Sendable {
    let verifying: HTTPClient
    let trusting: HTTPClient

    public init() {
        let timeout = HTTPClient.Configuration.Timeout(connect: .seconds(15), read: .seconds(120))
        var verifyingConfiguration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: timeout)
        var insecure = TLSConfiguration.makeClientConfiguration()
        insecure.certificateVerification = .none
        var trustingConfiguration = HTTPClient.Configuration(tlsConfiguration: insecure, redirectConfiguration: .disallow, timeout: timeout)
        // A refused connection is an answer (no registry there, or no network): say so at once, as podman does,
        // instead of retrying until the connect timeout.
        verifyingConfiguration.connectionPool.retryConnectionEstablishment = false
        trustingConfiguration.connectionPool.retryConnectionEstablishment = false
        verifying = HTTPClient(eventLoopGroupProvider: .singleton, configuration: verifyingConfiguration)
        trusting = HTTPClient(eventLoopGroupProvider: .singleton, configuration: trustingConfiguration)
    }

    public func session(_ endpoint: RegistryEndpoint, credentials: AuthFile.Credentials?) -> RegistrySession {
        RegistrySession(endpoint: endpoint, credentials: credentials, http: endpoint.insecure ? trusting : verifying)
    }

    public func shutdown() async {
        try? await verifying.shutdown()
        try? await trusting.shutdown()
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
