import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PodlabClass
import PodlabCore
import PodlabTestSupport
import PodlabTutor
import Testing

/// The class's grid and its exports, from real stored submissions: the submission that counts, teachers left out,
/// and CSV, JUnit and JSON that read back as written.
struct ClassProgressTests {
    let directory = TemporaryDirectory("podlab-class-progress")

    func store(_ items: [(Submission, SubmissionState.Status, String?)]) throws -> SubmissionStore {
        let store = try SubmissionStore(directory: directory.file("submissions"))
        for (submission, status, detail) in items {
            let bytes = try encoded(submission)
            let id = try #require(try store.add(submission, bytes: bytes, now: submission.created))
            guard status != .queued else { continue }
            #expect(try store.claim(now: submission.created + 1) == id)
            if status != .replaying { try store.finish(id, status, detail: detail, now: submission.created + 2) }
        }
        return store
    }

    let accounts: [ClassAccounts.Account] = [.init(username: "alice", teacher: false), .init(username: "bob", teacher: false),
                                             .init(username: "carol", teacher: false), .init(username: "msli", teacher: true)]

    @Test func theCountingSubmissionIsTheNewestVerifiedOne() throws {
        var stuck = sampleSubmission("bob", created: 1_800_000_200)
        stuck.steps.append(.init(id: "curl", status: "pending", attempts: 7, hintsUsed: 2, seconds: nil))
        stuck.journal += [.init(time: stuck.created - 5, arguments: ["podman", "run", "-p", "8080", "nginx"], exitCode: 125),
                          .init(time: stuck.created - 4, arguments: ["podman", "ps"], exitCode: 0)]
        let store = try store([
            (sampleSubmission("alice", created: 1_800_000_000), .verified, nil),
            (sampleSubmission("alice", passed: false, created: 1_800_000_100), .differs, "no container named web"),
            (stuck, .differs, "=HYPERLINK(\"x\"), and more"),
            (sampleSubmission("msli", created: 1_800_000_300), .verified, nil),
            // Last: a replay claims the oldest queued submission, and this one stays queued.
            (sampleSubmission("bob", lesson: "build", created: 1_800_000_400), .queued, nil),
        ])
        let progress = ClassProgress(accounts: accounts, records: store.records(), lessons: ["hello-world", "nginx"])
        #expect(progress.lessons == ["hello-world", "nginx", "build"], "a lesson only a submission names comes last")
        #expect(progress.students.map(\.username) == ["alice", "bob", "carol"], "teachers are not graded")
        let alice = try #require(progress.students.first?.lessons["nginx"])
        #expect(alice.status == "verified" && alice.submission == "000001" && alice.submissions == 2)
        #expect(alice.attempts == 3 && alice.hintsUsed == 1 && alice.seconds == 42)
        #expect(alice.steps.map(\.id) == ["run"] && alice.lastError == nil)
        let bob = try #require(progress.students[1].lessons["nginx"])
        #expect(bob.steps.map(\.status) == ["passed", "pending"] && bob.attempts == 10 && bob.hintsUsed == 3)
        #expect(bob.lastError?.arguments == ["podman", "run", "-p", "8080", "nginx"] && bob.lastError?.exitCode == 125,
                "the last failure, not the last command")
        #expect(progress.students[1].lessons["build"]?.status == "queued")
        #expect(progress.students[2].lessons["nginx"] == .missing)

        // CSV: one row per learner and lesson; the replay's detail quoted, and never read as a formula.
        let rows = progress.csv().components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.count == 1 + 3 * 3)
        #expect(rows[0] == "username,lesson,status,submission,submitted,submissions,attempts,hints,seconds,detail")
        #expect(rows[2] == "alice,nginx,verified,000001,2027-01-15T08:00:00Z,2,3,1,42,")
        #expect(rows[5] == "bob,nginx,differs,000003,2027-01-15T08:03:20Z,1,10,3,42,\"'=HYPERLINK(\"\"x\"\"), and more\"")

        // JUnit: a suite per learner; verified passes, differs fails, the rest is skipped.
        let junit = try XMLDocument(xmlString: progress.junit())
        let suites = try junit.nodes(forXPath: "/testsuites/testsuite")
        #expect(suites.compactMap { ($0 as? XMLElement)?.attribute(forName: "name")?.stringValue } == ["alice", "bob", "carol"])
        #expect(try junit.nodes(forXPath: "//testsuite[@name='bob']/testcase[@name='nginx']/failure").count == 1)
        #expect(try junit.nodes(forXPath: "//testsuite[@name='alice']/testcase[@name='nginx']/*").isEmpty)
        #expect(try junit.nodes(forXPath: "//testsuite[@name='carol']/testcase/skipped").count == 3)

        // JSON: what GET /class/api/progress answers.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(progress.json())) as? [String: Any])
        let students = try #require(json["students"] as? [[String: Any]])
        #expect(students.map { $0["username"] as? String } == ["alice", "bob", "carol"])
        let lessons = try #require(students[0]["lessons"] as? [String: [String: Any]])
        #expect(lessons["nginx"]?["status"] as? String == "verified")
        let bobs = try #require(students[1]["lessons"] as? [String: [String: Any]])
        #expect((bobs["nginx"]?["steps"] as? [[String: Any]])?.map { $0["id"] as? String } == ["run", "curl"])
        #expect((bobs["nginx"]?["lastError"] as? [String: Any])?["exitCode"] as? Int == 125)
    }
}
