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
        verifying = HTTPClient(eventLoopGroupProvider: .singleton,
                               configuration: .init(redirectConfiguration: .disallow, timeout: timeout))
        var insecure = TLSConfiguration.makeClientConfiguration()
        insecure.certificateVerification = .none
        trusting = HTTPClient(eventLoopGroupProvider: .singleton,
                              configuration: .init(tlsConfiguration: insecure, redirectConfiguration: .disallow, timeout: timeout))
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
