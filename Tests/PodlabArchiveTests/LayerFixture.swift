import Foundation
import PodlabArchive
import PodlabCore
import PodlabTestSupport
import Testing

/// A target directory with a victim directory beside it, and helpers to build and apply layers.
final class LayerFixture {
    let directory = TemporaryDirectory("podlab-layer")
    var root: String { directory.file("root") }
    var victim: String { directory.file("victim") }
    static let secret = Array("the victim's secret, untouched\n".utf8)

    init() throws {
        try FileSystem.createDirectory(root)
        try FileSystem.createDirectory(victim)
        try FileSystem.writeAtomically(LayerFixture.secret, to: "\(victim)/secret")
    }

    /// A tar (optionally compressed) with the given entries, as bytes.
    func layer(_ entries: [(ArchiveEntry, String)], compression: ArchiveWriter.Compression = .none) throws -> [UInt8] {
        let path = directory.file("layer-\(UInt32.random(in: 0...UInt32.max)).tar")
        let writer = try ArchiveWriter(path: path, compression: compression)
        for (entry, text) in entries { try writer.add(entry, data: Array(text.utf8)) }
        try writer.close()
        defer { unlink(path) }
        return try FileSystem.readFile(path)
    }

    @discardableResult
    func apply(_ entries: [(ArchiveEntry, String)], name: String = "test-layer") throws -> LayerApplyResult {
        try LayerApplier.apply(layerBytes: try layer(entries), name: name, onto: root, ownership: .ignore)
    }

    /// The victim directory holds exactly its secret, and nothing was created beside root and victim.
    func expectVictimUntouched(sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(FileSystem.list(victim) == ["secret"], sourceLocation: sourceLocation)
        #expect(try FileSystem.readFile("\(victim)/secret") == LayerFixture.secret, sourceLocation: sourceLocation)
        #expect(FileSystem.list(directory.path).filter { !$0.hasPrefix("layer-") } == ["root", "victim"], sourceLocation: sourceLocation)
    }

    func contents(_ relative: String) -> String? {
        (try? FileSystem.readFile("\(root)/\(relative)")).map { String(decoding: $0, as: UTF8.self) }
    }
}

func file(_ path: String, mode: UInt32 = 0o644) -> ArchiveEntry {
    ArchiveEntry(path: path, kind: .regular, permissions: mode, modificationTime: 1_700_000_000)
}

func directory(_ path: String, mode: UInt32 = 0o755) -> ArchiveEntry {
    ArchiveEntry(path: path, kind: .directory, permissions: mode, modificationTime: 1_700_000_000)
}

func symlink(_ path: String, to target: String) -> ArchiveEntry {
    ArchiveEntry(path: path, kind: .symlink, permissions: 0o777, modificationTime: 1_700_000_000, linkTarget: target)
}

func hardlink(_ path: String, to target: String) -> ArchiveEntry {
    ArchiveEntry(path: path, kind: .hardlink, permissions: 0o644, modificationTime: 1_700_000_000, linkTarget: target)
}

/// Asserts that applying fails with a refusal naming the layer and the entry.
func expectRefused(_ fixture: LayerFixture, _ entries: [(ArchiveEntry, String)], entry: String,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    do {
        try fixture.apply(entries, name: "sha256:hostile")
        Issue.record("the layer was applied, but it should have been refused", sourceLocation: sourceLocation)
    } catch let error as ArchiveError {
        guard case .refused(let layer, let refusedEntry, _) = error else {
            Issue.record("expected a refusal, got \(error.message)", sourceLocation: sourceLocation)
            return
        }
        #expect(layer == "sha256:hostile", sourceLocation: sourceLocation)
        #expect(refusedEntry == entry, sourceLocation: sourceLocation)
        #expect(error.message.contains(entry), sourceLocation: sourceLocation)
    }
    try fixture.expectVictimUntouched(sourceLocation: sourceLocation)
}
