import ArgumentParser
import PodlabCore
import PodlabImages
import PodlabRuntime

/// `podman pod …`: containers that share a network (127.0.0.1 and each other's names), as podman 4.3.1 shows them.
struct PodCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pod", abstract: "Manage pods.",
        subcommands: [PodCreateCommand.self, PodListCommand.self, PodInspectCommand.self, PodStartCommand.self,
                      PodStopCommand.self, PodRestartCommand.self, PodKillCommand.self, PodRemoveCommand.self,
                      PodExistsCommand.self, PodPruneCommand.self])
}

/// What the pod commands share: finding pods, starting and stopping their containers in order.
package enum Pods {
    static func engine() throws -> ContainerEngine { try Current.engine.containers() }

    /// Members first (each its stop signal, then SIGKILL after `timeout`), then the infra.
    package static func stop(_ pod: PodRecord, timeout: Int?, engine: ContainerEngine) throws {
        for record in try engine.containers(of: pod).reversed() where record.state.status == .running {
            try engine.stop(record, timeout: timeout ?? record.settings.stopTimeout)
            // A --rm member is gone once stopped: its monitor removed it before stop returned.
            if let stopped = try engine.containers.lookup(record.id) { _ = try engine.wait(stopped) }
        }
    }

    static func targets(_ names: [String], all: Bool, engine: ContainerEngine) throws -> [PodRecord] {
        all ? try engine.pods.all() : try names.map { try engine.pods.find($0) }
    }
}

struct PodCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a pod (prints its ID).")
    @Option(name: .long, help: "The pod's name.") var name: String?
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("publish")], help: "Publish a port of the pod: [ip:][hostPort:]containerPort[/tcp|udp].")
    var publish: [String] = []
    @Option(name: [.customShort("l", allowingJoined: true), .long], help: "A label: KEY=VALUE.") var label: [String] = []
    @Argument var positionalName: String?

    func run() throws {
        if name != nil && positionalName != nil { throw CLIError.usage("cannot specify --name and NAME at the same time", command: "podman pod create") }
        let ports = try publish.map(PortListener.parse)
        let labels = try NamedValues.parse(label, option: "--label")
        let engine = try Pods.engine()
        let pod = try engine.createPod(name: name ?? positionalName, ports: ports, labels: labels)
        Output.out(pod.id)
    }
}

struct PodListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List pods.", aliases: ["ls", "list"])
    @Flag(name: .shortAndLong, help: "Print only the IDs.") var quiet = false
    @Flag(name: .customLong("no-trunc"), help: "Do not truncate IDs.") var noTrunc = false
    @Flag(name: [.customShort("n"), .customLong("noheading")], help: "Do not print column headings.") var noHeading = false
    @Option(help: "Change the output format to JSON or a Go template.") var format: String?

    func run() throws {
        let engine = try Pods.engine()
        let pods = try engine.pods.all().sorted { $0.created > $1.created }
        let now = WallClock.now()
        if quiet {
            for pod in pods { Output.out(noTrunc ? pod.id : pod.shortID) }
            return
        }
        let rows = try pods.map { pod -> TemplateValue in
            let members = try engine.containers(of: pod)
            return .object([
                ("Id", .string(noTrunc ? pod.id : pod.shortID)), ("Name", .string(pod.name)), ("Status", .string(try engine.status(of: pod))),
                ("Created", .string(HumanFormat.ago(pod.created, now: now))),
                ("InfraId", .string(noTrunc ? pod.infraID : String(pod.infraID.prefix(12)))),
                ("NumberOfContainers", .int(Int64(members.count))), ("Labels", .map(pod.labels ?? [:])),
            ])
        }
        if let format, GoTemplate.isJSON(format) {
            Output.out(TemplateValue.array(rows).json(indent: "    "))
            return
        }
        let template = try GoTemplate(format ?? "table {{.Id}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.InfraId}}\t{{.NumberOfContainers}}", name: "pod ps")
        // podman prints the header even with no pod.
        try template.printRows(rows, headerOverrides: ["Id": "POD ID", "InfraId": "INFRA ID", "NumberOfContainers": "# OF CONTAINERS"],
                               noHeading: noHeading)
    }
}

struct PodInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show a pod in detail (JSON).")
    @Option(name: [.customShort("f"), .long], help: "Format with a Go template, or json.") var format: String?
    @Argument var names: [String] = []

    func run() throws {
        let engine = try Pods.engine()
        var values: [TemplateValue] = []
        for name in names {
            guard let pod = try engine.pods.lookup(name) else {
                if values.isEmpty { Output.out("[]") }
                throw RuntimeError.cannotRun("inspecting object: no such pod \(name)", hint: "'podman pod ps' lists the pods")
            }
            let members = try engine.containers(of: pod)
            let fields: [(String, TemplateValue)] = [
                ("Id", .string(pod.id)), ("Name", .string(pod.name)), ("Created", .string(JSONCoding.preciseTimestamp(pod.created))),
                ("State", .string(try engine.status(of: pod))), ("Hostname", .string(pod.name)),
                ("Labels", .omitEmpty(.map(pod.labels ?? [:]))),
                ("CreateInfra", .bool(true)), ("InfraContainerID", .string(pod.infraID)),
                ("SharedNamespaces", .strings(["ipc", "net", "uts"])), ("NumContainers", .int(Int64(members.count))),
                ("Containers", .array(members.map { .object([("Id", .string($0.id)), ("Name", .string($0.name)), ("State", .string($0.state.status.rawValue))]) })),
            ]
            values.append(.object(fields))
        }
        if let format, !GoTemplate.isJSON(format) {
            let template = try GoTemplate(format, name: "pod inspect")
            for value in values { Output.out(try template.render(value, among: values)) }
            return
        }
        // One pod: a single object, as podman 4.3.1 prints it; more: an array.
        Output.out((values.count == 1 ? values[0] : .array(values)).json(indent: "     "))
    }
}

struct PodStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start pods: the infra, then every container.")
    @Flag(name: .shortAndLong, help: "Start every pod.") var all = false
    @Argument var names: [String] = []

    func run() throws {
        let engine = try Pods.engine()
        for pod in try Pods.targets(names, all: all, engine: engine) {
            try engine.startPod(pod)
            Output.out(pod.id)
        }
    }
}

struct PodStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop pods: every container, then the infra.")
    @Flag(name: .shortAndLong, help: "Stop every pod.") var all = false
    @Option(name: [.customShort("t"), .long], help: "Seconds to wait before killing.") var time: Int?
    @Argument var names: [String] = []

    func run() throws {
        let engine = try Pods.engine()
        for pod in try Pods.targets(names, all: all, engine: engine) {
            try Pods.stop(pod, timeout: time, engine: engine)
            Output.out(pod.id)
        }
    }
}

struct PodRestartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart pods.")
    @Flag(name: .shortAndLong, help: "Restart every pod.") var all = false
    @Argument var names: [String] = []

    func run() throws {
        let engine = try Pods.engine()
        for pod in try Pods.targets(names, all: all, engine: engine) {
            try Pods.stop(pod, timeout: nil, engine: engine)
            try engine.startPod(pod)
            Output.out(pod.id)
        }
    }
}

struct PodKillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Kill every container of pods (SIGKILL).")
    @Flag(name: .shortAndLong, help: "Kill every pod.") var all = false
    @Argument var names: [String] = []

    func run() throws {
        let engine = try Pods.engine()
        for pod in try Pods.targets(names, all: all, engine: engine) {
            try Pods.stop(pod, timeout: 0, engine: engine)
            Output.out(pod.id)
        }
    }
}

struct PodRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove pods and their containers.", aliases: ["remove"])
    @Flag(name: .shortAndLong, help: "Stop running containers first.") var force = false
    @Flag(name: .shortAndLong, help: "Remove every pod.") var all = false
    @Option(name: [.customShort("t"), .long], help: "Seconds to wait before killing with --force.") var time: Int?
    @Flag(name: .shortAndLong, help: "Ignore pods that do not exist.") var ignore = false
    @Argument var names: [String] = []

    func run() throws {
        let engine = try Pods.engine()
        let existing = ignore ? try names.filter { try engine.pods.lookup($0) != nil } : names
        for pod in try Pods.targets(existing, all: all, engine: engine) {
            if force { try Pods.stop(pod, timeout: time ?? 0, engine: engine) }
            do {
                try engine.removePod(pod)
            } catch let error as RuntimeError {
                // podman answers a running pod with 125 (its "errors occurred" list), not rm's 2.
                throw StatusOverride(error, status: ExitStatus.engineError)
            }
            Output.out(pod.id)
        }
    }
}

struct PodExistsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exists", abstract: "Exit 0 when the pod exists, 1 when not.")
    @Argument var name: String

    func run() throws {
        guard try Pods.engine().pods.lookup(name) != nil else { throw ExitCode(1) }
    }
}

struct PodPruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove every pod with no running container.")
    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var force = false

    func run() throws {
        let engine = try Pods.engine()
        if !force {
            Output.out("WARNING! This will remove all stopped/exited pods..")
            Output.out("Are you sure you want to continue? [y/N] ", terminator: "")
            Output.flush()
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else { return }
        }
        for pod in try engine.pods.all() where try !["Running", "Degraded"].contains(engine.status(of: pod)) {
            do {
                try engine.removePod(pod)
            } catch RuntimeError.running, RuntimeError.noSuchPod {
                continue   // a member started, or the pod removed, by another command since the list was read
            }
            Output.out(pod.id)
        }
    }
}
