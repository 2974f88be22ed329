import PodlabCore
import PodlabImages
import PodlabRegistryClient
import PodlabRegistryServer

/// Gets an image into local storage the way `podman pull` (and the implicit pull of run/create/build)
/// does: from the registry its name points to — in sandbox mode podlab's sandbox registry.
enum ImagePuller {
    /// Pulls `reference`, printing podman's progress lines on stderr.
    static func pull(_ reference: ImageReference, quiet: Bool, registry: RegistrySettings = RegistrySettings()) throws -> ImageRecord {
        if !quiet { Output.err("Trying to pull \(reference)...") }
        let progress = TransferProgress(quiet: quiet)
        let store = try Current.engine.images()
        let record: ImageRecord
        let times: TransferTimes
        do {
            let context = try RegistryContext(options: registry)
            let (endpoint, credentials) = try context.target(reference)
            (record, times) = try BlockingAsync.run {
                try await RegistryConnections.with { connections in
                    let session = connections.session(endpoint, credentials: credentials)
                    return try await ImagePull(session: session, store: store, reference: reference).run(progress: progress.report)
                }
            }
        } catch let error as RegistryClientError {
            let failure = error.prefixed("initializing source docker://\(reference)")
            guard error.message.contains("manifest unknown"), let available = sandboxImages() else { throw failure }
            throw RegistryClientError(failure.message, hint: "images in the sandbox registry: " + available.joined(separator: ", "))
        }
        if Environment.current["PODLAB_TIMINGS"] == "1" {
            // For the benchmarks: where a pull's time goes.
            Output.err("timings: transfer \(times.transfer.milliseconds) ms (\(times.bytes) bytes), verify \(times.verify.milliseconds) ms, unpack \(times.unpack.milliseconds) ms")
        }
        store.collectGarbage()
        Current.engine.journal?.record(.init(type: "image", status: "pull", id: record.id.hex, name: reference.description))
        return record
    }

    /// What the sandbox registry holds, by the names a learner pulls (nil in online mode or without one).
    static func sandboxImages() -> [String]? {
        let locations = Current.engine.locations
        guard (Current.mode ?? PodlabMode.current(locations: locations)) == .sandbox,
              let storage = try? RegistryStorage(root: SandboxRegistry(locations: locations).storage) else { return nil }
        let names = storage.repositories().flatMap { repository in
            storage.tags(repository).map { "\(repository.prefix { $0 != "/" }.contains(".") ? "" : "docker.io/")\(repository):\($0)" }
        }
        return names.isEmpty ? nil : names
    }

    /// The local image for `name`, pulled first when the policy says so (`missing`, `always`, `never`).
    static func ensure(_ name: String, policy: String) throws -> (ImageRecord, String) {
        let store = try Current.engine.images()
        switch policy {
        case "always":
            let reference = try ImageReference(parsing: name)
            return (try pull(reference, quiet: false), reference.description)
        case "never":
            do {
                let image = try store.resolve(name)
                return (image, displayName(name, image: image))
            } catch let error as ImageError {
                // run/create report a missing image with podman's 125, not image rm's 1.
                throw StatusOverride(error, status: ExitStatus.engineError)
            }
        case "missing":
            if let image = try? store.resolve(name) { return (image, displayName(name, image: image)) }
            let reference = try ImageReference(parsing: name)
            return (try pull(reference, quiet: false), reference.description)
        default:
            throw CLIError.usage("invalid pull policy \"\(policy)\": use always, missing or never", command: "podman run")
        }
    }

    /// The name a container records for its image: the full name that matched, or the id.
    static func displayName(_ query: String, image: ImageRecord) -> String {
        image.name(matching: query) ?? image.names.first ?? image.id.hex
    }
}

extension Duration {
    var milliseconds: String {
        let (seconds, attoseconds) = components
        let value = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return String(Int(value * 10) / 10) + "." + String(Int(value * 10) % 10)
    }
}
