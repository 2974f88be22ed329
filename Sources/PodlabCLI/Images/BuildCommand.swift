import ArgumentParser
import PodlabBuild
import PodlabCore
import PodlabImages

/// `podman build`: an image from a Containerfile (or Dockerfile) and a context directory.
struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Build an image from a Containerfile.")
    @Option(name: .shortAndLong, help: "Name the image (several allowed).") var tag: [String] = []
    @Option(name: .shortAndLong, help: "The Containerfile (default: Containerfile, then Dockerfile, in the context).") var file: String?
    @Flag(name: .customLong("no-cache"), help: "Do not use cached steps.") var noCache = false
    @Option(name: .customLong("build-arg"), help: "Set a build argument: NAME=value.") var buildArg: [String] = []
    @Option(help: "Build only up to this stage.") var target: String?
    @Option(help: "Cache intermediate images (podman's default; podlab always keeps them).") var layers: Bool = true
    @Flag(name: .shortAndLong, help: "Print only the image id.") var quiet = false
    @Option(help: "Pull the base image: always, missing (default) or never.") var pull: String = "missing"
    @Argument(help: "The build context directory.") var context: String = "."

    func run() throws {
        guard FileSystem.isDirectory(context) else {
            throw CLIError.refused("context directory \"\(context)\" does not exist", hint: "podman build -t NAME DIRECTORY (often .)")
        }
        let containerfile: String
        if let file {
            containerfile = file.hasPrefix("/") || FileSystem.exists(file) ? file : "\(context)/\(file)"
        } else if let found = ["Containerfile", "Dockerfile"].map({ "\(context)/\($0)" }).first(where: FileSystem.exists) {
            containerfile = found
        } else {
            throw BuildError.noContainerfile(FileSystem.realPath(context) ?? context)
        }
        guard FileSystem.exists(containerfile) else {
            throw CLIError.refused("the Containerfile \(containerfile) does not exist", hint: "check the path given to -f")
        }
        var tags: [ImageReference] = []
        for name in tag {
            do { tags.append(try ImageReference(parsing: name, defaultDomain: ImageReference.localDomain)) } catch {
                throw CLIError.refused("tag \(name): \(error.message)", hint: error.hint)
            }
        }
        var options = BuildOptions(context: context, containerfile: containerfile, displayName: FileSystem.baseName(of: containerfile), tags: tags)
        options.tagTexts = tag
        options.noCache = noCache
        options.target = target
        options.quiet = quiet
        // NAME= sets an empty value; a bare NAME takes the value from this shell's environment, as podman does.
        options.buildArgs = try NamedValues.parse(buildArg, option: "--build-arg") { Environment.current[$0] ?? "" }
        let policy = pull, quietPull = quiet
        let builder = try Builder(engine: try Current.engine.containers(), options: options,
                                  resolveBase: { try ImagePuller.ensure($0, policy: policy, quiet: quietPull).0 },
                                  out: { Output.out($0); Output.flush() })
        let image = try builder.build()
        Output.out(image.id.hex)
    }
}
