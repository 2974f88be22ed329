/// Checks a login the way podman does: GET /v2/ with the credentials, answering whatever challenge the
/// registry makes (basic, or a bearer token from its auth service).
public enum RegistryLogin {
    /// True when the registry accepts the credentials; throws when it cannot be reached.
    public static func check(_ session: RegistrySession) async throws -> Bool {
        try await session.ping()
        let response = try await session.send(.GET, "/v2/", scopes: [])
        _ = try? await response.body.collect(upTo: 1 << 16)
        switch response.status.code {
        case 200: return true
        case 401, 403: return false
        default:
            throw RegistryClientError("logging into \"\(session.endpoint.registryName)\": \(await RegistrySession.errorSummary(response))")
        }
    }
}
