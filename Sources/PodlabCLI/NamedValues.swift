import PodlabCore

/// `KEY=VALUE` options (`--label`, `--opt`), given once per item.
enum NamedValues {
    /// The items as a dictionary; `KEY` alone is an empty value, and an empty key is refused.
    static func parse(_ items: [String], option: String) throws(CLIError) -> [String: String] {
        var result: [String: String] = [:]
        for item in items {
            let pair = item.splitOnce(at: "=")
            guard !pair.before.isEmpty else {
                throw CLIError.refused("\(option) \"\(item)\" has no name before '='", hint: "write \(option) NAME=VALUE")
            }
            result[pair.before] = pair.after ?? ""
        }
        return result
    }
}
