import PodlabArchive
import PodlabCore
@testable import PodlabImages
import PodlabTestSupport
import Testing

/// save and load: both archive formats, several images in one archive, ids kept, bad input refused.
@Suite struct ImageArchiveTests {
    func roundTrip(_ format: ImageArchiveFormat) throws {
        let source = try StoreFixture()
        let busybox = try source.pull("docker.io/library/busybox:latest")
        let hello = try source.pull("docker.io/library/hello-world:latest")
        let archive = source.directory.file("images.tar")
        let writer = try ArchiveWriter(path: archive, compression: .none)
        try source.store.save([ImageToSave(image: busybox, names: busybox.names), ImageToSave(image: hello, names: hello.names)],
                              format: format, to: writer)

        let target = try StoreFixture()
        let loaded = try target.store.load(from: try ImageStore.openArchive(path: archive))
        #expect(loaded.map(\.image.id) == [busybox.id, hello.id])
        #expect(loaded.flatMap(\.names) == ["docker.io/library/busybox:latest", "docker.io/library/hello-world:latest"])
        let again = try target.store.resolve("busybox")
        #expect(again.id == busybox.id)
        #expect(again.size == busybox.size)
        let rootfs = try #require(again.topLayer.map { target.store.layers.path(for: $0) })
        #expect(FileSystem.exists("\(rootfs)/bin/busybox"))
    }

    @Test func ociArchiveRoundTrip() throws { try roundTrip(.ociArchive) }
    @Test func dockerArchiveRoundTrip() throws { try roundTrip(.dockerArchive) }

    @Test func compressedArchivesLoadToo() throws {
        let source = try StoreFixture()
        let hello = try source.pull("docker.io/library/hello-world:latest")
        let archive = source.directory.file("hello.tar.gz")
        try source.store.save([ImageToSave(image: hello, names: hello.names)], format: .dockerArchive,
                              to: try ArchiveWriter(path: archive, compression: .gzip))
        let target = try StoreFixture()
        #expect(try target.store.load(from: try ImageStore.openArchive(path: archive)).first?.image.id == hello.id)
    }

    @Test func unnamedImageLoadsWithoutNames() throws {
        let source = try StoreFixture()
        let hello = try source.pull("docker.io/library/hello-world:latest")
        let archive = source.directory.file("byid.tar")
        try source.store.save([ImageToSave(image: hello, names: [])], format: .ociArchive, to: try ArchiveWriter(path: archive, compression: .none))
        let target = try StoreFixture()
        let loaded = try target.store.load(from: try ImageStore.openArchive(path: archive))
        #expect(loaded.first?.names == [])
        #expect(try target.store.images().first?.names == [])
    }

    @Test func notAnArchiveIsRefusedClearly() throws {
        let fixture = try StoreFixture()
        let junk = fixture.directory.file("junk.tar")
        try FileSystem.writeAtomically(Array(String(repeating: "no tar here ", count: 100).utf8), to: junk)
        #expect(throws: ImageError.self) { try fixture.store.load(from: try ImageStore.openArchive(path: junk)) }
        // A real tar that is not an image archive.
        let plain = fixture.directory.file("plain.tar")
        let writer = try ArchiveWriter(path: plain, compression: .none)
        try writer.add(ArchiveEntry(path: "README", kind: .regular), data: Array("hi".utf8))
        try writer.close()
        do {
            _ = try fixture.store.load(from: try ImageStore.openArchive(path: plain))
            Issue.record("loaded a tar that holds no image")
        } catch let error as ImageError {
            #expect(error.message.contains("payload does not match any of the supported image formats"))
        }
        #expect(try fixture.store.images().isEmpty)
    }

    @Test func dockerArchiveWithMissingLayerLeavesNothing() throws {
        let fixture = try StoreFixture()
        let archive = fixture.directory.file("broken.tar")
        let writer = try ArchiveWriter(path: archive, compression: .none)
        let config = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:\#(String(repeating: "0", count: 64))"]}}"#.utf8)
        try writer.add(ArchiveEntry(path: "config.json", kind: .regular), data: config)
        try writer.add(ArchiveEntry(path: "manifest.json", kind: .regular),
                       data: Array(#"[{"Config":"config.json","RepoTags":["localhost/broken:1"],"Layers":["missing.tar"]}]"#.utf8))
        try writer.close()
        #expect(throws: ImageError.self) { try fixture.store.load(from: try ImageStore.openArchive(path: archive)) }
        #expect(try fixture.store.images().isEmpty)
    }

    /// Member names are bytes, split at `/` as podman splits them: a `/` followed by a combining mark (one Swift
    /// Character with it) still separates two components, so `..` after it climbs out of the right one.
    @Test func memberNamesAreSplitAtSlashBytes() {
        #expect(ArchiveMembers.normalize("./a//b/../c") == "a/c")
        #expect(ArchiveMembers.normalize("../../etc/passwd") == "etc/passwd")
        #expect(ArchiveMembers.normalize("x/\u{301}y/../layer.tar") == "x/layer.tar")
        #expect(ArchiveMembers.normalize("./\u{301}b").utf8.elementsEqual("\u{301}b".utf8))
        #expect(ArchiveMembers.symlinkTarget(of: "a1/layer.tar", pointingAt: "../b2/layer.tar") == "b2/layer.tar")
        #expect(ArchiveMembers.symlinkTarget(of: "layer.tar", pointingAt: "../../x") == "x")
        #expect(ArchiveMembers.symlinkTarget(of: "a/\u{301}b", pointingAt: "c") == "a/c")
    }
}
