import CEditLine
import CLineInput
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads lines with libedit on a terminal: emacs keys (and ~/.editrc), history kept in a file across
/// sessions, Tab completion, Ctrl-C cancels the line, Ctrl-D on an empty line ends, and characters of any
/// width (Chinese included). A bracketed paste arrives as the lines it holds, each returned in turn as if
/// typed. Without a terminal it reads plain lines from stdin.
public final class LineEditor {
    public enum Input { case line(String), cancelled, end }

    let editLine: OpaquePointer?
    let history: OpaquePointer?
    let historyPath: String
    let interactive: Bool
    /// Lines of a paste not returned yet, and the unfinished last one (put back into the editor).
    var pastedLines: [String] = []
    var pastedRest = ""
    /// libedit calls back through C function pointers, which cannot capture: one editor per process.
    nonisolated(unsafe) static var current: LineEditor?
    nonisolated(unsafe) static var promptText: [CChar] = [0]
    public var prompt: String = "$ " {
        didSet { LineEditor.promptText = Array(prompt.utf8CString) }
    }
    public var completer: ((String) -> [String])?

    public init(historyPath: String, interactive: Bool) {
        self.historyPath = historyPath
        self.interactive = interactive
        TerminalLocale.adopt()
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
            // Signals are podlab's (CLineInput), not libedit's: its handlers would replace podlab's while it reads
            // and send each signal again to the whole process group.
            podlab_el_signal(editLine, 0)
            podlab_el_prompt(editLine) { _ in LineEditor.promptText.withUnsafeMutableBufferPointer { $0.baseAddress } }
            if let history { podlab_el_history(editLine, history) }
            podlab_el_add_function(editLine, "podlab-complete", "complete a word") { el, _ in LineEditor.complete(el) }
            podlab_el_bind(editLine, "^I", "podlab-complete")
            podlab_el_add_function(editLine, "podlab-paste", "take a bracketed paste") { el, _ in LineEditor.paste(el) }
            podlab_el_bind(editLine, BracketedPaste.start, "podlab-paste")
            el_source(editLine, nil)
            // Keys are read by podlab's function, which lets SIGINT in only while it waits (and notes it).
            podlab_line_install(editLine)
        }
        LineEditor.current = self
    }

    deinit {
        if let editLine { el_end(editLine) }
        if let history { history_end(history) }
    }

    /// The next line: a pasted one not yet taken, else one read from the learner.
    public func read() -> Input {
        guard interactive, let editLine else {
            guard let line = Swift.readLine(strippingNewline: true) else { return .end }
            return .line(line)
        }
        if !pastedLines.isEmpty {
            let line = pastedLines.removeFirst()
            // Shown as if typed: the prompt (without libedit's invisible-text marks) and the line.
            Terminal.write(prompt.filter { $0 != "\u{1}" } + line + "\n")
            return .line(line)
        }
        if !pastedRest.isEmpty {
            el_push(editLine, pastedRest)
            pastedRest = ""
        }
        // The window may have changed size while a command had the terminal.
        el_resize(editLine)
        Terminal.write(BracketedPaste.enable)
        defer { Terminal.write(BracketedPaste.disable) }
        var count: Int32 = 0
        // SIGINT is blocked while libedit computes and draws, and let in while it waits for a key: a Ctrl-C at any
        // moment ends the line (a handler noting it mid-draw let read() block until the next key).
        podlab_line_begin()
        let raw = el_gets(editLine, &count)
        let interrupted = podlab_line_interrupted() != 0
        podlab_line_end()
        guard let raw else {
            if interrupted || (count == -1 && errno == EINTR) {
                el_reset(editLine)
                discardPaste()
                Terminal.write("^C\n")
                return .cancelled
            }
            return .end
        }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }

    /// Drops lines of a paste not taken yet (Ctrl-C drops the block they belong to).
    func discardPaste() {
        pastedLines = []
        pastedRest = ""
    }

    /// Keeps a whole command (a line, or a block of continued lines) as one history entry, saved at once.
    public func remember(_ entry: String) {
        guard interactive, !entry.trimmed().isEmpty, let history else { return }
        podlab_history_enter(history, entry)
        try? FileSystem.createDirectory(FileSystem.parent(of: historyPath), mode: 0o700)
        _ = podlab_history_save(history, historyPath)
    }

    /// Asks a yes/no question; a terminal answers with one line, scripted input with the next line.
    public func confirm(_ question: String) -> Bool {
        Terminal.write(question)
        guard let answer = Swift.readLine() else { return false }
        return ["y", "yes", "是", "好"].contains(answer.trimmed().lowercased())
    }

    /// ESC [200~ … ESC [201~: the pasted text goes in as it is (a Tab is a Tab, not completion); its first
    /// line is taken at once when more follow, the others wait in `pastedLines`.
    static func paste(_ el: OpaquePointer?) -> UInt8 {
        guard let el, let editor = current else { return UInt8(CC_ERROR) }
        let lines = BracketedPaste.lines(BracketedPaste.readPaste(fd: 0))
        guard let first = lines.first else { return UInt8(CC_REFRESH) }
        _ = el_insertstr(el, first)
        guard lines.count > 1 else { return UInt8(CC_REFRESH) }
        editor.pastedLines = Array(lines.dropFirst().dropLast())
        editor.pastedRest = lines.last ?? ""
        return UInt8(CC_NEWLINE)
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
            Terminal.write("\n" + TerminalText.visible(choices.joined(separator: "  ")) + "\n")
            return UInt8(CC_REDISPLAY)
        }
        return UInt8(CC_REFRESH)
    }
}
