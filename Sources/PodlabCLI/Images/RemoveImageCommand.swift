import ArgumentParser
import PodlabCore
import PodlabImages

/// Options and behaviour shared by `podman rmi` and `podman image rm`.
struct RemoveImageOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Remove all images.")
    var all = false
    @Flag(name: .shortAndLong, help: "Remove images even when they have several tags or containers use them.")
    var force = false
    @Flag(name: .shortAndLong, help: "Ignore errors for images that do not exist.")
    var ignore = false
    @Argument(help: "Images to remove, by name or id.")
    var images: [String] = []

    func run() throws {
        let store = try Current.engine.images()
        var targets = images
        if all {
            guard images.isEmpty else { throw CLIError.usage("when using the --all switch, you may not pass any images names or IDs", command: "podman rmi") }
            targets = try store.images().map(\.id.hex)
        } else if targets.isEmpty {
            throw CLIError.usage("image name or ID must be specified", command: "podman rmi")
        }
        var untagged: [String] = []
        var deleted: [String] = []
        var failures: [any Error] = []
        for target in targets {
            do {
                let containers = try Current.engine.containers()
                // -a means every name of every image, but an image a container uses stays unless -f (podman 4.3.1).
                let removal = try store.remove(target, force: force, everyName: all) { image, candidate in
                    let users = try containers.containers.users(of: image)
                    // -f removes the named image's containers too, as podman does (an unnamed parent's keep it); one
                    // it cannot remove keeps the image (it would be left naming an image that is gone), and its
                    // error is this image's.
                    if force, candidate == .named, !users.isEmpty {
                        for id in users {
                            guard let record = try containers.containers.lookup(id) else { continue }  // removed meanwhile
                            try containers.removeStopping(record, timeout: 0)
                        }
                        return []
                    }
                    return users
                }
                untagged += removal.untagged
                if let id = removal.deleted { deleted.append(id.hex) }
                deleted += removal.parentsDeleted.map(\.hex)
            } catch let error as ImageError {
                if case .notKnown = error, ignore { continue }
                failures.append(error)
            } catch {
                failures.append(error)   // a container -f could not remove: the other images are still tried
            }
        }
        for name in untagged {
            Output.out("Untagged: \(name)")
            Current.engine.journal?.record(.init(type: "image", status: "untag", name: name))
        }
        for id in deleted {
            Output.out("Deleted: \(id)")
            Current.engine.journal?.record(.init(type: "image", status: "remove", id: id))
        }
        guard let first = failures.first else { return }
        if failures.count == 1 { throw first }
        // Several failures: podman lists them all and exits with the first one's status.
        Output.err("Error: \(failures.count) errors occurred:")
        for failure in failures { Output.err("\t* \(TerminalText.visible((failure as? any LearnerFacingError)?.message ?? "\(failure)"))") }
        throw SilentExit(status: (first as? any LearnerFacingError)?.exitStatus ?? ExitStatus.engineError)
    }
}

/// `podman rmi`.
struct RemoveImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove one or more images from local storage.")
    @OptionGroup var options: RemoveImageOptions
    func run() throws { try options.run() }
}

/// `podman image rm`.
struct ImageRemoveAlias: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one or more images from local storage.")
    @OptionGroup var options: RemoveImageOptions
    func run() throws { try options.run() }
}

/// `podman tag SOURCE TARGET…`.
struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Add an additional name to a local image.")

    @Argument(help: "The image, then one or more new names.")
    var names: [String] = []

    func run() throws {
        guard names.count >= 2 else {
            throw CLIError.usage("requires at least 2 arg(s), only received \(names.count)", command: "podman tag")
        }
        let store = try Current.engine.images()
        let source = try store.resolve(names[0])
        for target in names.dropFirst() {
            let reference: ImageReference
            do {
                reference = try ImageReference(parsing: target, defaultDomain: ImageReference.localDomain)
            } catch {
                throw CLIError.refused("normalizing name \"\(target)\": \(error.message)", hint: error.hint)
            }
            guard reference.digest == nil else {
                throw CLIError.refused("\(target): a tag cannot contain a digest", hint: "give a name and tag, like localhost/myimage:0.1.0")
            }
            try store.tag(source.id.hex, as: reference)
            Current.engine.journal?.record(.init(type: "image", status: "tag", id: source.id.hex, name: reference.description))
        }
    }
}

/// `podman image exists NAME`: status 0 when it does, 1 when it does not, no output.
struct ImageExistsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exists", abstract: "Check if an image exists in local storage.")
    @Argument var image: String

    func run() throws {
        let store = try Current.engine.images()
        if !store.exists(image) { throw SilentExit(status: ExitStatus.notFound) }
    }
}

/// `podman image prune`: removes dangling images (with -a, every image no container uses).
struct ImagePruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove unused images.")
    @Flag(name: .shortAndLong, help: "Remove all unused images, not just dangling ones.")
    var all = false
    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.")
    var force = false

    func run() throws {
        if !force {
            Output.out(all ? "WARNING! This command removes all images without at least one container associated with them."
                           : "WARNING! This command removes all dangling images.")
            Output.out("Are you sure you want to continue? [y/N] ", terminator: "")
            Output.flush()
            guard let answer = readLine(), answer.lowercased().hasPrefix("y") else { return }
        }
        let store = try Current.engine.images()
        let containers = try Current.engine.containers().containers
        let everything = try store.images()
        let parents = Set(everything.compactMap(\.parent))
        // Read the container list once: which images containers are made from, and by whom.
        let users = Dictionary(grouping: try containers.all(), by: \.imageID).mapValues { $0.map(\.id) }
        for image in everything where all || (image.names.isEmpty && !parents.contains(image.id)) {
            guard (try? store.resolve(image.id.hex)) != nil else { continue }  // went with a removed child
            // An image a container is made from is in use, never pruned (its layers are the container's).
            guard users[image.id] == nil else { continue }
            let removal = try store.remove(image.id.hex, force: false, everyName: true) { id, _ in users[id] ?? [] }
            for id in (removal.deleted.map { [$0] } ?? []) + removal.parentsDeleted { Output.out(id.hex) }
        }
        store.collectGarbage()
    }
}
