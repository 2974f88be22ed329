import Foundation
import PodlabClass
import PodlabCore
import PodlabImages
import PodlabTestSupport
import PodlabTutor
import Testing

/// Verification on a real class server: an honest lesson becomes `verified`; someone else's report with the name
/// changed does not (its seal is theirs), nor an unsigned one, nor one re-signed with a command edited (the replay
/// finds the checks do not hold); a journal that would reach the server's files is not run.
struct ClassReplayTests {
    let directory = TemporaryDirectory("podlab-class-replay")
    var classStorage: String { directory.file("class") }

    func learner(_ name: String) -> [String: String] { TestLearner.environment(in: directory.path, name: name) }

    static let helloWorld = """
        podman --version
        podman run --rm --name hello-podman docker.io/library/hello-world:latest
        podman images
        podman pull docker.io/library/nginx:1.24
        podman image rm docker.io/library/hello-world:latest
        podman run --name hello-podman docker.io/library/hello-world:latest
        podman ps -a
        podman rm hello-podman

        """

    func entry(_ server: ServerProcess, _ id: String) throws -> [String: Any] {
        let answer = RawHTTP.exchange(port: server.port, ClassServerTests.request("GET", "/class/api/submissions/\(id)?wait=50",
                                                                                  user: "teacher1", password: "lecture-hall"))
        return try #require(ClassServerTests.object(answer), "\(answer)")
    }

    func post(_ server: ServerProcess, _ submission: Submission, as user: String, _ password: String) throws -> String? {
        let body = try JSONCoding.encode(submission)
        let answer = RawHTTP.exchange(port: server.port, ClassServerTests.request("POST", "/class/api/submissions", user: user,
                                                                                  password: password, body: body), body: body)
        return ClassServerTests.object(answer)?["id"] as? String
    }

    @Test func anHonestLessonIsVerifiedAndAForgedOneIsNot() throws {
        let accounts = try ClassAccounts(directory: "\(classStorage)/accounts")
        try accounts.add("teacher1", password: "lecture-hall", teacher: true)
        try accounts.add("alice", password: "alice-pass-1", teacher: false)
        try accounts.add("carol", password: "carol-pass-3", teacher: false)
        let server = try ServerProcess([BuildProducts.podlab, "class", "serve", "--address", "127.0.0.1:0", "--storage", classStorage],
                                       logPath: directory.file("server.log"), listeningPort: ServerProcess.portAfterListening)
        defer { server.stop() }

        // Alice does the lesson on her machine and submits it.
        let alice = learner("alice")
        let joined = try TestProcess.run([BuildProducts.podlab, "class", "join", "http://127.0.0.1:\(server.port)", "--username", "alice",
                                          "--password-stdin"], environment: alice, stdin: "alice-pass-1\n")
        #expect(joined.status == 0, "\(joined)")
        let script = directory.file("hello.sh")
        try FileSystem.writeAtomically(Array(Self.helloWorld.utf8), to: script)
        let checked = try TestProcess.run([BuildProducts.podlab, "check", "--lesson", "hello-world", "--run", script, "--submit"],
                                          environment: alice)
        #expect(checked.status == 0 && checked.stderr.hasSuffix("Submitted hello-world as 000001 (queued)\n"), "\(checked)")
        let verified = try entry(server, "000001")
        #expect(verified["status"] as? String == "verified", "\(verified)\n\(server.log)")
        #expect((verified["detail"] as? String)?.hasSuffix("checks held in the replay") == true, "\(verified)")

        // Carol takes Alice's report and puts her name in: its seal is Alice's, so it is not even replayed.
        var copied = try SubmissionStore(directory: "\(classStorage)/submissions").submission("000001")
        copied.username = "carol"
        let copiedID = try #require(try post(server, copied, as: "carol", "carol-pass-3"))
        let copiedEntry = try entry(server, copiedID)
        #expect(copiedEntry["status"] as? String == "differs", "\(copiedEntry)")
        #expect(copiedEntry["detail"] as? String == "the report was changed after podlab wrote it: its signature does not match")
        var unsigned = copied
        unsigned.signature = nil
        let unsignedEntry = try entry(server, try #require(try post(server, unsigned, as: "carol", "carol-pass-3")))
        #expect((unsignedEntry["detail"] as? String)?.hasPrefix("the report is not signed") == true, "\(unsignedEntry)")

        // Carol takes her own key out of her class.json and signs an edited copy herself: the seal holds, and the
        // replay runs what the report says was run. The last command is another, so the checks it claims do not hold.
        let whoami = RawHTTP.exchange(port: server.port, ClassServerTests.request("GET", "/class/api/whoami", user: "carol",
                                                                                  password: "carol-pass-3"))
        let carolsKey = try #require((ClassServerTests.object(whoami)?["signingKey"] as? String).flatMap { Hex.decode($0) })
        var edited = copied
        edited.journal = edited.journal.map { command in
            var changed = command
            if command.arguments == ["podman", "rm", "hello-podman"] { changed.arguments = ["podman", "ps"] }
            return changed
        }
        let editedID = try #require(try post(server, try SubmissionSignature.signed(edited, key: carolsKey), as: "carol", "carol-pass-3"))
        let differs = try entry(server, editedID)
        #expect(differs["status"] as? String == "differs", "\(differs)")
        #expect((differs["detail"] as? String)?.contains("hello-podman") == true, "the first check that did not hold: \(differs)")

        // A journal with a line that would mount the server's root is refused before anything runs.
        var reaching = copied
        reaching.journal.insert(Submission.Command(time: reaching.created - 100, arguments: ["podman", "run", "-v", "/:/host", "busybox", "true"],
                                                   exitCode: 0), at: 0)
        let reachingID = try #require(try post(server, try SubmissionSignature.signed(reaching, key: carolsKey), as: "carol", "carol-pass-3"))
        let failed = try entry(server, reachingID)
        #expect(failed["status"] as? String == "failed", "\(failed)")
        #expect(failed["detail"] as? String == "the replay does not run line 1 of the journal: -v /:/host mounts a path of the server's",
                "\(failed)")

        // Graded with an edited lesson file: not comparable with the server's.
        var otherLesson = copied
        otherLesson.lessonDigest = Digest.sha256(of: Array("another lesson".utf8))
        let otherID = try #require(try post(server, try SubmissionSignature.signed(otherLesson, key: carolsKey), as: "carol", "carol-pass-3"))
        #expect(try entry(server, otherID)["status"] as? String == "differs")

        let progress = RawHTTP.exchange(port: server.port, ClassServerTests.request("GET", "/class/api/progress.csv", user: "teacher1",
                                                                                    password: "lecture-hall"))
        #expect(progress.body.contains("alice,hello-world,verified,000001"), "\(progress)")
        #expect(progress.body.contains("carol,hello-world,differs,"), "carol's latest counts: \(progress)")
    }
}
