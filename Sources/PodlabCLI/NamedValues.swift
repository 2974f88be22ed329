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
}
