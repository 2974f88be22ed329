import PodlabCore
import PodlabImages
import PodlabTutor
#if canImport(Glibc)
import Glibc
#endif

/// The class a learner's machine has joined: where its server is and which account is theirs, kept in
/// `<state>/class.json` (0600). The password is not here: it is the class registry's login, in podman's auth file.
public struct ClassMembership: Codable, Sendable, Equatable {
    /// The server's base URL as joined (`http://HOST:PORT`, no path).
    public var url: String
    public var username: String
    public var teacher: Bool
    public var joined: Double
    /// The key the server gave this account (hex): `podlab check` signs reports with it (see `SubmissionSignature`).
    public var signingKey: String

    public init(url: String, username: String, teacher: Bool, joined: Double, signingKey: String) {
        self.url = url
        self.username = username
        self.teacher = teacher
        self.joined = joined
        self.signingKey = signingKey
    }

    /// A report of this machine, named after its account and signed with its key.
    public func seal(_ submission: Submission) throws -> Submission {
        var named = submission
        named.username = username
        guard let key = Hex.decode(signingKey), key.count == 32 else {
            throw ClassError("the class's signing key on this machine is damaged", hint: "join the class again")
        }
        return try SubmissionSignature.signed(named, key: key)
    }

    public static func path(state: String) -> String { "\(state)/class.json" }

    /// The class joined on this machine, nil when none is.
    public static func load(state: String) throws(ClassError) -> ClassMembership? {
        let path = path(state: state)
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readFile(path, limit: 64 << 10)
        } catch {
            if error.errno == ENOENT { return nil }
            throw ClassError(error)
        }
        do {
            return try JSONCoding.decode(ClassMembership.self, from: bytes, what: "class membership")
        } catch {
            throw ClassError("\(path) is damaged: \(error.message)", hint: "join the class again ('podlab class join URL --username NAME --password-stdin')")
        }
    }

    public func save(state: String) throws(ClassError) {
        do {
            try FileSystem.createDirectory(state, mode: 0o700)
            try FileSystem.writeAtomically(try JSONCoding.encode(self, pretty: true), to: Self.path(state: state), mode: 0o600)
        } catch {
            throw ClassError(error)
        }
    }

    /// Forgets the class; true when one was joined.
    public static func remove(state: String) throws(ClassError) -> Bool {
        let path = path(state: state)
        guard unlink(path) == 0 else {
            if errno == ENOENT { return false }
            throw ClassError(SystemError("remove", path: path, errno: errno))
        }
        return true
    }
}
