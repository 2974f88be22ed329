import Foundation
import PodlabClass
import PodlabCore
import PodlabImages
import PodlabTestSupport
import PodlabTutor
import Testing

/// The replay queue over HTTP, on a real class server: a learner whose submissions are all still waiting is told to
/// wait (429) instead of pushing everyone else's verdicts back. The first replay is kept busy by a container that
/// sleeps until the replay's time limit (15 s) stops it, far longer than the few requests that follow need.
struct ClassReplayQueueTests {
    let directory = TemporaryDirectory("podlab-class-queue")
    var classStorage: String { directory.file("class") }

    @Test func aLearnerWithEveryPlaceTakenIsToldToWait() throws {
        let accounts = try ClassAccounts(directory: "\(classStorage)/accounts")
        try accounts.add("teacher1", password: "lecture-hall", teacher: true)
        try accounts.add("alice", password: "alice-pass-1", teacher: false)
        let server = try ServerProcess([BuildProducts.podlab, "class", "serve", "--address", "127.0.0.1:0", "--storage", classStorage,
                                        "--lessons", "hello-world", "--replay-time-limit", "15"],
                                       logPath: directory.file("server.log"), listeningPort: ServerProcess.portAfterListening)
        defer { server.stop() }
        func get(_ path: String) -> RawHTTP.Answer {
            RawHTTP.exchange(port: server.port, ClassServerTests.request("GET", path, user: "teacher1", password: "lecture-hall"))
        }

        // Alice's own reports of the lesson (the server's lesson digest, her signature): the first one's journal sleeps.
        let alice = TestLearner.environment(in: directory.path, name: "alice")
        let joined = try TestProcess.run([BuildProducts.podlab, "class", "join", "http://127.0.0.1:\(server.port)", "--username", "alice",
                                          "--password-stdin"], environment: alice, stdin: "alice-pass-1\n")
        try #require(joined.status == 0, "\(joined)")
        let report = try TestProcess.run([BuildProducts.podlab, "check", "--lesson", "hello-world", "--format", "json"], environment: alice)
        var submission = try JSONCoding.decode(Submission.self, from: Array(report.stdout.utf8), what: "report")
        submission.username = "alice"
        let whoami = RawHTTP.exchange(port: server.port, ClassServerTests.request("GET", "/class/api/whoami", user: "alice", password: "alice-pass-1"))
        let key = try #require((ClassServerTests.object(whoami)?["signingKey"] as? String).flatMap { Hex.decode($0) })
        func post(_ command: [String]) throws -> RawHTTP.Answer {
            submission.journal = [Submission.Command(time: submission.created - 1, arguments: command, exitCode: 0)]
            let body = try JSONCoding.encode(try SubmissionSignature.signed(submission, key: key))
            return RawHTTP.exchange(port: server.port, ClassServerTests.request("POST", "/class/api/submissions", user: "alice",
                                                                                password: "alice-pass-1", body: body), body: body)
        }

        // One lesson offered: four places (the floor), the first replaying and three queued behind it.
        for command in [["podman", "run", "--rm", "busybox", "sleep", "600"], ["podman", "--version"], ["podman", "--version"], ["podman", "--version"]] {
            let accepted = try post(command)
            #expect(accepted.status == 201, "\(accepted)")
        }
        let refused = try post(["podman", "--version"])
        #expect(refused.status == 429 && refused.body.contains("4 of your submissions are still waiting for a replay"), "\(refused)")
        // The premise: the first was not judged yet (its container sleeps), so no place was freed in between.
        let first = ClassServerTests.object(get("/class/api/submissions/000001"))
        #expect(["queued", "replaying"].contains(first?["status"] as? String), "\(String(describing: first))\n\(server.log)")
        let all = try JSONSerialization.jsonObject(with: Data(get("/class/api/submissions").body.utf8)) as? [Any]
        #expect(all?.count == 4, "the refused one left nothing")

        // The time limit ends the sleeping replay, the three behind it are judged, and Alice has a place again. (The
        // server is stopped only then: a replay under way when it stops is left to the next start.)
        let last = ClassServerTests.object(get("/class/api/submissions/000004?wait=50"))
        #expect(last?["status"] as? String == "differs", "\(String(describing: last))")
        #expect(ClassServerTests.object(get("/class/api/submissions/000001"))?["status"] as? String == "failed")
        #expect(try post(["podman", "--version"]).status == 201)
        #expect(ClassServerTests.object(get("/class/api/submissions/000005?wait=50"))?["status"] as? String == "differs")
    }
}
