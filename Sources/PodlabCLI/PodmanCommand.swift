import ArgumentParser
import PodlabCore

/// `podman …`: the podman-compatible command tree, answered by podlab's engine.
struct PodmanCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "podman",
            abstract: "Manage images and containers (podlab's engine, podman \(Versions.podmanCompatible) compatible).",
            version: Versions.podmanLine,
            subcommands: [
                ImagesCommand.self, ImageCommand.self, RemoveImageCommand.self, TagCommand.self,
                InspectCommand.self, HistoryCommand.self, SaveCommand.self, LoadCommand.self, VersionCommand.self,
                RunCommand.self, CreateCommand.self, StartCommand.self, PsCommand.self, StopCommand.self, KillCommand.self,
                RemoveContainerCommand.self, LogsCommand.self, PortCommand.self, WaitCommand.self, ExecCommand.self,
                EventsCommand.self, ContainerCommand.self, BuildCommand.self, VolumeCommand.self, SecretCommand.self, RestartCommand.self, PodCommand.self,
                CopyCommand.self, TopCommand.self, StatsCommand.self,
            ] + CommandTree.podman
        )
    }

    /// podman's commands that podlab does not answer yet: named as such, not as "unexpected arguments".
    static let notImplemented: Set<String> = [
        "attach", "auto-update", "commit", "diff", "export", "healthcheck", "import", "init",
        "machine", "manifest", "mount", "network", "pause", "search",
        "system", "unmount", "unpause", "unshare", "update",
    ]
}

/// Commands a binary adds to the shared trees (podlab-net: pull, push, login, logout, registry, mode).
package enum CommandTree {
    nonisolated(unsafe) package static var podman: [any ParsableCommand.Type] = []
    nonisolated(unsafe) package static var podlab: [any ParsableCommand.Type] = []
    nonisolated(unsafe) package static var image: [any ParsableCommand.Type] = []
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Show version information.")

    @Option(name: [.customShort("f"), .long], help: "Format with a Go template, or json.")
    var format: String?

    func run() throws {
        let info: TemplateValue = .object([
            ("Client", .object([
                ("APIVersion", .string(Versions.podmanCompatible)),
                ("Version", .string(Versions.podmanCompatible)),
                ("Engine", .string("podlab \(Versions.podlab)")),
                ("OsArch", .string("linux/\(PodlabImagesPlatform.architecture)")),
            ])),
        ])
        if let format {
            if GoTemplate.isJSON(format) { Output.out(info.json(indent: "    ")); return }
            Output.out(try GoTemplate(format, name: "version").render(info))
            return
        }
        Output.out("Client:       podlab's engine (no daemon, no external runtime)")
        Output.out("Version:      \(Versions.podmanCompatible) compatible")
        Output.out("podlab:       \(Versions.podlab)")
        Output.out("OS/Arch:      linux/\(PodlabImagesPlatform.architecture)")
    }
}

/// `podman image …`: the image commands under one group, as podman has them.
struct ImageCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "image",
            abstract: "Manage images.",
            subcommands: [
                ImageListCommand.self, ImageRemoveAlias.self, TagCommand.self, ImageInspectCommand.self, ImageExistsCommand.self,
                ImagePruneCommand.self, HistoryCommand.self, SaveCommand.self, LoadCommand.self, ImageTreeCommand.self,
            ] + CommandTree.image
        )
    }
}

import PodlabImages

enum PodlabImagesPlatform {
    static var architecture: String { Platform.host.architecture }
}
