import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import PodlabCore
import PodlabDistribution
import PodlabImages
import PodlabRegistryClient
import PodlabTutor

/// A learner's side of the class server's API: who the server says they are, and sending a submission. One
/// request each, no retries: a submission sent twice would be stored twice.
public struct ClassClient: Sendable {
    /// The server's base URL, `http(s)://HOST[:PORT]`.
    public let url: String
    /// `HOST:PORT` as podman names the class registry (the auth file's key).
    public let registry: String
    let credentials: AuthFile.Credentials
    let timeoutSeconds: Int64

    public init(url: String, credentials: AuthFile.Credentials, timeoutSeconds: Int64 = 30) throws(ClassError) {
        guard let registry = Self.registryName(url) else {
            throw ClassError("\"\(url)\" is not a class server's address",
                             hint: "give it as the teacher wrote it, such as http://192.168.1.10:5000")
        }
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.registry = registry
        self.credentials = credentials
        self.timeoutSeconds = timeoutSeconds
    }

    /// `http://host:port[/]` → `host:port`; nil for anything with a path, a query, user info or another scheme.
    public static func registryName(_ url: String) -> String? {
        let scheme = ["http://", "https://"].first { url.hasPrefix($0) }
        guard let scheme else { return nil }
        var rest = String(url.dropFirst(scheme.count))
        if rest.hasSuffix("/") { rest.removeLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@"), !rest.contains("?"), !rest.contains("#"),
              !rest.contains(" ") else { return nil }
        return rest
    }

    public struct Identity: Decodable, Sendable, Equatable {
        public var username: String
        public var teacher: Bool
        /// The key this account's reports are signed with (hex).
        public var signingKey: String
    }

    public struct Receipt: Decodable, Sendable, Equatable {
        public var id: String
        public var status: String
    }

    /// The account the server signs these credentials in as.
    public func whoami() throws(ClassError) -> Identity {
        let (status, body) = try exchange(.GET, "/class/api/whoami", body: nil)
        guard status == 200 else { throw refusal(status, body) }
        return try decode(Identity.self, body)
    }

    /// Sends a report as `podlab check --format json` wrote it; the server's number for it, and its state.
    public func submit(_ bytes: [UInt8]) throws(ClassError) -> Receipt {
        let (status, body) = try exchange(.POST, "/class/api/submissions", body: bytes)
        guard status == 201 else { throw refusal(status, body) }
        return try decode(Receipt.self, body)
    }

    /// Where the learner is now (`PUT /class/api/activity`), for the teacher's live view. Async: the guided shell sends
    /// it from a task of its own and never waits for it.
    public func report(_ activity: LearnerActivity) async throws(ClassError) {
        let bytes: [UInt8]
        do { bytes = try JSONCoding.encode(activity) } catch { throw ClassError(error) }
        let (status, body) = try await send(.PUT, "/class/api/activity", body: bytes)
        guard status == 204 else { throw refusal(status, body) }
    }

    func exchange(_ method: HTTPMethod, _ path: String, body: [UInt8]?) throws(ClassError) -> (Int, [UInt8]) {
        let client = self
        do {
            return try BlockingAsync.run { try await client.send(method, path, body: body) }
        } catch {
            throw ClassError(error)
        }
    }

    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws(ClassError) -> (Int, [UInt8]) {
        let target = url + path
        let authorization = "Basic " + Base64.encode("\(credentials.username):\(credentials.password)")
        let timeout = timeoutSeconds
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(timeout), read: .seconds(timeout)))
        // A refused connection is the answer (the server is not running): say so at once instead of trying again
        // until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        // The class's own CA, where podman would look for its registry's (the class server is that registry).
        do throws(RegistryClientError) {
            configuration.tlsConfiguration = try CertificateDirectory.find(registry: registry, environment: Environment.current)?
                .tlsConfiguration()
        } catch {
            throw ClassError(error)
        }
        var request = HTTPClientRequest(url: target)
        request.method = method
        request.headers.add(name: "Authorization", value: authorization)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let (response, answer) = try await WebPage.exchange(request, configuration: configuration,
                                                                timeoutSeconds: timeout, limit: 4 << 20)
            return (Int(response.status.code), answer)
        } catch {
            let reason = WebPage.describe(error)
            let untrusted = WebPage.isUntrustedCertificate(error)
            throw ClassError("cannot reach the class server at \(url): \(reason)",
                             hint: untrusted ? "ask the teacher for the class's CA certificate and put it in "
                                 + "~/.config/containers/certs.d/\(registry)/ca.crt (docs/CLASSROOM.md, \"HTTPS with the class's own CA\")"
                                 : "check the address the teacher gave, and that the class server runs")
        }
    }

    /// The server's own words for a refusal (`{"error", "hint"}`), or the status when it sent none.
    func refusal(_ status: Int, _ body: [UInt8]) -> ClassError {
        struct Failure: Decodable { var error: String; var hint: String? }
        if status == 401 {
            return ClassError("the class server did not accept the password for \(credentials.username)",
                              hint: "type the password the teacher gave you; ask them to set a new one if it is lost")
        }
        if let failure = try? JSONCoding.decode(Failure.self, from: body, what: "class server error") {
            return ClassError("the class server refused: \(TerminalText.visible(failure.error))",
                              hint: failure.hint.map { TerminalText.visible($0) })
        }
        return ClassError("the class server answered HTTP \(status)", hint: "is \(url) a podlab class server?")
    }

    func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws(ClassError) -> T {
        do {
            return try JSONCoding.decode(type, from: body, what: "class server answer")
        } catch {
            throw ClassError("the class server's answer is not what podlab expects: \(error.message)",
                             hint: "is \(url) a podlab class server of the same version?")
        }
    }
}
