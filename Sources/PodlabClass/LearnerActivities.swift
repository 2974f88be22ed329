import PodlabCore
import PodlabImages
import PodlabTutor
import Synchronization

/// What each learner's guided shell last said about where they are (`PUT /class/api/activity`), for the teacher's
/// live view of who is stuck where. Kept in memory only: it is now, not a record (the submissions are the record),
/// so a restarted server shows a learner again at their next line.
public final class LearnerActivities: Sendable {
    /// One learner's latest report and when the server received it (the server's clock, not the learner's).
    public struct Seen: Codable, Sendable, Equatable {
        public var activity: LearnerActivity
        public var received: Double
    }

    private let latest = Mutex<[String: Seen]>([:])

    public init() {}

    /// Keeps the learner's report; true when it says something new. A report that differs from the last only in its
    /// time (a guided shell sends one for each line, step and hint, each of which changes something else) is no reason
    /// to make every teacher's page fetch the grid again: a loop of them does not.
    public func record(_ activity: LearnerActivity, for username: String, at time: Double) -> Bool {
        latest.withLock { latest in
            defer { latest[username] = Seen(activity: activity, received: time) }
            guard var before = latest[username]?.activity else { return true }
            before.seconds = activity.seconds
            return before != activity
        }
    }

    public var all: [String: Seen] { latest.withLock { $0 } }

    /// A report as a learner's machine sent it, refused (with the reason) unless it fits the bounds and names a lesson
    /// this class offers and one of its steps (or its end).
    public static func decode(_ bytes: [UInt8], lessonSteps: [String: [String]]) throws(ClassError) -> LearnerActivity {
        guard bytes.count <= LearnerActivity.Limits.bytes else {
            throw ClassError("an activity report is at most \(LearnerActivity.Limits.bytes) bytes")
        }
        let activity: LearnerActivity
        do {
            activity = try JSONCoding.decode(LearnerActivity.self, from: bytes, what: "activity report")
        } catch {
            throw ClassError("the activity report is not one podlab's guided shell sends: \(error.message)")
        }
        guard let steps = lessonSteps[activity.lesson] else {
            throw ClassError("this class does not offer the lesson \"\(TerminalText.visible(activity.lesson))\"",
                             hint: "the class offers: \(lessonSteps.keys.sorted().joined(separator: ", "))")
        }
        let limits = LearnerActivity.Limits.self
        guard activity.steps == steps.count, activity.index >= 0, activity.index <= steps.count,
              activity.step == (activity.index < steps.count ? steps[activity.index] : ""),
              (0...Submission.Limits.count).contains(activity.attempts), (0...Submission.Limits.count).contains(activity.hintsUsed),
              (0...Submission.Limits.seconds).contains(activity.seconds) else {
            throw ClassError("the activity report does not fit the lesson \"\(activity.lesson)\" as this class has it",
                             hint: "the class server may have other lesson files: install the podlab version it runs")
        }
        if let command = activity.lastError {
            guard command.arguments.count <= limits.arguments + 1,
                  command.arguments.allSatisfy({ $0.unicodeScalars.count <= limits.argumentScalars + 1 }) else {
                throw ClassError("the activity report's command is longer than a class server takes")
            }
        }
        return activity
    }
}
