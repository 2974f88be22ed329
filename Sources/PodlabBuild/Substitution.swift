import PodlabCore

/// `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alternative}` in instructions, from ARG and ENV values;
/// `\$` stays a literal dollar.
enum Substitution {
    static func expand(_ text: String, _ variables: [String: String]) -> String {
        var output = ""
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "\\", index + 1 < characters.count, characters[index + 1] == "$" {
                output.append("$")
                index += 2
                continue
            }
            guard character == "$", index + 1 < characters.count else {
                output.append(character)
                index += 1
                continue
            }
            if characters[index + 1] == "{", let close = characters[(index + 2)...].firstIndex(of: "}") {
                let body = String(characters[(index + 2)..<close])
                if let range = body.firstRange(of: ":-") {
                    let name = String(body[..<range.lowerBound])
                    let value = variables[name] ?? ""
                    output += value.isEmpty ? String(body[range.upperBound...]) : value
                } else if let range = body.firstRange(of: ":+") {
                    let name = String(body[..<range.lowerBound])
                    output += (variables[name] ?? "").isEmpty ? "" : String(body[range.upperBound...])
                } else {
                    output += variables[body] ?? ""
                }
                index = close + 1
                continue
            }
            var end = index + 1
            while end < characters.count, characters[end].isLetter || characters[end].isNumber || characters[end] == "_" { end += 1 }
            if end == index + 1 {
                output.append("$")
                index += 1
                continue
            }
            output += variables[String(characters[(index + 1)..<end])] ?? ""
            index = end
        }
        return output
    }

    /// `KEY=value KEY2="two words"` or the legacy `KEY value` (ENV, LABEL, ARG).
    static func pairs(_ text: String, legacySpace: Bool) -> [(String, String)] {
        let words = shellWords(text)
        if legacySpace, let first = words.first, !first.contains("=") {
            let value = text.trimmed().dropFirst(first.count).trimmed()
            return [(first, value)]
        }
        return words.map { word in
            guard let equals = word.firstIndex(of: "=") else { return (word, "") }
            return (String(word[..<equals]), String(word[word.index(after: equals)...]))
        }
    }

    /// Splits on spaces outside quotes, removing the quotes.
    static func shellWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        var iterator = Array(text).makeIterator()
        while let character = iterator.next() {
            if let active = quote {
                if character == active { quote = nil } else if character == "\\" && active == "\"", let next = iterator.next() { current.append(next) } else { current.append(character) }
                continue
            }
            switch character {
            case "\"", "'": quote = character; inWord = true
            case "\\": if let next = iterator.next() { current.append(next); inWord = true }
            case " ":
                if inWord { words.append(current); current = ""; inWord = false }
            default: current.append(character); inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}

