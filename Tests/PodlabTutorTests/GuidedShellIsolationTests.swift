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

    /// A page that tries to retitle the window and clear the screen, served by a real nginx container: `browse` shows
    /// its control characters as text. The control: the same sequence printed by the guided shell's own child does
    /// retitle the window.
    @Test func browseShowsAPagesControlCharactersInsteadOfObeyingThem() throws {
        let pages = directory.file("pages")
        try FileSystem.createDirectory(pages, mode: 0o755)
        let html = "<html><body><p>before&#27;]0;OWNED-BY-ENTITY&#7;after</p><p>raw\u{1B}]0;OWNED-RAW\u{07}end</p></body></html>\n"
        try FileSystem.writeAtomically(Array(html.utf8), to: "\(pages)/index.html", mode: 0o644)
        let podman = Podman(root: directory.file("storage"))
        let web = try podlab("podman", "run", "-d", "--name", "escape-page", "-p", "80", "-v", "\(pages):/var/www/html:ro",
                             "docker.io/library/nginx:1.24")
        #expect(web.status == 0, "\(web)")
        defer { _ = try? podlab("podman", "rm", "-f", "escape-page") }
        let port = try podman.hostPort(of: "escape-page", "80")
        #expect(HTTP.waitForOK(port: port) != nil)

        let shell = try startShell()
        #expect(shell.wait(for: "$ ") != nil, "\(shell.screen())")
        try shell.type("printf '\\033]0;TITLE-BY-HOST\\007'; echo control-done")
        #expect(shell.wait(for: "\ncontrol-done\n") != nil, "\(shell.screen())")
        #expect(shell.title() == "TITLE-BY-HOST", "the control retitles the window: \(shell.title())")

        try shell.type("browse http://127.0.0.1:\(port)/")
        let screen = shell.wait(for: "OWNED-RAW^Gend") ?? shell.screen()
        #expect(screen.contains("before^[]0;OWNED-BY-ENTITY^Gafter"), "\(screen)")
        #expect(screen.contains("raw^[]0;OWNED-RAW^Gend"), "\(screen)")
        #expect(shell.title() == "TITLE-BY-HOST", "the page did not retitle the window: \(shell.title())")
    }
}
