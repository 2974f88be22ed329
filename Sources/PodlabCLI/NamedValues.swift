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

    /// A `--label-file`, read as podman 4.3.1 reads one (measured): a line is `KEY=VALUE`; white space before it, empty
    /// lines and lines beginning with `#` are passed over; the value is kept as it is, white space after it too. A
    /// name alone adds nothing, but `PREFIX*` adds every variable of podlab's environment whose name begins with
    /// PREFIX. A name that is empty or has white space in it is refused with its line number. Read as bytes, as Go
    /// reads it: CR LF is one Swift Character, and so is a `=` or `#` with a combining mark after it.
    static func parseFile(_ path: String, option: String) throws -> [String: String] {
        let bytes = try FileSystem.readFile(path, limit: fileLimit)
        guard bytes.count <= fileLimit else {
            throw CLIError.refused("\(option) \(path) is larger than \(fileLimit / 1024) KiB", hint: "give a file of KEY=VALUE lines")
        }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var result: [String: String] = [:]
        for (number, raw) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var line = raw.drop(while: isBlank)
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard let first = line.first, first != UInt8(ascii: "#") else { continue }
            let equals = line.firstIndex(of: UInt8(ascii: "="))
            let name = line[..<(equals ?? line.endIndex)]
            guard !name.isEmpty, !name.contains(where: isBlank) else {
                throw CLIError.refused("\(option) \(path), line \(number + 1): \"\(String(decoding: name, as: UTF8.self))\" is not a name: "
                                       + "it is empty or has white space in it",
                                       hint: "write each line as NAME=VALUE, with nothing between the name and '='")
            }
            if let equals {
                result[String(decoding: name, as: UTF8.self)] = String(decoding: line[(equals + 1)...], as: UTF8.self)
            } else if name.last == UInt8(ascii: "*") {
                let prefix = Array(name.dropLast())
                for (key, value) in Environment.current where key.utf8.starts(with: prefix) { result[key] = value }
            }
        }
        return result
    }
}
