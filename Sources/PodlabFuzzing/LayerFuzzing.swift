import PodlabArchive
import PodlabCore

/// Applies bytes as a layer onto a fresh scratch root beside an empty sibling directory: whatever the layer
/// holds, nothing may appear beside the root or in the sibling, nor in `/tmp/podlab-fuzz-beside`, a fixed
/// absolute path the seed corpus points links at (the scratch root's own name cannot be guessed by an input).
enum LayerFuzzing {
    static let fixedBeside = "/tmp/podlab-fuzz-beside"
    static let limits = ArchiveLimits(expansionRatio: 100, floorBytes: 64 << 20, maximumEntries: 10_000)

    static func apply(_ bytes: [UInt8]) -> FuzzFinding? {
        // Emptied first: what an earlier finding left there must not be blamed on this input.
        try? FileSystem.removeTree(fixedBeside)
        let base: String
        do { base = try FileSystem.makeTemporaryDirectory("podlab-fuzz-layer") } catch {
            return FuzzFinding("cannot make a scratch directory: \(error)")
        }
        defer { try? FileSystem.removeTree(base) }
        let root = base + "/root", beside = base + "/beside"
        do {
            try FileSystem.createDirectory(fixedBeside)
            try FileSystem.createDirectory(root)
            try FileSystem.createDirectory(beside)
        } catch {
            return FuzzFinding("cannot prepare \(base): \(error)")
        }
        _ = try? LayerApplier.apply(layerBytes: bytes, name: "fuzz", onto: root, ownership: .ignore,
                                    accepting: [.gzip, .zstd], limits: limits)
        return escape(base: base)
    }

    /// What appeared outside the root of a scratch directory made by `apply`, if anything.
    static func escape(base: String) -> FuzzFinding? {
        if FileSystem.list(base).sorted() != ["beside", "root"] {
            return FuzzFinding("the layer wrote beside the root: \(FileSystem.list(base))")
        }
        if !FileSystem.list(base + "/beside").isEmpty {
            return FuzzFinding("the layer wrote into a sibling of the root: \(FileSystem.list(base + "/beside"))")
        }
        if !FileSystem.list(fixedBeside).isEmpty {
            return FuzzFinding("the layer wrote into \(fixedBeside): \(FileSystem.list(fixedBeside))")
        }
        return nil
    }
}
