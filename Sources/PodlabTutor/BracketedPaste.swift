#if canImport(Glibc)
import Glibc
#endif

/// xterm's bracketed paste: while the shell reads, the terminal wraps pasted text in ESC [200~ … ESC [201~,
/// so a pasted block is told apart from typing (its newlines do not run anything before it is all there, and
/// no escape sequence is left behind in the line).
enum BracketedPaste {
    /// The key sequence libedit is bound to (libedit's notation: ^[ is ESC).
    static let start = "^[[200~"
    static let end: [UInt8] = Array("\u{1B}[201~".utf8)
    static let enable = "\u{1B}[?2004h"
    static let disable = "\u{1B}[?2004l"
    /// A paste larger than this is cut there (a terminal sends what a person selected: far less).
    static let limit = 4 << 20

    /// Reads the rest of a paste from `fd`, byte by byte so that nothing typed after it is taken, up to the
    /// end mark (or until the terminal has sent nothing for two seconds).
    static func readPaste(fd: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count < limit {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 2000)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0, Glibc.read(fd, &byte, 1) == 1 else { break }
            bytes.append(byte)
            if bytes.count >= end.count && bytes.suffix(end.count).elementsEqual(end) {
                bytes.removeLast(end.count)
                break
            }
        }
        return bytes
    }

    /// The pasted lines: terminals send Enter as CR, so CR LF and CR both end a line. The last element is
    /// what follows the last line end ("" when the paste ended with one).
    static func lines(_ bytes: [UInt8]) -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines: [String] = []
        var current = ""
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousWasCR { previousWasCR = false; continue }
            previousWasCR = scalar == "\r"
            if scalar == "\r" || scalar == "\n" {
                lines.append(current)
                current = ""
            } else {
                current.unicodeScalars.append(scalar)
            }
        }
        lines.append(current)
        return lines
    }
}
