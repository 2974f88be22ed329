import ArgumentParser
import PodlabCore
import PodlabImages
import PodlabRuntime

/// podman's `inspect` object for a container (the keys a learner and the lessons use, in podman's order).
enum ContainerInspect {
    static func describe(_ record: ContainerRecord, engine: ContainerEngine) -> TemplateValue {
        let state = record.state
        let running = state.status == .running
        // podman's map of container port to its bindings: one key per port (`-p 8080:80 -p 9090:80` is one "80/tcp"
        // with two), in key order as Go prints a map.
        var bindings: [String: [TemplateValue]] = [:]
        for mapping in record.settings.ports {
            bindings["\(mapping.containerPort)/\(mapping.proto)", default: []]
                .append(.object([("HostIp", .string(mapping.hostAddress)), ("HostPort", .string(String(mapping.hostPort)))]))
        }
        let ports = bindings.sorted { $0.key < $1.key }.map { ($0.key, TemplateValue.array($0.value)) }
        return .object([
            ("Id", .string(record.id)),
            ("Created", .string(JSONCoding.timestamp(record.created))),
            ("Path", .string(record.settings.command.first ?? "")),
            ("Args", .strings(Array(record.settings.command.dropFirst()))),
            ("State", .object([
                ("Status", .string(state.status.rawValue)),
                ("Running", .bool(running)),
                ("Paused", .bool(false)),
                ("Restarting", .bool(false)),
                ("OOMKilled", .bool(false)),
                ("Dead", .bool(false)),
                ("Pid", .int(Int64(running ? state.pid ?? 0 : 0))),
                ("ConmonPid", .int(Int64(running ? state.monitorPid ?? 0 : 0))),
                ("ExitCode", .int(Int64(state.exitCode ?? 0))),
                ("Error", .string(state.error ?? "")),
                ("StartedAt", .string(state.startedAt.map(JSONCoding.timestamp) ?? "0001-01-01T00:00:00Z")),
                ("FinishedAt", .string(state.finishedAt.map(JSONCoding.timestamp) ?? "0001-01-01T00:00:00Z")),
            ])),
            ("Image", .string(record.imageID.hex)),
            ("ImageName", .string(record.imageName)),
            ("Name", .string(record.name)),
            ("MountLabel", .string("")),
            ("Mounts", .array(record.settings.volumes.map { volume in
                if let name = volume.volumeName {
                    return .object([("Type", .string("volume")), ("Name", .string(name)), ("Source", .string(volume.source)),
                                    ("Destination", .string(volume.destination)), ("Driver", .string("local")), ("RW", .bool(!volume.readOnly))])
                }
                return .object([("Type", .string("bind")), ("Source", .string(volume.source)), ("Destination", .string(volume.destination)),
                                ("RW", .bool(!volume.readOnly))])
            })),
            ("NetworkSettings", .object([("Ports", .object(ports))])),
            ("Config", .object([
                ("Hostname", .string(record.settings.hostname)),
                ("User", .string(record.settings.user)),
                ("Tty", .bool(record.settings.tty)),
                ("Env", .strings(record.settings.env)),
                ("Cmd", .strings(record.settings.command)),
                ("Image", .string(record.imageName)),
                ("WorkingDir", .string(record.settings.workingDir)),
                ("Labels", .map(record.settings.labels)),
                ("StopSignal", .int(Int64(record.settings.stopSignal))),
            ])),
            ("HostConfig", .object([
                ("AutoRemove", .bool(record.settings.autoRemove)),
                ("NetworkMode", .string(record.settings.network)),
                ("PortBindings", .object(ports)),
                ("ReadonlyRootfs", .bool(record.settings.readOnly)),
                ("CapAdd", .strings(record.settings.capabilities)),
                ("SecurityOpt", .strings(record.settings.seccomp.map { ["seccomp=\($0)"] } ?? [])),
                ("Init", .bool(record.settings.initProcess)),
            ])),
            ("EffectiveCaps", .strings(record.settings.capabilities)),
        ])
    }
}

/// `podman container inspect NAME…`.
struct ContainerInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Display the configuration of containers.")
    @Option(name: [.customShort("f"), .long], help: "Format with a Go template, or json.") var format: String?
    @Argument var containers: [String] = []

    func run() throws {
        let engine = try Current.engine.containers()
        let values = try containers.map { ContainerInspect.describe(try engine.containers.find($0), engine: engine) }
        try InspectCommand.print(values, format: format)
    }
}

/// `podman container …`: the container commands under one group.
struct ContainerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container", abstract: "Manage containers.",
        subcommands: [ContainerListCommand.self, RunCommand.self, CreateCommand.self, StartCommand.self, StopCommand.self, KillCommand.self,
                      RemoveContainerCommand.self, LogsCommand.self, PortCommand.self, WaitCommand.self, ExecCommand.self,
                      ContainerInspectCommand.self, ContainerExistsCommand.self, ContainerPruneCommand.self])
}
