import PodlabCore

/// `KEY=VALUE` options (`--label`, `--opt`, `--build-arg`), given once per item.
enum NamedValues {
    /// The items as a dictionary; `KEY=` is an empty value, `KEY` alone takes `bare(KEY)` (empty unless the option
    /// says otherwise), and an empty key is refused.
    static func parse(_ items: [String], option: String, bare: (String) -> String = { _ in "" }) throws(CLIError) -> [String: String] {
        var result: [String: String] = [:]
        for item in items {
            let pair = item.splitOnce(at: "=")
            guard !pair.before.isEmpty else {
                throw CLIError.refused("\(option) \"\(item)\" has no name before '='", hint: "write \(option) NAME=VALUE")
            }
            result[pair.before] = pair.after ?? bare(pair.before)
        }
        return result
    }

    /// The largest `--label-file` read: a file larger than this is refused rather than read to its end.
    static let fileLimit = 1 << 20

    /// A `--label-file`, read as podman 4.3.1 reads one: a line is `KEY=VALUE`; white space before it, empty lines
    /// and lines beginning with `#` are passed over, and a line with no `=` adds nothing. The value is kept as it is
    /// (white space after it too); a name that is empty or has white space in it is refused with its line number.
    static func parseFile(_ path: String, option: String) throws -> [String: String] {
        let bytes = try FileSystem.readFile(path, limit: fileLimit)
        guard bytes.count <= fileLimit else {
            throw CLIError.refused("\(option) \(path) is larger than \(fileLimit / 1024) KiB", hint: "give a file of KEY=VALUE lines")
        }
        var result: [String: String] = [:]
        // Lines end at LF alone, a CR before it dropped, as Go reads lines; split as bytes, since CR LF is one Character.
        for (number, raw) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var bytes = raw.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            let line = String(decoding: bytes, as: UTF8.self)
            guard !line.isEmpty, !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            let name = String(line[..<equals])
            guard !name.isEmpty, !name.contains(where: { $0 == " " || $0 == "\t" }) else {
                throw CLIError.refused("\(option) \(path), line \(number + 1): \"\(name)\" is not a name: it is empty or has white space in it",
                                       hint: "write each line as NAME=VALUE, with nothing between the name and '='")
            }
            result[name] = String(line[line.index(after: equals)...])
        }
        return result
    }
}
