import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The guided shell keeps the learner's terminal usable whatever signal comes while a line is edited: ended by
/// SIGTERM it puts the terminal back before it goes; a stop it cannot take leaves the line being edited. The
/// terminal's mode is read from outside with `stty -F`; "cooked" is checked against "raw" while the line is being
/// edited (the control).
extension TutorIntegrationTests {
    /// `stty -a` of the pane's terminal; empty when it cannot be read (then no mode is ever seen).
    func terminalSettings(_ shell: TmuxSession) -> String {
        guard let tty = shell.terminal() else { return "" }
        return (try? TestProcess.run(["stty", "-F", tty, "-a"]).stdout) ?? ""
    }

    /// Waits until `stty -a` of the pane shows (or, `raw`, lacks) canonical input; false on timeout.
    func waitForMode(_ shell: TmuxSession, raw: Bool, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let words = terminalSettings(shell).split(whereSeparator: { $0 == " " || $0 == "\n" })
            if words.contains(raw ? "-icanon" : "icanon") && words.contains(raw ? "-echo" : "echo") { return true }
            usleep(50_000)
        }
        return false
    }

    /// SIGTERM while a line is edited: the terminal is put back before podlab goes (the control: raw just before).
    @Test func endedBySIGTERMTheTerminalIsPutBack() throws {
        let shell = try startShell()
        let pid = try #require(shell.programPID())
        try shell.keys("-l", "echo never")
        #expect(shell.wait(for: "$ echo never") != nil, "\(shell.screen())")
        #expect(waitForMode(shell, raw: true), "control: raw while a line is edited: \(terminalSettings(shell))")
        #expect(kill(pid, SIGTERM) == 0)
        #expect(shell.wait(for: "[the program ended: status 143]") != nil, "\(shell.screen())")
        #expect(waitForMode(shell, raw: false), "cooked after SIGTERM: \(terminalSettings(shell))")
    }

    /// SIGTSTP and SIGCONT while a line is edited, with podlab run by a shell without job control (as the pane's
    /// `sh -c` is): the kernel drops a stop for such an orphaned process group, so podlab must go on editing, raw
    /// again after the handler handed the terminal back, with the half-typed line kept. (A real stop and `fg` under
    /// a job-control shell is checked by hand: the shell's own terminal handling would mask a failure here.)
    @Test func aStopThatCannotHappenLeavesTheLineBeing() throws {
        let shell = try startShell()
        let pid = try #require(shell.programPID())
        try shell.keys("-l", "echo half")
        #expect(shell.wait(for: "$ echo half") != nil, "\(shell.screen())")
        for signal in [SIGTSTP, SIGCONT, SIGTSTP, SIGCONT] {
            #expect(kill(pid, signal) == 0)
        }
        #expect(waitForMode(shell, raw: true), "raw again: \(terminalSettings(shell))")
        try shell.keys("-l", " and done")
        try shell.keys("Enter")
        #expect(shell.wait(for: "\nhalf and done\n") != nil, "the half-typed line was kept: \(shell.screen())")
    }
}
