import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// What a container does cannot reach the guided shell either: the TIOCSTI probe run from the guided shell
/// types nothing into it, while the same probe run by the guided shell's own child does (the control).
extension TutorIntegrationTests {
    @Test func aContainerCannotTypeIntoTheGuidedShell() throws {
        #expect(try podlab("podman", "pull", "-q", TerminalProbe.image).status == 0)
        let probes = directory.file("probes")
        try FileSystem.createDirectory(probes, mode: 0o755)
        let control = directory.file("typed-by-the-host")
        let marker = directory.file("typed-by-a-container")
        try TerminalProbe.script(marker: control).write(toFile: "\(probes)/control.py", atomically: true, encoding: .utf8)
        try TerminalProbe.script(marker: marker).write(toFile: "\(probes)/probe.py", atomically: true, encoding: .utf8)
        let shell = try startShell()
        #expect(shell.wait(for: "$ ") != nil, "\(shell.screen())")
        if TerminalProbe.kernelAllowsTIOCSTI {
            try shell.type("python3 \(probes)/control.py; echo control-done")
            #expect(shell.wait(for: "\ncontrol-done\n") != nil, "\(shell.screen())")
            try shell.type("echo flushed-1")
            #expect(shell.wait(for: "\nflushed-1\n") != nil, "\(shell.screen())")
            #expect(FileSystem.exists(control), "the control types into the guided shell: \(shell.screen())")
        }
        try shell.type("podman run --rm -v \(probes):/probe:ro \(TerminalProbe.image) python3 /probe/probe.py; echo container-done")
        let screen = shell.wait(for: "\ncontainer-done\n", seconds: 60) ?? shell.screen()
        #expect(screen.contains(TerminalProbe.containedResult), "\(screen)")
        try shell.type("echo flushed-2")
        #expect(shell.wait(for: "\nflushed-2\n") != nil, "\(shell.screen())")
        #expect(!FileSystem.exists(marker), "nothing was typed into the guided shell: \(shell.screen())")
    }
}
