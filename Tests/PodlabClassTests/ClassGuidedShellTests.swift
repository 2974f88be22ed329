import Foundation
import PodlabClass
import PodlabCore
import PodlabTestSupport
import Testing

/// A learner who joined a class finishes a lesson in the guided shell, typed through tmux: the shell tells the class
/// where they are after each line (the teacher's live view), sends the finished lesson by itself, and the class
/// server's replay verifies it.
struct ClassGuidedShellTests {
    let directory = TemporaryDirectory("podlab-class-shell")

    var learner: [String: String] { TestLearner.environment(in: directory.path) }

    @Test func aFinishedLessonIsSentAndVerified() throws {
        let storage = directory.file("class")
        let accounts = try ClassAccounts(directory: "\(storage)/accounts")
        try accounts.add("teacher1", password: "lecture-hall", teacher: true)
        try accounts.add("alice", password: "alice-pass-1", teacher: false)
        let server = try ServerProcess([BuildProducts.podlab, "class", "serve", "--address", "127.0.0.1:0", "--storage", storage],
                                       logPath: directory.file("server.log"), listeningPort: ServerProcess.portAfterListening)
        defer { server.stop() }
        let joined = try TestProcess.run([BuildProducts.podlab, "class", "join", "http://127.0.0.1:\(server.port)", "--username", "alice",
                                          "--password-stdin"], environment: learner, stdin: "alice-pass-1\n")
        #expect(joined.status == 0, "\(joined)")

        let shell = try TmuxSession(command: BuildProducts.podlab, environment: learner, directory: directory.path)
        #expect(shell.wait(for: "Welcome to podlab!") != nil, "\(shell.screen())")
        try shell.type("lesson hello-world")
        #expect(shell.wait(for: "[hello-world 1/8]") != nil)
        // A wrong line first: the teacher's grid shows alice on step 1, one try, and the command that failed.
        try shell.type("podman rm no-such-box")
        let stuck = activity(of: "alice", port: server.port) { activity in
            let failed = (activity["lastError"] as? [String: Any])?["arguments"] as? [String]
            return activity["index"] as? Int == 0 && activity["attempts"] as? Int == 1 && failed?.last == "no-such-box"
        }
        #expect(stuck != nil, "\(shell.screen())\n\(server.log)")
        let lines = ClassReplayTests.helloWorld.split(separator: "\n").map(String.init)
        for (index, line) in lines.enumerated() {
            try shell.type(line)
            #expect(shell.wait(for: "✓ Step done!", count: index + 1, seconds: 30) != nil, "after \(line):\n\(shell.screen())")
        }
        #expect(shell.wait(for: "Sent to the class as 000001 (queued)", seconds: 60) != nil, "\(shell.screen())")
        #expect(activity(of: "alice", port: server.port) { $0["index"] as? Int == 8 && $0["step"] as? String == "" } != nil,
                "the grid says alice finished the lesson")
        try shell.type("quit")

        let answer = RawHTTP.exchange(port: server.port, ClassServerTests.request("GET", "/class/api/submissions/000001?wait=50",
                                                                                  user: "teacher1", password: "lecture-hall"))
        let entry = ClassServerTests.object(answer)
        #expect(entry?["status"] as? String == "verified", "\(answer)\n\(server.log)")
        #expect(entry?["username"] as? String == "alice")
    }

    /// The activity the class server has for `username` once `holds` is true of it (the shell sends it in the
    /// background, so the test waits for the state rather than for a moment), or nil after 30 s.
    func activity(of username: String, port: UInt16, holds: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let answer = RawHTTP.exchange(port: port, ClassServerTests.request("GET", "/class/api/progress", user: "teacher1",
                                                                               password: "lecture-hall"))
            let seen = ClassActivityTests.activity(of: username, in: answer)?["activity"] as? [String: Any]
            if let seen, holds(seen) { return seen }
            usleep(50_000)
        }
        return nil
    }
}
