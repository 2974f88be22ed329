import PodlabImages

/// A list of named outcomes (checks of `podlab check`, steps of `podlab lesson test`) in the formats
/// classrooms and CI read: text, JSON, JUnit XML, TAP.
public struct Report: Sendable {
    public struct Case: Codable, Sendable, Equatable {
        public var name: String
        public var passed: Bool
        public var message: String?

        public init(name: String, passed: Bool, message: String?) {
            self.name = name
            self.passed = passed
            self.message = message
        }
    }

    public enum Format: String, CaseIterable, Sendable { case text, json, junit, tap }

    public var suite: String
    public var cases: [Case]

    public init(suite: String, cases: [Case]) {
        self.suite = suite
        self.cases = cases
    }

    public var passed: Bool { cases.allSatisfy(\.passed) }
    public var failures: Int { cases.filter { !$0.passed }.count }

    public func render(_ format: Format) -> String {
        switch format {
        case .text: return text
        case .json: return json
        case .junit: return junit
        case .tap: return tap
        }
    }

    var text: String {
        var lines = cases.map { ($0.passed ? "✓ " : "✗ ") + $0.name + ($0.passed || $0.message == nil ? "" : ": \($0.message ?? "")") }
        lines.append("\(suite): \(cases.count - failures) of \(cases.count) passed")
        return lines.joined(separator: "\n")
    }

    var json: String {
        struct Document: Encodable { var suite: String; var passed: Bool; var total: Int; var failures: Int; var cases: [Case] }
        let document = Document(suite: suite, passed: passed, total: cases.count, failures: failures, cases: cases)
        return (try? JSONCoding.encode(document, pretty: true)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    var junit: String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"podlab\" tests=\"\(cases.count)\" failures=\"\(failures)\">\n"
        xml += "  <testsuite name=\"\(Self.escape(suite))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\">\n"
        for item in cases {
            let name = "    <testcase classname=\"\(Self.escape(suite))\" name=\"\(Self.escape(item.name))\""
            if item.passed {
                xml += name + "/>\n"
            } else {
                let message = Self.escape(item.message ?? "failed")
                xml += name + ">\n      <failure message=\"\(message)\">\(message)</failure>\n    </testcase>\n"
            }
        }
        xml += "  </testsuite>\n</testsuites>"
        return xml
    }

    var tap: String {
        var lines = ["TAP version 13", "1..\(cases.count)"]
        for (index, item) in cases.enumerated() {
            lines.append("\(item.passed ? "ok" : "not ok") \(index + 1) - \(item.name.replacing("#", with: "\\#"))")
            if !item.passed, let message = item.message {
                lines.append("  ---")
                lines.append("  message: \"\(message.replacing("\\", with: "\\\\").replacing("\"", with: "\\\""))\"")
                lines.append("  ...")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Text safe inside XML attributes and elements (control characters XML 1.0 cannot carry are dropped).
    package static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default:
                // By scalar, so that "\r\n" (one Character) keeps its newline; XML 1.0 cannot carry other control
                // characters or U+FFFE/U+FFFF, even escaped.
                let value = scalar.value
                if (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || value == 0xFFFE || value == 0xFFFF { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

