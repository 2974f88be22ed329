import PodlabClass
import PodlabCore
import PodlabRegistryServer
import PodlabTestSupport
import Testing

/// A class's accounts: one password for the registry and submissions (the registry's own htpasswd reader accepts
/// the file), teachers marked apart, a roster added all at once or not at all.
struct ClassAccountsTests {
    let directory = TemporaryDirectory("podlab-class-accounts")

    @Test func accountsSignInWithTheirOwnPasswordOnly() throws {
        let accounts = try ClassAccounts(directory: directory.file("accounts"))
        try accounts.add("teacher1", password: "lecture-hall", teacher: true)
        try accounts.add("alice", password: "alice-pass-1", teacher: false)
        #expect(try accounts.list() == [.init(username: "alice", teacher: false), .init(username: "teacher1", teacher: true)])
        #expect(try accounts.authenticate("alice", password: "alice-pass-1") == .init(username: "alice", teacher: false))
        #expect(try accounts.authenticate("teacher1", password: "lecture-hall")?.teacher == true)
        #expect(try accounts.authenticate("alice", password: "lecture-hall") == nil, "another account's password")
        #expect(try accounts.authenticate("nobody", password: "alice-pass-1") == nil)

        // The registry reads the same file: a learner pushes with the password they submit with.
        let registry = try Htpasswd.load(accounts.registryPasswords)
        #expect(registry.verify(user: "alice", password: "alice-pass-1"))

        let again = try #require(throws: ClassError.self) { try accounts.add("alice", password: "another-one", teacher: false) }
        #expect(again.message == "the account \"alice\" exists already")
        #expect(try accounts.authenticate("alice", password: "alice-pass-1") != nil, "the refused add changed nothing")

        try accounts.remove("alice")
        #expect(try accounts.authenticate("alice", password: "alice-pass-1") == nil)
        let missing = try #require(throws: ClassError.self) { try accounts.remove("alice") }
        #expect(missing.exitStatus == ExitStatus.notFound)
    }

    @Test(arguments: [
        ("short", "the password is too short"),
        (String(repeating: "x", count: 73), "the password is longer than 72 bytes"),
        ("two\nlines!", "the password holds a line break"),
        ("learner1", "the password is the account's name"),
        ("a\u{0}bcdefghij", "the password holds a NUL byte"),
    ])
    func weakPasswordsAreRefused(password: String, message: String) throws {
        let accounts = try ClassAccounts(directory: directory.file("accounts"))
        let error = try #require(throws: ClassError.self) { try accounts.add("learner1", password: password, teacher: false) }
        #expect(error.message.hasPrefix(message), "\(error.message)")
        #expect(try accounts.list().isEmpty)
    }

    @Test func aRosterIsAddedWholeWithNewPasswords() throws {
        let accounts = try ClassAccounts(directory: directory.file("accounts"))
        let roster = try ClassAccounts.parseRoster("# class 3\nalice\n\nbob\nmsli,teacher\n", file: "roster.txt")
        #expect(roster == [.init(username: "alice", teacher: false), .init(username: "bob", teacher: false), .init(username: "msli", teacher: true)])
        let issued = try accounts.importRoster(roster)
        #expect(issued.map(\.username) == ["alice", "bob", "msli"])
        #expect(Set(issued.map(\.password)).count == 3 && issued.allSatisfy { $0.password.count == 12 })
        for (username, password) in issued {
            #expect(try accounts.authenticate(username, password: password)?.username == username)
        }

        // A second roster naming an existing account adds nobody, not even the new names before it.
        let more = try ClassAccounts.parseRoster("carol\nbob\n", file: "more.txt")
        let refused = try #require(throws: ClassError.self) { try accounts.importRoster(more) }
        #expect(refused.message == "the roster names accounts that exist already: bob")
        #expect(try accounts.list().map(\.username) == ["alice", "bob", "msli"])
    }

    @Test func wrongRosterLinesAreNamedByNumber() throws {
        let error = try #require(throws: ClassError.self) {
            try ClassAccounts.parseRoster("alice\nBob\nalice\ncarol,admin\nlibrary\n", file: "roster.txt")
        }
        #expect(error.message == "the roster roster.txt has 4 wrong lines: line 2: \"Bob\" is not an account name (2 to 30 lowercase letters and digits); line 3: \"alice\" is named twice; line 4: \"carol,admin\" is not NAME or NAME,teacher; line 5: \"library\" is reserved for the registry's own images")
    }

    @Test func aTeacherLineWithoutItsAccountMakesNoLearnerATeacher() throws {
        let path = directory.file("accounts")
        let accounts = try ClassAccounts(directory: path)
        // What a crash between the two writes of a teacher's add leaves: the teacher line, no account.
        try FileSystem.writeAtomically(Array("dave\n".utf8), to: "\(path)/teachers", mode: 0o600)
        try accounts.add("dave", password: "dave-learns", teacher: false)
        #expect(try accounts.list() == [.init(username: "dave", teacher: false)])
        // Control: added as a teacher, the same name is one.
        try accounts.remove("dave")
        try accounts.add("dave", password: "dave-teaches", teacher: true)
        #expect(try accounts.list() == [.init(username: "dave", teacher: true)])
    }
}
