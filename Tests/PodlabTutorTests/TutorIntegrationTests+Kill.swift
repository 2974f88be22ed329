import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The guided shell killed with SIGKILL in the middle of a step (a command of the step still running) keeps the
/// learner's progress and history: started again, it shows the same step, and Up brings back the lines typed.
extension TutorIntegrationTests {
    @Test func killedMidStepKeepsProgressAndHistory() throws {
        let first = try startShell()
        try first.type("lesson hello-world")
        #expect(first.wait(for: "[hello-world 1/8]") != nil, "\(first.screen())")
        try first.type("podman --version")
        #expect(first.wait(for: "[hello-world 2/8]") != nil, "\(first.screen())")
        defer { _ = try? podlab("podman", "rm", "-f", "-t", "0", "in-flight") }
        try first.type("podman run --name in-flight busybox sh -c 'echo in-flight-now; sleep 600'")
        // Not the step's line: the coach asks first, and the learner runs it anyway.
        #expect(first.wait(for: "Run it anyway? [y/N]") != nil, "\(first.screen())")
        try first.type("y")
        #expect(first.wait(for: "\nin-flight-now", seconds: 30) != nil, "\(first.screen())")
        let tutor = try #require(first.programPID(), "the guided shell's process: \(first.screen())")
        let command = (try? String(contentsOfFile: "/proc/\(tutor)/comm", encoding: .utf8)) ?? ""
        #expect(command.hasPrefix("podlab"), "the pane's program is the guided shell, still running: \(command)")
        #expect(kill(tutor, SIGKILL) == 0)

        let second = try startShell()
        #expect(second.wait(for: "[hello-world 2/8]") != nil, "the same step again: \(second.screen())")
        #expect(!second.screen().contains("[hello-world 1/8]"), "\(second.screen())")
        try second.keys("Up")
        #expect(second.wait(for: "$ podman run --name in-flight busybox sh -c 'echo in-flight-now; sleep 600'") != nil,
                "Up brings back the line typed before the kill: \(second.screen())")
        try second.keys("Up")
        #expect(second.wait(for: "$ podman --version") != nil, "and the one before it: \(second.screen())")
    }
}
