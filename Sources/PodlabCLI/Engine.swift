import PodlabCore
import PodlabFixtures
import PodlabImages
import PodlabRuntime

/// What every podman command works on: where things live, and the stores, opened on first use.
package final class Engine {
    package let locations: Locations
    private var openedStore: ImageStore?
    private var openedContainers: ContainerEngine?

    init(locations: Locations) {
        self.locations = locations
    }

    package func images() throws -> ImageStore {
        if let openedStore { return openedStore }
        let store = try ImageStore(root: locations.storage)
        openedStore = store
        return store
    }

    package func containers() throws -> ContainerEngine {
        if let openedContainers { return openedContainers }
        let engine = try ContainerEngine(locations: locations, images: try images())
        openedContainers = engine
        return engine
    }

    /// The event journal (nil only if the storage directory cannot be made), set up on first use.
    package lazy var journal: Journal? = (try? StoreAccess.prepare(locations.storage)).map { Journal(storage: locations.storage) }

    /// podlab's offline images, found beside the podlab binary.
    func offlineImages() -> FixtureCatalog? {
        FixtureCatalog.locate()
    }
}

/// The engine of the current process, set up by the entry point from global flags.
package enum Current {
    nonisolated(unsafe) package static var engine = Engine(locations: Locations.current())
}
