import ArgumentParser
import PodlabCore
import PodlabFixtures
import PodlabImages

/// `podman pull NAME`. This build copies from podlab's offline images (the fixture layout); names it does
/// not have are refused with the list of those it has, never faked.
struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Pull an image into local storage.")
    @Flag(name: .shortAndLong, help: "Suppress the progress output.")
    var quiet = false
    @Argument var image: String

    func run() throws {
        // Short names resolve to Docker Hub, podlab's one unqualified-search registry.
        let reference = try ImageReference(parsing: image, defaultDomain: ImageReference.dockerHub)
        let record = try ImagePuller.pull(reference, quiet: quiet)
        Output.out(record.id.hex)
    }
}

enum PullError: LearnerFacingError {
    case noOfflineImages(String)
    case notOffline(String, available: [String])

    var message: String {
        switch self {
        case .noOfflineImages(let name):
            return "initializing source docker://\(name): podlab's offline images are not built on this machine"
        case .notOffline(let name, _):
            return "initializing source docker://\(name): not among podlab's offline images, and this podlab cannot reach registries yet"
        }
    }

    var hint: String? {
        switch self {
        case .noOfflineImages: return "run 'make fixtures' in podlab's source tree (or set PODLAB_FIXTURES to a built layout)"
        case .notOffline(_, let available): return "images you can pull: " + available.joined(separator: ", ")
        }
    }

    var exitStatus: Int32 { ExitStatus.engineError }
}
