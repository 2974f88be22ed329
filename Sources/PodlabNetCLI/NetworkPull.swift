import PodlabCLI
import PodlabCore
import PodlabImages
import PodlabRegistryClient
import PodlabRegistryServer

/// Pulls over the registry protocol (in this process), printing podman's progress lines on stderr.
enum NetworkPull {
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
                    let session = try connections.session(endpoint, credentials: credentials)
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
        guard (PodlabMode.current(locations: locations)) == .sandbox,
              let storage = try? RegistryStorage(root: SandboxRegistry(locations: locations).storage) else { return nil }
        let names = storage.repositories().flatMap { repository in
            storage.tags(repository).map { "\(RegistryEndpoint.name(ofSandboxRepository: repository)):\($0)" }
        }
        return names.isEmpty ? nil : names
    }

}

extension Duration {
    var milliseconds: String {
        let (seconds, attoseconds) = components
        let value = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return String(Int(value * 10) / 10) + "." + String(Int(value * 10) % 10)
    }
}
