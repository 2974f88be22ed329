import ArgumentParser
import PodlabCore
import PodlabImages
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// `podman secret …`: values a container gets as a file or a variable, never shown back.
struct SecretCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret", abstract: "Manage secrets.",
        subcommands: [SecretCreateCommand.self, SecretListCommand.self, SecretInspectCommand.self, SecretRemoveCommand.self])
}

struct SecretCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a secret from a file, or from standard input with -.")
    @Option(name: [.customShort("d"), .long], help: "Secret driver (only file).") var driver = "file"
    @Option(name: [.customShort("l"), .long], help: "A label: KEY=VALUE.") var label: [String] = []
    @Flag(help: "Read the value from the environment variable named by the second argument.") var env = false
    @Argument var name: String
    @Argument(help: "A file with the value, or - for standard input.") var source: String

    func run() throws {
        guard driver == "file" else {
            throw RuntimeError.invalidOption("secret driver \"\(driver)\" is not available: podlab has the file driver only", hint: nil)
        }
        let labels = try NamedValues.parse(label, option: "--label")
        let value: [UInt8]
        if env {
            guard let text = Environment.current[source] else {
                throw RuntimeError.invalidOption("cannot create store secret data: environment variable \(source) is not set", hint: nil)
            }
            value = Array(text.utf8)
        } else {
            value = try FileSystem.readFileOrStandardInput(source)
        }
        let engine = try Current.engine.containers()
        Output.out(try engine.secrets.create(name, value: value, labels: labels).id)
    }
}

struct SecretListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List secrets.", aliases: ["list"])
    @Flag(name: .shortAndLong, help: "Print only the IDs.") var quiet = false
    @Flag(name: [.customShort("n"), .customLong("noheading")], help: "Do not print column headings.") var noHeading = false
    @Option(help: "Change the output format to JSON or a Go template.") var format: String?

    func run() throws {
        let secrets = try Current.engine.containers().secrets.all()
        let now = WallClock.now()
        if let format, GoTemplate.isJSON(format) {
            Output.out(TemplateValue.array(secrets.map(SecretInspectCommand.fields)).json(indent: "    "))
            return
        }
        if quiet {
            for secret in secrets { Output.out(secret.id) }
            return
        }
        let template = try GoTemplate(format ?? "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}", name: "secret ls")
        let rows = secrets.map { secret -> TemplateValue in
            .object([
                ("ID", .string(secret.id)), ("Name", .string(secret.name)), ("Driver", .string(secret.driver)),
                ("CreatedAt", .string(HumanFormat.ago(secret.created, now: now))), ("UpdatedAt", .string(HumanFormat.ago(secret.updated, now: now))),
            ])
        }
        try template.printRows(rows, headerOverrides: ["CreatedAt": "CREATED", "UpdatedAt": "UPDATED"], noHeading: noHeading)
    }
}

struct SecretInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show secrets in detail (JSON, without their values).")
    @Option(name: [.customShort("f"), .long], help: "Format with a Go template, or json.") var format: String?
    @Argument var names: [String] = []

    func run() throws {
        let store = try Current.engine.containers().secrets
        var found: [SecretRecord] = []
        var missing: String?
        for name in names {
            do { found.append(try store.find(name)) } catch RuntimeError.noSuchSecret(_) { if missing == nil { missing = name } }
        }
        let values = found.map(Self.fields)
        if let format, !GoTemplate.isJSON(format) {
            let template = try GoTemplate(format, name: "secret inspect")
            for value in values { Output.out(try template.render(value, among: values)) }
        } else {
            Output.out(TemplateValue.array(values).json(indent: "    "))
        }
        if let missing {
            throw RuntimeError.cannotRun("inspecting secret: no secret with name or id \"\(missing)\": no such secret", hint: "'podman secret ls' lists the secrets")
        }
    }

    /// podman's fields, in its order; the value is not among them.
    static func fields(_ secret: SecretRecord) -> TemplateValue {
        .object([
            ("ID", .string(secret.id)),
            ("CreatedAt", .string(JSONCoding.preciseTimestamp(secret.created))),
            ("UpdatedAt", .string(JSONCoding.preciseTimestamp(secret.updated))),
            ("Spec", .object([
                ("Name", .string(secret.name)),
                ("Driver", .object([("Name", .string(secret.driver)), ("Options", .object([]))])),
                ("Labels", .object(secret.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ])),
        ])
    }
}

struct SecretRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove secrets.", aliases: ["remove"])
    @Flag(name: .shortAndLong, help: "Remove every secret.") var all = false
    @Argument var names: [String] = []

    func validate() throws {
        guard all || !names.isEmpty else { throw ValidationError("`podman secret rm` requires one argument, or the --all flag") }
    }

    func run() throws {
        let store = try Current.engine.containers().secrets
        try EachTarget.run(all ? try store.all().map(\.id) : names) { name in
            Output.out(try store.remove(name).id)
        }
    }
}
