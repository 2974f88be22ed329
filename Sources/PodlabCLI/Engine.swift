import PodlabCore
import PodlabFixtures
import PodlabImages

/// What every podman command works on: where things live, and the stores, opened on first use.
final class Engine {
    let locations: Locations
    private var openedStore: ImageStore?

    init(locations: Locations) {
        self.locations = locations
    }

    func images() throws -> ImageStore {
        if let openedStore { return openedStore }
        let store = try ImageStore(root: locations.storage)
        openedStore = store
        return store
    }

    /// podlab's offline images, found beside the podlab binary.
    func offlineImages() -> FixtureCatalog? {
        FixtureCatalog.locate()
    }
}

/// The engine of the current process, set up by the entry point from global flags.
enum Current {
    nonisolated(unsafe) static var engine = Engine(locations: Locations.current())
}
