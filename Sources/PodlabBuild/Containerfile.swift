/// One instruction of a Containerfile, with where it came from.
public struct Instruction: Equatable, Sendable {
    public var keyword: String
    /// Everything after the keyword and its flags, continuation lines joined.
    public var arguments: String
    /// The exec (JSON array) form, when the arguments were one.
    public var json: [String]?
    /// `--from=…`, `--chown=…` and the like.
    public var flags: [String: String]
    public var line: Int

    /// The text podman echoes in `STEP n/N: …`.
    public var display: String {
        let flagText = flags.keys.sorted().map { "--\($0)=\(flags[$0] ?? "")" }
        return ([keyword] + flagText + [arguments]).filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// Parses Containerfile / Dockerfile text: the escape directive, comments, line continuations, flags and
/// JSON arrays, with line numbers for every error.
public enum Containerfile {
    public static let keywords: Set<String> = [
        "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
        "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
    ]
    static let jsonForms: Set<String> = ["RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"]

    public static func parse(_ text: String, file: String) throws -> [Instruction] {
        var escape: Character = "\\"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).replacingTabs() }
        var index = 0
        // Parser directives: only at the very top, before anything else.
        while index < lines.count {
            let trimmed = lines[index].trimmed()
            guard trimmed.hasPrefix("#") else { break }
            let body = trimmed.dropFirst().trimmed()
            guard let equals = body.firstIndex(of: "="), !body[..<equals].contains(" ") else { break }
            let key = body[..<equals].lowercased().trimmed()
            let value = body[body.index(after: equals)...].trimmed()
            if key == "escape" {
                guard value == "\\" || value == "`" else {
                    throw BuildError.syntax(file: file, line: index + 1, message: "invalid escape character \"\(value)\"",
                                            hint: "the escape directive takes \\ or `")
                }
                escape = value.first ?? "\\"
            } else if key != "syntax" && key != "check" {
                break
            }
            index += 1
        }
        var instructions: [Instruction] = []
        while index < lines.count {
            let start = index
            var logical = lines[index]
            index += 1
            let first = logical.trimmed()
            if first.isEmpty || first.hasPrefix("#") { continue }
            // Continuation: a line ending in the escape character goes on (comment lines inside are skipped).
            while logical.trimmedTrailing().last == escape {
                logical = String(logical.trimmedTrailing().dropLast())
                while index < lines.count, lines[index].trimmed().hasPrefix("#") { index += 1 }
                guard index < lines.count else { break }
                logical += lines[index]
                index += 1
            }
            instructions.append(try instruction(logical.trimmed(), line: start + 1, file: file, escape: escape))
        }
        guard !instructions.isEmpty else {
            throw BuildError.syntax(file: file, line: 1, message: "the file has no instructions", hint: "a Containerfile starts with FROM IMAGE")
        }
        guard instructions.first(where: { $0.keyword != "ARG" })?.keyword == "FROM" else {
            let offender = instructions.first { $0.keyword != "ARG" }
            throw BuildError.syntax(file: file, line: offender?.line ?? 1, message: "no FROM instruction before \(offender?.keyword ?? "the first step")",
                                    hint: "every stage starts with FROM IMAGE (only ARG may come before it)")
        }
        return instructions
    }

    static func instruction(_ text: String, line: Int, file: String, escape: Character) throws -> Instruction {
        let keywordEnd = text.firstIndex(where: { $0 == " " }) ?? text.endIndex
        let keyword = text[..<keywordEnd].uppercased()
        guard keywords.contains(keyword) else {
            throw BuildError.syntax(file: file, line: line, message: "unknown instruction: \(text[..<keywordEnd])",
                                    hint: "instructions are \(keywords.sorted().joined(separator: ", "))")
        }
        if ["ONBUILD", "HEALTHCHECK"].contains(keyword) {
            throw BuildError.syntax(file: file, line: line, message: "\(keyword) is not supported by podlab's builder", hint: nil)
        }
        var rest = String(text[keywordEnd...]).trimmed()
        var flags: [String: String] = [:]
        if ["COPY", "ADD", "FROM", "RUN"].contains(keyword) {
            while rest.hasPrefix("--") {
                let end = rest.firstIndex(of: " ") ?? rest.endIndex
                let flag = rest[rest.index(rest.startIndex, offsetBy: 2)..<end]
                let parts = flag.split(separator: "=", maxSplits: 1).map(String.init)
                let allowed: Set<String> = keyword == "FROM" ? ["platform"] : keyword == "RUN" ? ["network"] : ["from", "chown", "chmod"]
                guard let name = parts.first, allowed.contains(name) else {
                    throw BuildError.syntax(file: file, line: line, message: "unknown flag --\(flag) for \(keyword)",
                                            hint: "\(keyword) takes \(allowed.sorted().map { "--\($0)=…" }.joined(separator: ", "))")
                }
                flags[name] = parts.count > 1 ? parts[1] : ""
                rest = String(rest[end...]).trimmed()
            }
        }
        var json: [String]?
        if jsonForms.contains(keyword), rest.hasPrefix("[") {
            guard let parsed = JSONArray.parse(rest) else {
                if keyword == "SHELL" || rest.hasSuffix("]") {
                    throw BuildError.syntax(file: file, line: line, message: "malformed JSON array in \(keyword): \(rest)",
                                            hint: "write it like [\"python3\", \"-m\", \"http.server\", \"80\"] with double quotes")
                }
                return Instruction(keyword: keyword, arguments: rest, json: nil, flags: flags, line: line)
            }
            json = parsed
        } else if keyword == "SHELL" {
            throw BuildError.syntax(file: file, line: line, message: "SHELL requires a JSON array", hint: "SHELL [\"/bin/bash\", \"-c\"]")
        }
        if rest.isEmpty && !["CMD", "ENTRYPOINT"].contains(keyword) {
            throw BuildError.syntax(file: file, line: line, message: "\(keyword) requires at least one argument", hint: nil)
        }
        return Instruction(keyword: keyword, arguments: rest, json: json, flags: flags, line: line)
    }
}

extension String {
    func replacingTabs() -> String { replacing("\t", with: " ") }
    func trimmedTrailing() -> String {
        var copy = self
        while let last = copy.last, last == " " || last == "\r" { copy.removeLast() }
        return copy
    }
}

import PodlabCore
