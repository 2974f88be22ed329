import PodlabCLI
import ArgumentParser
import PodlabCore
import PodlabImages
import PodlabRegistryClient

/// `podman push IMAGE [DESTINATION]`: to the registry the destination names (in sandbox mode, podlab's
/// sandbox registry, where a signed-up user may push under their own name).
struct PushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "push", abstract: "Push an image to a registry.")
    @Flag(name: .shortAndLong, help: "Suppress the progress output.")
    var quiet = false
    @Option(help: "Write the pushed manifest's digest to this file.")
    var digestfile: String?
    @OptionGroup var registry: RegistryOptions
    @Argument var image: String
    @Argument var destination: String?

    func run() throws {
        let store = try Current.engine.images()
        let local = try store.resolve(image)
        var target = destination ?? local.name(matching: image) ?? image
        if target.hasPrefix("docker://") { target.removeFirst(9) }
        let reference = try ImageReference(parsing: target, defaultDomain: ImageReference.dockerHub)
        let context = try RegistryContext(options: registry.settings)
        let (endpoint, credentials) = try context.target(reference)
        var mountSources: [String] = []
        for name in local.names {
            guard let other = try? ImageReference(parsing: name), let (source, _) = try? context.target(other),
                  source.host == endpoint.host, source.repository != endpoint.repository else { continue }
            mountSources.append(source.repository)
        }
        let progress = TransferProgress(quiet: quiet)
        let chunkSize = Environment.current["PODLAB_UPLOAD_CHUNK_SIZE"].flatMap(Int.init).map { max($0, 1) }
        let tag = reference.digest?.description ?? reference.tag ?? ImageReference.defaultTag
        let sources = mountSources
        let digest = try BlockingAsync.run {
            try await RegistryConnections.with { connections in
                var push = ImagePush(session: try connections.session(endpoint, credentials: credentials), store: store,
                                     image: local, reference: tag)
                push.mountSources = sources
                if let chunkSize { push.chunkSize = chunkSize }
                return try await push.run(progress: progress.report)
            }
        }
        if let digestfile {
            try FileSystem.writeAtomically(Array(digest.description.utf8), to: digestfile)
        }
        Current.engine.journal?.record(.init(type: "image", status: "push", id: local.id.hex, name: reference.description))
    }
}
