import PodlabClass
import PodlabCore
import PodlabImages
import PodlabTutor
import Testing

/// A submission comes from the network: what the server would store is bounded and named, and anything else is
/// refused with a reason before it is written. The control is the sample itself, which decodes.
struct SubmissionDecodeTests {
    @Test func theSampleDecodes() throws {
        let submission = sampleSubmission()
        #expect(try Submission.decode(encoded(submission)) == submission)
        #expect(submission.claimsPassed)
        #expect(!sampleSubmission(passed: false).claimsPassed)
    }

    static func changed(_ change: (inout Submission) -> Void) -> Submission {
        var submission = sampleSubmission()
        change(&submission)
        return submission
    }

    @Test(arguments: [
        (SubmissionDecodeTests.changed { $0.format = "podlab.submission/9" }, "the submission's format is \"podlab.submission/9\""),
        (SubmissionDecodeTests.changed { $0.username = "" }, "the report names no class account"),
        (SubmissionDecodeTests.changed { $0.username = "Alice" }, "the submission's user name \"Alice\" is not an account name"),
        (SubmissionDecodeTests.changed { $0.username = "../bob" }, "the submission's user name \"../bob\" is not an account name"),
        (SubmissionDecodeTests.changed { $0.lesson = "../../etc/passwd" }, "the submission's lesson \"../../etc/passwd\" is not a lesson id"),
        (SubmissionDecodeTests.changed { $0.lesson = "" }, "the submission's lesson \"\" is not a lesson id"),
        (SubmissionDecodeTests.changed { $0.created = -1 }, "the submission's creation time is not a time"),
        (SubmissionDecodeTests.changed { $0.journal.append(.init(time: 1, arguments: [], exitCode: 0)) }, "a command of the submission's journal is empty or too long"),
        (SubmissionDecodeTests.changed { $0.journal = Array(repeating: $0.journal[0], count: Submission.Limits.commands + 1) }, "the submission journals 2001 commands"),
        (SubmissionDecodeTests.changed { $0.steps[0].attempts = Int.max }, "the step \"run\" of the submission has a status, count or time"),
        (SubmissionDecodeTests.changed { $0.steps[0].seconds = 1e300 }, "the step \"run\" of the submission has a status, count or time"),
        (SubmissionDecodeTests.changed { $0.steps[0].seconds = -40 }, "the step \"run\" of the submission has a status, count or time"),
        (SubmissionDecodeTests.changed { $0.checks[0].name = String(repeating: "x", count: Submission.Limits.textBytes + 1) }, "a text of the submission is too long"),
    ])
    func whatIsRefused(submission: Submission, message: String) throws {
        let error = try #require(throws: ClassError.self) { try Submission.decode(encoded(submission)) }
        #expect(error.message.hasPrefix(message), "\(error.message)")
    }

    @Test func bytesThatAreNotAReportAreRefused() throws {
        for bytes in [Array("not json".utf8), Array("{}".utf8), Array(repeating: UInt8(ascii: " "), count: Submission.Limits.bytes + 1)] {
            let error = try #require(throws: ClassError.self) { try Submission.decode(bytes) }
            #expect(error.message.hasPrefix("the submission is"), "\(error.message)")
            #expect(error.exitStatus == ExitStatus.engineError)
        }
    }
}
