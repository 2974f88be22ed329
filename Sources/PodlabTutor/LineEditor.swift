import CEditLine
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads lines with libedit on a terminal: emacs keys (and ~/.editrc), history kept in a file across
/// sessions, Tab completion, Ctrl-C cancels the line, Ctrl-D on an empty line ends. Without a terminal it
/// reads plain lines from stdin.
public final class LineEditor {
    public enum Input { case line(String), cancelled, end }

    let editLine: OpaquePointer?
    let history: OpaquePointer?
    let historyPath: String
    let interactive: Bool
    /// libedit calls back through C function pointers, which cannot capture: one editor per process.
    nonisolated(unsafe) static var current: LineEditor?
    nonisolated(unsafe) static var promptText: [CChar] = [0]
    nonisolated(unsafe) static var interrupted: sig_atomic_t = 0
    public var prompt: String = "$ " {
        didSet { LineEditor.promptText = Array(prompt.utf8CString) }
    }
    public var completer: ((String) -> [String])?

    public init(historyPath: String, interactive: Bool) {
        self.historyPath = historyPath
        self.interactive = interactive
        guard interactive else {
            editLine = nil
            history = nil
            return
        }
        history = podlab_history_new(1000)
        if let history { _ = podlab_history_load(history, historyPath) }
        editLine = el_init("podlab", fdopen(0, "r"), fdopen(1, "w"), fdopen(2, "w"))
        if let editLine {
            podlab_el_editor(editLine, "emacs")
            // libedit puts the terminal back in order if a signal ends the shell while it reads.
            podlab_el_signal(editLine, 1)
            podlab_el_prompt(editLine) { _ in LineEditor.promptText.withUnsafeMutableBufferPointer { $0.baseAddress } }
            if let history { podlab_el_history(editLine, history) }
            podlab_el_add_function(editLine, "podlab-complete", "complete a word") { el, _ in LineEditor.complete(el) }
            podlab_el_bind(editLine, "^I", "podlab-complete")
            el_source(editLine, nil)
        }
        LineEditor.current = self
        LineEditor.installInterruptHandler()
    }

    deinit {
        if let editLine { el_end(editLine) }
        if let history { history_end(history) }
    }

    /// SIGINT while reading: the line is dropped. (While a line runs, the child has the terminal.)
    static func installInterruptHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in LineEditor.interrupted = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    public func read() -> Input {
        guard interactive, let editLine else {
            guard let line = Swift.readLine(strippingNewline: true) else { return .end }
            return .line(line)
        }
        LineEditor.interrupted = 0
        var count: Int32 = 0
        guard let raw = el_gets(editLine, &count) else {
            if LineEditor.interrupted != 0 || (count == -1 && errno == EINTR) {
                el_reset(editLine)
                Terminal.write("^C\n")
                return .cancelled
            }
            return .end
        }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }
        if !line.trimmed().isEmpty, let history {
            podlab_history_enter(history, line)
            try? FileSystem.createDirectory(FileSystem.parent(of: historyPath), mode: 0o700)
            _ = podlab_history_save(history, historyPath)
        }
        return .line(line)
    }

    /// Asks a yes/no question; a terminal answers with one line, scripted input with the next line.
    public func confirm(_ question: String) -> Bool {
        Terminal.write(question)
        guard let answer = Swift.readLine() else { return false }
        return ["y", "yes", "是", "好"].contains(answer.trimmed().lowercased())
    }

    /// Tab: completes the word before the cursor, or lists the choices.
    static func complete(_ el: OpaquePointer?) -> UInt8 {
        guard let el, let info = el_line(el)?.pointee, let editor = current, let completer = editor.completer else { return UInt8(CC_ERROR) }
        let length = info.cursor - info.buffer
        let before = String(decoding: UnsafeRawBufferPointer(start: info.buffer, count: Int(length)).map { $0 }, as: UTF8.self)
        let word = String(before.reversed().prefix { $0 != " " }.reversed())
        let choices = completer(before)
        guard !choices.isEmpty else { return UInt8(CC_ERROR) }
        let common = choices.dropFirst().reduce(choices[0]) { prefix, choice in String(zip(prefix, choice).prefix { $0 == $1 }.map(\.0)) }
        if common.count > word.count {
            var insertion = String(common.dropFirst(word.count))
            if choices.count == 1 && !insertion.hasSuffix("/") { insertion += " " }
            _ = el_insertstr(el, insertion)
            return UInt8(CC_REFRESH)
        }
        if choices.count > 1 {
            Terminal.write("\n" + choices.joined(separator: "  ") + "\n")
            return UInt8(CC_REDISPLAY)
        }
        return UInt8(CC_REFRESH)
    }
}
