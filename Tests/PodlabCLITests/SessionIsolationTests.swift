import Foundation
import PodlabCore
import PodlabRuntime
import PodlabTestSupport
import Testing

/// A container never reaches the learner's terminal or podlab's own process: it runs in a session of its
/// own, with no /dev/tty but its own pty, stdin through a pipe with -i, and no capability to pass on.
@Suite(.serialized) struct SessionIsolationTests {
    let directory = TemporaryDirectory("podlab-session")
    var podman: Podman { Podman(root: directory.file("storage")) }
    static let image = TerminalProbe.image

    static func probe(marker: String) -> String { TerminalProbe.script(marker: marker) }

    var kernelAllowsTIOCSTI: Bool { TerminalProbe.kernelAllowsTIOCSTI }

    @Test func aContainerCannotTypeIntoTheLearnersShell() throws {
        #expect(try podman("pull", "-q", Self.image).status == 0)
        let script = directory.file("probe.py")
        let marker = directory.file("typed-by-a-container")
        try Self.probe(marker: marker).write(toFile: script, atomically: true, encoding: .utf8)
        var environment = podman.environment
        environment["PS1"] = "host$ "
        let shell = try TmuxSession(command: "/bin/sh", environment: environment, directory: directory.path)
        // Control: the same probe run by the host shell's own child does type into the shell, where the
        // kernel allows TIOCSTI (so the container's failure below is podlab's doing, not the kernel's).
        let control = directory.file("typed-by-the-host")
        try Self.probe(marker: control).write(toFile: directory.file("control.py"), atomically: true, encoding: .utf8)
        try shell.type("python3 \(directory.file("control.py")); echo control-done")
        #expect(shell.wait(for: "\ncontrol-done\n") != nil, "\(shell.screen())")
        if kernelAllowsTIOCSTI {
            #expect(shell.wait(for: "touch \(control)") != nil, "the control types into the shell: \(shell.screen())")
            try shell.type("echo flushed-1")
            #expect(shell.wait(for: "\nflushed-1\n") != nil)
            #expect(FileSystem.exists(control), "TIOCSTI works on this terminal: \(shell.screen())")
        }
        // The container: no /dev/tty, and none of its descriptors is a terminal.
        try shell.type("\(BuildProducts.podlab) podman run --rm -v \(directory.path):/probe:ro \(Self.image) python3 /probe/probe.py; echo container-done")
        let screen = shell.wait(for: "\ncontainer-done\n", seconds: 60) ?? shell.screen()
        #expect(screen.contains(TerminalProbe.containedResult), "\(screen)")
        try shell.type("echo flushed-2")
        #expect(shell.wait(for: "\nflushed-2\n") != nil)
        #expect(!FileSystem.exists(marker), "nothing was typed into the host shell: \(shell.screen())")
    }

    @Test func killingItsProcessGroupEndsOnlyTheContainer() throws {
        // Before, `kill -9 0` inside killed the podman command too (one process group): it died by SIGKILL
        // (status 9 here) and the container lived on unsupervised. Now podman reports the container's 137.
        let run = try podman("run", "--init", "--name", "group-killer", "busybox", "sh", "-c", "kill -9 0; sleep 600")
        #expect(run.status == 137, "\(run)")
        #expect(try podman("inspect", "--format", "{{.State.ExitCode}}", "group-killer").stdout == "137\n")
        let state = try podman("ps", "-a")
        #expect(state.stdout.contains("Exited (137)"), "\(state)")
        #expect(try podman("rm", "group-killer").status == 0)
    }

    @Test func interactiveInputIsAPipeAndThereIsNoTerminal() throws {
        let run = try podman("run", "-i", "--rm", "busybox", "sh", "-c",
                             "cat; [ -t 0 ] || echo stdin-is-not-a-tty; ls /dev/tty 2>&1; echo session-$(cut -d' ' -f6 /proc/$$/stat)",
                             stdin: "hello from stdin\n")
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.hasPrefix("hello from stdin\nstdin-is-not-a-tty\n"), "\(run)")
        // PID 1 leads its own session (a session led outside the container's PID namespace reads as 0).
        #expect(run.stdout.contains("session-1\n"), "\(run)")
        #expect(run.stdout.contains("/dev/tty: No such file or directory"), "\(run)")
        let pty = try TestProcess.run(["script", "-qec", "\(BuildProducts.podlab) podman run -it --rm busybox sh -c '[ -t 0 ] && echo stdin-is-a-tty; [ -c /dev/tty ] && echo has-dev-tty'", "/dev/null"],
                                      environment: podman.environment)
        #expect(pty.stdout.contains("stdin-is-a-tty") && pty.stdout.contains("has-dev-tty"), "with -t, the container's own pty is its terminal: \(pty)")
    }

    @Test func containerRootPassesNoCapabilityOn() throws {
        let run = try podman("run", "--rm", "busybox", "sh", "-c", "grep -E '^Cap(Inh|Amb|Eff)' /proc/self/status")
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("CapInh:\t0000000000000000") && run.stdout.contains("CapAmb:\t0000000000000000"), "\(run)")
        #expect(!run.stdout.contains("CapEff:\t0000000000000000"), "root keeps its effective set: \(run)")
    }

    @Test func aPasswordOnTheCommandLineNeverReachesTheJournal() throws {
        _ = try podman("login", "-u", "student", "-p", "secret-on-argv-1", "--tls-verify=false", "127.0.0.1:9")
        _ = try podman("login", "--username=student", "--password=secret-on-argv-2", "--tls-verify=false", "127.0.0.1:9")
        _ = try podman("pull", "--creds", "student:secret-on-argv-3", "--tls-verify=false", "127.0.0.1:9/x/y:1")
        #expect(try podman("run", "--rm", "-e", "MYSQL_ROOT_PASSWORD=secret-on-argv-4", "busybox", "true").status == 0)
        let journal = (try? String(contentsOfFile: "\(podman.root)/events.jsonl", encoding: .utf8)) ?? ""
        #expect(journal.contains("login"), "the commands are journaled: \(journal)")
        #expect(!journal.contains("secret-on-argv"), "\(journal)")
        #expect(!(try podman("events").stdout.contains("secret-on-argv")))
        #expect(JournalEvent.withoutSecrets(["podman", "run", "-p", "8080:80", "nginx"]) == ["podman", "run", "-p", "8080:80", "nginx"],
                "-p publishes for run: kept")
        #expect(JournalEvent.withoutSecrets(["podman", "login", "-psecret", "x"]) == ["podman", "login", "-p******", "x"])
        #expect(JournalEvent.withoutSecrets(["podman", "login", "-p", "-starts-with-a-dash", "x"]) == ["podman", "login", "-p", "******", "x"])
        #expect(JournalEvent.withoutSecrets(["podman", "run", "-e", "MYSQL_ROOT_PASSWORD=s3cret", "--env=DB_PASSWORD=p", "-e", "TERM", "mariadb"])
                == ["podman", "run", "-e", "MYSQL_ROOT_PASSWORD=******", "--env=DB_PASSWORD=******", "-e", "TERM", "mariadb"])
        #expect(JournalEvent.withoutSecrets(["podman", "build", "--build-arg", "TOKEN=abc", "--build-arg=KEY=v=w", "."])
                == ["podman", "build", "--build-arg", "TOKEN=******", "--build-arg=KEY=******", "."])
    }
}
