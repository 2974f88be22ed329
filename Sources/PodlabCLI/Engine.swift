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
    nonisolated(unsafe) private static var chosen: Engine?

    /// The engine the entry point set, else one for the default locations, made on first use. (Not a lazy static
    /// with an initializer: setting such a variable runs its initializer first, reading the environment for nothing.)
    package static var engine: Engine {
        get {
            if let chosen { return chosen }
            let made = Engine(locations: Locations.current())
            chosen = made
            return made
        }
        set { chosen = newValue }
    }
}
