import Foundation
import PodlabCore

/// A program in a real pseudo-terminal, driven like a learner at the keyboard: tmux on a private socket,
/// keys sent with send-keys, the screen read with capture-pane. The server is killed when done.
public final class TmuxSession: @unchecked Sendable {
    let socket: String
    public let name = "podlab"

    public init(command: String, environment: [String: String], directory: String, width: Int = 160, height: Int = 50) throws {
        socket = "\(directory)/tmux-\(UInt32.random(in: 0...UInt32.max)).sock"
        let exports = environment.map { "\($0.key)=\(Self.quote($0.value))" }.joined(separator: " ")
        // The tmux server outlives this call: its output goes to /dev/null so that no pipe of ours stays open.
        // How the program ended is printed on its screen, and the pane's shell catches SIGINT (its children still
        // get the default), so that a Ctrl-C it saw earlier does not end it, and the pane, when the program ends.
        let inner = "trap : INT; env -i \(exports) \(command); echo \"[the program ended: status $?]\"; sleep 600"
        let start = ["tmux", "-u", "-S", socket, "new-session", "-d", "-s", name, "-x", String(width), "-y", String(height), inner]
            .map(Self.quote).joined(separator: " ")
        let result = try Subprocess.run(["/bin/sh", "-c", "\(start) </dev/null >/dev/null 2>\"\(directory)/tmux.err\""])
        guard result.status == 0 else {
            let errors = (try? String(contentsOfFile: "\(directory)/tmux.err", encoding: .utf8)) ?? ""
            throw ServerStartFailure(log: "tmux did not start (status \(result.status)): \(errors)")
        }
        _ = try? Subprocess.run(["tmux", "-S", socket, "set-option", "-t", name, "history-limit", "20000"])
        // A pane whose shell is gone stays readable, with how it ended.
        _ = try? Subprocess.run(["tmux", "-S", socket, "set-option", "-t", name, "remain-on-exit", "on"])
    }

    deinit {
        // The pane's shell leads its own process group (its `sleep 600` with it, which outlived kill-server's hangup):
        // ended by its pid, which this session started.
        let panes = (try? Subprocess.run(["tmux", "-S", socket, "list-panes", "-a", "-F", "#{pane_pid}"]).output) ?? ""
        for pid in panes.split(separator: "\n").compactMap({ pid_t($0.trimmingCharacters(in: .whitespaces)) }) where pid > 1 {
            kill(-pid, SIGKILL)
        }
        _ = try? Subprocess.run(["tmux", "-S", socket, "kill-server"])
    }

    /// Types `text` and presses Enter.
    public func type(_ text: String) throws {
        try keys("-l", text)
        try keys("Enter")
    }

    /// Pastes `text` as a terminal does: a bracketed paste when the program asked for one, Enter as CR.
    public func paste(_ text: String) throws {
        let file = "\(FileSystem.parent(of: socket))/paste-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.writeAtomically(Array(text.utf8), to: file)
        _ = try Subprocess.run(["tmux", "-S", socket, "load-buffer", "-b", "paste", file])
        _ = try Subprocess.run(["tmux", "-S", socket, "paste-buffer", "-p", "-d", "-b", "paste", "-t", name])
    }

    /// tmux key names (`Tab`, `Up`, `C-c`, `C-d`), or `-l` then literal text.
    public func keys(_ keys: String...) throws {
        try burst(keys)
    }

    /// Several `keys` in one tmux command: written to the terminal back to back, with no process start between them.
    public func burst(_ groups: [String]...) throws {
        let commands = groups.map { ["send-keys", "-t", name] + $0 }.joined(separator: [";"])
        _ = try Subprocess.run(["tmux", "-S", socket] + commands)
    }

    /// The title the program in the pane set (OSC 0/2), as tmux keeps it.
    public func title() -> String {
        ((try? Subprocess.run(["tmux", "-S", socket, "display-message", "-p", "-t", name, "#{pane_title}"]).output) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Everything the terminal has shown (scrollback included).
    public func screen() -> String {
        (try? Subprocess.run(["tmux", "-S", socket, "capture-pane", "-p", "-J", "-S", "-20000", "-t", name]).output) ?? ""
    }

    /// Waits until the last line on the screen is a prompt with nothing typed after it (`… $ `).
    public func waitForEmptyPrompt(seconds: Double = 10) -> Bool {
        waitForPrompt(endingWith: "$", seconds: seconds)
    }

    /// Waits until the last line shown is a prompt ending in `mark` with nothing typed after it (`>` for a
    /// here-document's next line).
    public func waitForPrompt(endingWith mark: String, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let last = screen().split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
            if last.trimmingCharacters(in: .whitespaces).hasSuffix(mark) { return true }
            usleep(50_000)
        }
        return false
    }

    /// Waits until the screen shows `text` `count` times (or more); returns the screen, or nil on timeout.
    @discardableResult
    public func wait(for text: String, count: Int = 1, seconds: Double = 20) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let shown = screen()
            if shown.components(separatedBy: text).count - 1 >= count { return shown }
            usleep(100_000)
        }
        return nil
    }

    /// The pane shell's child: the program the pane runs while it runs, then the `sleep` that keeps the pane open.
    public func programPID() -> Int32? {
        guard let pane = try? Subprocess.run(["tmux", "-S", socket, "display-message", "-p", "-t", name, "#{pane_pid}"]).output,
              let shell = Int32(pane.trimmingCharacters(in: .whitespacesAndNewlines)),
              let children = try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8) else { return nil }
        return children.split(separator: " ").compactMap { Int32($0) }.first
    }

    /// The pane's terminal device (`/dev/pts/N`), whose settings `stty -F` reads from outside.
    public func terminal() -> String? {
        let tty = (try? Subprocess.run(["tmux", "-S", socket, "display-message", "-p", "-t", name, "#{pane_tty}"]).output)?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return tty?.isEmpty == false ? tty : nil
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
