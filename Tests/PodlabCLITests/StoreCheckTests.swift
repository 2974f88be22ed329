import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// The image store keeps every blob a listed image names, whatever forms of the same image arrive, and
/// `podlab store check [--repair]` finds and mends a store where that does not hold.
struct StoreCheckTests {
    let directory = TemporaryDirectory("podlab-store-check")
    var podman: Podman { Podman(root: directory.file("storage")) }

    func store(_ arguments: String...) throws -> ProcessResult {
        try TestProcess.run([BuildProducts.podlab, "store"] + arguments, environment: podman.environment)
    }

    /// The report's case: the same image (same config) pulled compressed and loaded uncompressed, a removal that
    /// collects garbage, then a push of it, which read a blob the store had taken away.
    @Test func theSameImageInTwoFormsKeepsEveryBlobItNames() throws {
        let server = try Registries.podlab(in: directory.path)
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let archive = directory.file("busybox.tar")
        #expect(try podman("save", "-o", archive, "busybox").status == 0)
        let load = try podman("load", "-i", archive)
        #expect(load.status == 0 && load.stdout == "Loaded image: docker.io/library/busybox:latest\n", "\(load)")
        #expect(try podman("pull", "-q", "hello-world").status == 0)
        #expect(try podman("rmi", "hello-world").status == 0, "a removal collects garbage")
        let check = try store("check")
        #expect(check.status == 0 && check.stdout == "the image store is sound (1 images)\n", "\(check)")

        let target = "127.0.0.1:\(server.port)/bars/box:1"
        let push = try podman("push", "--tls-verify=false", "busybox", target)
        #expect(push.status == 0, "\(push)")
        let other = Podman(root: directory.file("other"))
        #expect(try other("pull", "-q", "--tls-verify=false", target).status == 0)
        #expect(try other("run", "--rm", target, "echo", "whole").stdout == "whole\n")
    }

    /// A store as an older podlab left it (the record's layers and its manifest disagree, a blob gone): check
    /// reports it (exit 1), --repair writes a manifest naming what is there, and the image works again.
    @Test func checkFindsAndRepairMendsABrokenImage() throws {
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let index = directory.file("storage") + "/images.json"
        var json = try String(contentsOfFile: index, encoding: .utf8)
        let manifestDigest = try podman("image", "inspect", "--format", "{{.Digest}}", "busybox").stdout.trimmed()
        let manifestPath = directory.file("storage") + "/blobs/sha256/" + manifestDigest.dropFirst("sha256:".count)
        // The manifest now names a layer blob the store does not have (what the old import left).
        let manifest = try String(contentsOfFile: manifestPath, encoding: .utf8)
        let object = try JSONSerialization.jsonObject(with: Data(manifest.utf8)) as? [String: Any]
        let layer = try #require(((object?["layers"] as? [[String: Any]])?.first?["digest"]) as? String)
        let missing = "sha256:" + String(repeating: "0", count: 64)
        let broken = manifest.replacingOccurrences(of: layer, with: missing)
        let brokenDigest = "sha256:" + Digest.sha256(of: Array(broken.utf8)).hex
        try Data(broken.utf8).write(to: URL(fileURLWithPath: directory.file("storage") + "/blobs/sha256/" + brokenDigest.dropFirst(7)))
        json = json.replacingOccurrences(of: manifestDigest, with: brokenDigest)
        try Data(json.utf8).write(to: URL(fileURLWithPath: index))

        let check = try store("check")
        #expect(check.status == 1, "\(check)")
        #expect(check.stdout.contains("its manifest's layers differ from the layers it lists")
                && check.stdout.contains("layer blob \(missing) is missing"), "\(check)")
        let repair = try store("check", "--repair")
        #expect(repair.status == 0 && repair.stdout.hasPrefix("repaired image ") && repair.stdout.hasSuffix("the image store is sound (1 images)\n"),
                "\(repair)")
        #expect(try podman("run", "--rm", "busybox", "echo", "mended").stdout == "mended\n")
        #expect(try podman("save", "-o", directory.file("again.tar"), "busybox").status == 0)
    }
}
