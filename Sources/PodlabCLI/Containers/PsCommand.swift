import ArgumentParser
import PodlabCore
import PodlabRuntime

/// `podman ps`.
struct PsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List containers.")
    @OptionGroup var options: PsOptions
    func run() throws { try options.run() }
}

/// `podman container ls` (also `list`, `ps`).
struct ContainerListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List containers.", aliases: ["list", "ps"])
    @OptionGroup var options: PsOptions
    func run() throws { try options.run() }
}

struct PsOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Show all containers (default: running ones).") var all = false
    @Flag(name: .shortAndLong, help: "Display only container IDs.") var quiet = false
    @Flag(name: .customLong("no-trunc"), help: "Do not truncate output.") var noTrunc = false
    @Flag(name: [.customShort("n"), .customLong("noheading")], help: "Do not print column headings.") var noHeading = false
    @Option(help: "Change the output format to JSON or a Go template.") var format: String?
    @Flag(help: "Show each container's pod (POD ID, PODNAME).") var pod = false
    @Option(name: .shortAndLong, help: "Filter output (id, name, label, status, exited, pod, ancestor, volume, before, since).") var filter: [String] = []
    @Flag(help: "Also list the containers of builds' RUN steps, in any state (podman's external containers).") var external = false

    func run() throws {
        let engine = try Current.engine.containers()
        let pods = Dictionary(try engine.pods.all().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let everything = try engine.containers.all().filter { external || !$0.isBuildStep }
        let filters = try PsFilter(filter, among: everything)
        let records = everything.filter { record in
            // podman lists external containers whatever -a says: a build's step is shown created or exited too.
            let shown = all || filters.includesStopped || record.state.status == .running || record.isBuildStep
            guard shown else { return false }
            return filters.matches(record, pods: pods)
        }.sorted { $0.created < $1.created }  // podman 4.3.1 lists the oldest first (pod ps: the newest)
        let now = WallClock.now()
        if let format, GoTemplate.isJSON(format) {
            Output.out(TemplateValue.array(records.map { PsOptions.json($0) }).json(indent: "    "))
            return
        }
        if quiet {
            for record in records { Output.out(noTrunc ? record.id : record.shortID) }
            return
        }
        let columns = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}" + (pod ? "\t{{.Pod}}\t{{.PodName}}" : "")
        let template = try GoTemplate(format ?? columns, name: "ps")
        try template.printRows(records.map { fields($0, pod: $0.settings.pod.flatMap { pods[$0] }, now: now) },
                               headerOverrides: ["ID": "CONTAINER ID", "CreatedHuman": "CREATED", "Pod": "POD ID", "PodName": "PODNAME"],
                               noHeading: noHeading)
    }

    func fields(_ record: ContainerRecord, pod: PodRecord?, now: Double) -> TemplateValue {
        var command = record.settings.command.joined(separator: " ")
        if !noTrunc && command.count > 17 { command = String(command.prefix(17)) + "..." }
        return .object([
            ("ID", .string(noTrunc ? record.id : record.shortID)),
            ("Image", .string(record.imageName)),
            ("Command", .string(command)),
            ("CreatedHuman", .string(HumanFormat.ago(record.created, now: now))),
            ("Created", .string(HumanFormat.ago(record.created, now: now))),
            ("Status", .string(PsOptions.status(record, now: now))),
            ("State", .string(record.state.status.rawValue)),
            // A member publishes through its pod: podman shows the pod's ports on every member.
            ("Ports", .string((pod?.ports ?? record.settings.ports).map(\.description).joined(separator: ", "))),
            ("Names", .string(record.name)),
            ("Pod", .string(pod.map(\.shortID) ?? "")),
            ("PodName", .string(pod?.name ?? "")),
            ("Labels", .map(record.settings.labels)),
        ])
    }

    /// podman 4.3.1's STATUS column: `Created`, `Up 3 seconds ago`, `Exited (0) 5 seconds ago`.
    static func status(_ record: ContainerRecord, now: Double) -> String {
        switch record.state.status {
        case .created: return "Created"
        case .running: return "Up \(HumanFormat.ago(record.state.startedAt ?? record.created, now: now))"
        case .exited:
            let code = record.state.exitCode.map(String.init) ?? "unknown"
            return "Exited (\(code)) \(HumanFormat.ago(record.state.finishedAt ?? record.state.startedAt ?? record.created, now: now))"
        }
    }

    static func json(_ record: ContainerRecord) -> TemplateValue {
        .object([
            ("AutoRemove", .bool(record.settings.autoRemove)),
            ("Command", .strings(record.settings.command)),
            ("CreatedAt", .string(HumanFormat.ago(record.created))),
            ("Exited", .bool(record.state.status == .exited)),
            ("ExitedAt", .int(Int64(record.state.finishedAt ?? 0))),
            ("ExitCode", .int(Int64(record.state.exitCode ?? 0))),
            ("Id", .string(record.id)),
            ("Image", .string(record.imageName)),
            ("ImageID", .string(record.imageID.hex)),
            ("Labels", .map(record.settings.labels)),
            ("Names", .strings([record.name])),
            ("Pid", .int(Int64(record.state.status == .running ? record.state.pid ?? 0 : 0))),
            ("Ports", .array(record.settings.ports.map { port in
                .object([("host_ip", .string(port.hostAddress)), ("container_port", .int(Int64(port.containerPort))),
                         ("host_port", .int(Int64(port.hostPort))), ("range", .int(1)), ("protocol", .string(port.proto))])
            })),
            ("StartedAt", .int(Int64(record.state.startedAt ?? 0))),
            ("State", .string(record.state.status.rawValue)),
            ("Status", .string(status(record, now: WallClock.now()))),
            ("Created", .int(Int64(record.created))),
        ])
    }
}
