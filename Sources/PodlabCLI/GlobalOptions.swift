import PodlabCore

/// podman's global flags, which come before the subcommand (`podman --root DIR images`).
struct GlobalOptions {
    var root: String?
    var runroot: String?
    /// podlab's own: `--online` talks to the real registries for this command.
    var online = false

    /// Removes leading global flags from `arguments` and returns them.
    static func extract(from arguments: inout [String]) throws -> GlobalOptions {
        var options = GlobalOptions()
        while let first = arguments.first, first.hasPrefix("--") {
            let (name, inlineValue) = split(first)
            switch name {
            case "--root", "--runroot":
                arguments.removeFirst()
                guard let value = inlineValue ?? (arguments.isEmpty ? nil : arguments.removeFirst()), !value.isEmpty else {
                    throw CLIError.usage("flag needs an argument: \(name)", command: "podman")
                }
                guard value.hasPrefix("/") else {
                    throw CLIError.usage("\(name) must be an absolute path, got \"\(value)\"", command: "podman")
                }
                if name == "--root" { options.root = value } else { options.runroot = value }
            case "--online":
                arguments.removeFirst()
                options.online = true
            default:
                return options
            }
        }
        return options
    }

    static func split(_ argument: String) -> (String, String?) {
        guard let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }

    func apply(to locations: Locations) -> Locations {
        var result = locations
        if let root { result.storage = root }
        if let runroot { result.runtime = runroot }
        return result
    }
}
