import ArgumentParser
import PodlabCLI
import PodlabCore

/// podlab-kube's additions to the podman tree: `kube generate|play|down`, and the older `generate kube` and
/// `play kube` spellings podman 4.3.1 still answers.
public enum KubeCommands {
    public static func install() {
        CommandLineEntry.answersKubeCommands = true
        CommandTree.podman = [KubeCommand.self, GenerateCommand.self, PlayCommand.self]
    }
}

struct KubeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube", abstract: "Play containers, pods or volumes from a structured file, or generate one.",
        subcommands: [KubeGenerateCommand.self, KubePlayCommand.self, KubeDownCommand.self])
}

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate structured data (the older spelling of 'kube generate').",
        subcommands: [GenerateKubeCommand.self])
}

struct PlayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play", abstract: "Play containers and pods (the older spelling of 'kube play').",
        subcommands: [PlayKubeCommand.self])
}

struct KubeGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Generate Kubernetes YAML of pods or containers.")
    @OptionGroup var options: KubeGenerateOptions
    func run() throws { try options.run() }
}

struct GenerateKubeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kube", abstract: "Generate Kubernetes YAML of pods or containers.")
    @OptionGroup var options: KubeGenerateOptions
    func run() throws { try options.run() }
}

struct KubePlayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "play", abstract: "Create pods, containers and volumes from Kubernetes YAML.")
    @OptionGroup var options: KubePlayOptions
    func run() throws { try options.run() }
}

struct PlayKubeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kube", abstract: "Create pods, containers and volumes from Kubernetes YAML.")
    @OptionGroup var options: KubePlayOptions
    func run() throws { try options.run() }
}

struct KubeDownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "down", abstract: "Stop and remove the pods a Kubernetes YAML file made (volumes stay).")
    @Argument(help: "The YAML file, or - for standard input.") var file: String
    func run() throws { try KubeDown.run(file: file) }
}
