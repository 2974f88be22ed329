import ArgumentParser
import PodlabClass
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// `podlab class account add|list|remove|import`: one name and password per learner or teacher, for the class
/// registry (pushes under the learner's own name) and for submissions.
struct ClassAccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Add, list and remove the class's accounts; import a roster.",
        subcommands: [Add.self, List.self, Remove.self, Import.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add one account; its password is read from standard input.")
        @OptionGroup var storage: ClassStorageOption
        @Option(help: "2 to 30 lowercase letters and digits, as on Docker Hub.") var username: String
        @Flag(help: "A teacher may see every learner's work and the dashboard.") var teacher = false
        @Flag(help: "Read the password from standard input (required: a password on the command line is seen by other users).")
        var passwordStdin = false

        func run() throws {
            try ClassCommandOutcome.run {
                guard passwordStdin else {
                    throw ClassError("the password is read from standard input only",
                                     hint: "echo \"$PASSWORD\" | podlab class account add --storage DIR --username \(username) --password-stdin")
                }
                let password = FileSystem.readLine(fd: 0)
                try storage.accounts().add(username, password: password, teacher: teacher)
                print("Added \(teacher ? "teacher" : "learner") \(username)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts: name and role.")
        @OptionGroup var storage: ClassStorageOption
        @Flag(help: "Names only, one per line.") var quiet = false

        func run() throws {
            try ClassCommandOutcome.run {
                let accounts = try storage.accounts().list()
                if quiet {
                    for account in accounts { print(account.username) }
                    return
                }
                let width = max("USERNAME".count, accounts.map(\.username.count).max() ?? 0) + 2
                func padded(_ text: String) -> String { text + String(repeating: " ", count: width - text.count) }
                print(padded("USERNAME") + "ROLE")
                for account in accounts { print(padded(account.username) + (account.teacher ? "teacher" : "learner")) }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an account (its submissions stay).")
        @OptionGroup var storage: ClassStorageOption
        @Option var username: String

        func run() throws {
            try ClassCommandOutcome.run {
                try storage.accounts().remove(username)
                print("Removed \(username)")
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add every account a roster names, each with a new password, printed once as CSV (username,password).",
            discussion: "A roster has one account name per line, NAME,teacher for a teacher; # starts a comment. Nothing is added when any line is wrong or names an existing account.")
        @OptionGroup var storage: ClassStorageOption
        @Argument(help: "The roster file, or - for standard input.") var roster: String

        func run() throws {
            try ClassCommandOutcome.run {
                let text = try Self.read(roster)
                let entries = try ClassAccounts.parseRoster(text, file: roster == "-" ? "on standard input" : roster)
                let issued = try storage.accounts().importRoster(entries)
                print("username,password")
                for account in issued { print("\(account.username),\(account.password)") }
                ClassCommandOutcome.standardError("Added \(issued.count) account\(issued.count == 1 ? "" : "s"). Their passwords are stored only as bcrypt hashes: hand these out now.")
            }
        }

        /// The roster's text; a read error (a missing file) is a `SystemError`, which names the path and the errno.
        static func read(_ roster: String) throws -> String {
            let limit = 1 << 20
            let bytes = try FileSystem.readFileOrStandardInput(roster, limit: limit)
            guard bytes.count <= limit else { throw ClassError("the roster \(roster) is larger than 1 MiB", hint: "one account name per line") }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
