import PodlabArchive
import PodlabCore
import PodlabImages
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The image store on its own: imports verified, names moved, removal and garbage collection.
@Suite struct ImageStoreTests {
    @Test func importedImageIsListedWithItsLayersUnpacked() throws {
        let fixture = try StoreFixture()
        let image = try fixture.pull("docker.io/library/busybox:latest")
        let listed = try fixture.store.images()
        #expect(listed.map(\.id) == [image.id])
        #expect(image.names == ["docker.io/library/busybox:latest"])
        #expect(image.size > 1_000_000)
        let rootfs = try #require(image.topLayer.map { fixture.store.layers.path(for: $0) })
        #expect(FileSystem.exists("\(rootfs)/bin/busybox"))
        var info = stat()
        #expect(lstat("\(rootfs)/bin/sh", &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK)
        // The config is the image id: reading it back verifies its digest.
        #expect(try fixture.store.config(of: image).config?.Cmd == ["sh"])
    }

    @Test func resolvesNamesShortNamesAndIDs() throws {
        let fixture = try StoreFixture()
        let nginx = try fixture.pull("docker.io/library/nginx:1.24")
        for query in ["nginx:1.24", "docker.io/library/nginx:1.24", "library/nginx:1.24", nginx.id.hex, String(nginx.id.hex.prefix(12)),
                      "sha256:\(nginx.id.hex)"] {
            #expect(try fixture.store.resolve(query).id == nginx.id, "query \(query)")
        }
        #expect(throws: ImageError.notKnown("nginx")) { try fixture.store.resolve("nginx") }
        #expect(throws: ImageError.notKnown("nginx:9")) { try fixture.store.resolve("nginx:9") }
    }

    @Test func tagMovesANameAndRemovalUntagsThenDeletes() throws {
        let fixture = try StoreFixture()
        let busybox = try fixture.pull("docker.io/library/busybox:latest")
        let hello = try fixture.pull("docker.io/library/hello-world:latest")
        try fixture.store.tag("busybox", as: try ImageReference(parsing: "localhost/shared:v1"))
        try fixture.store.tag("hello-world", as: try ImageReference(parsing: "localhost/shared:v1"))
        #expect(try fixture.store.resolve("localhost/shared:v1").id == hello.id)
        #expect(try fixture.store.resolve(busybox.id.hex).names == ["docker.io/library/busybox:latest"])

        // By id with two names: refused unless forced, as podman does.
        #expect(throws: ImageError.self) { try fixture.store.remove(hello.id.hex, force: false) }
        let untag = try fixture.store.remove("localhost/shared:v1", force: false)
        #expect(untag.untagged == ["localhost/shared:v1"] && untag.deleted == nil)
        let delete = try fixture.store.remove("hello-world", force: false)
        #expect(delete.deleted == hello.id)
        #expect(!fixture.store.blobs.contains(hello.id))
        #expect(hello.layers.allSatisfy { !fixture.store.layers.contains($0.chainID) })
        #expect(busybox.layers.allSatisfy { fixture.store.layers.contains($0.chainID) })
    }

    @Test func imageInUseIsNotRemovedWithoutForce() throws {
        let fixture = try StoreFixture()
        let image = try fixture.pull("docker.io/library/busybox:latest")
        #expect(throws: ImageError.inUse(image: image.id.hex, containers: ["c0ffee"])) {
            try fixture.store.remove("busybox", force: false, containersUsing: { _, _ in ["c0ffee"] })
        }
        #expect(try fixture.store.remove("busybox", force: true, containersUsing: { _, _ in ["c0ffee"] }).deleted == image.id)
    }

    @Test func blobWithWrongDigestIsRefusedAndNotStored() throws {
        let fixture = try StoreFixture()
        let bytes = Array("not what the manifest promised".utf8)
        let claimed = Digest.sha256(of: Array("something else".utf8))
        let file = fixture.directory.file("blob")
        try FileSystem.writeAtomically(bytes, to: file)
        #expect(throws: DigestError.self) {
            try fixture.store.blobs.ingest(file: file, expected: Descriptor(mediaType: MediaType.ociLayer, digest: claimed, size: Int64(bytes.count)), what: "layer")
        }
        #expect(!fixture.store.blobs.contains(claimed))
        #expect(!fixture.store.blobs.contains(Digest.sha256(of: bytes)))
    }

    @Test func tamperedLayerInASourceIsRefusedAndNothingIsListed() throws {
        let fixture = try StoreFixture()
        // Copy the fixture layout, then change one byte of the hello-world layer.
        let copy = fixture.directory.file("layout")
        try TestProcess.run(["cp", "-a", BuildProducts.fixtures, copy])
        let layout = OCILayout(path: copy)
        let entry = try #require(try layout.entries().first { $0.refName == "docker.io/library/hello-world:latest" })
        let manifest = try JSONCoding.decode(Manifest.self, from: entry.manifestBytes, what: "manifest")
        let layerPath = layout.blobPath(manifest.layers[0].digest)
        var bytes = try FileSystem.readFile(layerPath)
        bytes[bytes.count / 2] ^= 0xff
        try FileSystem.writeAtomically(bytes, to: layerPath)
        #expect(throws: DigestError.self) {
            try fixture.store.importImage(manifestBytes: entry.manifestBytes, expectedDigest: entry.manifestDigest, source: layout,
                                          names: [try ImageReference(parsing: "hello-world")])
        }
        #expect(try fixture.store.images().isEmpty)
        #expect(!fixture.store.blobs.contains(manifest.layers[0].digest))
    }

    @Test func manifestWithWrongDigestIsRefused() throws {
        let fixture = try StoreFixture()
        let entry = try #require(try fixture.catalog.entry(for: try ImageReference(parsing: "busybox")))
        var tampered = entry.manifestBytes
        tampered.append(0x20)
        #expect(throws: DigestError.self) {
            try fixture.store.importImage(manifestBytes: tampered, expectedDigest: entry.manifestDigest, source: fixture.catalog.layout,
                                          names: [try ImageReference(parsing: "busybox")])
        }
    }

    @Test func garbageCollectionRemovesLeftoversOfInterruptedImports() throws {
        let fixture = try StoreFixture()
        let image = try fixture.pull("docker.io/library/busybox:latest")
        let orphan = try fixture.store.blobs.put(Array("an orphan blob".utf8))
        try FileSystem.createDirectory(fixture.directory.file("storage/tmp/layer-12345-1/usr"))
        fixture.store.collectGarbage()
        #expect(!fixture.store.blobs.contains(orphan))
        #expect(FileSystem.list(fixture.directory.file("storage/tmp")).isEmpty)
        #expect(fixture.store.blobs.contains(image.id))
        #expect(try fixture.store.images().count == 1)
    }

    /// A build or pull holds off garbage collection while its files wait in the scratch area: across processes (a
    /// second store on the same directory locks through a descriptor of its own, as another podlab would), past an
    /// import nested inside the hold, and in the holding store itself. Once the hold ends, the same collection
    /// takes the leftover (the control).
    @Test func garbageCollectionWaitsForWorkInProgress() throws {
        let fixture = try StoreFixture()
        let other = try ImageStore(root: fixture.store.root)
        let scratch = fixture.directory.file("storage/tmp/build-layer-1-2")
        try fixture.store.beginIngest()
        try FileSystem.createDirectory(fixture.directory.file("storage/tmp"))
        try FileSystem.writeAtomically(Array("a layer not listed yet".utf8), to: scratch)
        _ = other.collectGarbage()
        #expect(FileSystem.exists(scratch), "another descriptor collected during the hold")
        try fixture.pull("docker.io/library/busybox:latest")
        _ = other.collectGarbage()
        #expect(FileSystem.exists(scratch), "the import inside the hold ended it")
        _ = fixture.store.collectGarbage()
        #expect(FileSystem.exists(scratch), "the holding store collected under its own hold")
        fixture.store.endIngest()
        _ = other.collectGarbage()
        #expect(!FileSystem.exists(scratch))
        #expect(try fixture.store.images().count == 1)
    }
}
