import PodlabArchive
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Ordinary layers: whiteouts as the OCI image spec defines them, metadata kept, diff ids right.
@Suite struct LayerApplyTests {
    @Test func whiteoutRemovesLowerFileOnly() throws {
        let fixture = try LayerFixture()
        try fixture.apply([(directory("etc"), ""), (file("etc/old"), "lower"), (file("etc/keep"), "lower")])
        try fixture.apply([(file("etc/.wh.old"), ""), (file("etc/new"), "upper")])
        #expect(FileSystem.list("\(fixture.root)/etc") == ["keep", "new"])
    }

    @Test func whiteoutOfADirectoryRemovesItsTree() throws {
        let fixture = try LayerFixture()
        try fixture.apply([(directory("var"), ""), (directory("var/cache"), ""), (file("var/cache/a"), "x"), (file("var/cache/b"), "y")])
        try fixture.apply([(file("var/.wh.cache"), "")])
        #expect(FileSystem.list("\(fixture.root)/var") == [])
    }

    @Test func opaqueDirectoryHidesLowerContentWhateverTheTarOrder() throws {
        let fixture = try LayerFixture()
        try fixture.apply([(directory("d"), ""), (file("d/old"), "lower"), (directory("d/sub"), ""), (file("d/sub/lower"), "lower")])
        // The marker comes after its siblings in this tar.
        try fixture.apply([(file("d/new"), "upper"), (file("d/sub/upper"), "upper"), (file("d/.wh..wh..opq"), "")])
        #expect(FileSystem.list("\(fixture.root)/d") == ["new", "sub"])
        #expect(FileSystem.list("\(fixture.root)/d/sub") == ["upper"])

        let before = try LayerFixture()
        try before.apply([(directory("d"), ""), (file("d/old"), "lower")])
        try before.apply([(directory("d"), ""), (file("d/.wh..wh..opq"), ""), (file("d/new"), "upper")])
        #expect(FileSystem.list("\(before.root)/d") == ["new"])
    }

    /// Every directory descriptor opened while applying is closed again. (The parent of each resolved
    /// directory was left open: thousands per image, until a command ran out of descriptors.)
    @Test func applyingLeavesNoDescriptorOpen() throws {
        let fixture = try LayerFixture()
        var entries: [(ArchiveEntry, String)] = [(directory("usr"), ""), (directory("usr/share"), "")]
        for index in 0..<50 {
            entries.append((directory("usr/share/d\(index)"), ""))
            entries.append((file("usr/share/d\(index)/f"), "x"))
            entries.append((file("top\(index)"), "y"))
        }
        try fixture.apply(entries)
        try fixture.apply([(file("usr/share/d1/.wh.f"), ""), (file("usr/share/d2/g"), "z")])
        let open = FileSystem.list("/proc/self/fd").map { name in
            var buffer = [CChar](repeating: 0, count: 4096)
            let count = readlink("/proc/self/fd/\(name)", &buffer, buffer.count - 1)
            return count > 0 ? String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        }
        #expect(open.filter { $0.hasPrefix(fixture.root) }.isEmpty, "\(open.filter { $0.hasPrefix(fixture.root) })")
    }

    @Test func modesTimesAndLinksAreKept() throws {
        let fixture = try LayerFixture()
        try fixture.apply([
            (directory("bin", mode: 0o555), ""), (file("bin/tool", mode: 0o4755), "#!/bin/sh\n"),
            (symlink("bin/alias", to: "tool"), ""), (hardlink("bin/same", to: "bin/tool"), ""),
            (directory("tmp", mode: 0o1777), ""),
        ])
        var info = stat()
        #expect(stat("\(fixture.root)/bin/tool", &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o4755)
        #expect(info.st_mtim.tv_sec == 1_700_000_000)
        #expect(info.st_nlink == 2)
        #expect(stat("\(fixture.root)/bin", &info) == 0 && info.st_mode & 0o7777 == 0o555)
        #expect(info.st_mtim.tv_sec == 1_700_000_000)
        #expect(stat("\(fixture.root)/tmp", &info) == 0 && info.st_mode & 0o7777 == 0o1777)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("\(fixture.root)/bin/alias", &buffer, 63)
        #expect(count == 4)
        // A later layer can still write into the read-only directory, and its mode survives.
        try fixture.apply([(file("bin/more"), "x")])
        #expect(FileSystem.list("\(fixture.root)/bin") == ["alias", "more", "same", "tool"])
        #expect(stat("\(fixture.root)/bin", &info) == 0 && info.st_mode & 0o7777 == 0o555)
    }

    @Test(arguments: [ArchiveWriter.Compression.none, .gzip, .zstd])
    func diffIDIsTheDigestOfTheUncompressedTar(compression: ArchiveWriter.Compression) throws {
        let fixture = try LayerFixture()
        let entries = [(directory("app"), ""), (file("app/index.html"), "<h1>hello</h1>\n")]
        let plain = try fixture.layer(entries)
        let packed = try fixture.layer(entries, compression: compression)
        if compression != .none { #expect(packed != plain) }
        let result = try LayerApplier.apply(layerBytes: packed, name: "layer", onto: fixture.root, ownership: .ignore)
        #expect(result.diffID == Digest.sha256(of: plain))
        #expect(result.uncompressedSize == Int64(plain.count))
        #expect(fixture.contents("app/index.html") == "<h1>hello</h1>\n")
    }

    @Test func ownersAreShiftedIntoTheMappedRange() throws {
        guard geteuid() == 0 else { return }  // Changing owners needs root; the rootless store ignores owners.
        let fixture = try LayerFixture()
        var owned = file("owned")
        owned.uid = 33
        owned.gid = 33
        _ = try LayerApplier.apply(layerBytes: try fixture.layer([(owned, "www")]), name: "l", onto: fixture.root,
                               ownership: .shift(offset: 1_000_000_000, count: 65536))
        var info = stat()
        #expect(stat("\(fixture.root)/owned", &info) == 0)
        #expect(info.st_uid == 1_000_000_033 && info.st_gid == 1_000_000_033)
        var outside = file("outside")
        outside.uid = 70000
        #expect(throws: ArchiveError.self) {
            try LayerApplier.apply(layerBytes: try fixture.layer([(outside, "x")]), name: "l", onto: fixture.root,
                                   ownership: .shift(offset: 1_000_000_000, count: 65536))
        }
    }

    @Test func garbageIsAnUnreadableArchive() throws {
        let fixture = try LayerFixture()
        #expect(throws: ArchiveError.self) {
            try LayerApplier.apply(layerBytes: Array("this is not a tar archive at all, just words".utf8), name: "junk",
                                   onto: fixture.root, ownership: .ignore)
        }
    }
}
