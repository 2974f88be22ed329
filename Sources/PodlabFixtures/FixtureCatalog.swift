import PodlabCore
import PodlabImages

/// The built fixture images, found from podlab's own location: beside the build products during
/// development, under share/podlab once installed, or where PODLAB_FIXTURES points.
public struct FixtureCatalog {
    public let layout: OCILayout

    public init(layoutPath: String) {
        layout = OCILayout(path: layoutPath)
    }

    public static func locate(environment: [String: String] = Environment.current) -> FixtureCatalog? {
        var candidates: [String] = []
        if let explicit = environment["PODLAB_FIXTURES"], !explicit.isEmpty { candidates.append(explicit) }
        if let executable = FileSystem.executablePath() {
            let directory = FileSystem.parent(of: executable)
            candidates += Installation.sharedData("fixtures")
            var current = directory
            for _ in 0..<3 {
                candidates.append("\(current)/fixtures/oci")
                current = FileSystem.parent(of: current)
            }
        }
        for candidate in candidates where FileSystem.exists("\(candidate)/index.json") && FileSystem.exists("\(candidate)/oci-layout") {
            return FixtureCatalog(layoutPath: FileSystem.realPath(candidate) ?? candidate)
        }
        return nil
    }

    /// Names of every image in the catalog.
    public func names() -> [String] {
        guard let index = try? layout.readIndex() else { return [] }
        return index.manifests.compactMap { $0.annotations?[OCILayout.refNameAnnotation] }
    }

    /// The image published under `reference`, if the catalog has it.
    public func entry(for reference: ImageReference) throws -> OCILayout.Entry? {
        let wanted = reference.description
        for descriptor in try layout.readIndex().manifests where descriptor.annotations?[OCILayout.refNameAnnotation] == wanted {
            return try layout.resolve(descriptor, refName: wanted, depth: 0)
        }
        return nil
    }
}
