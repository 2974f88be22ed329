import Foundation
import PodlabClass
import PodlabCore
import PodlabImages
import PodlabTestSupport
import PodlabTutor
import Testing

/// `PUT /class/api/activity` on a real class server: a learner's guided shell says where they are, the teacher's grid
/// shows it (escaped, amber when it is hard going), and nothing lets one learner speak for another or stuff the grid.
struct ClassActivityTests {
    let directory = TemporaryDirectory("podlab-class-activity")
    var storage: String { directory.file("class") }

    func serve() throws -> ServerProcess {
        let accounts = try ClassAccounts(directory: "\(storage)/accounts")
        try accounts.add("teacher1", password: "lecture-hall", teacher: true)
        try accounts.add("alice", password: "alice-pass-1", teacher: false)
        try accounts.add("bob", password: "bob-pass-22", teacher: false)
        return try ServerProcess([BuildProducts.podlab, "class", "serve", "--address", "127.0.0.1:0", "--storage", storage,
                                  "--no-verify", "--lessons", "hello-world,nginx"],
                                 logPath: directory.file("server.log"), listeningPort: ServerProcess.portAfterListening)
    }

    func put(_ server: ServerProcess, _ body: [UInt8], as user: String?, _ password: String = "") -> RawHTTP.Answer {
        RawHTTP.exchange(port: server.port, ClassServerTests.request("PUT", "/class/api/activity", user: user, password: password,
                                                                     body: body), body: body)
    }

    func get(_ server: ServerProcess, _ path: String) -> RawHTTP.Answer {
        RawHTTP.exchange(port: server.port, ClassServerTests.request("GET", path, user: "teacher1", password: "lecture-hall"))
    }

    static func activity(of username: String, in answer: RawHTTP.Answer) -> [String: Any]? {
        let students = ClassServerTests.object(answer)?["students"] as? [[String: Any]]
        return students?.first { $0["username"] as? String == username }?["activity"] as? [String: Any]
    }

    @Test func theGridShowsWhereEachLearnerIsNow() throws {
        let nginx = try LessonCatalog(directory: "\(BuildProducts.packageRoot)/lessons").lesson("nginx")
        let server = try serve()
        defer { server.stop() }
        let stuck = LearnerActivity(lesson: "nginx", step: nginx.steps[1].id, index: 1, steps: nginx.steps.count, attempts: 6,
                                    hintsUsed: 0, seconds: 240,
                                    lastError: .init(time: 1, arguments: ["podman", "run", "<script>x</script>"], exitCode: 125))
        let sent = put(server, try JSONCoding.encode(stuck), as: "alice", "alice-pass-1")
        #expect(sent.status == 204, "\(sent)")

        let progress = get(server, "/class/api/progress")
        let seen = Self.activity(of: "alice", in: progress)
        let activity = seen?["activity"] as? [String: Any]
        #expect(activity?["step"] as? String == nginx.steps[1].id && activity?["index"] as? Int == 1 && activity?["attempts"] as? Int == 6,
                "\(progress)")
        #expect((activity?["lastError"] as? [String: Any])?["exitCode"] as? Int == 125)
        #expect(seen?["received"] is Double)
        #expect(Self.activity(of: "bob", in: progress) == nil, "bob said nothing")

        let grid = get(server, "/class/?fragment=grid&lang=en").body
        #expect(grid.contains("<td class=\"now effort\"><b>nginx</b> 2/\(nginx.steps.count)"), "\(grid)")
        #expect(grid.contains("tries 6 · hints 0 · 4 min"))
        #expect(grid.contains("&lt;script&gt;x&lt;/script&gt;") && !grid.contains("<script>x"))

        // alice's own page (hers and the teachers') says the same.
        let page = RawHTTP.exchange(port: server.port, ClassServerTests.request("GET", "/class/learners/alice?lang=en", user: "alice",
                                                                                password: "alice-pass-1")).body
        #expect(page.contains("<th>Now</th><td class=\"now effort\"><b>nginx</b> 2/\(nginx.steps.count)"), "\(page)")
        #expect(!get(server, "/class/learners/bob?lang=en").body.contains("<th>Now</th>"), "bob said nothing")

        var finished = stuck
        (finished.step, finished.index, finished.lastError) = ("", nginx.steps.count, nil)
        #expect(put(server, try JSONCoding.encode(finished), as: "alice", "alice-pass-1").status == 204)
        #expect(get(server, "/class/?fragment=grid&lang=en").body.contains("<td class=\"now finished\"><b>nginx</b> finished"))
    }

    @Test func aReportIsTheSignedInLearnersOwnAndFitsTheLesson() throws {
        let nginx = try LessonCatalog(directory: "\(BuildProducts.packageRoot)/lessons").lesson("nginx")
        let server = try serve()
        defer { server.stop() }
        let honest = LearnerActivity(lesson: "nginx", step: nginx.steps[0].id, index: 0, steps: nginx.steps.count, attempts: 1,
                                     hintsUsed: 0, seconds: 3, lastError: nil)
        #expect(put(server, try JSONCoding.encode(honest), as: nil).status == 401)
        #expect(put(server, try JSONCoding.encode(honest), as: "alice", "bob-pass-22").status == 401, "another's password")

        // The report names no account: a "username" put in by hand is not read, and the report stays alice's.
        var named = try JSONSerialization.jsonObject(with: Data(JSONCoding.encode(honest))) as? [String: Any] ?? [:]
        named["username"] = "bob"
        #expect(put(server, Array(try JSONSerialization.data(withJSONObject: named)), as: "alice", "alice-pass-1").status == 204)
        let progress = get(server, "/class/api/progress")
        #expect(Self.activity(of: "bob", in: progress) == nil && Self.activity(of: "alice", in: progress) != nil, "\(progress)")

        var refused: [(String, LearnerActivity)] = []
        var other = honest; other.lesson = "build"; refused.append(("a lesson the class does not offer", other))
        other = honest; other.step = "made-up"; refused.append(("a step the lesson does not have", other))
        other = honest; other.index = nginx.steps.count + 1; refused.append(("past the lesson's end", other))
        other = honest; other.steps = 99; refused.append(("another number of steps", other))
        other = honest; other.attempts = -1; refused.append(("negative tries", other))
        other = honest; other.attempts = 2_000_000; refused.append(("more tries than a submission may count", other))
        // A time no Int holds: the grid's minutes would have stopped the whole class server.
        other = honest; other.seconds = 1e300; refused.append(("a time of 1e300 seconds", other))
        other = honest; other.seconds = 1e19; refused.append(("a time of 1e19 seconds", other))
        other = honest
        other.lastError = .init(time: 1, arguments: Array(repeating: "x", count: 40), exitCode: 1)
        refused.append(("a command with more arguments than a shell sends", other))
        for (what, report) in refused {
            let answer = put(server, try JSONCoding.encode(report), as: "alice", "alice-pass-1")
            #expect(answer.status == 422, "\(what): \(answer)")
            #expect(ClassServerTests.object(answer)?["error"] is String, "\(what): \(answer)")
        }
        #expect(put(server, Array("{\"lesson\": ".utf8), as: "alice", "alice-pass-1").status == 422, "not JSON")
        let large = Array(repeating: UInt8(ascii: " "), count: LearnerActivity.Limits.bytes + 1)
        #expect(put(server, large, as: "alice", "alice-pass-1").status == 413)
        // What was refused left alice's last good report as it was.
        let after = Self.activity(of: "alice", in: get(server, "/class/api/progress"))?["activity"] as? [String: Any]
        #expect(after?["step"] as? String == nginx.steps[0].id && after?["attempts"] as? Int == 1)
    }

    /// A learner's long command is cut before it is sent, so an honest report always fits, even of characters JSON
    /// writes six bytes for.
    @Test func aLongCommandIsCutToWhatTheServerTakes() throws {
        let long = Submission.Command(time: 1, arguments: ["podman", "run"] + Array(repeating: String(repeating: "\u{1}", count: 500), count: 50),
                                      exitCode: 125)
        let activity = LearnerActivity(lesson: "nginx", step: "run", index: 0, steps: 5, attempts: 1, hintsUsed: 0, seconds: 1,
                                       lastError: long)
        let arguments = activity.lastError?.arguments ?? []
        #expect(arguments.count == LearnerActivity.Limits.arguments + 1 && arguments.last == "…")
        #expect(arguments[2].unicodeScalars.count == LearnerActivity.Limits.argumentScalars + 1 && arguments[2].hasSuffix("…"))
        #expect(try JSONCoding.encode(activity).count <= LearnerActivity.Limits.bytes)
        // One Character of a letter and 5 000 combining marks is cut by its scalars, not kept whole as one Character.
        let marks = "e" + String(repeating: "\u{301}", count: 5_000)
        let marked = LearnerActivity(lesson: "nginx", step: "run", index: 0, steps: 5, attempts: 1, hintsUsed: 0, seconds: 1,
                                     lastError: .init(time: 1, arguments: Array(repeating: marks, count: 40), exitCode: 1))
        #expect(marked.lastError?.arguments.allSatisfy { $0.unicodeScalars.count <= LearnerActivity.Limits.argumentScalars + 1 } == true)
        #expect(try JSONCoding.encode(marked).count <= LearnerActivity.Limits.bytes)
    }
}
