import Foundation
import PodlabCore
import PodlabImages
import PodlabRegistryServer
import PodlabTestSupport
import Testing

/// The sandbox registry's seeding from the offline images: a tag it seeded follows a newer layout (an upgraded
/// podlab's fixed image), a tag a learner pushed over stays theirs. Layouts are made of the built fixtures'
/// busybox and hello-world, under ref names `REPOSITORY:TAG`.
@Suite struct SeedTests {
    let directory = TemporaryDirectory("podlab-seed")

    struct Image {
        var manifest: [UInt8]
        var digest: Digest
        var mediaType: String
        var blobs: [Digest]
    }

    func fixture(_ refName: String) throws -> Image {
        let layout = OCILayout(path: BuildProducts.fixtures)
        let entry = try #require(try layout.entries().first { $0.refName == refName }, "\(refName) in the fixtures")
        let manifest = try JSONCoding.decode(Manifest.self, from: entry.manifestBytes, what: refName)
        return Image(manifest: entry.manifestBytes, digest: entry.manifestDigest,
                     mediaType: manifest.mediaType ?? "application/vnd.oci.image.manifest.v1+json",
                     blobs: [manifest.config.digest] + manifest.layers.map(\.digest))
    }

    /// An OCI layout holding `images` under their ref names.
    func layout(_ name: String, _ images: [(String, Image)]) throws -> OCILayout {
        let path = directory.file(name)
        let fixtures = OCILayout(path: BuildProducts.fixtures)
        let layout = OCILayout(path: path)
        try FileSystem.createDirectory(path + "/blobs/sha256")
        try FileSystem.writeAtomically(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: path + "/oci-layout")
        var descriptors: [[String: Any]] = []
        for (refName, image) in images {
            try FileSystem.writeAtomically(image.manifest, to: layout.blobPath(image.digest))
            for blob in image.blobs where !FileSystem.exists(layout.blobPath(blob)) {
                try FileSystem.writeAtomically(try FileSystem.readFile(fixtures.blobPath(blob)), to: layout.blobPath(blob))
            }
            descriptors.append(["mediaType": image.mediaType, "digest": image.digest.description, "size": image.manifest.count,
                                "annotations": [OCILayout.refNameAnnotation: refName]])
        }
        let index: [String: Any] = ["schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": descriptors]
        try FileSystem.writeAtomically(Array(try JSONSerialization.data(withJSONObject: index)), to: path + "/index.json")
        return layout
    }

    static func place(_ refName: String) -> (repository: String, tag: String)? {
        guard let colon = refName.lastIndex(of: ":") else { return nil }
        return (String(refName[..<colon]), String(refName[refName.index(after: colon)...]))
    }

    @Test func seededTagsFollowANewerLayoutAndPushedTagsStay() throws {
        let busybox = try fixture("docker.io/library/busybox:latest")
        let hello = try fixture("docker.io/library/hello-world:latest")
        let storage = try RegistryStorage(root: directory.file("registry"))

        let first = try layout("first", [("app:1", busybox), ("app:2", hello)])
        #expect(try storage.seed(from: first, place: Self.place) == ["app:1", "app:2"])
        #expect(try storage.seed(from: first, place: Self.place) == [], "seeding the same layout again changes nothing")

        // A learner pushes their own image over app:2.
        _ = try storage.putManifest("app", .tag("2"), bytes: busybox.manifest, contentType: busybox.mediaType)

        let upgraded = try layout("upgraded", [("app:1", hello), ("app:2", hello), ("app:3", busybox)])
        #expect(try storage.seed(from: upgraded, place: Self.place) == ["app:1", "app:3"])
        #expect(storage.resolve("app", .tag("1")) == hello.digest, "the seeded tag follows the upgraded layout")
        #expect(storage.resolve("app", .tag("2")) == busybox.digest, "the learner's push stays")
        #expect(storage.resolve("app", .tag("3")) == busybox.digest)
    }

    @Test func tagsSeededBeforeTheRecordWasKeptAreLeftAlone() throws {
        let busybox = try fixture("docker.io/library/busybox:latest")
        let hello = try fixture("docker.io/library/hello-world:latest")
        let storage = try RegistryStorage(root: directory.file("registry"))
        #expect(try storage.seed(from: try layout("first", [("app:1", busybox)]), place: Self.place) == ["app:1"])
        #expect(unlink(directory.file("registry") + "/seeded.json") == 0, "control: the record was written")

        #expect(try storage.seed(from: try layout("upgraded", [("app:1", hello)]), place: Self.place) == [])
        #expect(storage.resolve("app", .tag("1")) == busybox.digest, "without a record the tag may be a learner's push")
    }
}
