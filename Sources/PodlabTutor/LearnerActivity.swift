import PodlabCore
import PodlabImages
import PodlabRuntime

/// Where a learner is in the guided shell right now: the lesson, the step, how hard it is going, and the last
/// command that failed on it. A machine that joined a class sends it after every line, so the teacher sees who is
/// stuck while the lesson is still going (a submission says how it ended). It is what the learner's machine says:
/// shown, never graded.
public struct LearnerActivity: Codable, Sendable, Equatable {
    public var lesson: String
    /// The current step's id; empty once the lesson is finished.
    public var step: String
    /// The current step's position from 0; equal to `steps` once the lesson is finished.
    public var index: Int
    public var steps: Int
    /// Lines run and hints taken on the current step.
    public var attempts: Int
    public var hintsUsed: Int
    /// Seconds since the step began, as the learner's clock says when it is sent.
    public var seconds: Double
    /// The newest journaled command that failed since the step began.
    public var lastError: Submission.Command?

    public init(lesson: String, step: String, index: Int, steps: Int, attempts: Int, hintsUsed: Int, seconds: Double,
                lastError: Submission.Command?) {
        self.lesson = lesson
        self.step = step
        self.index = index
        self.steps = steps
        self.attempts = attempts
        self.hintsUsed = hintsUsed
        self.seconds = seconds
        self.lastError = lastError.map(Self.bounded)
    }

    public var finished: Bool { index >= steps }

    /// What a class server takes: a small body, so one learner's long line cannot make every teacher's refresh
    /// large (the whole line is in the journal the submission carries).
    public enum Limits {
        public static let bytes = 64 << 10
        public static let arguments = 32
        public static let argumentScalars = 200
    }

    /// The command as sent: at most `Limits.arguments` arguments of `Limits.argumentScalars` Unicode scalars each,
    /// a cut one ending in "…".
    static func bounded(_ command: Submission.Command) -> Submission.Command {
        // Counted in Unicode scalars: a Character can hold any number of them (a letter and its combining marks).
        var arguments = command.arguments.prefix(Limits.arguments).map { argument in
            argument.unicodeScalars.count > Limits.argumentScalars
                ? String(argument.unicodeScalars.prefix(Limits.argumentScalars)) + "…" : argument
        }
        if command.arguments.count > Limits.arguments { arguments.append("…") }
        return Submission.Command(time: command.time, arguments: arguments, exitCode: command.exitCode)
    }

    /// The newest podman command line the engine journaled since `since` that did not succeed.
    public static func lastError(storage: String, since: Double) -> Submission.Command? {
        let failed = Journal(storage: storage).newest(since: since) {
            $0.type == "system" && $0.status == "command" && ($0.exitCode ?? 0) != 0
        }
        return failed.map { Submission.Command(time: $0.time, arguments: $0.arguments ?? [], exitCode: $0.exitCode ?? -1) }
    }
}
