/// Words for a POSIX shell, for commands podlab writes (a replay script) or suggests (a hint a learner copies).
public enum ShellQuote {
    /// In single quotes, each `'` written as `'\''`: nothing inside is interpreted.
    public static func quote(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    /// The text as it is when a shell reads it as one word unchanged (a plain path, a name); quoted otherwise.
    public static func word(_ text: String) -> String {
        let plain = !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "+"),
                 UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: ","), UInt8(ascii: "%"): true
            default: false
            }
        }
        return plain ? text : quote(text)
    }
}
