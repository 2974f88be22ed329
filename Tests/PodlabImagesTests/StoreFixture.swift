import PodlabCore
import PodlabFixtures
import PodlabImages
import PodlabTestSupport
import Testing

/// A private image store plus the built fixture layout (from `make fixtures`).
final class StoreFixture {
    let directory = TemporaryDirectory("podlab-store")
    let store: ImageStore
    let catalog: FixtureCatalog

    init() throws {
        store = try ImageStore(root: directory.file("storage"))
        catalog = FixtureCatalog(layoutPath: BuildProducts.fixtures)
        guard FileSystem.exists("\(BuildProducts.fixtures)/index.json") else {
            throw FixtureMissing(path: BuildProducts.fixtures)
        }
    }

    /// Imports a fixture image by name, as `podman pull` does.
    @discardableResult
    func pull(_ name: String) throws -> ImageRecord {
        let reference = try ImageReference(parsing: name)
        guard let entry = try catalog.entry(for: reference) else { throw FixtureMissing(path: name) }
        return try store.importImage(manifestBytes: entry.manifestBytes, expectedDigest: entry.manifestDigest,
                                     source: catalog.layout, names: [reference])
    }
}

struct FixtureMissing: Error, CustomStringConvertible {
    let path: String
    var description: String { "fixture images not found (\(path)): run 'make fixtures' first (make test does)" }
}
