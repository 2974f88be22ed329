import PodlabCore
import PodlabImages
import PodlabTutor

/// The class at a glance: every learner × every lesson, from the accounts and the stored submissions. What the
/// dashboard draws and the exports write; teachers are not in it.
public struct ClassProgress: Sendable, Equatable {
    /// A learner's standing in one lesson: the submission that counts (the newest verified one, else the newest).
    public struct LessonStanding: Codable, Sendable, Equatable {
        /// `missing` (nothing submitted), or the counting submission's `SubmissionState.Status`.
        public var status: String
        public var submission: String?
        public var submitted: Double?
        /// Submissions of this lesson so far.
        public var submissions: Int
        /// Lines run and hints used in the guided shell, summed over the steps (as the learner's machine counted).
        public var attempts: Int
        public var hintsUsed: Int
        public var seconds: Double?
        /// Why a replay did not verify it, or why it could not run.
        public var detail: String?
        /// Each step as the guided shell counted it (`passed`, `pending`, `skipped`), in the lesson's order.
        public var steps: [Submission.StepSummary] = []
        /// The last journaled command that failed, where the learner last went wrong.
        public var lastError: Submission.Command?

        public static let missing = LessonStanding(status: "missing", submission: nil, submitted: nil, submissions: 0,
                                                   attempts: 0, hintsUsed: 0, seconds: nil, detail: nil)
    }

    public struct Student: Codable, Sendable, Equatable {
        public var username: String
        public var lessons: [String: LessonStanding]
        /// Where their guided shell last said they are, while the class server has run (nil: not since it started).
        public var activity: LearnerActivities.Seen?
    }

    /// Column order: the lessons given, then any other lesson a submission names, sorted.
    public var lessons: [String]
    public var students: [Student]
    /// The server's time when this was read: how long ago each activity was received.
    public var now: Double

    public init(accounts: [ClassAccounts.Account], records: [SubmissionRecord], lessons: [String],
                activities: [String: LearnerActivities.Seen] = [:], now: Double = 0) {
        self.now = now
        let learners = accounts.filter { !$0.teacher }.map(\.username)
        let known = Set(learners)
        let counted = records.filter { known.contains($0.submission.username) }
        let extra = Set(counted.map(\.submission.lesson)).subtracting(lessons).sorted()
        self.lessons = lessons + extra
        let columns = self.lessons
        students = learners.map { username in
            let own = counted.filter { $0.submission.username == username }
            var standings: [String: LessonStanding] = [:]
            for lesson in columns {
                let tries = own.filter { $0.submission.lesson == lesson }
                guard let counting = tries.last(where: { $0.state.status == .verified }) ?? tries.last else {
                    standings[lesson] = .missing
                    continue
                }
                let steps = counting.submission.steps
                let seconds = steps.compactMap(\.seconds)
                standings[lesson] = LessonStanding(
                    status: counting.state.status.rawValue, submission: counting.id, submitted: counting.state.received,
                    submissions: tries.count, attempts: steps.reduce(0) { $0 + $1.attempts },
                    hintsUsed: steps.reduce(0) { $0 + $1.hintsUsed }, seconds: seconds.isEmpty ? nil : seconds.reduce(0, +),
                    detail: counting.state.detail, steps: steps,
                    lastError: counting.submission.journal.last { $0.exitCode != 0 })
            }
            return Student(username: username, lessons: standings, activity: activities[username])
        }
    }

    /// `GET /class/api/progress`: `{"students": [{"username", "lessons": {ID: {"status", …}}, "activity": {…}}],
    /// "lessons": [ID…], "now": TIME}`.
    public func json() -> [UInt8] {
        struct Document: Encodable { var lessons: [String]; var students: [Student]; var now: Double }
        return (try? JSONCoding.encode(Document(lessons: lessons, students: students, now: now), pretty: true)) ?? Array("{}".utf8)
    }

    /// One row per learner and lesson (RFC 4180). A cell a spreadsheet would read as a formula starts with `'`.
    public func csv() -> String {
        var rows = ["username,lesson,status,submission,submitted,submissions,attempts,hints,seconds,detail"]
        for student in students {
            for lesson in lessons {
                let standing = student.lessons[lesson] ?? .missing
                let cells = [student.username, lesson, standing.status, standing.submission ?? "",
                             standing.submitted.map(JSONCoding.timestamp) ?? "", String(standing.submissions),
                             String(standing.attempts), String(standing.hintsUsed),
                             standing.seconds.map { String(Int($0.rounded())) } ?? "", standing.detail ?? ""]
                rows.append(cells.map(Self.csvCell).joined(separator: ","))
            }
        }
        return rows.joined(separator: "\r\n") + "\r\n"
    }

    /// A test suite per learner, a test case per lesson: verified passes, differs and failed fail, the rest is skipped.
    public func junit() -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"podlab class\">\n"
        for student in students {
            let standings = lessons.map { student.lessons[$0] ?? .missing }
            let failures = standings.filter { $0.status == "differs" || $0.status == "failed" }.count
            let skipped = standings.filter { !["verified", "differs", "failed"].contains($0.status) }.count
            let name = Report.escape(student.username)
            xml += "  <testsuite name=\"\(name)\" tests=\"\(lessons.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\">\n"
            for (lesson, standing) in zip(lessons, standings) {
                let head = "    <testcase classname=\"\(name)\" name=\"\(Report.escape(lesson))\""
                switch standing.status {
                case "verified":
                    xml += head + "/>\n"
                case "differs", "failed":
                    let message = Report.escape(standing.status + (standing.detail.map { ": \($0)" } ?? ""))
                    xml += head + ">\n      <failure message=\"\(message)\">\(message)</failure>\n    </testcase>\n"
                default:
                    let message = standing.status == "missing" ? "not submitted" : "waiting for its replay"
                    xml += head + ">\n      <skipped message=\"\(message)\"/>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    /// What makes a spreadsheet read a cell as a formula (OWASP's list for CSV injection).
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    static func csvCell(_ text: String) -> String {
        var cell = text
        if let first = cell.unicodeScalars.first, formulaStarts.contains(first) { cell = "'" + cell }
        guard cell.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return cell }
        return "\"" + cell.replacing("\"", with: "\"\"") + "\""
    }
}
