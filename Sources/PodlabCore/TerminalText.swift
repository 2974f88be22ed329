/// Text from outside podlab (a web page, a container's name or output, an image's label) made safe to show
/// on the learner's terminal: control characters become visible (`ESC` is shown as `^[`), so nothing shown
/// can retitle the window, clear the screen, set the clipboard or move the cursor.
public enum TerminalText {
    /// `text` with every C0 control but newline and tab, DEL and every C1 control written visibly.
    public static func visible(_ text: String, keepNewlines: Bool = true) -> String {
        // Most text has nothing to show differently (every table cell and template value passes through here).
        if text.unicodeScalars.allSatisfy({ isShownAsIs($0, keepNewlines: keepNewlines) }) { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if isShownAsIs(scalar, keepNewlines: keepNewlines) {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x00..<0x20:
                result += "^"
                result.unicodeScalars.append(Unicode.Scalar(UInt8(scalar.value + 0x40)))
            case 0x7F:
                result += "^?"
            default:   // C1: 0x80..<0xA0
                result += "<U+00\(String(scalar.value, radix: 16, uppercase: true))>"
            }
        }
        return result
    }

    /// Tab, newline where it is kept, and every scalar that is not a C0 control, DEL or a C1 control.
    static func isShownAsIs(_ scalar: Unicode.Scalar, keepNewlines: Bool) -> Bool {
        switch scalar.value {
        case 0x0A: keepNewlines
        case 0x09: true
        case 0x00..<0x20, 0x7F, 0x80..<0xA0: false
        default: true
        }
    }
}
