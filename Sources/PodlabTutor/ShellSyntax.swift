import PodlabCore

/// Whether the text typed so far is a whole shell command, or sh would read on (an open here-document, an
/// unclosed quote, a trailing backslash, an open `if`/`for`/`while`/`case`/`{`/`(`, a line ending in `|`,
/// `&&` or `||`). The learner's lines run through /bin/sh, so /bin/sh's own parser decides (`sh -n`): no
/// guess of ours can disagree with the shell that will run the block.
public enum ShellSyntax {
    /// The shell that parses (and later runs) the learner's lines.
    static let shell = "/bin/sh"

    /// A complete text runs now; an incomplete one waits for more lines. Text with a plain syntax error
    /// (`fi` alone) counts as complete: running it shows the shell's own message.
    public static func isComplete(_ text: String) -> Bool {
        // 1. Unclosed quotes, compound commands and trailing operators: the parser reaches the end of the
        //    text while it still expects something.
        guard let plain = parse(text) else { return true }
        if !plain.isEmpty { return !reachedEndOfText(plain) }
        // 2. An open here-document and a trailing backslash read to the end of the text without an error
        //    (sh ends a here-document at the end of its input, and drops a final backslash-newline). Inside
        //    braces, the closing brace becomes part of the document or of the continued line, and the parser
        //    reaches the end of the text still expecting it.
        //    Only text with a here-document operator or a final backslash can be open in that way, so other text
        //    needs no second parse (a paste of 200 lines then costs 200 parses, not 400).
        guard text.contains("<<") || text.hasSuffix("\\") else { return true }
        guard let braced = parse("{ " + text + "\n}") else { return true }
        return braced.isEmpty || !reachedEndOfText(braced)
    }

    /// sh's complaint about `text` ("" when it parses), or nil when sh could not be run.
    static func parse(_ text: String) -> String? {
        guard let result = try? Subprocess.run([shell, "-n", "-c", text + "\n"], environment: ["LC_ALL=C"]) else { return nil }
        return result.status == 0 ? "" : result.output
    }

    /// dash and bash's words for "the input ended while I expected more".
    static func reachedEndOfText(_ message: String) -> Bool {
        ["end of file unexpected", "Unterminated quoted string", "EOF in backquote", "unexpected end of file",
         "unexpected EOF"].contains { message.contains($0) }
    }
}
