/// A value with ordered keys: what podman's Go structs look like when printed as JSON or used in a
/// `--format` template. Key order is kept, so JSON output lists fields in podman's order.
indirect enum TemplateValue: Equatable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    /// A Go slice or map that is nil: JSON `null`, but a template prints it empty (`[]`, `map[]`), as Go prints a
    /// nil slice or map.
    case nilCollection(NilCollection)
    case array([TemplateValue])
    case object([(String, TemplateValue)])
    /// A field that JSON leaves out when it is empty, as Go's `omitempty` tag does; a template still sees it.
    case omitEmpty(TemplateValue)

    /// Which kind of Go collection a nil `nilCollection` stands for.
    enum NilCollection: Equatable {
        case list, map
    }

    /// Equal when they print the same JSON: an empty `omitEmpty` field equals no field at all.
    static func == (lhs: TemplateValue, rhs: TemplateValue) -> Bool {
        lhs.json(indent: nil) == rhs.json(indent: nil)
    }

    subscript(key: String) -> TemplateValue? {
        guard case .object(let fields) = self else { return nil }
        return fields.first { $0.0 == key }?.1.unwrapped
    }

    /// The value itself, without an `omitEmpty` around it.
    var unwrapped: TemplateValue {
        if case .omitEmpty(let value) = self { return value.unwrapped }
        return self
    }

    /// What Go's `omitempty` counts as empty: null, "", 0, false, and an array or map with nothing in it.
    var isEmpty: Bool {
        switch self {
        case .string(let text): return text.isEmpty
        case .int(let number): return number == 0
        case .bool(let flag): return !flag
        case .null, .nilCollection: return true
        case .array(let items): return items.isEmpty
        case .object(let fields): return fields.isEmpty
        case .omitEmpty(let value): return value.isEmpty
        }
    }

    static func strings(_ values: [String]?) -> TemplateValue {
        values.map { .array($0.map(TemplateValue.string)) } ?? .nilCollection(.list)
    }

    static func map(_ values: [String: String]?) -> TemplateValue {
        values.map { .object($0.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }) } ?? .nilCollection(.map)
    }

    /// How the value prints inside a template (`{{.Size}}`): Go's default formatting.
    var plainText: String {
        switch self {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "<no value>"
        case .nilCollection(.list): return "[]"
        case .nilCollection(.map): return "map[]"
        case .array(let items): return "[" + items.map(\.plainText).joined(separator: " ") + "]"
        case .object(let fields): return "map[" + fields.map { "\($0.0):\($0.1.plainText)" }.joined(separator: " ") + "]"
        case .omitEmpty(let value): return value.plainText
        }
    }

    /// JSON text; `indent` nil gives one line. `escapeHTML` turns <, > and & into \u escapes as Go does by default.
    func json(indent: String?, escapeHTML: Bool = false, level: Int = 0) -> String {
        switch self {
        case .string(let text): return TemplateValue.quote(text, escapeHTML: escapeHTML)
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null, .nilCollection: return "null"
        case .array(let items):
            if items.isEmpty { return "[]" }
            return container("[", "]", items.map { $0.json(indent: indent, escapeHTML: escapeHTML, level: level + 1) }, indent: indent, level: level)
        case .omitEmpty(let value): return value.json(indent: indent, escapeHTML: escapeHTML, level: level)
        case .object(let allFields):
            let fields = allFields.filter { if case .omitEmpty(let value) = $0.1 { !value.isEmpty } else { true } }
            if fields.isEmpty { return "{}" }
            let separator = indent == nil ? ":" : ": "
            return container("{", "}", fields.map {
                TemplateValue.quote($0.0, escapeHTML: escapeHTML) + separator + $0.1.json(indent: indent, escapeHTML: escapeHTML, level: level + 1)
            }, indent: indent, level: level)
        }
    }

    private func container(_ open: String, _ close: String, _ parts: [String], indent: String?, level: Int) -> String {
        guard let indent else { return open + parts.joined(separator: ",") + close }
        let inner = String(repeating: indent, count: level + 1)
        let outer = String(repeating: indent, count: level)
        return open + "\n" + parts.map { inner + $0 }.joined(separator: ",\n") + "\n" + outer + close
    }

    static func quote(_ text: String, escapeHTML: Bool) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "<" where escapeHTML: result += "\\u003c"
            case ">" where escapeHTML: result += "\\u003e"
            case "&" where escapeHTML: result += "\\u0026"
            default:
                // C0 as Go writes them; C1 (U+0080–U+009F: a terminal may take U+009B as CSI) and Go's U+2028/U+2029
                // too, so that no control an image or a container's argument holds reaches the terminal raw.
                if scalar.value < 0x20 || (0x80...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
