#if canImport(Glibc)
import Glibc
#endif

/// The character set the line editor works in. libedit reads multibyte characters only under a UTF-8
/// locale: without one, Chinese input is dropped. The learner's LANG may name a locale this machine does
/// not have (zh_CN.UTF-8 where only C.UTF-8 is installed); then C.UTF-8 handles the characters, and
/// podlab's language still follows LANG (that choice is made elsewhere, from the variable itself).
enum TerminalLocale {
    static func adopt() {
        if setlocale(LC_CTYPE, "") != nil, isUTF8 { return }
        if setlocale(LC_CTYPE, "C.UTF-8") != nil { return }
        _ = setlocale(LC_CTYPE, "C.utf8")
    }

    static var isUTF8: Bool {
        guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
        let name = String(cString: codeset).lowercased()
        return name == "utf-8" || name == "utf8"
    }
}
