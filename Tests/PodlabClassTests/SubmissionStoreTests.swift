import Foundation
import PodlabClass
import PodlabCore
import PodlabImages
import PodlabTestSupport
import PodlabTutor
import Synchronization
import Testing

/// A submission as a learner's podlab would send it, for the tests of this module.
func sampleSubmission(_ username: String = "alice", lesson: String = "nginx", passed: Bool = true, created: Double = 1_800_000_000) -> Submission {
    Submission(podlab: Versions.podlab, username: username, lesson: lesson, lessonDigest: Digest.sha256(of: Array(lesson.utf8)), created: created,
               checks: [.init(name: "a container named web runs", passed: passed, message: passed ? nil : "no container named web")],
               steps: [.init(id: "run", status: passed ? "passed" : "pending", attempts: 3, hintsUsed: 1, seconds: 42)],
               journal: [.init(time: created - 10, arguments: ["podman", "run", "-d", "--name", "web", "nginx"], exitCode: 0)])
}

func encoded(_ submission: Submission) throws -> [UInt8] {
    try JSONCoding.encode(submission)
}

/// The class server's submissions on disk: numbered in order, whole or absent, states that move forward only, and a
/// restart that loses nothing (a replay cut short is queued again; a submission never acknowledged leaves nothing).
struct SubmissionStoreTests {
    let directory = TemporaryDirectory("podlab-class-store")

    @Test func submissionsAreNumberedAndKeptAsReceived() throws {
        let store = try SubmissionStore(directory: directory.file("submissions"))
        let first = try encoded(sampleSubmission("alice"))
        let second = try encoded(sampleSubmission("bob"))
        #expect(try store.add(Submission.decode(first), bytes: first, now: 100) == "000001")
        #expect(try store.add(Submission.decode(second), bytes: second, now: 101) == "000002")
        #expect(try store.bytes("000001") == first, "a replay reads exactly what the learner sent")
        #expect(try store.submission("000002").username == "bob")
        #expect(try store.state("000001") == SubmissionState(status: .queued, received: 100, updated: 100))
        #expect(store.records().map(\.id) == ["000001", "000002"])

        // Another store over the same directory (the server after a restart) continues the numbering.
        let again = try SubmissionStore(directory: directory.file("submissions"))
        #expect(try again.add(Submission.decode(first), bytes: first) == "000003")
    }

    @Test func statesMoveForwardOnly() throws {
        let store = try SubmissionStore(directory: directory.file("submissions"))
        let bytes = try encoded(sampleSubmission())
        let id = try #require(try store.add(Submission.decode(bytes), bytes: bytes))
        #expect(throws: ClassError.self, "only a replaying submission gets a verdict") { try store.finish(id, .verified) }
        #expect(try store.claim(now: 200) == id)
        #expect(try store.claim() == nil, "a submission being replayed is never handed out again")
        try store.finish(id, .differs, detail: "no container named web", now: 201)
        #expect(try store.state(id) == SubmissionState(status: .differs, detail: "no container named web", received: try store.state(id).received, updated: 201))
        #expect(throws: ClassError.self, "a judged submission is never judged again") { try store.finish(id, .verified) }
        #expect(try store.state(id).status == .differs)
    }

    /// A server's request threads share one store: with one flock descriptor between them they would all hold the
    /// lock at once (flock belongs to the open file), and two would take one number.
    @Test func threadsOfOneServerNeverShareANumber() throws {
        let store = try SubmissionStore(directory: directory.file("submissions"))
        let bytes = try encoded(sampleSubmission())
        let submission = try Submission.decode(bytes)
        let ids = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            if let id = try? store.add(submission, bytes: bytes) ?? nil { ids.withLock { $0.append(id) } }
        }
        #expect(ids.withLock { $0.sorted() } == (1...16).map { String($0).leftPadded(6) })
        let claimed = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            if let id = try? store.claim() { claimed.withLock { $0.append(id) } }
        }
        #expect(claimed.withLock { $0.sorted() } == (1...16).map { String($0).leftPadded(6) }, "each claimed once")
    }

    @Test func aRestartQueuesCutShortReplaysAndDropsUnacknowledgedOnes() throws {
        let path = directory.file("submissions")
        let store = try SubmissionStore(directory: path)
        let bytes = try encoded(sampleSubmission())
        let replaying = try #require(try store.add(Submission.decode(bytes), bytes: bytes))
        let judged = try #require(try store.add(Submission.decode(bytes), bytes: bytes))
        #expect(try store.claim() == replaying)
        #expect(try store.claim() == judged)
        try store.finish(judged, .verified)
        // What a kill -9 in the middle of add leaves: a hidden directory, never listed.
        try FileSystem.createDirectory("\(path)/.incoming-000003-1", mode: 0o700)
        try FileSystem.writeAtomically(Array("{".utf8), to: "\(path)/.incoming-000003-1/submission.json")
        #expect(store.ids() == [replaying, judged])
        // A state file someone damaged: its submission is replayed again, as the read error's hint says.
        let damaged = try #require(try store.add(Submission.decode(bytes), bytes: bytes))
        try FileSystem.writeAtomically(Array("{".utf8), to: "\(path)/\(damaged)/state.json")
        #expect(try #require(throws: ClassError.self) { try store.state(damaged) }.hint?.contains("queues it again") == true)

        let restarted = try SubmissionStore(directory: path)
        #expect(try restarted.recover(now: 300) == [replaying, damaged])
        #expect(try restarted.state(damaged).status == .queued)
        #expect(try restarted.state(replaying) == SubmissionState(status: .queued, received: try store.state(replaying).received, updated: 300))
        #expect(try restarted.state(judged).status == .verified)
        #expect(!FileSystem.exists("\(path)/.incoming-000003-1"))
        #expect(try restarted.claim() == replaying)
    }

    /// One replay runs at a time: a learner's submissions waiting for a verdict are bounded, counted under the lock
    /// (16 at once with room for 3 store 3), and a verdict makes room again. Other learners are not counted.
    @Test func aLearnerCannotFillTheReplayQueue() throws {
        let store = try SubmissionStore(directory: directory.file("submissions"))
        let alice = try encoded(sampleSubmission("alice"))
        let bob = try encoded(sampleSubmission("bob"))
        let stored = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            if let id = try? store.add(Submission.decode(alice), bytes: alice, waitingLimit: 3) ?? nil { stored.withLock { $0.append(id) } }
        }
        #expect(stored.withLock { $0.sorted() } == ["000001", "000002", "000003"])
        #expect(store.ids().count == 3, "a refused submission leaves nothing behind")
        #expect(store.waiting(of: "alice") == 3)
        #expect(try store.add(Submission.decode(alice), bytes: alice, waitingLimit: 3) == nil)
        #expect(try store.add(Submission.decode(bob), bytes: bob, waitingLimit: 3) == "000004", "bob's place is his own")

        // Replaying still counts as waiting; a verdict makes room.
        #expect(try store.claim() == "000001")
        #expect(try store.add(Submission.decode(alice), bytes: alice, waitingLimit: 3) == nil)
        try store.finish("000001", .verified)
        #expect(store.waiting(of: "alice") == 2)
        #expect(try store.add(Submission.decode(alice), bytes: alice, waitingLimit: 3) == "000005")
        // Without a limit (a server that does not replay keeps everything queued), nothing is refused.
        #expect(try store.add(Submission.decode(alice), bytes: alice) == "000006")
    }

    /// A server decodes each stored submission once; a file replaced by hand (a new inode) is read again, not served
    /// from memory.
    @Test func aSubmissionReplacedOnDiskIsReadAgain() throws {
        let path = directory.file("submissions")
        let store = try SubmissionStore(directory: path)
        let alice = try encoded(sampleSubmission("alice"))
        let id = try #require(try store.add(Submission.decode(alice), bytes: alice))
        #expect(try store.submission(id).username == "alice")
        try FileSystem.writeAtomically(try encoded(sampleSubmission("bob")), to: "\(path)/\(id)/submission.json")
        #expect(try store.submission(id).username == "bob")
        try FileSystem.removeTree("\(path)/\(id)")
        #expect(throws: ClassError.self, "a removed submission is gone, not remembered") { try store.submission(id) }

        // Its number taken again by a report of the same size (the file system may give it the same inode).
        let carol = try encoded(sampleSubmission("carol"))
        #expect(try store.add(Submission.decode(carol), bytes: carol) == id)
        #expect(try store.submission(id).username == "carol")
    }

    @Test func aMissingOrForeignNumberIsNotFound() throws {
        let store = try SubmissionStore(directory: directory.file("submissions"))
        for id in ["000009", "../x", "000001/../../etc"] {
            let error = try #require(throws: ClassError.self) { try store.bytes(id) }
            #expect(error.exitStatus == ExitStatus.notFound, "\(id): \(error.message)")
        }
    }
}
