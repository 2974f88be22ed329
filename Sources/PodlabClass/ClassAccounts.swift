import PodlabCore
import PodlabRegistryServer
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A class's accounts: one name and password serve the class registry (pushes into the learner's own namespace)
/// and submissions. Kept as the registry keeps them, so `registry serve --htpasswd` reads the same file:
///
///     accounts/htpasswd        bcrypt entries (`htpasswd -B`'s format), mode 0600
///     accounts/teachers        one teacher's name per line: who may see the dashboard and every learner's work
///     accounts/accounts.lock   held for each read-modify-write
public final class ClassAccounts: @unchecked Sendable {
    /// An account, or a roster's line that is to become one: a name, and whether it is a teacher's.
    public struct Account: Sendable, Equatable {
        public let username: String
        public let teacher: Bool

        public init(username: String, teacher: Bool) {
            self.username = username
            self.teacher = teacher
        }
    }

    public let directory: String
    private let lock: FileLock
    /// The htpasswd file the class registry checks passwords against.
    public var registryPasswords: String { "\(directory)/htpasswd" }
    var teachersPath: String { "\(directory)/teachers" }
    /// `teacherNames()`'s last answer, with the account files' inodes, sizes and change times it was read at.
    private let teachersRead = Mutex<(stamp: [Int], names: Set<String>)?>(nil)

    public init(directory: String) throws(ClassError) {
        self.directory = directory
        do {
            try FileSystem.createDirectory(directory, mode: 0o700)
            lock = try FileLock(path: "\(directory)/accounts.lock")
        } catch {
            throw ClassError(error)
        }
    }

    /// The teachers' names (accounts that exist and are marked), read again only when an account file changed: the
    /// class registry asks at every pull and for every repository of its catalog.
    public func teacherNames() throws(ClassError) -> Set<String> {
        let stamp = [registryPasswords, teachersPath].flatMap { path -> [Int] in
            var info = stat()
            guard stat(path, &info) == 0 else { return [-1] }
            return [Int(info.st_ino), Int(info.st_size), Int(info.st_ctim.tv_sec), Int(info.st_ctim.tv_nsec)]
        }
        if let known = teachersRead.withLock({ $0 }), known.stamp == stamp { return known.names }
        let names = Set(try list().filter(\.teacher).map(\.username))
        teachersRead.withLock { $0 = (stamp, names) }
        return names
    }

    public func list() throws(ClassError) -> [Account] {
        let (passwords, teachers) = try read()
        return passwords.entries.keys.sorted().map { Account(username: $0, teacher: teachers.contains($0)) }
    }

    /// Adds an account; an existing name is refused (remove it first to set a new password).
    public func add(_ username: String, password: String, teacher: Bool) throws(ClassError) {
        try Self.checkPassword(password, of: username)
        try update { (passwords: inout Htpasswd, teachers: inout Set<String>) throws(ClassError) in
            guard passwords.entries[username] == nil else {
                throw ClassError("the account \"\(username)\" exists already",
                                 hint: "remove it first ('podlab class account remove --username \(username)') to give it a new password")
            }
            try Self.set(&passwords, username, password)
            Self.mark(&teachers, username, teacher: teacher)
        }
    }

    public func remove(_ username: String) throws(ClassError) {
        try update { (passwords: inout Htpasswd, teachers: inout Set<String>) throws(ClassError) in
            guard passwords.entries[username] != nil else {
                throw ClassError("no account \"\(username)\"", hint: "'podlab class account list' shows the accounts", exitStatus: ExitStatus.notFound)
            }
            passwords = Htpasswd(entries: passwords.entries.filter { $0.key != username })
            teachers.remove(username)
        }
    }

    /// Adds every account of a roster at once, each with a new random password (returned, in the roster's order,
    /// for the teacher to hand out: they are stored only as bcrypt hashes). Nothing is added when any line is wrong
    /// or names an existing account.
    public func importRoster(_ entries: [Account]) throws(ClassError) -> [(username: String, password: String)] {
        var issued: [(username: String, password: String)] = []
        try update { (passwords: inout Htpasswd, teachers: inout Set<String>) throws(ClassError) in
            let existing = entries.map(\.username).filter { passwords.entries[$0] != nil }
            guard existing.isEmpty else {
                throw ClassError("the roster names accounts that exist already: \(existing.joined(separator: ", "))",
                                 hint: "take them out of the roster, or remove those accounts first; nothing was added")
            }
            for entry in entries {
                let password = Self.randomPassword()
                try Self.set(&passwords, entry.username, password)
                Self.mark(&teachers, entry.username, teacher: entry.teacher)
                issued.append((entry.username, password))
            }
        }
        return issued
    }

    /// Reads a roster: one account name per line, `NAME,teacher` for a teacher, `#` comments and blank lines
    /// skipped. Every wrong line is named with its number, and a name given twice is refused.
    public static func parseRoster(_ text: String, file: String) throws(ClassError) -> [Account] {
        var entries: [Account] = []
        var problems: [String] = []
        var seen: Set<String> = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmed()
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmed() }
            let name = fields[0]
            let teacher = fields.count == 2 && fields[1] == "teacher"
            if fields.count > 2 || (fields.count == 2 && !teacher) {
                problems.append("line \(index + 1): \"\(line)\" is not NAME or NAME,teacher")
            } else if !Htpasswd.isValidUser(name) {
                problems.append("line \(index + 1): \"\(name)\" is not an account name (2 to 30 lowercase letters and digits)")
            } else if Htpasswd.reservedUsers.contains(name) {
                problems.append("line \(index + 1): \"\(name)\" is reserved for the registry's own images")
            } else if !seen.insert(name).inserted {
                problems.append("line \(index + 1): \"\(name)\" is named twice")
            } else {
                entries.append(Account(username: name, teacher: teacher))
            }
        }
        guard problems.isEmpty else {
            throw ClassError("the roster \(file) has \(problems.count) wrong line\(problems.count == 1 ? "" : "s"): " + problems.prefix(5).joined(separator: "; "),
                             hint: "one account name per line, NAME,teacher for a teacher; nothing was added")
        }
        guard !entries.isEmpty else { throw ClassError("the roster \(file) names no account") }
        return entries
    }

    /// The class's signing secret (`signing.key`: 32 random bytes, 0600), made on first use. Each account's key is
    /// derived from it (`SubmissionSignature.accountKey`); a new secret makes every signed report invalid.
    public func signingSecret() throws(ClassError) -> [UInt8] {
        let path = "\(directory)/signing.key"
        do {
            return try lock.withLock(.exclusive) { () throws -> [UInt8] in
                if FileSystem.exists(path) {
                    guard let secret = Hex.decode(try readText(path).trimmed()), secret.count == 32 else {
                        throw ClassError("\(path) is not a signing key", hint: "remove it; every report signed so far will then need to be made again")
                    }
                    return secret
                }
                var generator = SystemRandomNumberGenerator()
                let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
                try FileSystem.writeAtomically(Array((Hex.encode(secret) + "\n").utf8), to: path, mode: 0o600)
                return secret
            }
        } catch {
            throw ClassError(error)
        }
    }

    /// The account a name and password sign in as, or nil. Unknown names cost the same bcrypt as known ones.
    public func authenticate(_ username: String, password: String) throws(ClassError) -> Account? {
        let (passwords, teachers) = try read()
        guard passwords.verify(user: username, password: password) else { return nil }
        return Account(username: username, teacher: teachers.contains(username))
    }

    /// Passwords a class can rely on: 8 to 72 bytes (bcrypt reads no further), one line, not the name itself.
    static func checkPassword(_ password: String, of username: String) throws(ClassError) {
        guard password.utf8.count >= 8 else {
            throw ClassError("the password is too short: use at least 8 characters", hint: "give it on standard input with --password-stdin")
        }
        guard password.utf8.count <= 72 else {
            throw ClassError("the password is longer than 72 bytes, which bcrypt ignores beyond", hint: "use a shorter one")
        }
        guard !password.contains("\n"), !password.contains("\r") else { throw ClassError("the password holds a line break") }
        guard !password.utf8.contains(0) else { throw ClassError("the password holds a NUL byte, where bcrypt stops reading") }
        guard password != username else { throw ClassError("the password is the account's name", hint: "choose another one") }
    }

    /// 12 characters from 31 that cannot be mistaken for one another (about 59 bits), from the kernel's random source.
    static func randomPassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// A learner's name is taken out of the teachers too: a line a crash left there must not make them one.
    private static func mark(_ teachers: inout Set<String>, _ username: String, teacher: Bool) {
        if teacher { teachers.insert(username) } else { teachers.remove(username) }
    }

    private static func set(_ passwords: inout Htpasswd, _ username: String, _ password: String) throws(ClassError) {
        do {
            try passwords.set(user: username, password: password)
        } catch {
            throw ClassError(error)
        }
    }

    private func read() throws(ClassError) -> (Htpasswd, Set<String>) {
        let teachers = try readText(teachersPath)
        return (Htpasswd(contents: try readText(registryPasswords)), Set(teachers.split(separator: "\n").map { $0.trimmed() }.filter { !$0.isEmpty }))
    }

    /// A file's text; empty when it does not exist yet (a class with no accounts).
    private func readText(_ path: String) throws(ClassError) -> String {
        let limit = 16 << 20
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readFile(path, limit: limit)
        } catch {
            if error.errno == ENOENT { return "" }
            throw ClassError(error)
        }
        guard bytes.count <= limit else { throw ClassError("\(path) is larger than 16 MiB: it is not a class's accounts file") }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func update(_ change: (inout Htpasswd, inout Set<String>) throws(ClassError) -> Void) throws(ClassError) {
        do {
            try lock.withLock(.exclusive) { () throws -> Void in
                var (passwords, teachers) = try read()
                try change(&passwords, &teachers)
                do {
                    // Teachers first: a crash between the two writes leaves a teacher line without an account, which
                    // grants nothing, never an account that should have been a learner's with a teacher's rights.
                    try FileSystem.writeAtomically(Array(teachers.sorted().map { "\($0)\n" }.joined().utf8), to: teachersPath, mode: 0o600)
                    try FileSystem.writeAtomically(Array(passwords.contents.utf8), to: registryPasswords, mode: 0o600)
                } catch {
                    throw ClassError(error)
                }
            }
        } catch {
            throw ClassError(error)
        }
    }
}
