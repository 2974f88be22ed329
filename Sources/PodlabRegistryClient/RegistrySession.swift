import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import PodlabCore
import PodlabDistribution
import PodlabImages
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Requests to one registry for one repository, with authentication handled as the distribution spec
/// describes: a request that comes back 401 is answered by the challenge's scheme — HTTP basic with the
/// stored login, or a bearer token fetched from the challenge's realm (with the login, if there is one,
/// for the scopes needed) — and sent once more. Tokens are kept per scope until they expire.
public final class RegistrySession: Sendable {
    public let endpoint: RegistryEndpoint
    public let credentials: AuthFile.Credentials?
    let http: HTTPClient

    struct Token { var value: String; var expires: ContinuousClock.Instant }
    struct AuthState {
        var useBasic = false
        var tokens: [String: Token] = [:]
        var scheme: String
    }
    private let state: Mutex<AuthState>

    public init(endpoint: RegistryEndpoint, credentials: AuthFile.Credentials?, http: HTTPClient) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.http = http
        state = Mutex(AuthState(scheme: endpoint.scheme))
    }

    var baseURL: String { "\(state.withLock { $0.scheme })://\(endpoint.host)" }

    /// The scope a pull or push of `repository` needs.
    public static func scope(_ repository: String, push: Bool) -> String {
        "repository:\(repository):\(push ? "pull,push" : "pull")"
    }

    /// A request body that can be sent more than once (a 401 makes it go again).
    public typealias BodyMaker = @Sendable () throws -> HTTPClientRequest.Body?

    /// Sends a request (path relative to the registry, or an absolute URL from a Location header).
    public func send(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], scopes: [String],
                     body: BodyMaker? = nil, deadline: TimeAmount = .minutes(60)) async throws -> HTTPClientResponse {
        var retried = false
        while true {
            var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : baseURL + path)
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let authorization = authorization(for: scopes) { request.headers.replaceOrAdd(name: "Authorization", value: authorization) }
            if let body { request.body = try body() }
            let response = try await execute(request, deadline: deadline)
            guard response.status == .unauthorized, !retried else { return response }
            // The 401's body is read (freeing the connection) and kept, in case it is the answer after all.
            let body = (try? await response.body.collect(upTo: 1 << 16)) ?? ByteBuffer()
            let answered = HTTPClientResponse(version: response.version, status: response.status,
                                              headers: response.headers, body: .bytes(body))
            let challenge = response.headers["WWW-Authenticate"].compactMap(AuthChallenge.init(header:)).first
            guard let challenge, try await authenticate(challenge, scopes: scopes) else { return answered }
            retried = true
        }
    }

    func execute(_ request: HTTPClientRequest, deadline: TimeAmount) async throws -> HTTPClientResponse {
        do {
            return try await http.execute(request, timeout: deadline)
        } catch {
            throw RegistryClientError(Self.describe(error, url: request.url),
                                      hint: endpoint.isSandbox ? "the sandbox registry stopped answering: run 'podlab registry status'" : "check the registry's address and your network")
        }
    }

    func authorization(for scopes: [String]) -> String? {
        state.withLock { state in
            let key = scopes.joined(separator: " ")
            if let token = state.tokens[key], token.expires > .now { return "Bearer \(token.value)" }
            if state.useBasic, let credentials { return "Basic " + Base64.encode("\(credentials.username):\(credentials.password)") }
            return nil
        }
    }

    /// Answers a challenge; false when there is nothing more to try (no login for basic auth).
    func authenticate(_ challenge: AuthChallenge, scopes: [String]) async throws -> Bool {
        if challenge.isBasic {
            guard credentials != nil else { return false }
            let first = state.withLock { state -> Bool in
                defer { state.useBasic = true }
                return !state.useBasic
            }
            return first
        }
        guard challenge.isBearer, let realm = challenge.realm else { return false }
        var query: [String] = []
        if let service = challenge.service { query.append("service=\(Self.percentEncode(service))") }
        for scope in scopes { query.append("scope=\(Self.percentEncode(scope))") }
        if let credentials { query.append("account=\(Self.percentEncode(credentials.username))") }
        var request = HTTPClientRequest(url: realm + (realm.contains("?") ? "&" : "?") + query.joined(separator: "&"))
        if let credentials {
            request.headers.add(name: "Authorization", value: "Basic " + Base64.encode("\(credentials.username):\(credentials.password)"))
        }
        let response = try await execute(request, deadline: .seconds(60))
        let bytes = try await Self.collect(response, limit: 1 << 20, what: "the token service's answer")
        guard response.status == .ok else { return false }
        struct TokenResponse: Decodable { var token: String?; var access_token: String?; var expires_in: Int? }
        guard let decoded = try? JSONCoding.decode(TokenResponse.self, from: bytes, what: "token response"),
              let token = decoded.token ?? decoded.access_token, !token.isEmpty else {
            throw RegistryClientError("the token service at \(realm) answered without a token")
        }
        // Tokens live 60 s unless the service says otherwise; renew 5 s early.
        let lifetime = max(10, decoded.expires_in ?? 60) - 5
        state.withLock { $0.tokens[scopes.joined(separator: " ")] = Token(value: token, expires: .now + .seconds(lifetime)) }
        return true
    }

    /// GET /v2/: reaches the registry (falling back to plain HTTP for an insecure one) and learns how it
    /// wants to be authenticated. podman's words when it cannot.
    public func ping() async throws {
        if !endpoint.isSandbox, let name = Self.hostName(endpoint.host), !Self.resolves(name) {
            // Said at once rather than after the connect timeout: the usual case is a laptop offline.
            throw RegistryClientError("pinging container registry \(endpoint.host): Get \"\(baseURL)/v2/\": dial tcp: lookup \(name): no such host",
                                      hint: "no network, or no such registry; the sandbox needs none: podlab mode sandbox")
        }
        if endpoint.insecure, state.withLock({ $0.scheme }) == "https", PlainHTTPProbe.speaksPlainHTTP(host: endpoint.host) {
            state.withLock { $0.scheme = "http" }
        }
        var request = HTTPClientRequest(url: baseURL + "/v2/")
        request.method = .GET
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            _ = try? await response.body.collect(upTo: 1 << 16)
            return
        } catch {
            if endpoint.insecure && state.withLock({ $0.scheme }) == "https" {
                state.withLock { $0.scheme = "http" }
                return try await ping()
            }
            throw RegistryClientError("pinging container registry \(endpoint.host): Get \"\(request.url)\": \(Self.describeCause(error))",
                                      hint: endpoint.isSandbox ? "the sandbox registry did not answer: 'podlab registry status' tells more" : "check the registry's address and your network; a local registry without TLS needs --tls-verify=false")
        }
    }

    /// The host name part of `host[:port]`, or nil for an IP address literal.
    static func hostName(_ host: String) -> String? {
        if host.hasPrefix("[") { return nil }
        let name = String(host.prefix { $0 != ":" })
        return name.allSatisfy { $0.isNumber || $0 == "." } ? nil : name
    }

    static func resolves(_ name: String) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &result)
        if let result { freeaddrinfo(result) }
        return status == 0
    }

    static func describe(_ error: any Error, url: String) -> String {
        "\(url): \(describeCause(error))"
    }

    static func describeCause(_ error: any Error) -> String {
        if let client = error as? HTTPClientError {
            if client == .connectTimeout { return "connection timed out" }
            if client == .deadlineExceeded { return "the request took too long" }
            if client == .remoteConnectionClosed { return "the registry closed the connection" }
        }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connect: connection refused" }
        return text
    }

    static func percentEncode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.append(Character(UnicodeScalar(byte)))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return result
    }

    /// The registry's error body as podman prints it (`unauthorized: authentication required`), or the status.
    static func errorSummary(_ response: HTTPClientResponse) async -> String {
        let bytes = (try? await response.body.collect(upTo: 1 << 20)).map { Array(buffer: $0) } ?? []
        if let body = try? JSONCoding.decode(DistributionErrorBody.self, from: bytes, what: "error body"), !body.errors.isEmpty {
            return body.summary
        }
        if response.status == .unauthorized { return "unauthorized: authentication required" }
        return "received unexpected HTTP status: \(response.status.code) \(response.status.reasonPhrase)"
    }
}
