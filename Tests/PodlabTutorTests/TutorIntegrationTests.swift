import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// The tutor for real: every lesson proven by `podlab lesson test`, `podlab check` reports, and the
/// guided shell in a pseudo-terminal (tmux) through the tutorial's first two lessons. Serialized: the
/// nginx and build lessons both publish host port 8080.
@Suite(.serialized) struct TutorIntegrationTests {
    let directory = TemporaryDirectory("podlab-tutor")

    /// An isolated learner: store, run-time directory, config, auth file, progress and workspace.
    var environment: [String: String] { TestLearner.environment(in: directory.path) }

    func podlab(_ arguments: String...) throws -> ProcessResult {
        try TestProcess.run([BuildProducts.podlab] + arguments, environment: environment)
    }

    @Test(arguments: ["hello-world", "nginx", "build", "push", "volume", "pod", "secret", "kube"])
    func everyLessonProvesItsChecks(lesson: String) throws {
        let result = try podlab("lesson", "test", lesson, "--format", "junit")
        let summary = try JUnit.parse(result.stdout)
        #expect(result.status == 0 && summary.failures == 0, "\(result)")
        #expect(summary.tests >= 10, "every step gives at least two cases")
    }

    @Test func classroomCheckInEveryFormat() throws {
        let script = directory.file("student.sh")
        try """
        podman run --name my-web-server -d -p 8080:80 docker.io/library/nginx:1.24
        podman ps
        podman stop my-web-server
        podman rm my-web-server
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let text = try podlab("check", "--lesson", "nginx", "--run", script)
        #expect(text.status == 0, "\(text)")
        #expect(text.stdout.contains("✓ podman stop my-web-server") && text.stdout.hasSuffix("podlab.nginx: 7 of 7 passed\n"), "\(text)")
        let json = try podlab("check", "--lesson", "nginx", "--format", "json")
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(document?["passed"] as? Bool == true && document?["total"] as? Int == 7, "\(json)")
        // What the grade rests on: podlab's version, the lesson file's digest and the journaled command lines.
        #expect(document?["format"] as? String == "podlab.submission/1" && document?["podlab"] as? String == Versions.podlab, "\(json)")
        #expect((document?["lessonDigest"] as? String)?.hasPrefix("sha256:") == true)
        let journal = document?["journal"] as? [[String: Any]] ?? []
        let started = journal.first { ($0["arguments"] as? [String]).map { $0.contains("run") && $0.contains("my-web-server") } == true }
        #expect(started?["exitCode"] as? Int == 0, "the script's podman run, with how it ended: \(journal)")
        let tap = try podlab("check", "--lesson", "nginx", "--format", "tap")
        #expect(tap.stdout.hasPrefix("TAP version 13\n1..7\nok 1 - "), "\(tap)")
        let junit = try podlab("check", "--lesson", "nginx", "--format", "junit")
        #expect(try JUnit.parse(junit.stdout).failures == 0)

        // A learner who has not done the lesson fails it, with what is missing.
        var fresh = environment
        fresh["PODLAB_ROOT"] = directory.file("fresh")
        fresh["PODLAB_RUNROOT"] = directory.file("fresh-run")
        let failing = try TestProcess.run([BuildProducts.podlab, "check", "--lesson", "build", "--format", "junit"], environment: fresh)
        #expect(failing.status == 1)
        let summary = try JUnit.parse(failing.stdout)
        #expect(summary.failures > 0 && summary.failureMessages.contains { $0.contains("has not run successfully yet") }, "\(failing)")
        let badFormat = try podlab("check", "--lesson", "nginx", "--format", "xml")
        #expect(badFormat.status != 0 && badFormat.stderr.contains("text, json, junit, tap"))
    }

    func startShell(_ extra: String = "") throws -> TmuxSession {
        let shell = try TmuxSession(command: "\(BuildProducts.podlab) \(extra)", environment: environment, directory: directory.path)
        #expect(shell.wait(for: "Welcome to podlab!") != nil, "the shell starts: \(shell.screen())")
        return shell
    }

    @Test func theShellGuidesThroughHelloWorldAndNginx() throws {
        let shell = try startShell()
        try shell.type("lesson hello-world")
        #expect(shell.wait(for: "[hello-world 1/8]") != nil)
        let hello = [
            "podman --version",
            "podman run --rm --name hello-podman docker.io/library/hello-world:latest",
            "podman images",
            "podman pull docker.io/library/nginx:1.24",
            "podman image rm docker.io/library/hello-world:latest",
            "podman run --name hello-podman docker.io/library/hello-world:latest",
            "podman ps -a",
            "podman rm hello-podman",
        ]
        for (index, line) in hello.enumerated() {
            try shell.type(line)
            #expect(shell.wait(for: "✓ Step done!", count: index + 1, seconds: 30) != nil, "after \(line):\n\(shell.screen())")
        }
        #expect(shell.wait(for: "You finished") != nil)

        try shell.type("lesson nginx")
        #expect(shell.wait(for: "[nginx 1/5]") != nil)
        // A reversed port is pointed out before it runs; answering no runs nothing.
        try shell.type("podman run --name my-web-server -d -p 80:8080 docker.io/library/nginx:1.24")
        #expect(shell.wait(for: "Run it anyway? [y/N]") != nil)
        try shell.type("n")
        #expect(shell.wait(for: "Not run.") != nil)
        for (index, line) in ["podman run --name my-web-server -d -p 8080:80 docker.io/library/nginx:1.24", "podman ps",
                              "browse http://localhost:8080/"].enumerated() {
            try shell.type(line)
            #expect(shell.wait(for: "✓ Step done!", count: hello.count + index + 1, seconds: 30) != nil, "after \(line):\n\(shell.screen())")
        }
        #expect(shell.screen().contains("Welcome to nginx!"), "browse shows the page as text")
        // Tab completes a container name.
        try shell.keys("-l", "podman stop my-w")
        try shell.keys("Tab")
        #expect(shell.wait(for: "podman stop my-web-server ") != nil, "completion: \(shell.screen())")
        try shell.keys("Enter")
        #expect(shell.wait(for: "✓ Step done!", count: hello.count + 4, seconds: 30) != nil)
        try shell.type("podman rm my-web-server")
        #expect(shell.wait(for: "You finished", count: 2, seconds: 30) != nil, "\(shell.screen())")
        try shell.type("quit")

        let progress = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("state/progress.json")))) as? [String: Any]
        let lessons = progress?["lessons"] as? [String: [String: Any]]
        #expect(lessons?["hello-world"]?["current"] as? Int == 8 && lessons?["nginx"]?["current"] as? Int == 5, "\(String(describing: progress))")
    }

    @Test func historySurvivesARestart() throws {
        let first = try startShell()
        try first.type("echo history-marker-42")
        #expect(first.wait(for: "history-marker-42", count: 2) != nil)
        // Each entry is saved when it is entered: no need to wait for the first shell to end.
        try first.keys("C-d")
        let second = try startShell()
        try second.keys("Up")
        let screen = second.wait(for: "$ echo history-marker-42") ?? second.screen()
        #expect(screen.contains("$ echo history-marker-42"), "Up brings back the last line: \(screen)")
    }

    @Test func ctrlCStopsTheRunningContainerNotTheShell() throws {
        let shell = try startShell()
        // --init: the shell in the container is not PID 1, so SIGINT ends it (PID 1 ignores it, as with podman).
        try shell.type("podman run --init --name sleeper busybox sh -c 'echo sleeping; sleep 300'")
        #expect(shell.wait(for: "sleeping", count: 2, seconds: 30) != nil, "\(shell.screen())")
        try shell.keys("C-c")
        #expect(shell.wait(for: "(interrupted)", seconds: 15) != nil, "\(shell.screen())")
        try shell.type("echo still-$((40+2))")
        #expect(shell.wait(for: "still-42", seconds: 10) != nil, "the shell lives on: \(shell.screen())")
        let state = try Podman(root: directory.file("storage"))("inspect", "--format", "{{.State.Status}}", "sleeper")
        #expect(state.stdout == "exited\n", "\(state)")
        // Ctrl-C at the prompt drops the line, and the shell stays. (Ctrl-C while libedit still draws a line:
        // GuidedShellInputTests.ctrlCWhileALineIsStillDrawnIsNeverLost.)
        try shell.keys("-l", "echo never-run")
        #expect(shell.wait(for: "$ echo never-run") != nil, "\(shell.screen())")
        try shell.keys("C-c")
        #expect(shell.wait(for: "echo never-run^C") != nil, "Ctrl-C is taken: \(shell.screen())")
        try shell.type("echo after-cancel")
        #expect(shell.wait(for: "after-cancel", count: 2) != nil)
        #expect(!shell.screen().contains("\nnever-run"), "\(shell.screen())")
    }
}
