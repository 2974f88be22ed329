import PodlabCore

/// The part of Go's text/template that `--format` uses: `{{.Field}}`, `{{.A.B}}`, `{{.}}`, `{{range .A}}…{{end}}` and
/// `{{if .A}}…{{else}}…{{end}}` blocks, variables (`{{range $k, $v := .A}}`, `{{$x := .A}}`, `$` for the whole
/// value), quoted constants, and the functions `json`, `upper`, `lower`, `title`, `len`, `index`, `println`; plus
/// podman's `table` prefix and `\t`/`\n` escapes. `GoTemplateParser` reads it.
struct GoTemplate {
    /// What one action prints or tests: a field path from the current value (`.`), through a function when named.
    /// The functions podlab takes. Those that make text (`json`, `upper` …) test true in an `if` when the text is
    /// not empty; `len` and `index` give a value.
    enum Function: String, CaseIterable {
        case json, upper, lower, title, len, index, println

        var makesText: Bool { self != .len && self != .index }
    }

    struct Pipeline {
        var function: Function?
        /// Where `path` starts: nil for `.`, else a variable (`$` is the whole value being rendered).
        var variable: String?
        var path: [String]
        /// `index`'s keys, one after the other.
        var keys: [String]
        var column: Int
        /// A quoted constant (`{{"\n"}}`), printed as it is.
        var constant: String?

        /// How an error names the value: `.A.B`, `$x.A`, `$`.
        var source: String {
            let fields = path.map { "." + $0 }.joined()
            return (variable ?? "") + (variable == nil && fields.isEmpty ? "." : fields)
        }
    }

    indirect enum Node {
        case text(String)
        case value(Pipeline)
        /// Its body once for each item (each value of a map, in key order) as `.`; `otherwise` when there is none.
        /// `variables` are none, the item's (`$v :=`), or the key's or position's and the item's (`$k, $v :=`).
        case range(Pipeline, variables: [String], body: [Node], otherwise: [Node])
        /// Its body when the value is not empty (Go's truth: not false, 0, "", nil, or an empty list or map).
        case when(Pipeline, body: [Node], otherwise: [Node])
        /// `{{$x := .A}}`: the variable holds the value until the end of the block it is in; prints nothing.
        case declare(String, Pipeline)
    }

    let name: String
    let nodes: [Node]
    /// True when the format began with `table`: print a header and align columns.
    let isTable: Bool

    init(_ format: String, name: String) throws {
        self.name = name
        var source = format.replacing("\\t", with: "\t").replacing("\\n", with: "\n")
        isTable = source.hasPrefix("table ") || source == "table"
        if isTable { source = String(source.dropFirst(min(6, source.count))) }
        var parser = GoTemplateParser(name: name)
        nodes = try parser.parse(source, spacesAreColumns: isTable)
    }

    /// `all` are every value the command prints: podman makes them `$`, the list it ranges its template over
    /// (`{{len $}}` counts them). Without them (`version`, one event) `$` is the value itself, as Go has it.
    func render(_ value: TemplateValue, among all: [TemplateValue]? = nil) throws -> String {
        var output = ""
        try render(nodes, dot: value, variables: ["$": all.map(TemplateValue.array) ?? value], into: &output)
        return output
    }

    /// `variables` are those of the blocks around `nodes`; one declared among them lasts to their end.
    private func render(_ nodes: [Node], dot: TemplateValue, variables: [String: TemplateValue], into output: inout String) throws {
        var variables = variables
        for node in nodes {
            switch node {
            case .text(let text): output += text
            case .value(let pipeline): output += try text(of: pipeline, dot: dot, variables: variables)
            case .declare(let name, let pipeline): variables[name] = try declared(pipeline, dot: dot, variables: variables)
            case .range(let pipeline, let names, let body, let otherwise):
                let items: [(key: TemplateValue, item: TemplateValue)]
                let collection = try resolve(pipeline, dot: dot, variables: variables)
                switch collection {
                case .array(let values): items = values.enumerated().map { (.int(Int64($0.offset)), $0.element) }
                case .object(let fields): items = fields.map { (.string($0.0), $0.1.unwrapped) }
                case .null, .nilCollection: items = []
                case let other:
                    throw error(pipeline, "range can't iterate over \(TerminalText.visible(other.plainText))")
                }
                if items.isEmpty {
                    // Go sets a range's variables to the value it ranged over for its {{else}}.
                    var inside = variables
                    for name in names { inside[name] = collection }
                    try render(otherwise, dot: dot, variables: inside, into: &output)
                }
                for (key, item) in items {
                    var inside = variables
                    if let itemName = names.last { inside[itemName] = item }
                    if names.count == 2, let keyName = names.first { inside[keyName] = key }
                    try render(body, dot: item, variables: inside, into: &output)
                }
            case .when(let pipeline, let body, let otherwise):
                let makesText = pipeline.function?.makesText == true
                let isEmpty = try makesText ? text(of: pipeline, dot: dot, variables: variables).isEmpty
                                            : resolve(pipeline, dot: dot, variables: variables).isEmpty
                try render(isEmpty ? otherwise : body, dot: dot, variables: variables, into: &output)
            }
        }
    }

    private func error(_ pipeline: Pipeline, _ text: String) -> CLIError {
        CLIError.template("template: \(name):1:\(pipeline.column): executing \"\(name)\" at <\(TerminalText.visible(pipeline.source))>: \(text)")
    }

    /// The pipeline's value: its field, then `len` or `index` applied.
    private func resolve(_ pipeline: Pipeline, dot: TemplateValue, variables: [String: TemplateValue]) throws -> TemplateValue {
        if let constant = pipeline.constant { return .string(constant) }
        var current = dot
        if let variable = pipeline.variable {
            // The parser refuses a variable no block declares, so one is always there.
            guard let value = variables[variable] else { throw error(pipeline, "undefined variable \(variable)") }
            current = value
        }
        for field in pipeline.path {
            guard let next = current[field] else { throw error(pipeline, "can't evaluate field \(field)") }
            current = next
        }
        current = current.unwrapped
        switch pipeline.function {
        case .len:
            switch current {
            case .string(let text): return .int(Int64(text.utf8.count))
            case .array(let items): return .int(Int64(items.count))
            case .object(let fields): return .int(Int64(fields.count))
            case .null, .nilCollection: return .int(0)
            default: throw error(pipeline, "len of \(current.plainText)")
            }
        case .index:
            for key in pipeline.keys {
                switch current {
                case .array(let items):
                    guard let position = Int(key), items.indices.contains(position) else {
                        throw error(pipeline, "index out of range: \(TerminalText.visible(key))")
                    }
                    current = items[position].unwrapped
                case .object:
                    current = current[key] ?? .string("")   // a map's missing key: its zero value, as Go's index gives
                case .nilCollection(.list):
                    throw error(pipeline, "index out of range: \(TerminalText.visible(key))")   // Go's, for a nil slice
                case .null, .nilCollection(.map): current = .string("")
                default: throw error(pipeline, "can't index item of type \(TerminalText.visible(current.plainText))")
                }
            }
            return current
        case .json, .upper, .lower, .title, .println, nil: return current
        }
    }

    /// How an action prints. A value may come from an image, a registry or a container: its control characters are
    /// shown, not obeyed by the terminal (JSON escapes its own).
    private func text(of pipeline: Pipeline, dot: TemplateValue, variables: [String: TemplateValue]) throws -> String {
        let made = GoTemplate.made(by: pipeline.function, from: try resolve(pipeline, dot: dot, variables: variables))
        return pipeline.function == .json ? made : TerminalText.visible(made)
    }

    /// What an action gives before it is shown: the function's text (`upper`, `json` …), or the value's own.
    private static func made(by function: Function?, from value: TemplateValue) -> String {
        switch function {
        case .json: return value.json(indent: nil)
        case .upper: return value.plainText.uppercased()
        case .lower: return value.plainText.lowercased()
        case .title: return GoTemplate.titleCase(value.plainText)
        case .println: return value.plainText + "\n"
        case .len, .index, nil: return value.plainText
        }
    }

    /// What `{{$x := …}}` holds: a text function's text (`{{$u := upper .Name}}`), or the value itself.
    private func declared(_ pipeline: Pipeline, dot: TemplateValue, variables: [String: TemplateValue]) throws -> TemplateValue {
        let value = try resolve(pipeline, dot: dot, variables: variables)
        return pipeline.function?.makesText == true ? .string(GoTemplate.made(by: pipeline.function, from: value)) : value
    }

    /// Header cells for a `table` format: each field name split at capitals and upper-cased, unless overridden.
    func headers(overrides: [String: String]) -> String {
        GoTemplate.headers(of: nodes, overrides: overrides)
    }

    private static func headers(of nodes: [Node], overrides: [String: String]) -> String {
        var output = ""
        for node in nodes {
            switch node {
            case .text(let text): output += text
            case .value(let pipeline):
                let field = pipeline.path.last ?? ""
                output += pipeline.constant ?? overrides[field] ?? GoTemplate.splitCamelCase(field).uppercased()
            case .range(_, _, let body, _), .when(_, let body, _): output += headers(of: body, overrides: overrides)
            case .declare: break
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
            for row in rows { Output.out(try render(row, among: rows)) }
            return
        }
        var writer = TableWriter()
        if !noHeading { writer.add(Self.cells(headers(overrides: headerOverrides))) }
        for row in rows { writer.add(Self.cells(try render(row, among: rows))) }
        Output.out(writer.render(), terminator: "")
    }

    private static func cells(_ line: String) -> [String] {
        line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    }
}
