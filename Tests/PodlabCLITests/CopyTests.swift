import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `podman cp` with real containers, running and stopped, as root and as the unprivileged test user; paths in the
/// container are resolved inside its root, whatever its symlinks say. Messages are podman 4.3.1's as it printed
/// them on these machines.
struct CopyTests {
    let directory = TemporaryDirectory("podlab-cp")
    var podman: Podman { Podman(root: directory.file("storage")) }

    func write(_ text: String, _ name: String) throws -> String {
        let path = directory.file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func filesGoInAndComeOutOfRunningAndStoppedContainers() throws {
        let page = try write("<h1>你好</h1>\n", "index.html")
        #expect(try podman("run", "-d", "--name", "box", "busybox", "sleep", "600").status == 0)
        defer { _ = try? podman("rm", "-f", "-t", "0", "box") }
        let copyIn = try podman("cp", page, "box:/tmp/")
        #expect(copyIn.status == 0 && copyIn.stdout.isEmpty, "\(copyIn)")
        #expect(try podman("exec", "box", "cat", "/tmp/index.html").stdout == "<h1>你好</h1>\n")
        #expect(try podman("exec", "box", "stat", "-c", "%u:%g %a", "/tmp/index.html").stdout == "0:0 644\n",
                "what is copied in belongs to the container's root")
        #expect(try podman("cp", page, "box:/tmp/renamed.html").status == 0)
        #expect(try podman("exec", "box", "cat", "/tmp/renamed.html").stdout == "<h1>你好</h1>\n")

        #expect(try podman("exec", "box", "sh", "-c", "mkdir -p /data/sub && echo row > /data/sub/r && ln -s sub/r /data/link").status == 0)
        let out = directory.file("out")
        #expect(try podman("cp", "box:/data", out).status == 0)
        #expect(try String(contentsOfFile: "\(out)/sub/r", encoding: .utf8) == "row\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(out)/link") == "sub/r", "links are copied as links")

        // A container that is not running: the copy still reaches its file system, and the container sees it.
        #expect(try podman("create", "--name", "later", "busybox", "cat", "/etc/motd").status == 0)
        #expect(try podman("cp", try write("welcome\n", "motd"), "later:/etc/motd").status == 0)
        #expect(try podman("start", "later").status == 0)
        #expect(try podman("wait", "later").stdout == "0\n")
        #expect(try podman("logs", "later").stdout == "welcome\n")
        #expect(try podman("cp", "later:/etc/motd", directory.file("motd-back")).status == 0)
        #expect(try String(contentsOfFile: directory.file("motd-back"), encoding: .utf8) == "welcome\n")
    }

    @Test func podmansMessagesForWhatIsNotThere() throws {
        #expect(try podman("run", "-d", "--name", "c1", "busybox", "sleep", "600").status == 0)
        defer { _ = try? podman("rm", "-f", "-t", "0", "c1") }
        let file = try write("hi\n", "hostfile")
        let cases: [([String], String)] = [
            (["c1:/nosuch", directory.file("x")], "Error: \"/nosuch\" could not be found on container c1: no such file or directory\n"),
            (["/nosuch", "c1:/tmp/"], "Error: \"/nosuch\" could not be found on the host: no such file or directory\n"),
            ([file, "nosuchctr:/tmp/"], "Error: container \"nosuchctr\" does not exist\n"),
            ([file, directory.file("y")], "Error: name or ID cannot be empty\n"),
            ([file, "c1:/nosuchdir/x"], "Error: \"/nosuchdir/x\" could not be found on container c1: no such file or directory\n"),
        ]
        for (arguments, expected) in cases {
            let result = try podman.run(["cp"] + arguments)
            #expect(result.status == 125 && result.stderr.hasPrefix(expected), "\(arguments): \(result)")
        }
    }

    /// Symlinks in the container resolve inside it. The control shows the same path followed on the host (what a
    /// cp without RESOLVE_IN_ROOT would do) lands outside the container.
    @Test func symlinksInTheContainerStayInside() throws {
        let marker = directory.file("host-only")
        try FileSystem.createDirectory(marker, mode: 0o755)
        _ = try write("host secret\n", "host-only/secret")
        #expect(try podman("run", "-d", "--name", "hostile", "busybox", "sleep", "600").status == 0)
        defer { _ = try? podman("rm", "-f", "-t", "0", "hostile") }
        #expect(try podman("exec", "hostile", "sh", "-c", "ln -s ../../../../../../.. /up && ln -s \(marker) /abs").status == 0)
        let pid = try podman("inspect", "--format", "{{.State.Pid}}", "hostile").stdout.trimmed()
        // Control: resolved by the host, the container's /abs/ is the host's directory.
        #expect(FileManager.default.fileExists(atPath: "/proc/\(pid)/root/abs/secret"),
                "control: following /abs through /proc/PID/root reaches the host's file")

        let out = directory.file("taken")
        let steal = try podman("cp", "hostile:/abs/secret", out)
        #expect(steal.status == 125 && steal.stderr.contains("could not be found on container hostile"), "\(steal)")
        #expect(!FileManager.default.fileExists(atPath: out), "the host's file was not copied out")

        #expect(try podman("cp", try write("planted\n", "plant"), "hostile:/up/planted").status == 0)
        #expect(!FileManager.default.fileExists(atPath: "/planted"), "nothing was written at the host's /")
        #expect(try podman("exec", "hostile", "cat", "/planted").stdout == "planted\n", "/up resolved to the container's /")
        #expect(try podman("cp", directory.file("plant"), "hostile:/abs/").status == 125)
        #expect(FileSystem.list(marker) == ["secret"], "nothing was written into the host's directory")

        let proc = try podman("cp", "hostile:/proc/1/environ", directory.file("environ"))
        #expect(proc.status == 125 && proc.stderr.contains("does not copy to or from /proc or /sys"), "\(proc)")
    }

    /// A setuid file the container made comes out without its setuid bit (the control: it has it inside).
    @Test func setuidBitsDoNotComeOut() throws {
        #expect(try podman("run", "-d", "--name", "suid", "busybox", "sleep", "600").status == 0)
        defer { _ = try? podman("rm", "-f", "-t", "0", "suid") }
        #expect(try podman("exec", "suid", "sh", "-c", "cp /bin/busybox /tmp/sh && chmod 4755 /tmp/sh").status == 0)
        #expect(try podman("exec", "suid", "stat", "-c", "%a", "/tmp/sh").stdout == "4755\n", "control: setuid inside")
        #expect(try podman("cp", "suid:/tmp/sh", directory.file("sh")).status == 0)
        var info = stat()
        #expect(stat(directory.file("sh"), &info) == 0 && info.st_mode & 0o7777 == 0o755 && info.st_uid == geteuid())
    }

    /// What `cp` passes over is named in a warning; the name comes from the container, so its control characters
    /// are shown, not sent to the learner's terminal (the control: the FIFO's name holds them inside).
    @Test func aSkippedNameFromTheContainerCannotDriveTheTerminal() throws {
        #expect(try podman("run", "-d", "--name", "fifo", "busybox", "sleep", "600").status == 0)
        defer { _ = try? podman("rm", "-f", "-t", "0", "fifo") }
        let made = try podman("exec", "fifo", "sh", "-c", "mkdir /d && mkfifo \"/d/$(printf 'x\\033]0;owned\\007')\" && printf '%s' /d/x* | od -An -tx1")
        #expect(made.status == 0 && made.stdout.contains(" 1b 5d") && made.stdout.contains(" 07"), "control: \(made)")
        let copied = try podman("cp", "fifo:/d", directory.file("d"))
        #expect(copied.status == 0, "\(copied)")
        #expect(copied.stderr.contains("WARN: /d/x^[]0;owned^G was not copied"), "\(copied)")
        #expect(!copied.stderr.unicodeScalars.contains("\u{1B}") && !copied.stderr.unicodeScalars.contains("\u{07}"), "\(copied)")
    }

    @Test func copyWorksWithoutRoot() throws {
        guard let user = try RootlessUser.prepare() else { return }
        #expect(try user.podman("run", "-d", "--name", "mine", "busybox", "sleep", "600").status == 0)
        defer { _ = try? user.podman("rm", "-f", "-t", "0", "mine") }
        let note = "\(user.data)/note"
        try Data("rootless\n".utf8).write(to: URL(fileURLWithPath: note))
        chown(note, user.uid, gid_t(user.uid))
        let copyIn = try user.podman("cp", note, "mine:/root/")
        #expect(copyIn.status == 0, "\(copyIn)")
        #expect(try user.podman("exec", "mine", "stat", "-c", "%u %n", "/root/note").stdout == "0 /root/note\n")
        #expect(try user.podman("cp", "mine:/etc/passwd", "\(user.data)/passwd").status == 0)
        var info = stat()
        #expect(stat("\(user.data)/passwd", &info) == 0 && info.st_uid == user.uid)
    }
}
