import PodlabArchive
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Applies bytes as a layer onto a fresh scratch root beside an empty sibling directory: whatever the layer
/// holds, nothing may appear beside the root or in the sibling, nor in `/tmp/podlab-fuzz-beside`, a fixed
/// absolute path the seed corpus points links at (the scratch root's own name cannot be guessed by an input).
enum LayerFuzzing {
    static let fixedBeside = "/tmp/podlab-fuzz-beside"

    static func apply(_ bytes: [UInt8]) {
        if !FileSystem.exists(fixedBeside) { try? FileSystem.createDirectory(fixedBeside) }
        var template = Array("/tmp/podlab-fuzz-layer-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
            FuzzFinding.require(false, "cannot make a scratch directory: errno \(errno)")
            return
        }
        let base = String(cString: made)
        defer { try? FileSystem.removeTree(base) }
        let root = base + "/root", beside = base + "/beside"
        do {
            try FileSystem.createDirectory(root)
            try FileSystem.createDirectory(beside)
        } catch {
            FuzzFinding.require(false, "cannot prepare \(base): \(error)")
        }
        let limits = ArchiveLimits(expansionRatio: 100, floorBytes: 64 << 20, maximumEntries: 10_000)
        _ = try? LayerApplier.apply(layerBytes: bytes, name: "fuzz", onto: root, ownership: .ignore,
                                    accepting: [.gzip, .zstd], limits: limits)
        FuzzFinding.require(FileSystem.list(base).sorted() == ["beside", "root"], "the layer wrote beside the root: \(FileSystem.list(base))")
        FuzzFinding.require(FileSystem.list(beside).isEmpty, "the layer wrote into a sibling of the root: \(FileSystem.list(beside))")
        FuzzFinding.require(FileSystem.list(fixedBeside).isEmpty, "the layer wrote into \(fixedBeside): \(FileSystem.list(fixedBeside))")
    }
}
