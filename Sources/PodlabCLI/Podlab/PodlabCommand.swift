import ArgumentParser
import PodlabCore
import PodlabFixtures

/// `podlab …`: podlab's own commands. The guided shell arrives with the lessons; until then `podlab`
/// alone prints this help.
struct PodlabCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "podlab",
            abstract: "A container tutorial that runs containers for real. 'podlab podman …' (or podman/docker links to podlab) is the engine's CLI.",
            version: "podlab \(Versions.podlab) (podman \(Versions.podmanCompatible) compatible)",
            subcommands: [FixturesCommand.self, StoreCommand.self, DoctorCommand.self, ShellPathCommand.self, SessionCommand.self] + CommandTree.podlab
        )
    }
}

/// `podlab fixtures …`: the offline images.
struct FixturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fixtures", abstract: "Build or list podlab's offline images.",
                                                    subcommands: [FixturesBuild.self, FixturesList.self])
}

struct FixturesBuild: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Build the fixture images from their recipes (cached).")
    @Option(help: "Directory holding */recipe.json.")
    var recipes: String = "fixtures/images"
    @Option(help: "OCI layout to write.")
    var output: String
    @Option(help: "Where downloaded .deb files are kept.")
    var debCache: String
    @Flag(help: "Rebuild even when nothing changed.")
    var force = false

    func run() throws {
        let builder = FixtureBuilder(recipesDirectory: recipes, layoutPath: output, debCache: debCache) { Output.err($0) }
        let names = try builder.build(force: force)
        Output.out("\(names.count) offline images in \(output)")
    }
}

struct FixturesList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the offline images this podlab finds.")

    func run() throws {
        guard let catalog = FixtureCatalog.locate() else {
            throw CLIError.refused("no offline images found beside podlab", hint: "run 'make fixtures' in the source tree")
        }
        Output.out("# \(catalog.layout.path)")
        for name in catalog.names() { Output.out(name) }
    }
}
