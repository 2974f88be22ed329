import PodlabCore
import PodlabImages

/// Gets an image into local storage the way `podman pull` (and the implicit pull of run/create/build)
/// does: from the registry its name points to — in sandbox mode podlab's sandbox registry.
package enum ImagePuller {
    /// How this process pulls: set by podlab-net (which speaks the registry protocol itself); unset in the
    /// lean `podman` binary, which runs `podlab-net podman pull` as a child instead.
    nonisolated(unsafe) package static var network: ((ImageReference, Bool) throws -> ImageRecord)?

    /// Pulls `reference`, printing podman's progress lines on stderr.
    static func pull(_ reference: ImageReference, quiet: Bool) throws -> ImageRecord {
        if let network { return try network(reference, quiet) }
        let locations = Current.engine.locations
        let arguments = ["podman", "--root", locations.storage, "--runroot", locations.runtime, "pull"] + (quiet ? ["-q"] : [])
            + [reference.description]
        // The child's stdout (the image id) is not this command's output.
        let status = try NetBinary.run(arguments, stdoutToNull: true)
        guard status == 0 else { throw SilentExit(status: status) }
        return try Current.engine.images().resolve(reference.description)
    }

    /// The local image for `name`, pulled first when the policy says so (`missing`, `always`, `never`); with `quiet`
    /// (`run -q`, `create -q`, `build -q`) the pull prints no progress.
    static func ensure(_ name: String, policy: String, quiet: Bool) throws -> (ImageRecord, String) {
        let store = try Current.engine.images()
        switch policy {
        case "always":
            let reference = try ImageReference(parsing: name)
            return (try pull(reference, quiet: quiet), reference.description)
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
            return (try pull(reference, quiet: quiet), reference.description)
        default:
            throw CLIError.usage("invalid pull policy \"\(policy)\": use always, missing or never", command: "podman run")
        }
    }

    /// The name a container records for its image: the full name that matched, or the id.
    static func displayName(_ query: String, image: ImageRecord) -> String {
        image.name(matching: query) ?? image.names.first ?? image.id.hex
    }
}
