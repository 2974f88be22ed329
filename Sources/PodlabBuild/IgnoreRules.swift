import PodlabCore

/// `.containerignore` / `.dockerignore`: patterns of context paths a build does not read, with `!` exceptions; the
/// last pattern that matches a path (or a directory above it) decides. Read and matched as podman and Docker do
/// (their shared pattern matcher): a line ends at a newline, with a CR before it dropped; `#` starts a comment; a
/// pattern is trimmed and cleaned as a path (`./a/` is `a`); `*` and `?` stay within one path component, `**`
/// crosses any number of them, `[...]` is a class (`[^...]` negated) and `\` quotes the next character.
public struct IgnoreRules: Sendable {
    struct Rule: Sendable {
        var pattern: IgnorePattern
        var negated: Bool
    }

    var rules: [Rule]

    /// No rules: nothing is left out (`COPY --from` reads another stage, which has no ignore file).
    public static let none = IgnoreRules(rules: [])

    init(rules: [Rule]) {
        self.rules = rules
    }

    /// The rules of an ignore file's text; `file` names it in errors.
    public init(text: String, file: String = ".containerignore") throws(BuildError) {
        var rules: [Rule] = []
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        for (index, raw) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var line = raw
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.first == UInt8(ascii: "#") { continue }
            var text = Self.trimmed(String(decoding: line, as: UTF8.self))
            if text.isEmpty { continue }
            let negated = text.hasPrefix("!")
            if negated { text = Self.trimmed(String(text.dropFirst())) }
            guard !text.isEmpty else {
                throw .syntax(file: file, line: index + 1, message: "illegal exclusion pattern: \"!\"",
                              hint: "write the path to keep after the !, such as !keep.log")
            }
            do throws(IgnorePattern.Failure) {
                rules.append(Rule(pattern: try IgnorePattern(Self.clean(text)), negated: negated))
            } catch {
                throw .syntax(file: file, line: index + 1, message: "the pattern \"\(TerminalText.visible(text))\" \(error.reason)",
                              hint: "quote a special character with \\ (\\[ for a bracket)")
            }
        }
        self.init(rules: rules)
    }

    /// The context directory's `.containerignore`, else its `.dockerignore`; no rules when it has neither.
    public static func load(context: String) throws -> IgnoreRules {
        guard let name = [".containerignore", ".dockerignore"].first(where: { FileSystem.exists("\(context)/\($0)") }) else {
            return .none
        }
        return try IgnoreRules(text: String(decoding: try FileSystem.readFile("\(context)/\(name)"), as: UTF8.self), file: name)
    }

    /// Whether an exception (`!…`) can bring back a path under one left out: then a build looks inside a directory
    /// that is left out, as podman does.
    public var hasExceptions: Bool { rules.contains(where: \.negated) }

    /// Whether the context path is left out. The path is normalised first, like the patterns: `COPY ./ /app/`
    /// and `COPY ./.env .` name `./.env` and `.//x` (and `sub/../.env`), which must meet the same rules as
    /// `.env` and `x`. (A source that leaves the context was refused before: `..` cannot climb out here.)
    public func excludes(_ relative: String) -> Bool {
        var components: [String] = []
        for component in Self.components(relative) where component != "." {
            if component == ".." { _ = components.popLast() } else { components.append(component) }
        }
        guard !components.isEmpty else { return false }
        // The path itself, then each directory above it: a pattern that leaves out a directory leaves out what it holds.
        let candidates = components.indices.map { Array(components[...$0].joined(separator: "/").unicodeScalars) }
        var excluded = false
        for rule in rules where excluded == rule.negated {
            if candidates.contains(where: rule.pattern.matches) { excluded = !rule.negated }
        }
        return excluded
    }

    /// `path.Clean` as Go has it: no empty or `.` components, `..` taken back where it can be; then no leading `/`.
    static func clean(_ pattern: String) -> String {
        let rooted = pattern.utf8.first == UInt8(ascii: "/")
        var parts: [String] = []
        for component in components(pattern) where component != "." {
            if component == ".." {
                if let last = parts.last, last != ".." { parts.removeLast() } else if !rooted { parts.append(component) }
            } else {
                parts.append(component)
            }
        }
        let cleaned = parts.joined(separator: "/")
        return cleaned.isEmpty ? (rooted ? "/" : ".") : cleaned
    }

    /// A path's non-empty components, split at `/` bytes: a `/` followed by a combining mark is one Character with
    /// it, and must still separate (a file `secrets/\u{59E}key` is in `secrets`).
    static func components(_ path: String) -> [String] {
        path.utf8.split(separator: UInt8(ascii: "/")).map { String(decoding: $0, as: UTF8.self) }
    }

    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
