import PodlabCore
import PodlabDistribution
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Who may do what. Without an htpasswd file everyone may do everything (a private registry on
/// 127.0.0.1). With one, requests need HTTP basic credentials of a listed user — except pulls when
/// `anonymousPull` is set — and with `ownerNamespaces` a user may push only under `<user>/`, as on
/// Docker Hub. With `mayPullFrom`, a signed-in user pulls from their own `<user>/` and from the namespaces it
/// allows (a class: learners read their own and the teachers' images, not each other's). The file is read
/// again when it changes, so a sign-up counts at once.
public final class RegistryAccess: Sendable {
    public enum Action: Sendable { case pull, push }

    public struct Policy: Sendable {
        public var htpasswdPath: String?
        public var anonymousPull: Bool
        public var ownerNamespaces: Bool
        public var realm: String
        /// Whether `user` may pull from repositories under `owner/` (called only for another's namespace, or a
        /// repository without one); nil: every signed-in user pulls everything.
        public var mayPullFrom: (@Sendable (_ user: String, _ owner: String) -> Bool)?

        public init(htpasswdPath: String?, anonymousPull: Bool = false, ownerNamespaces: Bool = false, realm: String = "podlab registry",
                    mayPullFrom: (@Sendable (_ user: String, _ owner: String) -> Bool)? = nil) {
            self.htpasswdPath = htpasswdPath
            self.anonymousPull = anonymousPull
            self.ownerNamespaces = ownerNamespaces
            self.realm = realm
            self.mayPullFrom = mayPullFrom
        }
    }

    struct State {
        var users = Htpasswd()
        var loadedStamp: (Int, Int) = (-1, -1)
        /// Users whose password checked out, by SHA-256 of `user:password` (bcrypt is slow on purpose).
        var verified: Set<Digest> = []
    }

    public let policy: Policy
    private let state = Mutex(State())
    private let checks = PasswordChecks()

    public init(policy: Policy) throws {
        self.policy = policy
        if let path = policy.htpasswdPath { _ = try Htpasswd.load(path) }
    }

    /// The user a request acts as (nil: anonymous), or the failure to send back.
    /// Credentials that come with a request are always checked; `/v2/` itself (`repository` nil, as a
    /// login probes it) always asks for them when there are users, as Docker Hub does.
    public func authorize(_ action: Action, repository: String?, authorization: String?) async throws(RegistryFailure) -> String? {
        guard let path = policy.htpasswdPath else { return nil }
        guard let (user, password) = Self.basicCredentials(authorization) else {
            if action == .pull, policy.anonymousPull, let repository, maySee(repository, user: nil) { return nil }
            throw RegistryFailure(.unauthorized)
        }
        guard try await check(user: user, password: password, htpasswdPath: path) else { throw RegistryFailure(.unauthorized) }
        if action == .push, policy.ownerNamespaces, let repository, !repository.hasPrefix("\(user)/") || Htpasswd.reservedUsers.contains(user) {
            throw RegistryFailure(.denied, "\(user) may push to \(user)/… only")
        }
        if action == .pull, let repository, !repository.isEmpty, !maySee(repository, user: user) {
            throw RegistryFailure(.denied, "\(user) may not pull \(repository): pull from \(user)/… or the teachers' repositories")
        }
        return user
    }

    /// Whether `user` (nil: anonymous) may pull `repository`, and so see it in the catalog.
    public func maySee(_ repository: String, user: String?) -> Bool {
        guard let mayPullFrom = policy.mayPullFrom else { return true }
        guard let user else { return false }
        let owner = repository.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        if owner == user && repository.contains("/") && !Htpasswd.reservedUsers.contains(user) { return true }
        return mayPullFrom(user, repository.contains("/") ? owner : "")
    }

    func check(user: String, password: String, htpasswdPath: String) async throws(RegistryFailure) -> Bool {
        let key = Digest.sha256(of: Array("\(user):\(password)".utf8))
        var info = stat()
        let stamp = stat(htpasswdPath, &info) == 0 ? (Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)) : (0, 0)
        let users: Htpasswd? = state.withLock { state in
            if state.loadedStamp != stamp {
                state.users = (try? Htpasswd.load(htpasswdPath)) ?? Htpasswd()
                state.loadedStamp = stamp
                state.verified = []
            }
            return state.verified.contains(key) ? nil : state.users
        }
        guard let users else { return true }
        guard try await checks.verify(users, user: user, password: password) else { return false }
        state.withLock { _ = $0.verified.insert(key) }
        return true
    }

    /// `Basic base64(user:password)` → (user, password).
    static func basicCredentials(_ header: String?) -> (String, String)? {
        guard let header, header.lowercased().hasPrefix("basic ") else { return nil }
        guard let decoded = Base64.decode(String(header.dropFirst(6)).trimmed()),
              let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return (String(decoding: decoded[..<colon], as: UTF8.self), String(decoding: decoded[(colon + 1)...], as: UTF8.self))
    }

    public var challenge: String {
        AuthChallenge(scheme: "Basic", parameters: ["realm": policy.realm]).headerValue
    }
}
