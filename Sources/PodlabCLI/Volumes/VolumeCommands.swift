import ArgumentParser
import PodlabCore
import PodlabImages
import PodlabRuntime

/// `podman volume …`: data that outlives containers, as podman 4.3.1 shows it.
struct VolumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volume", abstract: "Manage volumes.",
        subcommands: [VolumeCreateCommand.self, VolumeListCommand.self, VolumeInspectCommand.self, VolumeRemoveCommand.self,
                      VolumePruneCommand.self, VolumeExistsCommand.self])
}

struct VolumeCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a volume (a random name without NAME).")
    @Option(help: "Volume driver (only local).") var driver = "local"
    @Option(name: [.customShort("l"), .long], help: "A label: KEY=VALUE.") var label: [String] = []
    @Option(name: [.customShort("o"), .long], help: "A driver option: KEY=VALUE (recorded, not applied).") var opt: [String] = []
    @Argument var name: String?

    func run() throws {
        guard driver == "local" else {
            throw RuntimeError.invalidOption("volume driver \"\(driver)\" is not available: podlab has the local driver only", hint: nil)
        }
        let engine = try Current.engine.containers()
        let volume = try engine.volumes.create(name, labels: NamedValues.parse(label, option: "--label"),
                                               options: NamedValues.parse(opt, option: "--opt"))
        Output.out(volume.name)
    }
}

struct VolumeListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List volumes.", aliases: ["list"])
    @Flag(name: .shortAndLong, help: "Print only the names.") var quiet = false
    @Flag(name: [.customShort("n"), .customLong("noheading")], help: "Do not print column headings.") var noHeading = false
    @Option(help: "Change the output format to JSON or a Go template.") var format: String?

    func run() throws {
        let engine = try Current.engine.containers()
        let volumes = try engine.volumes.all()
        if let format, GoTemplate.isJSON(format) {
            Output.out(TemplateValue.array(try volumes.map { try VolumeInspectCommand.fields($0, engine: engine) }).json(indent: "  "))
            return
        }
        // podman prints nothing at all, not even the header, when there is no volume.
        guard !volumes.isEmpty else { return }
        if quiet {
            for volume in volumes { Output.out(volume.name) }
            return
        }
        let template = try GoTemplate(format ?? "table {{.Driver}}\t{{.Name}}", name: "volume ls")
        try template.printRows(try volumes.map { try VolumeInspectCommand.fields($0, engine: engine) },
                               headerOverrides: ["Name": "VOLUME NAME"], noHeading: noHeading)
    }
}

struct VolumeInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show volumes in detail (JSON).")
    @Flag(name: .shortAndLong, help: "Inspect every volume.") var all = false
    @Option(name: [.customShort("f"), .long], help: "Format with a Go template, or json.") var format: String?
    @Argument var names: [String] = []

    func run() throws {
        let engine = try Current.engine.containers()
        var found: [VolumeRecord] = []
        var missing: String?
        for name in all ? try engine.volumes.all().map(\.name) : names {
            if let volume = try engine.volumes.get(name) { found.append(volume) } else if missing == nil { missing = name }
        }
        let values = try found.map { try Self.fields($0, engine: engine) }
        if let format, !GoTemplate.isJSON(format) {
            let template = try GoTemplate(format, name: "volume inspect")
            for value in values { Output.out(try template.render(value, among: values)) }
        } else {
            Output.out(TemplateValue.array(values).json(indent: "     "))
        }
        if let missing { throw RuntimeError.cannotRun("inspecting object: no such volume \(missing)", hint: "'podman volume ls' lists the volumes") }
    }

    /// podman's fields, in its order.
    static func fields(_ volume: VolumeRecord, engine: ContainerEngine) throws -> TemplateValue {
        let mounted = try engine.users(ofVolume: volume.name).filter { $0.state.status == .running }.count
        var fields: [(String, TemplateValue)] = [
            ("Name", .string(volume.name)),
            ("Driver", .string(volume.driver)),
            ("Mountpoint", .string(engine.volumes.dataPath(of: volume.name))),
            ("CreatedAt", .string(JSONCoding.preciseTimestamp(volume.created))),
            ("Labels", .object(volume.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("Scope", .string("local")),
            ("Options", .object(volume.options.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("MountCount", .int(Int64(mounted))),
        ]
        if volume.anonymous { fields.append(("Anonymous", .bool(true))) }
        if volume.needsCopyUp { fields.append(("NeedsCopyUp", .bool(true))) }
        return .object(fields)
    }
}

struct VolumeRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove volumes.", aliases: ["remove"])
    @Flag(name: .shortAndLong, help: "Remove the containers that use them first.") var force = false
    @Flag(name: .shortAndLong, help: "Remove every volume.") var all = false
    @Argument var names: [String] = []

    func run() throws {
        let engine = try Current.engine.containers()
        try EachTarget.run(all ? try engine.volumes.all().map(\.name) : names) { name in
            guard try engine.volumes.get(name) != nil else {
                // With -a, one listed at the start may have gone since: an anonymous volume goes with its container.
                if all { return }
                throw RuntimeError.noSuchVolume(name)
            }
            let users = try engine.users(ofVolume: name)
            if !users.isEmpty {
                guard force else { throw RuntimeError.volumeInUse(name, containers: users.map(\.id)) }
                for user in users { try engine.removeStopping(user, timeout: 0) }
            }
            // An anonymous volume went with its --rm container, whose monitor removed both as it stopped.
            if try engine.volumes.get(name) != nil { try engine.volumes.remove(name) }
            Output.out(name)
        }
    }
}

struct VolumePruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove every volume no container uses.")
    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var force = false

    func run() throws {
        let engine = try Current.engine.containers()
        let used = Set(try engine.containers.all().flatMap { $0.settings.volumes.compactMap(\.volumeName) })
        let unused = try engine.volumes.all().map(\.name).filter { !used.contains($0) }
        if !force {
            Output.out("WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:")
            for name in unused { Output.out(name) }
            Output.out("Are you sure you want to continue? [y/N] ", terminator: "")
            Output.flush()
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else { return }
        }
        for name in unused {
            try engine.volumes.remove(name)
            Output.out(name)
        }
    }
}

struct VolumeExistsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exists", abstract: "Exit 0 when the volume exists, 1 when not.")
    @Argument var name: String

    func run() throws {
        guard try Current.engine.containers().volumes.get(name) != nil else { throw ExitCode(1) }
    }
}
