import Foundation
import PodlabClass
import PodlabCore
import PodlabImages
import PodlabTestSupport
import PodlabTutor
import Testing

/// `podlab class serve` for real on 127.0.0.1: learners submit their own work and only their own, teachers see the
/// class, and the server's registry takes pushes under a learner's own name with the same password.
struct ClassServerTests {
    let directory = TemporaryDirectory("podlab-class-server")
    var storage: String { directory.file("class") }

    func addAccount(_ name: String, _ password: String, teacher: Bool = false) throws {
        try ClassAccounts(directory: "\(storage)/accounts").add(name, password: password, teacher: teacher)
    }

    func serve(_ extra: [String] = []) throws -> ServerProcess {
        try ServerProcess([BuildProducts.podlab, "class", "serve", "--address", "127.0.0.1:0", "--storage", storage, "--no-verify"] + extra,
                          logPath: directory.file("server-\(UInt32.random(in: 0...UInt32.max)).log"),
                          listeningPort: ServerProcess.portAfterListening)
    }

    static func request(_ method: String, _ path: String, user: String?, password: String = "", body: [UInt8] = []) -> String {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let user { head += "Authorization: Basic \(Data("\(user):\(password)".utf8).base64EncodedString())\r\n" }
        if method == "POST" || method == "PUT" { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        return head + "\r\n"
    }

    func call(_ server: ServerProcess, _ method: String, _ path: String, as user: String?, _ password: String = "",
              body: [UInt8] = []) -> RawHTTP.Answer {
        RawHTTP.exchange(port: server.port, Self.request(method, path, user: user, password: password, body: body), body: body)
    }

    static func object(_ answer: RawHTTP.Answer) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
    }

    @Test func learnersSubmitTheirOwnWorkAndTeachersSeeTheClass() throws {
        try addAccount("teacher1", "lecture-hall", teacher: true)
        try addAccount("alice", "alice-pass-1")
        try addAccount("bob", "bob-pass-22")
        let server = try serve()
        defer { server.stop() }

        let whoami = call(server, "GET", "/class/api/whoami", as: "alice", "alice-pass-1")
        #expect(whoami.status == 200, "\(whoami)")
        #expect(Self.object(whoami)?["username"] as? String == "alice" && Self.object(whoami)?["teacher"] as? Bool == false)
        let anonymous = call(server, "GET", "/class/api/whoami", as: nil)
        #expect(anonymous.status == 401 && anonymous.header("WWW-Authenticate")?.hasPrefix("Basic realm=") == true, "\(anonymous)")
        #expect(call(server, "GET", "/class/api/whoami", as: "alice", "bob-pass-22").status == 401, "another account's password")

        let alices = try JSONCoding.encode(sampleSubmission("alice", lesson: "nginx"))
        let received = call(server, "POST", "/class/api/submissions", as: "alice", "alice-pass-1", body: alices)
        #expect(received.status == 201, "\(received)")
        #expect(Self.object(received)?["id"] as? String == "000001" && Self.object(received)?["status"] as? String == "queued")
        #expect(received.header("Location") == "/class/api/submissions/000001")

        // Bob sends Alice's report as it is, and with his name put in: the first is refused, the second is his own
        // (what a replay will judge), and Alice's stays hers.
        let asAlice = call(server, "POST", "/class/api/submissions", as: "bob", "bob-pass-22", body: alices)
        #expect(asAlice.status == 403 && (Self.object(asAlice)?["error"] as? String)?.hasPrefix("the report is alice's") == true, "\(asAlice)")
        let notOffered = call(server, "POST", "/class/api/submissions", as: "bob", "bob-pass-22",
                              body: try JSONCoding.encode(sampleSubmission("bob", lesson: "no-such-lesson")))
        #expect(notOffered.status == 422, "\(notOffered)")
        let garbage = call(server, "POST", "/class/api/submissions", as: "bob", "bob-pass-22", body: Array("{\"format\": 1".utf8))
        #expect(garbage.status == 400 && (Self.object(garbage)?["error"] as? String)?.hasPrefix("the submission is not a podlab report") == true,
                "\(garbage)")

        // A learner sees their own submission; another's reads as absent; a teacher sees both.
        #expect(call(server, "GET", "/class/api/submissions/000001", as: "alice", "alice-pass-1").status == 200)
        #expect(call(server, "GET", "/class/api/submissions/000001", as: "bob", "bob-pass-22").status == 404)
        for path in ["/class/api/submissions/..", "/class/api/submissions/%2e%2e", "/class/api/submissions/../../accounts/htpasswd"] {
            #expect(call(server, "GET", path, as: "teacher1", "lecture-hall").status == 404, "\(path)")
        }
        let bobsList = call(server, "GET", "/class/api/submissions", as: "bob", "bob-pass-22")
        #expect(bobsList.status == 200, "\(bobsList)")
        #expect((try JSONSerialization.jsonObject(with: Data(bobsList.body.utf8)) as? [Any])?.isEmpty == true, "\(bobsList)")
        let all = call(server, "GET", "/class/api/submissions", as: "teacher1", "lecture-hall")
        let entries = try JSONSerialization.jsonObject(with: Data(all.body.utf8)) as? [[String: Any]]
        #expect(entries?.map { $0["username"] as? String } == ["alice"], "\(all)")
        #expect(entries?.first?["claimsPassed"] as? Bool == true && entries?.first?["status"] as? String == "queued")

        // The grid is the teacher's: JSON, CSV and JUnit, from the same store a restart reads.
        #expect(call(server, "GET", "/class/api/progress", as: "alice", "alice-pass-1").status == 403)
        let progress = call(server, "GET", "/class/api/progress", as: "teacher1", "lecture-hall")
        let students = Self.object(progress)?["students"] as? [[String: Any]]
        #expect(students?.map { $0["username"] as? String } == ["alice", "bob"], "\(progress)")
        let aliceNginx = (students?.first?["lessons"] as? [String: [String: Any]])?["nginx"]
        #expect(aliceNginx?["status"] as? String == "queued" && aliceNginx?["submission"] as? String == "000001")
        let csv = call(server, "GET", "/class/api/progress.csv", as: "teacher1", "lecture-hall")
        #expect(csv.status == 200 && csv.header("Content-Type")?.hasPrefix("text/csv") == true && csv.body.contains("alice,nginx,queued"), "\(csv)")
        let junit = call(server, "GET", "/class/api/progress.junit", as: "teacher1", "lecture-hall")
        #expect(junit.status == 200 && junit.body.hasPrefix("<?xml"), "\(junit)")
    }

    @Test func theServerIsAlsoTheClassRegistry() throws {
        try addAccount("teacher1", "lecture-hall", teacher: true)
        try addAccount("alice", "alice-pass-1")
        let server = try serve()
        defer { server.stop() }
        let podman = Podman(root: directory.file("alice-storage"))
        let registry = "127.0.0.1:\(server.port)"
        #expect(try podman("login", "--tls-verify=false", "-u", "alice", "--password-stdin", registry, stdin: "alice-pass-1\n").status == 0)
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let own = try podman("push", "--tls-verify=false", "busybox", "\(registry)/alice/busybox:1")
        #expect(own.status == 0, "\(own)")
        let others = try podman("push", "--tls-verify=false", "busybox", "\(registry)/bob/busybox:1")
        #expect(others.status == 125, "a learner pushes under their own name only: \(others)")
    }

    /// A learner's pushed image is their work for the push lesson: another learner cannot pull it (or find it in the
    /// catalog), the teacher can, and everyone pulls what a teacher pushed.
    @Test func learnersPullTheirOwnAndTheTeachersImagesOnly() throws {
        try addAccount("teacher1", "lecture-hall", teacher: true)
        try addAccount("alice", "alice-pass-1")
        try addAccount("bob", "bob-pass-1")
        let server = try serve()
        defer { server.stop() }
        let registry = "127.0.0.1:\(server.port)"
        func signedIn(_ user: String, _ password: String) throws -> Podman {
            let podman = Podman(root: directory.file("\(user)-storage"))
            #expect(try podman("login", "--tls-verify=false", "-u", user, "--password-stdin", registry, stdin: password + "\n").status == 0)
            #expect(try podman("pull", "-q", "busybox").status == 0)
            return podman
        }
        let alice = try signedIn("alice", "alice-pass-1")
        let bob = try signedIn("bob", "bob-pass-1")
        let teacher = try signedIn("teacher1", "lecture-hall")
        #expect(try alice("push", "--tls-verify=false", "busybox", "\(registry)/alice/work:1").status == 0)
        #expect(try teacher("push", "--tls-verify=false", "busybox", "\(registry)/teacher1/base:1").status == 0)

        // Control: Alice pulls her own image back, so the refusal below is the rule, not a broken pull.
        #expect(try alice("pull", "--tls-verify=false", "\(registry)/alice/work:1").status == 0)
        let copied = try bob("pull", "--tls-verify=false", "\(registry)/alice/work:1")
        #expect(copied.status == 125 && copied.stderr.contains("may not pull alice/work"), "\(copied)")
        #expect(try bob("pull", "--tls-verify=false", "\(registry)/teacher1/base:1").status == 0)
        #expect(try teacher("pull", "--tls-verify=false", "\(registry)/alice/work:1").status == 0)

        let bobsCatalog = call(server, "GET", "/v2/_catalog", as: "bob", "bob-pass-1")
        #expect(bobsCatalog.status == 200 && bobsCatalog.body.contains("teacher1/base") && !bobsCatalog.body.contains("alice/work"),
                "\(bobsCatalog)")
        let teachersCatalog = call(server, "GET", "/v2/_catalog", as: "teacher1", "lecture-hall")
        #expect(teachersCatalog.body.contains("alice/work"), "\(teachersCatalog)")
        for path in ["/v2/alice/work/manifests/1", "/v2/alice/work/tags/list"] {
            #expect(call(server, "GET", path, as: "bob", "bob-pass-1").status == 403, "\(path)")
        }
        #expect(call(server, "HEAD", "/v2/alice/work/manifests/1", as: "bob", "bob-pass-1").status == 403)

        // Nor can Bob mount one of Alice's blobs into a repository of his own and pull it from there: the mount
        // becomes a plain upload (202), where the teacher's own mount is made at once (201).
        let manifest = call(server, "GET", "/v2/alice/work/manifests/1", as: "teacher1", "lecture-hall")
        let config = try #require((Self.object(manifest)?["config"] as? [String: Any])?["digest"] as? String, "\(manifest)")
        let mount = "/blobs/uploads/?mount=\(config)&from=alice/work"
        #expect(call(server, "GET", "/v2/alice/work/blobs/\(config)", as: "bob", "bob-pass-1").status == 403)
        let bobsMount = call(server, "POST", "/v2/bob/loot" + mount, as: "bob", "bob-pass-1")
        #expect(bobsMount.status == 202, "\(bobsMount)")
        #expect(call(server, "GET", "/v2/bob/loot/blobs/\(config)", as: "bob", "bob-pass-1").status == 404)
        #expect(call(server, "POST", "/v2/teacher1/copy" + mount, as: "teacher1", "lecture-hall").status == 201)
    }

    @Test func theServerRefusesWhatWouldLeaveTheClassUnseenOrServedTwice() throws {
        try addAccount("alice", "alice-pass-1")
        let noTeacher = try TestProcess.run([BuildProducts.podlab, "class", "serve", "--address", "127.0.0.1:0", "--storage", storage])
        #expect(noTeacher.status == 125 && noTeacher.stderr.contains("has no teacher's account"), "\(noTeacher)")

        try addAccount("teacher1", "lecture-hall", teacher: true)
        let unknown = try TestProcess.run([BuildProducts.podlab, "class", "serve", "--address", "127.0.0.1:0", "--storage", storage,
                                           "--lessons", "nginx,nosuch"])
        #expect(unknown.status == 125 && unknown.stderr.hasPrefix("Error: no lesson \"nosuch\" in the catalogue"), "\(unknown)")

        let server = try serve()
        defer { server.stop() }
        let second = try TestProcess.run([BuildProducts.podlab, "class", "serve", "--address", "127.0.0.1:0", "--storage", storage])
        #expect(second.status == 125 && second.stderr.contains("another class server is running on"), "\(second)")
    }

    @Test func aRestartKeepsEverySubmission() throws {
        try addAccount("teacher1", "lecture-hall", teacher: true)
        try addAccount("alice", "alice-pass-1")
        var first: ServerProcess? = try serve()
        let port = try #require(first?.port)
        for lesson in ["hello-world", "nginx"] {
            let body = try JSONCoding.encode(sampleSubmission("alice", lesson: lesson))
            let answer = RawHTTP.exchange(port: port, Self.request("POST", "/class/api/submissions", user: "alice", password: "alice-pass-1",
                                                                   body: body), body: body)
            #expect(answer.status == 201, "\(answer)")
        }
        first?.stop()
        first = nil
        let second = try serve()
        defer { second.stop() }
        let all = call(second, "GET", "/class/api/submissions", as: "teacher1", "lecture-hall")
        let entries = try JSONSerialization.jsonObject(with: Data(all.body.utf8)) as? [[String: Any]]
        #expect(entries?.map { $0["lesson"] as? String } == ["hello-world", "nginx"], "\(all)")
    }
}
