/// Reads the part of TOML that registries.conf uses: `key = value` with strings, booleans, integers and
/// arrays of strings; `[table]`, `[[array.of.tables]]` headers; comments. Enough for podman's
/// registries.conf v2. (A TOML library would pull all of Foundation into every podman command's start-up.)
public struct TOMLSubset {
    public enum Value: Equatable, Sendable {
        case string(String)
        case bool(Bool)
        case integer(Int)
        case strings([String])
    }

    /// One table: its header path (`registry`, `registry.mirror`), whether it was `[[…]]`, its keys.
    public struct Table: Equatable, Sendable {
        public var path: String
        public var isArrayElement: Bool
        public var values: [String: Value]
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// The top-level table first, then every table in file order.
    public private(set) var tables: [Table] = [Table(path: "", isArrayElement: false, values: [:])]

    public init(_ text: String) throws(ParseError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var index = 0
        while index < lines.count {
            let number = index + 1
            var line = Self.stripComment(String(lines[index])).trimmed()
            index += 1
            if line.isEmpty { continue }
            if line.hasPrefix("[[") {
                guard line.hasSuffix("]]") else { throw ParseError(line: number, reason: "a [[table]] header must end with ]]") }
                tables.append(Table(path: String(line.dropFirst(2).dropLast(2)).trimmed(), isArrayElement: true, values: [:]))
                continue
            }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw ParseError(line: number, reason: "a [table] header must end with ]") }
                tables.append(Table(path: String(line.dropFirst().dropLast()).trimmed(), isArrayElement: false, values: [:]))
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw ParseError(line: number, reason: "expected key = value") }
            let key = String(line[..<equals]).trimmed().trimmed(["\""])
            var valueText = String(line[line.index(after: equals)...]).trimmed()
            // Arrays may continue over several lines until the closing bracket.
            while valueText.hasPrefix("["), !Self.arrayIsClosed(valueText), index < lines.count {
                valueText += " " + Self.stripComment(String(lines[index])).trimmed()
                index += 1
            }
            line = valueText
            guard !key.isEmpty else { throw ParseError(line: number, reason: "a key is missing before =") }
            tables[tables.count - 1].values[key] = try Self.value(line, line: number)
        }
    }

    /// Every table whose header is `path`.
    public func tables(_ path: String) -> [Table] { tables.filter { $0.path == path } }

    public var root: Table { tables[0] }

    static func value(_ text: String, line: Int) throws(ParseError) -> Value {
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if let number = Int(text) { return .integer(number) }
        if text.hasPrefix("\"") || text.hasPrefix("'") {
            let (string, rest) = try quoted(Substring(text), line: line)
            guard rest.trimmed().isEmpty else { throw ParseError(line: line, reason: "unexpected text after a string") }
            return .string(string)
        }
        if text.hasPrefix("[") {
            var rest = Substring(text.dropFirst())
            var items: [String] = []
            while true {
                rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "," }
                if rest.first == "]" { break }
                guard rest.first == "\"" || rest.first == "'" else { throw ParseError(line: line, reason: "arrays may hold strings only") }
                let (item, after) = try quoted(rest, line: line)
                items.append(item)
                rest = after
            }
            return .strings(items)
        }
        throw ParseError(line: line, reason: "cannot read the value \(text)")
    }

    /// A "basic" (with escapes) or 'literal' string at the start of `text`, and what follows it.
    static func quoted(_ text: Substring, line: Int) throws(ParseError) -> (String, Substring) {
        guard let quote = text.first else { throw ParseError(line: line, reason: "expected a string") }
        var result = ""
        var rest = text.dropFirst()
        while let character = rest.first {
            rest = rest.dropFirst()
            if character == quote { return (result, rest) }
            if character == "\\" && quote == "\"" {
                guard let escaped = rest.first else { break }
                rest = rest.dropFirst()
                switch escaped {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "\\", "\"": result.append(escaped)
                default: throw ParseError(line: line, reason: "unknown escape \\\(escaped)")
                }
                continue
            }
            result.append(character)
        }
        throw ParseError(line: line, reason: "a string is not closed")
    }

    static func stripComment(_ line: String) -> String {
        var inString: Character? = nil
        var result = ""
        var previous: Character = " "
        for character in line {
            if let open = inString {
                if character == open && !(open == "\"" && previous == "\\") { inString = nil }
            } else if character == "\"" || character == "'" {
                inString = character
            } else if character == "#" {
                break
            }
            result.append(character)
            previous = character
        }
        return result
    }

    static func arrayIsClosed(_ text: String) -> Bool {
        var depth = 0
        var inString: Character? = nil
        for character in text {
            if let open = inString { if character == open { inString = nil }; continue }
            if character == "\"" || character == "'" { inString = character }
            if character == "[" { depth += 1 }
            if character == "]" { depth -= 1 }
        }
        return depth <= 0
    }
}

extension TOMLSubset.Table {
    public func string(_ key: String) -> String? {
        if case .string(let value) = values[key] { return value }
        return nil
    }

    public func bool(_ key: String) -> Bool? {
        if case .bool(let value) = values[key] { return value }
        return nil
    }

    public func strings(_ key: String) -> [String]? {
        if case .strings(let value) = values[key] { return value }
        return nil
    }
}
