import CCrypt
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// An htpasswd file with bcrypt entries (`user:$2y$…`, as `htpasswd -B` writes them), checked with the
/// system's libcrypt. Entries of other kinds (MD5, SHA1, plain) are ignored, as distribution does.
public struct Htpasswd: Sendable {
    public private(set) var entries: [String: String]

    public init(entries: [String: String] = [:]) {
        self.entries = entries
    }

    public init(contents: String) {
        var entries: [String: String] = [:]
        for line in contents.split(separator: "\n") {
            let text = line.trimmed()
            guard !text.isEmpty, !text.hasPrefix("#"), let colon = text.firstIndex(of: ":") else { continue }
            let user = String(text[..<colon])
            let hash = String(text[text.index(after: colon)...])
            if Htpasswd.isBcrypt(hash) { entries[user] = hash }
        }
        self.entries = entries
    }

    public static func load(_ path: String) throws -> Htpasswd {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path) } catch {
            throw RegistryServerError("cannot read the htpasswd file \(path): \(SystemError.describe(error.errno))",
                                      hint: "create it with 'htpasswd -Bc \(path) USER' or 'podlab registry signup'")
        }
        return Htpasswd(contents: String(decoding: bytes, as: UTF8.self))
    }

    static func isBcrypt(_ hash: String) -> Bool {
        ["$2y$", "$2b$", "$2a$"].contains { hash.hasPrefix($0) }
    }

    /// True when `password` is the user's.
    public func verify(user: String, password: String) -> Bool {
        guard let hash = entries[user] else {
            // An unknown user costs the same bcrypt as a known one (another entry's salt and cost), so the
            // time of an answer does not tell which user names exist.
            if let setting = entries.values.first { _ = Htpasswd.crypt(password, setting: setting) }
            return false
        }
        guard let computed = Htpasswd.crypt(password, setting: hash) else { return false }
        return Htpasswd.constantTimeEqual(computed, hash)
    }

    /// Adds or replaces a user with a bcrypt hash of `password`.
    public mutating func set(user: String, password: String, cost: Int = 10) throws {
        guard Htpasswd.isValidUser(user) else {
            throw RegistryServerError("\"\(user)\" is not a valid user name", hint: "use 2 to 30 lowercase letters and digits, as Docker Hub does")
        }
        guard !Htpasswd.reservedUsers.contains(user) else {
            throw RegistryServerError("\"\(user)\" is reserved: the registry's own images live under that name", hint: "choose another user name, such as your own")
        }
        var setting = [CChar](repeating: 0, count: 64)
        guard crypt_gensalt_rn("$2y$", UInt(cost), nil, 0, &setting, Int32(setting.count)) != nil,
              let hash = Htpasswd.crypt(password, setting: String(cString: setting)) else {
            throw RegistryServerError("libcrypt could not make a bcrypt hash (errno \(errno))")
        }
        entries[user] = hash
    }

    /// The file's text, one `user:hash` line per user, sorted.
    public var contents: String {
        entries.keys.sorted().map { "\($0):\(entries[$0, default: ""])\n" }.joined()
    }

    /// Docker Hub's rule for user names: 2–30 lowercase letters or digits (so one can be a namespace).
    public static func isValidUser(_ user: String) -> Bool {
        (2...30).contains(user.count) && user.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }
    }

    /// Names no account may take: the namespaces of the images a registry is seeded with (`library` holds the
    /// tutorial's nginx and hello-world; an account of that name could push over them) and names that read
    /// as the registry's own.
    public static let reservedUsers: Set<String> = ["library", "podlab", "donaldsebleung", "podman", "admin", "root", "registry"]

    static func crypt(_ password: String, setting: String) -> String? {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let result = crypt_r(password, setting, data) else { return nil }
        let text = String(cString: result)
        return text.hasPrefix("*") ? nil : text
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
