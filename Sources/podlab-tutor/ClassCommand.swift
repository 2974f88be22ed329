import ArgumentParser
import PodlabClass
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// `podlab class …`: what a teacher runs to keep a class (its accounts, its server) and what a learner runs to join it.
struct ClassCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "class",
        abstract: "A class on one server: its accounts and server (teachers); joining it and submitting to it (learners).",
        subcommands: [ClassAccountCommand.self, ClassServeCommand.self, ClassJoinCommand.self, ClassSubmitCommand.self, ClassLeaveCommand.self]
    )
}

/// `--storage DIR`: the directory that holds one class (accounts/, and later submissions/ and the registry's data).
struct ClassStorageOption: ParsableArguments {
    @Option(help: "The class's data directory (made 0700 if missing).") var storage: String

    /// The accounts of the class, opened (and their directory made) on first use.
    func accounts() throws(ClassError) -> ClassAccounts {
        try ClassAccounts(directory: "\(absolute)/accounts")
    }

    var absolute: String {
        storage.hasPrefix("/") ? storage : "\(FileSystem.realPath(".") ?? ".")/\(storage)"
    }
}

/// How class commands end on a refusal: as podman prints errors (`Error: …`, then `Hint: …` with what to do), with
/// the error's own exit status, instead of ArgumentParser's generic exit 1.
enum ClassCommandOutcome {
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as any LearnerFacingError {
            standardError("Error: \(TerminalText.visible(failure.message))")
            if let hint = failure.hint { standardError("Hint: \(TerminalText.visible(hint))") }
            throw ExitCode(failure.exitStatus)
        }
    }

    /// A line on standard error, after what went to standard output so far.
    static func standardError(_ line: String) {
        fflush(nil)
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { try? FileSystem.writeAll(fd: 2, $0, path: "standard error") }
    }

}
