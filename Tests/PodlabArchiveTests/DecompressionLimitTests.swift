import PodlabArchive
import PodlabCore
import PodlabTestSupport
import Testing

/// Layers that expand far beyond their download, hold too many entries, or use a compression their
/// media type does not name. Each case is applied once within the limits (the control: the layer is
/// otherwise fine) and once beyond them, where podlab's own error must stop it.
@Suite struct DecompressionLimitTests {
    /// 1 MiB floor, 10× expansion, 20 entries: small enough to cross in a test.
    static let tight = ArchiveLimits(expansionRatio: 10, floorBytes: 1 << 20, maximumEntries: 20)

    @Test func aLayerThatExpandsBeyondItsRatioIsRefused() throws {
        let fixture = try LayerFixture()
        // 8 MiB of one letter compresses to a few KiB: ~1000×.
        let bomb = try fixture.layer([(file("zeros"), String(repeating: "a", count: 8 << 20))], compression: .gzip)
        #expect(bomb.count < 64 << 10)

        let control = try LayerApplier.apply(layerBytes: bomb, name: "sha256:control", onto: fixture.root, ownership: .ignore)
        #expect(control.uncompressedSize > 8 << 20)

        let other = try LayerFixture()
        #expect {
            try LayerApplier.apply(layerBytes: bomb, name: "sha256:bomb", onto: other.root, ownership: .ignore, limits: Self.tight)
        } throws: { error in
            guard case .exceedsLimit(let source, let detail) = error as? ArchiveError else { return false }
            return source == "sha256:bomb" && detail.contains("expands to more than 1048576 bytes")
        }
    }

    @Test func aStreamWithinTheFloorIsAcceptedWhateverItsRatio() throws {
        let fixture = try LayerFixture()
        let small = try fixture.layer([(file("zeros"), String(repeating: "a", count: 512 << 10))], compression: .gzip)
        let result = try LayerApplier.apply(layerBytes: small, name: "sha256:small", onto: fixture.root, ownership: .ignore, limits: Self.tight)
        #expect(result.entryCount == 1)
    }

    @Test func aLayerWithTooManyEntriesIsRefused() throws {
        let fixture = try LayerFixture()
        let many = try fixture.layer((0..<30).map { (file("f\($0)"), "x") })
        let control = try LayerApplier.apply(layerBytes: many, name: "sha256:control", onto: fixture.root, ownership: .ignore)
        #expect(control.entryCount == 30)

        let other = try LayerFixture()
        #expect {
            try LayerApplier.apply(layerBytes: many, name: "sha256:many", onto: other.root, ownership: .ignore, limits: Self.tight)
        } throws: { error in
            guard case .exceedsLimit(_, let detail) = error as? ArchiveError else { return false }
            return detail == "it holds more than 20 entries"
        }
    }

    @Test func onlyTheCompressionTheMediaTypeNamesIsUndone() throws {
        let fixture = try LayerFixture()
        let zstd = try fixture.layer([(file("hello"), "hi\n")], compression: .zstd)
        // A tar+gzip layer whose bytes are zstd is not read as zstd.
        #expect(throws: ArchiveError.self) {
            try LayerApplier.apply(layerBytes: zstd, name: "sha256:mislabelled", onto: fixture.root, ownership: .ignore, accepting: [.gzip])
        }
        #expect(FileSystem.list(fixture.root).isEmpty)
        _ = try LayerApplier.apply(layerBytes: zstd, name: "sha256:zstd", onto: fixture.root, ownership: .ignore, accepting: [.zstd])
        #expect(fixture.contents("hello") == "hi\n")
        // A plain tar is read under any media type.
        let other = try LayerFixture()
        _ = try LayerApplier.apply(layerBytes: try other.layer([(file("plain"), "p")]), name: "sha256:plain", onto: other.root,
                               ownership: .ignore, accepting: [.gzip])
        #expect(other.contents("plain") == "p")
    }

    @Test func theCeilingNeverOverflows() {
        #expect(ArchiveLimits.standard.ceiling(forCompressed: Int64.max / 2) == Int64.max)
        #expect(ArchiveLimits.standard.ceiling(forCompressed: 0) == 512 << 20)
        #expect(ArchiveLimits.standard.ceiling(forCompressed: 10 << 20) == 1000 << 20)
    }
}
