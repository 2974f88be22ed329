import Foundation
import PodlabClass
import PodlabCore
import PodlabImages
import PodlabTestSupport
import PodlabTutor
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The teacher's dashboard on a real class server: the grid and a learner's page for the right people only, every
/// learner-written text escaped, the event stream announcing each submission, and the page in a real browser.
struct ClassDashboardTests {
    let directory = TemporaryDirectory("podlab-class-dashboard")
    var storage: String { directory.file("class") }

    func serve() throws -> ServerProcess {
        let accounts = try ClassAccounts(directory: "\(storage)/accounts")
        try accounts.add("teacher1", password: "lecture-hall", teacher: true)
        for (name, password) in [("alice", "alice-pass-1"), ("bob", "bob-pass-22"), ("carol", "carol-pass-3")] {
            try accounts.add(name, password: password, teacher: false)
        }
        return try ServerProcess([BuildProducts.podlab, "class", "serve", "--address", "127.0.0.1:0", "--storage", storage,
                                  "--no-verify", "--lessons", "hello-world,nginx"],
                                 logPath: directory.file("server.log"), listeningPort: ServerProcess.portAfterListening)
    }

    func get(_ server: ServerProcess, _ path: String, as user: String, _ password: String) -> RawHTTP.Answer {
        RawHTTP.exchange(port: server.port, ClassServerTests.request("GET", path, user: user, password: password))
    }

    func submit(_ server: ServerProcess, _ submission: Submission, as password: String) throws {
        let body = try JSONCoding.encode(submission)
        let answer = RawHTTP.exchange(port: server.port, ClassServerTests.request("POST", "/class/api/submissions", user: submission.username,
                                                                                  password: password, body: body), body: body)
        #expect(answer.status == 201, "\(answer)")
    }

    @Test func theGridAndALearnersPageShowTheClassToTheRightPeople() throws {
        let server = try serve()
        defer { server.stop() }
        var hostile = sampleSubmission("alice", lesson: "nginx")
        hostile.journal.append(.init(time: hostile.created, arguments: ["podman", "run", "<img src=x onerror=alert(1)>"], exitCode: 125))
        try submit(server, hostile, as: "alice-pass-1")
        var long = sampleSubmission("bob", lesson: "hello-world")
        long.journal.append(.init(time: long.created, arguments: ["podman", "run", String(repeating: "x", count: 5000)], exitCode: 125))
        try submit(server, long, as: "bob-pass-22")

        let grid = get(server, "/class/?lang=en", as: "teacher1", "lecture-hall")
        #expect(grid.status == 200 && grid.header("Content-Type") == "text/html; charset=utf-8", "\(grid)")
        for learner in ["alice", "bob", "carol"] {
            #expect(grid.body.contains("<a href=\"/class/learners/\(learner)?lang=en\">\(learner)</a>"), "\(learner): \(grid.body)")
        }
        #expect(grid.body.contains("<th>hello-world</th><th>nginx</th>"))
        #expect(grid.body.contains("queued") && grid.body.contains("not submitted"))
        // A mark per step, with what the step took; the last command that failed, escaped as everything else.
        #expect(grid.body.contains("<span class=\"step passed effort\" title=\"run: passed, tries 3 · hints 1 · 42 s\""), "\(grid.body)")
        #expect(grid.body.contains("last error: <code>podman run &lt;img src=x onerror=alert(1)&gt;</code> → 125"), "\(grid.body)")
        #expect(!grid.body.contains("<img src=x"), "\(grid.body)")
        // A long line is cut in the grid, which every teacher's page fetches again on each change.
        #expect(grid.body.contains("<code>podman run " + String(repeating: "x", count: 189) + "…</code>"), "\(grid.body.count) bytes")
        #expect(!grid.body.contains(String(repeating: "x", count: 201)))
        let chinese = get(server, "/class/", as: "teacher1", "lecture-hall")
        #expect(chinese.body.contains("班级进度") && chinese.body.contains("未提交"), "Chinese unless asked otherwise")
        #expect(get(server, "/class/", as: "alice", "alice-pass-1").status == 403)

        let page = get(server, "/class/learners/alice?lang=en", as: "teacher1", "lecture-hall")
        #expect(page.status == 200, "\(page)")
        #expect(page.body.contains("&lt;img src=x onerror=alert(1)&gt;") && !page.body.contains("<img src=x"), "\(page.body)")
        #expect(get(server, "/class/learners/alice", as: "alice", "alice-pass-1").status == 200, "her own page")
        #expect(get(server, "/class/learners/alice", as: "bob", "bob-pass-22").status == 403, "not another's")
        #expect(get(server, "/class/learners/nobody", as: "teacher1", "lecture-hall").status == 404)
    }

    @Test func theEventStreamAnnouncesEachSubmission() throws {
        let server = try serve()
        defer { server.stop() }
        let head = ClassServerTests.request("GET", "/class/api/events", user: "teacher1", password: "lecture-hall")
        let stream = try #require(RawHTTP.send(port: server.port, head))
        defer { close(stream) }
        var received = ""
        func readUntil(_ text: String) {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !received.contains(text) {
                let count = recv(stream, &buffer, buffer.count, 0)
                if count <= 0 { return }
                received += String(decoding: buffer[0..<count], as: UTF8.self)
            }
        }
        readUntil("data: 0\n\n")
        #expect(received.contains("text/event-stream") && received.contains("event: progress\ndata: 0\n\n"), "\(received)")
        try submit(server, sampleSubmission("carol", lesson: "nginx"), as: "carol-pass-3")
        readUntil("data: 1\n\n")
        #expect(received.contains("event: progress\ndata: 1\n\n"), "the submission is announced: \(received)")
        #expect(get(server, "/class/api/events", as: "alice", "alice-pass-1").status == 403)
    }

    /// The grid as a browser shows it: headless Chromium loads the page signed in as the teacher, and the DOM it
    /// built holds every learner; the screenshot is kept beside the test's files.
    @Test func theGridRendersInABrowser() throws {
        let server = try serve()
        defer { server.stop() }
        try submit(server, sampleSubmission("alice", lesson: "nginx"), as: "alice-pass-1")
        let url = "http://teacher1:lecture-hall@127.0.0.1:\(server.port)/class/?lang=en"
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(directory.file("chromium"))"]
        let dom = try TestProcess.run(["/usr/bin/chromium"] + flags + ["--dump-dom", url])
        #expect(dom.status == 0, "\(dom)")
        #expect(dom.stdout.contains("<h1>Class progress</h1>"), "\(dom.stdout)")
        for learner in ["alice", "bob", "carol"] { #expect(dom.stdout.contains(">\(learner)</a>"), "\(learner)") }
        let screenshot = directory.file("grid.png")
        let shot = try TestProcess.run(["/usr/bin/chromium"] + flags + ["--window-size=1280,800", "--screenshot=\(screenshot)", url])
        #expect(shot.status == 0, "\(shot)")
        let png = try FileSystem.readFile(screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "a PNG of the rendered grid: \(png.count) bytes")
    }

    /// The grid follows the class in a real browser: with the page open and its event stream connected, a new
    /// submission appears in bob's row without a reload (a MutationObserver resolves when it does).
    @Test func theOpenGridFollowsNewSubmissions() throws {
        let server = try serve()
        defer { server.stop() }
        let browser = try HeadlessBrowser(userDataDirectory: directory.file("chromium-live"))
        defer { browser.close() }
        try browser.open("http://teacher1:lecture-hall@127.0.0.1:\(server.port)/class/?lang=en")
        let bobsRow = "document.querySelector('a[href^=\"/class/learners/bob\"]').closest('tr')"
        #expect(try browser.evaluate("\(bobsRow).textContent.includes('queued')") as? Bool == false)
        let connected = "new Promise(done => events.readyState === EventSource.OPEN ? done(true) : events.addEventListener('open', () => done(true)))"
        #expect(try browser.evaluate(connected) as? Bool == true, "the page follows /class/api/events")

        try submit(server, sampleSubmission("bob", lesson: "hello-world"), as: "bob-pass-22")
        let updated = """
            new Promise(done => {
              const grid = document.getElementById('grid');
              const check = () => { if (\(bobsRow).textContent.includes('queued')) done(\(bobsRow).textContent); };
              new MutationObserver(check).observe(grid, {childList: true, subtree: true});
              check();
            })
            """
        let row = try browser.evaluate(updated) as? String
        #expect(row?.contains("tries 3") == true, "bob's new submission, in the page that was already open: \(row ?? "nil")")

        // carol's guided shell says where she is: her row's "Now" cell follows, still without a reload.
        let nginx = try LessonCatalog(directory: "\(BuildProducts.packageRoot)/lessons").lesson("nginx")
        let activity = try JSONCoding.encode(LearnerActivity(lesson: "nginx", step: nginx.steps[2].id, index: 2, steps: nginx.steps.count,
                                                             attempts: 2, hintsUsed: 0, seconds: 30, lastError: nil))
        let put = RawHTTP.exchange(port: server.port, ClassServerTests.request("PUT", "/class/api/activity", user: "carol",
                                                                               password: "carol-pass-3", body: activity), body: activity)
        #expect(put.status == 204, "\(put)")
        let carolsNow = "document.querySelector('a[href^=\"/class/learners/carol\"]').closest('tr').querySelector('td.now')"
        let followed = """
            new Promise(done => {
              const check = () => { const cell = \(carolsNow); if (cell) done(cell.textContent); };
              new MutationObserver(check).observe(document.getElementById('grid'), {childList: true, subtree: true});
              check();
            })
            """
        let now = try browser.evaluate(followed) as? String
        #expect(now?.hasPrefix("nginx 3/\(nginx.steps.count)") == true && now?.contains("tries 2") == true, "\(now ?? "nil")")
    }
}
