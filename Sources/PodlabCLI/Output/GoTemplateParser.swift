import PodlabCore

/// Reads a `--format` template into `GoTemplate.Node`s: text, `{{.Field}}` actions (optionally through a function),
/// and `{{range …}}`/`{{if …}}` blocks with `{{else}}`, `{{else if …}}` and `{{end}}`, as Go's text/template writes
/// them, including the `{{-`/`-}}` markers that trim the white space beside an action and `{{/* comments */}}`, and
/// variables: a range's (`{{range $k, $v := .A}}`), a declared one (`{{$x := .A}}`) and `$`, each usable only where
/// Go's scope rule allows (to the `{{end}}` of the block it is declared in).
struct GoTemplateParser {
    /// A piece of the source before blocks are matched: text, or one action's inside with where it began.
    private enum Token {
        case text(String)
        case action(String, column: Int)
    }

    static let supported = "{{.Field}}, {{\"text\"}}, {{range .Field}}, {{range $k, $v := .Field}}, {{$x := .Field}}, {{$x.Field}}, "
        + "{{if .Field}}, {{else if .Field}}, {{else}}, {{end}} and the functions "
        + GoTemplate.Function.allCases.map(\.rawValue).joined(separator: ", ")

    /// Go's white space in a template: what the trim markers take and what separates words (not U+3000 or NBSP).
    static func isSpace(_ character: Character) -> Bool {
        character == " " || character == "\t" || character == "\n" || character == "\r"
    }

    let name: String
    private var tokens: [Token] = []
    private var position = 0
    /// The variables each open block has declared, the outermost (with `$`) first.
    private var scopes: [Set<String>] = [["$"]]

    init(name: String) {
        self.name = name
    }

    /// The nodes of `source`; table columns (a `table` format's spaces) are made tabs in its text.
    mutating func parse(_ source: String, spacesAreColumns: Bool) throws -> [GoTemplate.Node] {
        tokens = try tokenize(source, spacesAreColumns: spacesAreColumns)
        position = 0
        scopes = [["$"]]
        let (parsed, ending) = try parseNodes()
        if let ending { throw error("unexpected {{\(ending.body)}}") }
        return parsed
    }

    private func error(_ text: String) -> CLIError {
        CLIError.template("template: \(name):1: \(text)")
    }

    private func tokenize(_ source: String, spacesAreColumns: Bool) throws -> [Token] {
        var tokens: [Token] = []
        var rest = Substring(source)
        var column = 1
        var trimNextText = false
        func addText(_ text: Substring) {
            var text = String(text)
            if trimNextText { text = String(text.drop(while: GoTemplateParser.isSpace)) }
            if !text.isEmpty { tokens.append(.text(spacesAreColumns ? text.replacing(" ", with: "\t") : text)) }
        }
        while let open = rest.firstRange(of: "{{") {
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else { throw error("unclosed action") }
            var inside = rest[open.upperBound..<close.lowerBound]
            var before = rest[..<open.lowerBound]
            // Go's markers: "{{- " and " -}}", with any white space beside the dash.
            if inside.first == "-", inside.dropFirst().first.map(GoTemplateParser.isSpace) == true {
                before = before[..<(before.lastIndex { !GoTemplateParser.isSpace($0) }.map { before.index(after: $0) } ?? before.startIndex)]
                inside = inside.dropFirst(2)
            }
            addText(before)
            trimNextText = inside.last == "-" && inside.dropLast().last.map(GoTemplateParser.isSpace) == true
            if trimNextText { inside = inside.dropLast(2) }
            let body = String(inside).trimmed([" ", "\t", "\n", "\r"])
            let isComment = body.hasPrefix("/*") && body.hasSuffix("*/")
            if !isComment { tokens.append(.action(body, column: column + rest[..<open.upperBound].count)) }
            column += rest[..<close.upperBound].count
            rest = rest[close.upperBound...]
        }
        addText(rest)
        return tokens
    }

    /// Where a run of nodes ended: `{{end}}`, `{{else}}` or `{{else if …}}` (the action's text and column).
    private typealias Ending = (body: String, column: Int)

    /// Nodes up to the end of the source (nil) or to an `{{else}}`, `{{else if …}}` or `{{end}}`, which is returned.
    private mutating func parseNodes() throws -> ([GoTemplate.Node], Ending?) {
        var parsed: [GoTemplate.Node] = []
        while position < tokens.count {
            let token = tokens[position]
            position += 1
            switch token {
            case .text(let text): parsed.append(.text(text))
            case .action(let body, let column):
                let words = body.split(whereSeparator: GoTemplateParser.isSpace)
                if body == "end" || body == "else" || words.prefix(2) == ["else", "if"] { return (parsed, (body, column)) }
                let keyword = words.first ?? ""
                if keyword == "range" || keyword == "if" {
                    scopes.append([])
                    var clause = body.dropFirst(keyword.count)
                    var variables: [String] = []
                    if keyword == "if", clause.contains(":=") {
                        throw error("podlab's --format declares no variable inside {{if}}: declare it before, {{$x := .Field}}{{if $x}}")
                    }
                    if keyword == "range", let declaration = clause.firstRange(of: ":=") {
                        variables = try rangeVariables(clause[..<declaration.lowerBound], body: body)
                        clause = clause[declaration.upperBound...]
                    }
                    let pipeline = try blockPipeline(clause, of: String(keyword), column: column)
                    scopes[scopes.count - 1].formUnion(variables)
                    let (inside, ending) = try parseNodes()
                    let otherwise = try self.otherwise(after: ending, of: String(keyword))
                    scopes.removeLast()
                    parsed.append(keyword == "range" ? .range(pipeline, variables: variables, body: inside, otherwise: otherwise)
                                                    : .when(pipeline, body: inside, otherwise: otherwise))
                } else if keyword.hasPrefix("$"), let declaration = body.firstRange(of: ":=") {
                    let variable = String(body[..<declaration.lowerBound]).trimmed([" ", "\t", "\n", "\r"])
                    guard Self.isVariableName(variable), variable != "$" else { throw error("\"\(variable)\" is not a variable name") }
                    let value = try pipeline(String(body[declaration.upperBound...]).trimmed([" ", "\t", "\n", "\r"]), column: column)
                    scopes[scopes.count - 1].insert(variable)
                    parsed.append(.declare(variable, value))
                } else {
                    parsed.append(.value(try pipeline(body, column: column)))
                }
            }
        }
        return (parsed, nil)
    }

    /// What a block does when its value is empty, read after its body: `{{else}}…{{end}}`, `{{else if …}}…` (an `if`
    /// of its own, sharing the block's `{{end}}`), or nothing at `{{end}}`.
    private mutating func otherwise(after ending: Ending?, of keyword: String) throws -> [GoTemplate.Node] {
        guard let ending else { throw error("unexpected EOF: {{\(keyword)}} has no {{end}}") }
        if ending.body == "end" { return [] }
        if ending.body == "else" {
            let (nodes, last) = try parseNodes()
            guard let last, last.body == "end" else {
                throw error(last.map { "unexpected {{\($0.body)}} after {{else}}" } ?? "unexpected EOF: {{\(keyword)}} has no {{end}}")
            }
            return nodes
        }
        guard keyword == "if" else { throw error("{{\(ending.body)}} belongs to an {{if}}, not to {{\(keyword)}}") }
        // What follows "else" and "if", whatever white space is between them.
        let condition = ending.body.dropFirst(4).drop(while: GoTemplateParser.isSpace).dropFirst(2)
        let pipeline = try blockPipeline(condition, of: "if", column: ending.column)
        let (inside, next) = try parseNodes()
        return [.when(pipeline, body: inside, otherwise: try otherwise(after: next, of: keyword))]
    }

    /// A range's `$v` or `$k, $v` before its `:=`.
    private func rangeVariables(_ text: Substring, body: String) throws -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmed([" ", "\t", "\n", "\r"]) }
        guard (1...2).contains(names.count), names.allSatisfy({ Self.isVariableName($0) && $0 != "$" }) else {
            throw error("range declares one or two variables ($v or $k, $v), not \"{{\(body)}}\"")
        }
        return names
    }

    /// `$` and then letters, digits or `_`, as Go names a variable.
    static func isVariableName(_ text: String) -> Bool {
        text.first == "$" && text.dropFirst().allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    /// The value a `range` or an `if` (`else if`) takes; one is needed.
    private func blockPipeline(_ text: Substring, of keyword: String, column: Int) throws -> GoTemplate.Pipeline {
        let trimmed = String(text).trimmed([" ", "\t", "\n", "\r"])
        guard !trimmed.isEmpty else { throw error("missing value for \(keyword)") }
        return try pipeline(trimmed, column: column)
    }

    /// `.A.B`, or a function and its arguments: `json .A`, `index .Labels "key"`.
    private func pipeline(_ body: String, column: Int) throws -> GoTemplate.Pipeline {
        if body.contains("|") || body.isEmpty {
            throw error("podlab's --format supports \(GoTemplateParser.supported); not \"{{\(body)}}\"")
        }
        let words = try arguments(body)
        // A constant prints itself: {{"\n"}} between a range's items.
        if words.count == 1, let only = words.first, only.quoted {
            return GoTemplate.Pipeline(function: nil, path: [], keys: [], column: column, constant: only.text)
        }
        var function: GoTemplate.Function?
        var rest = words[...]
        if let first = rest.first, !first.quoted, !first.text.hasPrefix("."), !first.text.hasPrefix("$") {
            guard let named = GoTemplate.Function(rawValue: first.text) else {
                throw error("function \"\(first.text)\" not supported by podlab (use \(GoTemplateParser.supported))")
            }
            function = named
            rest = rest.dropFirst()
        }
        guard var field = rest.first?.text, rest.first?.quoted == false, field.hasPrefix(".") || field.hasPrefix("$") else {
            throw error("podlab understands {{.Field}} actions only, not \"{{\(body)}}\"")
        }
        // `$x.A.B` starts from the variable `$x`; `.A.B` from the value in hand.
        let written = field
        var variable: String?
        if field.hasPrefix("$") {
            let name = String(field.prefix { $0 != "." })
            guard Self.isVariableName(name) else { throw error("\"\(name)\" is not a variable name") }
            guard scopes.contains(where: { $0.contains(name) }) else { throw error("undefined variable \"\(name)\"") }
            variable = name
            field = String(field.dropFirst(name.count))
        }
        // index's keys are constants: "a string" or a number (a field as a key is Go's too, not podlab's).
        let keys = rest.dropFirst()
        if function == .index ? keys.isEmpty : !keys.isEmpty {
            throw error(function == .index ? "index of \(written) needs a key: {{index \(written) \"key\"}}"
                                            : "\"{{\(body)}}\" has more than one value")
        }
        if let key = keys.first(where: { !$0.quoted && Int($0.text) == nil }) {
            throw error("index takes a \"quoted\" key or a number, not \(key.text)")
        }
        let path = field == "." || field.isEmpty ? [] : field.dropFirst().split(separator: ".").map(String.init)
        return GoTemplate.Pipeline(function: function, variable: variable, path: path, keys: keys.map { $0.text }, column: column)
    }

    /// An action's words; a quoted word ("key") is one word without its quotes.
    private func arguments(_ body: String) throws -> [(text: String, quoted: Bool)] {
        var words: [(text: String, quoted: Bool)] = []
        var rest = Substring(body)
        while let start = rest.firstIndex(where: { !GoTemplateParser.isSpace($0) }) {
            rest = rest[start...]
            if rest.first == "\"" {
                guard let end = rest.dropFirst().firstIndex(of: "\"") else { throw error("unterminated quoted string") }
                words.append((String(rest[rest.index(after: rest.startIndex)..<end]), true))
                rest = rest[rest.index(after: end)...]
            } else {
                let end = rest.firstIndex(where: GoTemplateParser.isSpace) ?? rest.endIndex
                words.append((String(rest[..<end]), false))
                rest = rest[end...]
            }
        }
        return words
    }
}
