import Foundation
import PodlabCore
@testable import PodlabTutor
import Testing

/// What the guided shell reads as one command: sh's own parser decides whether a block is complete, a
/// bracketed paste splits into lines, and text from outside is shown with its control characters visible.
@Suite struct ShellInputTests {
    @Test(arguments: [
        "cat > index.html <<'EOF'",                       // an open here-document
        "cat > index.html <<'EOF'\n<p>您好</p>",
        "cat <<-EOF\n\tindented",
        "echo \"abc",                                      // unclosed quotes
        "echo 'abc",
        "echo a \\",                                       // a trailing backslash
        "for i in 1 2 3; do",                              // open compound commands
        "for i in 1 2 3\ndo echo $i",
        "if true; then",
        "while true",
        "case x in",
        "{",
        "(",
        "echo $(ls",
        "echo `ls",
        "echo a |",                                        // trailing operators
        "echo a &&",
        "echo a ||",
    ])
    func incompleteTextWaitsForMore(_ text: String) {
        #expect(!ShellSyntax.isComplete(text), "\(text)")
    }

    @Test(arguments: [
        "echo hello",
        "echo 您好",
        "echo '<<'",                                       // look open, are not
        "echo \"a\" # \"",
        "echo a \\\\",
        "echo 'a \\'",
        "cat > index.html <<'EOF'\n<p>x</p>\nEOF",
        "cat <<-EOF\n\tx\n\tEOF",
        "cat <<A <<B\na\nA\nb\nB",
        "for i in 1 2 3\ndo\n  echo $i\ndone",
        "echo a \\\n  b",
        "echo a |\n  tr a b",
        "fi",                                              // a plain syntax error runs, and sh says what is wrong
        "echo a;;",
        "# only a comment",
        "",
    ])
    func completeTextRunsNow(_ text: String) {
        #expect(ShellSyntax.isComplete(text), "\(text)")
    }

    @Test func aPasteSplitsIntoLinesWhateverTheTerminalSendsForEnter() {
        #expect(BracketedPaste.lines(Array("one\rtwo\r\nthree\nfour".utf8)) == ["one", "two", "three", "four"])
        #expect(BracketedPaste.lines(Array("echo 您好\r".utf8)) == ["echo 您好", ""])
        #expect(BracketedPaste.lines(Array("\tTab stays\r\r".utf8)) == ["\tTab stays", "", ""])
        #expect(BracketedPaste.lines([]) == [""])
    }

    @Test func aPasteIsReadUpToItsEndMarkAndNoFurther() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let sent = Array("cat <<EOF\rx\rEOF\r\u{1B}[201~typed after".utf8)
        _ = sent.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        #expect(BracketedPaste.readPaste(fd: fds[0]) == Array("cat <<EOF\rx\rEOF\r".utf8))
        var rest = [UInt8](repeating: 0, count: 64)
        let count = read(fds[0], &rest, rest.count)
        #expect(String(decoding: rest.prefix(max(0, count)), as: UTF8.self) == "typed after", "what follows the paste stays unread")
    }

    @Test func controlCharactersAreShownNotObeyed() {
        #expect(TerminalText.visible("hi\u{1B}]0;OWNED\u{07}\u{1B}[2J") == "hi^[]0;OWNED^G^[[2J")
        #expect(TerminalText.visible("a\tb\nc\r\u{7F}") == "a\tb\nc^M^?")
        #expect(TerminalText.visible("\u{9B}31m您好") == "<U+009B>31m您好")
        #expect(TerminalText.visible("line\nnext", keepNewlines: false) == "line^Jnext")
    }
}
