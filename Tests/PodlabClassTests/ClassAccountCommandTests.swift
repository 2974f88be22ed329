import PodlabClass
import PodlabCore
import PodlabTestSupport
import Testing

/// `podlab class account …` as a teacher types it, and the class registry taking the passwords it set.
struct ClassAccountCommandTests {
    let directory = TemporaryDirectory("podlab-class-account-command")
    var storage: String { directory.file("class") }
    var podman: Podman { Podman(root: directory.file("storage")) }

    func podlab(_ arguments: String..., stdin: String? = nil) throws -> ProcessResult {
        try TestProcess.run([BuildProducts.podlab] + arguments, stdin: stdin)
    }

    @Test func accountsAddedAndImportedSignInToTheClassRegistry() throws {
        let added = try podlab("class", "account", "add", "--storage", storage, "--username", "teacher1", "--teacher",
                               "--password-stdin", stdin: "lecture-hall\n")
        #expect(added.status == 0 && added.stdout == "Added teacher teacher1\n", "\(added)")
        let learner = try podlab("class", "account", "add", "--storage", storage, "--username", "alice", "--password-stdin",
                                 stdin: "alice-pass-1\n")
        #expect(learner.status == 0 && learner.stdout == "Added learner alice\n", "\(learner)")

        let rosterPath = directory.file("roster.txt")
        try FileSystem.writeAtomically(Array("# class 3\nbob\ncarol\n\nta1,teacher\n".utf8), to: rosterPath)
        let imported = try podlab("class", "account", "import", "--storage", storage, rosterPath)
        #expect(imported.status == 0, "\(imported)")
        let issued = imported.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(issued.first == ["username", "password"])
        #expect(issued.dropFirst().map { $0[0] } == ["bob", "carol", "ta1"])
        #expect(issued.dropFirst().allSatisfy { $0.count == 2 && $0[1].count == 12 }, "\(imported.stdout)")
        #expect(imported.stderr.hasPrefix("Added 3 accounts."))

        let list = try podlab("class", "account", "list", "--storage", storage)
        #expect(list.stdout == """
            USERNAME  ROLE
            alice     learner
            bob       learner
            carol     learner
            ta1       teacher
            teacher1  teacher

            """, "\(list)")

        // The class registry reads the same file: each account logs in with its own password, and no other.
        let server = try Registries.podlab(in: directory.path, htpasswd: "\(storage)/accounts/htpasswd")
        defer { server.stop() }
        let registry = "127.0.0.1:\(server.port)"
        let alice = try podman("login", "--tls-verify=false", "-u", "alice", "--password-stdin", registry, stdin: "alice-pass-1\n")
        #expect(alice.status == 0 && alice.stdout == "Login Succeeded!\n", "\(alice)")
        let bobPassword = try #require(issued.dropFirst().first?.last)
        let bob = try podman("login", "--tls-verify=false", "-u", "bob", "--password-stdin", registry, stdin: "\(bobPassword)\n")
        #expect(bob.status == 0, "\(bob)")
        let wrong = try podman("login", "--tls-verify=false", "-u", "bob", "--password-stdin", registry, stdin: "alice-pass-1\n")
        #expect(wrong.status == 125, "another account's password: \(wrong)")

        let removed = try podlab("class", "account", "remove", "--storage", storage, "--username", "alice")
        #expect(removed.status == 0 && removed.stdout == "Removed alice\n", "\(removed)")
        #expect(try podlab("class", "account", "list", "--storage", storage, "--quiet").stdout == "bob\ncarol\nta1\nteacher1\n")
    }

    @Test func refusalsSayWhatToDoAndChangeNothing() throws {
        let first = try podlab("class", "account", "add", "--storage", storage, "--username", "alice", "--password-stdin",
                               stdin: "alice-pass-1\n")
        #expect(first.status == 0, "\(first)")

        let noStdin = try podlab("class", "account", "add", "--storage", storage, "--username", "bob")
        #expect(noStdin.status == 125 && noStdin.stderr.hasPrefix("Error: the password is read from standard input only\nHint: echo "),
                "\(noStdin)")
        let short = try podlab("class", "account", "add", "--storage", storage, "--username", "bob", "--password-stdin", stdin: "short\n")
        #expect(short.status == 125 && short.stderr.hasPrefix("Error: the password is too short"), "\(short)")
        let badName = try podlab("class", "account", "add", "--storage", storage, "--username", "Bob!", "--password-stdin",
                                 stdin: "long-enough-1\n")
        #expect(badName.status == 125 && badName.stderr.hasPrefix("Error: \"Bob!\" is not a valid user name"), "\(badName)")
        let again = try podlab("class", "account", "add", "--storage", storage, "--username", "alice", "--password-stdin",
                               stdin: "another-one-1\n")
        #expect(again.status == 125 && again.stderr.hasPrefix("Error: the account \"alice\" exists already\nHint: remove it first"), "\(again)")
        let missing = try podlab("class", "account", "remove", "--storage", storage, "--username", "nobody")
        #expect(missing.status == 1 && missing.stderr.hasPrefix("Error: no account \"nobody\""), "\(missing)")

        // A roster with a wrong line, or naming an existing account, adds nobody.
        let roster = try podlab("class", "account", "import", "--storage", storage, "-", stdin: "bob\nCarol\nalice\nbob\n")
        #expect(roster.status == 125 && roster.stderr.hasPrefix("Error: the roster on standard input has 2 wrong lines: line 2: \"Carol\""), "\(roster)")
        let existing = try podlab("class", "account", "import", "--storage", storage, "-", stdin: "bob\nalice\n")
        #expect(existing.status == 125 && existing.stderr.hasPrefix("Error: the roster names accounts that exist already: alice"), "\(existing)")
        let absent = try podlab("class", "account", "import", "--storage", storage, directory.file("no-roster"))
        #expect(absent.status == 125 && absent.stderr.contains("no-roster"), "\(absent)")

        #expect(try ClassAccounts(directory: "\(storage)/accounts").list() == [.init(username: "alice", teacher: false)])
        #expect(try ClassAccounts(directory: "\(storage)/accounts").authenticate("alice", password: "alice-pass-1") != nil)
    }
}
