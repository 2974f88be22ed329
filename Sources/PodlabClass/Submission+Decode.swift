import PodlabCore
import PodlabImages
import PodlabRegistryServer
import PodlabTutor

extension Submission {
    /// Bounds on what a server reads: a submission comes from the network and is hostile until replayed.
    public enum Limits {
        public static let bytes = 1 << 20
        public static let commands = 2_000
        public static let argumentsPerCommand = 256
        public static let argumentBytes = 8_192
        public static let checks = 200
        public static let steps = 100
        public static let textBytes = 4_096
        /// Lines run or hints used in one step.
        public static let count = 1_000_000
        /// Seconds spent in one step (about four months).
        public static let seconds = 10_000_000.0
    }

    /// Reads a submission from bytes received or saved, refusing what the server must not store: too large, another
    /// format, a name that is not an account name, lesson ids and texts outside their bounds.
    public static func decode(_ bytes: [UInt8]) throws(ClassError) -> Submission {
        guard bytes.count <= Limits.bytes else {
            throw ClassError("the submission is \(bytes.count) bytes; a class server takes at most \(Limits.bytes)",
                             hint: "submit the report podlab check --format json wrote, unchanged")
        }
        let submission: Submission
        do {
            submission = try JSONCoding.decode(Submission.self, from: bytes, what: "submission")
        } catch {
            throw ClassError("the submission is not a podlab report: \(error.message)",
                             hint: "make one with 'podlab check --lesson ID --format json'")
        }
        try submission.validate()
        return submission
    }

    func validate() throws(ClassError) {
        guard format == Self.currentFormat else {
            throw ClassError("the submission's format is \"\(format)\"; this server reads \"\(Self.currentFormat)\"",
                             hint: "use the same podlab version as the class server")
        }
        guard !username.isEmpty else {
            throw ClassError("the report names no class account", hint: "join the class first ('podlab class join URL --username NAME --password-stdin'), then check the lesson again")
        }
        guard Htpasswd.isValidUser(username) else { throw ClassError("the submission's user name \"\(username)\" is not an account name") }
        guard Self.isLessonID(lesson) else { throw ClassError("the submission's lesson \"\(lesson)\" is not a lesson id") }
        guard created.isFinite, created > 0 else { throw ClassError("the submission's creation time is not a time") }
        guard journal.count <= Limits.commands else {
            throw ClassError("the submission journals \(journal.count) commands; a class server takes at most \(Limits.commands)",
                             hint: "start the lesson again ('lesson \(lesson)' in the guided shell) and submit that")
        }
        for command in journal {
            guard !command.arguments.isEmpty, command.arguments.count <= Limits.argumentsPerCommand,
                  command.arguments.allSatisfy({ $0.utf8.count <= Limits.argumentBytes }), command.time.isFinite else {
                throw ClassError("a command of the submission's journal is empty or too long")
            }
        }
        guard checks.count <= Limits.checks, steps.count <= Limits.steps else {
            throw ClassError("the submission has more checks or steps than any lesson")
        }
        // What the class grid adds up and prints: bounded, so no sum overflows and no time is infinite or negative.
        for step in steps {
            guard ["pending", "passed", "skipped"].contains(step.status), (0...Limits.count).contains(step.attempts),
                  (0...Limits.count).contains(step.hintsUsed), step.seconds.map({ (0...Limits.seconds).contains($0) }) ?? true else {
                throw ClassError("the step \"\(step.id)\" of the submission has a status, count or time no guided shell writes")
            }
        }
        guard (signature?.utf8.count ?? 0) <= 128 else { throw ClassError("the submission's signature is too long") }
        let texts = [podlab] + checks.flatMap { [$0.name, $0.message ?? ""] } + steps.flatMap { [$0.id, $0.status] }
        guard texts.allSatisfy({ $0.utf8.count <= Limits.textBytes }) else { throw ClassError("a text of the submission is too long") }
    }

    /// A lesson id as the catalogue names its files: lowercase letters, digits and `-`, 1 to 40 of them.
    public static func isLessonID(_ text: String) -> Bool {
        (1...40).contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
            && text.first != "-"
    }
}
