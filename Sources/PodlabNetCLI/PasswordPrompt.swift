import PodlabCLI
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads a password: from the terminal without echo (as podman login does), or a line of stdin.
enum PasswordPrompt {
    static func read(_ prompt: String) throws -> String {
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard tty >= 0 else {
            throw CLIError.refused("cannot ask for a password: there is no terminal",
                                   hint: "pass it on stdin with --password-stdin (echo \"$PASSWORD\" | podman login -u USER --password-stdin REGISTRY)")
        }
        defer { close(tty) }
        Output.flush()
        _ = prompt.withCString { write(tty, $0, strlen($0)) }
        var saved = termios()
        let isTerminal = tcgetattr(tty, &saved) == 0
        if isTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(tty, TCSAFLUSH, &quiet)
        }
        defer {
            if isTerminal { tcsetattr(tty, TCSAFLUSH, &saved) }
            _ = write(tty, "\n", 1)
        }
        return FileSystem.readLine(fd: tty)
    }

    /// One line from stdin (for --password-stdin), without its newline.
    static func readStandardInput() -> String {
        FileSystem.readLine(fd: 0)
    }
}
