import PodlabArchive
import PodlabCore
import PodlabImages

/// Bytes loaded as an image archive (`podman load`) into a fresh store beside an empty sibling directory. Whatever
/// the archive holds: nothing appears beside the store, in the sibling or at `LayerFuzzing.fixedBeside`, the fixed
/// absolute path the seeds name (member names are keys, never paths, and layers are applied inside snapshots);
/// every image it lists passes the store's own check; every blob holds the content its name says; and the scratch
/// area is empty again (the unpacked archive is gone, loaded or refused).
enum LoadFuzzing {
    static let limits = ArchiveLimits(expansionRatio: 100, floorBytes: 64 << 20, maximumEntries: 10_000)

    static func load(_ bytes: [UInt8]) -> FuzzFinding? {
        let scratch: Scratch
        do { scratch = try Scratch() } catch { return FuzzFinding("cannot prepare a scratch store: \(error)") }
        defer { scratch.remove() }
        scratch.load(bytes)
        return scratch.damage()
    }

    /// A fresh store at `base/store` with an empty `base/beside`.
    struct Scratch {
        let base: String
        let store: ImageStore

        init() throws {
            // Emptied first: what an earlier finding left there must not be blamed on this input.
            try? FileSystem.removeTree(LayerFuzzing.fixedBeside)
            try FileSystem.createDirectory(LayerFuzzing.fixedBeside)
            base = try FileSystem.makeTemporaryDirectory("podlab-fuzz-load")
            try FileSystem.createDirectory(base + "/beside")
            store = try ImageStore(root: base + "/store", ownership: .ignore)
        }

        /// Loads the bytes as `podman load` would; refusal is fine.
        func load(_ bytes: [UInt8]) {
            guard let reader = try? ArchiveReader(bytes: bytes, name: "fuzz.tar", format: .tar, limits: LoadFuzzing.limits) else { return }
            _ = try? store.load(from: reader)
        }

        /// What a load broke, if anything.
        func damage() -> FuzzFinding? {
            if FileSystem.list(base).sorted() != ["beside", "store"] {
                return FuzzFinding("the archive wrote beside the store: \(FileSystem.list(base))")
            }
            if !FileSystem.list(base + "/beside").isEmpty {
                return FuzzFinding("the archive wrote into a sibling of the store: \(FileSystem.list(base + "/beside"))")
            }
            if !FileSystem.list(LayerFuzzing.fixedBeside).isEmpty {
                return FuzzFinding("the archive wrote into \(LayerFuzzing.fixedBeside): \(FileSystem.list(LayerFuzzing.fixedBeside))")
            }
            if !FileSystem.list(store.root + "/tmp").isEmpty {
                return FuzzFinding("the load left its scratch area full: \(FileSystem.list(store.root + "/tmp"))")
            }
            do {
                let problems = try store.check()
                if !problems.isEmpty { return FuzzFinding("the archive's images break the store: \(problems)") }
            } catch {
                return FuzzFinding("the store cannot be read after the load: \(error)")
            }
            for digest in store.blobs.all() where (try? store.blobs.read(digest)) == nil {
                return FuzzFinding("the blob \(digest) does not hold what its name says")
            }
            return nil
        }

        func remove() { try? FileSystem.removeTree(base) }
    }
}
