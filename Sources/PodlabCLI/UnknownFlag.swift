import ArgumentParser

/// A flag podlab does not know, said as podman says it. A command that takes the words after its flags as they are
/// (`run IMAGE COMMAND…`, `exec NAME COMMAND…`, `top NAME …`) gets such a flag as its first word from ArgumentParser,
/// which would then be taken for an image or a container name; `refuse` makes it the parse error any other
/// command's unknown flag is.
enum UnknownFlag {
    static func refuse(before words: [String]) throws {
        guard let word = words.first, word.hasPrefix("-"), word != "-", word != "--" else { return }
        throw ValidationError("unknown option '\(word.prefix { $0 != "=" })'")
    }

    /// ArgumentParser's "unknown option '--x'" in podman's words: "unknown flag: --x", and for a short one
    /// "unknown shorthand flag: 'x' in -x". Any other message is returned as it is.
    static func inPodmansWords(_ message: String) -> String {
        guard message.hasPrefix("unknown option '"), message.hasSuffix("'") else { return message }
        let flag = message.dropFirst("unknown option '".count).dropLast()
        if flag.hasPrefix("--") { return "unknown flag: \(flag)" }
        guard let letter = flag.dropFirst().first, flag.hasPrefix("-") else { return message }
        return "unknown shorthand flag: '\(letter)' in \(flag)"
    }
}
