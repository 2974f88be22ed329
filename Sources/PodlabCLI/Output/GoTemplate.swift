import PodlabCore

/// The part of Go's text/template that `--format` uses: `{{.Field}}`, `{{.A.B}}`, `{{.}}`, and the functions
/// `json`, `upper`, `lower`, `title`; plus podman's `table` prefix and `\t`/`\n` escapes.
struct GoTemplate {
    enum Piece {
        case text(String)
        case action(function: String?, path: [String], column: Int)
    }

    let name: String
    let pieces: [Piece]
    /// True when the format began with `table`: print a header and align columns.
    let isTable: Bool

    init(_ format: String, name: String) throws {
        self.name = name
        var source = format.replacing("\\t", with: "\t").replacing("\\n", with: "\n")
        isTable = source.hasPrefix("table ") || source == "table"
        if isTable { source = String(source.dropFirst(min(6, source.count))) }
        pieces = try GoTemplate.parse(source, name: name, spacesAreColumns: isTable)
    }

    static func parse(_ source: String, name: String, spacesAreColumns: Bool) throws -> [Piece] {
        var pieces: [Piece] = []
        var rest = Substring(source)
        var column = 1
        while let open = rest.firstRange(of: "{{") {
            let literal = String(rest[..<open.lowerBound])
            if !literal.isEmpty { pieces.append(.text(spacesAreColumns ? literal.replacing(" ", with: "\t") : literal)) }
            column += literal.count
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                throw CLIError.template("template: \(name):1: unclosed action")
            }
            var body = String(rest[open.upperBound..<close.lowerBound]).trimmed([" ", "\t", "-"])
            if body.contains("|") || body.hasPrefix("range") || body.hasPrefix("if ") || body == "end" {
                throw CLIError.template("template: \(name):1: podlab's --format supports {{.Field}} and functions json, upper, lower, title; not \"{{\(body)}}\"")
            }
            var function: String?
            if let space = body.firstIndex(where: { $0 == " " || $0 == "\t" }) {
                function = String(body[..<space])
                body = String(body[space...]).trimmed([" ", "\t"])
            }
            if let candidate = function, !["json", "upper", "lower", "title"].contains(candidate) {
                throw CLIError.template("template: \(name):1: function \"\(candidate)\" not supported by podlab (use {{.Field}}, {{json .Field}}, upper, lower, title)")
            }
            guard body.hasPrefix(".") else {
                throw CLIError.template("template: \(name):1: podlab understands {{.Field}} actions only, not \"{{\(body)}}\"")
            }
            let path = body == "." ? [] : body.dropFirst().split(separator: ".").map(String.init)
            pieces.append(.action(function: function, path: path, column: column + 2))
            column += rest[open.lowerBound..<close.upperBound].count
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.text(spacesAreColumns ? String(rest.replacing(" ", with: "\t")) : String(rest))) }
        return pieces
    }

    func render(_ value: TemplateValue) throws -> String {
        var output = ""
        for piece in pieces {
            switch piece {
            case .text(let text): output += text
            case .action(let function, let path, let column):
                var current = value
                for field in path {
                    guard let next = current[field] else {
                        throw CLIError.template("template: \(name):1:\(column): executing \"\(name)\" at <.\(path.joined(separator: "."))>: can't evaluate field \(field)")
                    }
                    current = next
                }
                // A value may come from an image, a registry or a container: its control characters are shown, not
                // obeyed by the terminal (JSON escapes its own).
                switch function {
                case "json": output += current.json(indent: nil)
                case "upper": output += TerminalText.visible(current.plainText.uppercased())
                case "lower": output += TerminalText.visible(current.plainText.lowercased())
                case "title": output += TerminalText.visible(GoTemplate.titleCase(current.plainText))
                default: output += TerminalText.visible(current.plainText)
                }
            }
        }
        return output
    }

    /// Header cells for a `table` format: each field name split at capitals and upper-cased, unless overridden.
    func headers(overrides: [String: String]) -> String {
        var output = ""
        for piece in pieces {
            switch piece {
            case .text(let text): output += text
            case .action(_, let path, _):
                let field = path.last ?? ""
                output += overrides[field] ?? GoTemplate.splitCamelCase(field).uppercased()
            }
        }
        return output
    }

    /// Go's `title`: the first letter of every word upper-cased.
    static func titleCase(_ text: String) -> String {
        var result = ""
        var atWordStart = true
        for character in text {
            result += atWordStart ? character.uppercased() : String(character)
            atWordStart = character == " " || character == "\t" || character == "\n"
        }
        return result
    }

    static func splitCamelCase(_ name: String) -> String {
        var words: [String] = []
        var current = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
            if character.isUppercase, !current.isEmpty, current.last?.isLowercase == true || nextIsLower {
                words.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { words.append(current) }
        return words.joined(separator: " ")
    }

    /// `json` or `{{json .}}` select podman's JSON output instead of a template.
    static func isJSON(_ format: String) -> Bool {
        let trimmed = format.trimmed()
        if trimmed == "json" { return true }
        let compact = trimmed.replacing(" ", with: "")
        return compact == "{{json.}}" || compact == "{{json}}"
    }
}


extension GoTemplate {
    /// Prints `rows` as podman's `ls`/`ps` commands do: a `table` template as columns (Go's tabwriter) under a
    /// header unless `noHeading`, any other template one rendered line per row.
    func printRows(_ rows: [TemplateValue], headerOverrides: [String: String] = [:], noHeading: Bool = false) throws {
        guard isTable else {
            for row in rows { Output.out(try render(row)) }
            return
        }
        var writer = TableWriter()
        if !noHeading { writer.add(Self.cells(headers(overrides: headerOverrides))) }
        for row in rows { writer.add(Self.cells(try render(row))) }
        Output.out(writer.render(), terminator: "")
    }

    private static func cells(_ line: String) -> [String] {
        line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    }
}
