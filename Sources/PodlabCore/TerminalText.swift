/// Text from outside podlab (a web page, a container's name or output, an image's label) made safe to show
/// on the learner's terminal: control characters become visible (`ESC` is shown as `^[`), so nothing shown
/// can retitle the window, clear the screen, set the clipboard or move the cursor.
public enum TerminalText {
    /// `text` with every C0 control but newline and tab, DEL and every C1 control written visibly.
    public static func visible(_ text: String, keepNewlines: Bool = true) -> String {
        // Most text has nothing to show differently (every table cell and template value passes through here).
        let plain = text.unicodeScalars.allSatisfy { scalar in
            (scalar.value >= 0x20 && scalar.value != 0x7F && !(0x80..<0xA0).contains(scalar.value))
                || scalar.value == 0x09 || (scalar.value == 0x0A && keepNewlines)
        }
        if plain { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A where keepNewlines, 0x09:
                result.unicodeScalars.append(scalar)
            case 0x00..<0x20:
                result += "^"
                result.unicodeScalars.append(Unicode.Scalar(UInt8(scalar.value + 0x40)))
            case 0x7F:
                result += "^?"
            case 0x80..<0xA0:
                result += "<U+00\(String(scalar.value, radix: 16, uppercase: true))>"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
