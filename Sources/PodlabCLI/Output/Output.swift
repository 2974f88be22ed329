#if canImport(Glibc)
import Glibc
#endif

/// Writes to standard output and error without Foundation's buffering surprises: stdout is collected and
/// flushed before anything goes to stderr, so the two interleave in the order they were written.
package enum Output {
    nonisolated(unsafe) private static var pending: [UInt8] = []

    package static func out(_ text: String, terminator: String = "\n") {
        pending.append(contentsOf: Array((text + terminator).utf8))
        if pending.count > 1 << 16 { flush() }
    }

    package static func err(_ text: String, terminator: String = "\n") {
        flush()
        write(fd: 2, Array((text + terminator).utf8))
    }

    /// Text for stderr as it is (progress redraws), after pending stdout.
    package static func errRaw(_ text: String) {
        flush()
        write(fd: 2, Array(text.utf8))
    }

    package static func flush() {
        guard !pending.isEmpty else { return }
        write(fd: 1, pending)
        pending.removeAll(keepingCapacity: true)
    }

    private static func write(fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }

    package static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// The hint line under an error: dimmed on a terminal, plain otherwise (and with NO_COLOR).
    package static func hint(_ text: String) -> String {
        let colour = isTerminal(2) && getenv("NO_COLOR") == nil
        return colour ? "\u{1B}[2mHint: \(text)\u{1B}[0m" : "Hint: \(text)"
    }
}
