import PodlabCore
import PodlabImages

/// What a lesson's grade rests on, as `podlab check --format json` writes it and a learner submits it to a class:
/// the checks as this machine evaluated them, the podman command lines the engine journaled while the lesson ran
/// (passwords removed), how each step went, and which podlab and lesson file graded it. The JSON is a superset of
/// `Report`'s (`suite`, `passed`, `total`, `failures`, `cases`), so readers of that format keep working.
public struct Submission: Codable, Sendable, Equatable {
    /// The format's name and version; a class server refuses formats it does not know.
    public static let currentFormat = "podlab.submission/1"

    /// A podman command line the engine journaled, with how it ended.
    public struct Command: Codable, Sendable, Equatable {
        public var time: Double
        public var arguments: [String]
        public var exitCode: Int32

        public init(time: Double, arguments: [String], exitCode: Int32) {
            self.time = time
            self.arguments = arguments
            self.exitCode = exitCode
        }
    }

    /// How a step went in the guided shell: shown to the teacher, never trusted for the grade.
    public struct StepSummary: Codable, Sendable, Equatable {
        public var id: String
        /// `pending`, `passed` or `skipped`, as the learner's progress file says.
        public var status: String
        public var attempts: Int
        public var hintsUsed: Int
        public var seconds: Double?

        public init(id: String, status: String, attempts: Int, hintsUsed: Int, seconds: Double?) {
            self.id = id
            self.status = status
            self.attempts = attempts
            self.hintsUsed = hintsUsed
            self.seconds = seconds
        }
    }

    public var format: String
    /// podlab's version on the learner's machine.
    public var podlab: String
    /// The class account that submits it; empty until the learner has joined a class.
    public var username: String
    public var lesson: String
    /// The lesson file that graded it: a replay grades with the server's copy only when it is the same.
    public var lessonDigest: Digest
    public var created: Double
    public var checks: [Report.Case]
    public var steps: [StepSummary]
    public var journal: [Command]
    /// The report's seal (`hmac-sha256:HEX`), set on a machine that joined a class; nil otherwise.
    public var signature: String?

    public init(podlab: String, username: String, lesson: String, lessonDigest: Digest, created: Double,
                checks: [Report.Case], steps: [StepSummary], journal: [Command]) {
        format = Self.currentFormat
        self.podlab = podlab
        self.username = username
        self.lesson = lesson
        self.lessonDigest = lessonDigest
        self.created = created
        self.checks = checks
        self.steps = steps
        self.journal = journal
    }

    /// True when this machine's evaluation says every check held.
    public var claimsPassed: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }

    /// The report the checks make, as `podlab check` prints it in its other formats.
    public var report: Report { Report(suite: "podlab.\(lesson)", cases: checks) }

    /// As `podlab check` prints it: JSON is the whole submission (the report with what it rests on), the other
    /// formats are the report's.
    public func render(_ format: Report.Format) -> String {
        guard format == .json else { return report.render(format) }
        return (try? JSONCoding.encode(self, pretty: true)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    enum CodingKeys: String, CodingKey {
        case format, podlab, username, lesson, lessonDigest, created, steps, journal, signature
        case checks = "cases"
        case suite, passed, total, failures
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(String.self, forKey: .format)
        podlab = try container.decode(String.self, forKey: .podlab)
        username = try container.decode(String.self, forKey: .username)
        lesson = try container.decode(String.self, forKey: .lesson)
        lessonDigest = try container.decode(Digest.self, forKey: .lessonDigest)
        created = try container.decode(Double.self, forKey: .created)
        checks = try container.decode([Report.Case].self, forKey: .checks)
        steps = try container.decode([StepSummary].self, forKey: .steps)
        journal = try container.decode([Command].self, forKey: .journal)
        signature = try container.decodeIfPresent(String.self, forKey: .signature)
        // suite, passed, total and failures follow from the rest; what a file says of them is not read.
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(podlab, forKey: .podlab)
        try container.encode(username, forKey: .username)
        try container.encode(lesson, forKey: .lesson)
        try container.encode(lessonDigest, forKey: .lessonDigest)
        try container.encode(created, forKey: .created)
        try container.encode(checks, forKey: .checks)
        try container.encode(steps, forKey: .steps)
        try container.encode(journal, forKey: .journal)
        try container.encodeIfPresent(signature, forKey: .signature)
        let report = report
        try container.encode(report.suite, forKey: .suite)
        try container.encode(report.passed, forKey: .passed)
        try container.encode(report.cases.count, forKey: .total)
        try container.encode(report.failures, forKey: .failures)
    }
}
