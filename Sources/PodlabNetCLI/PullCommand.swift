import PodlabCLI
import ArgumentParser
import PodlabCore
import PodlabImages

/// `podman pull NAME`: from the registry the name points to (in sandbox mode, podlab's sandbox registry).
struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Pull an image from a registry into local storage.")
    @Flag(name: .shortAndLong, help: "Suppress the progress output.")
    var quiet = false
    @OptionGroup var registry: RegistryOptions
    @Argument var image: String

    func run() throws {
        // Short names resolve to Docker Hub, podlab's one unqualified-search registry.
        let reference = try ImageReference(parsing: image, defaultDomain: ImageReference.dockerHub)
        let record = try NetworkPull.pull(reference, quiet: quiet, registry: registry.settings)
        Output.out(record.id.hex)
    }
}
