import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// `rmi -a` and `image prune` take every image no container is made from, and keep the ones a container is: their
/// layers are that container's file system. (They took those too: the container then could not start.)
struct ImageRemovalTests {
    let directory = TemporaryDirectory("podlab-image-removal")
    var podman: Podman { Podman(root: directory.file("storage")) }

    func id(_ image: String) throws -> String {
        try podman("image", "inspect", "--format", "{{.Id}}", image).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func names() throws -> Set<String> {
        Set(try podman("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split(separator: "\n").map(String.init))
    }

    @Test func removeAllKeepsWhatAContainerUses() throws {
        #expect(try podman("pull", "-q", "busybox").status == 0)
        #expect(try podman("pull", "-q", "hello-world").status == 0)
        #expect(try podman("tag", "busybox", "localhost/box:1").status == 0)
        let busybox = try id("busybox"), hello = try id("hello-world")
        let container = try podman("create", "--name", "keep", "busybox", "echo", "still here").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)

        let remove = try podman("rmi", "-a")
        #expect(remove.status == 2, "\(remove)")
        #expect(remove.stderr.hasPrefix("Error: image used by \(container): image is in use by a container: consider listing external containers and force-removing image\n"), "\(remove)")
        #expect(remove.stdout == "Untagged: docker.io/library/hello-world:latest\nDeleted: \(hello)\n", "\(remove)")
        #expect(try names() == ["docker.io/library/busybox:latest", "localhost/box:1"])
        #expect(try podman("start", "keep").status == 0)
        #expect(try podman("wait", "keep").stdout == "0\n")
        #expect(try podman("logs", "keep").stdout == "still here\n")

        // Control: once the container is gone, -a takes the image with both its names.
        #expect(try podman("rm", "keep").status == 0)
        let again = try podman("rmi", "-a")
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.hasSuffix("Deleted: \(busybox)\n"), "\(again)")
        #expect(try names().isEmpty)
    }

    @Test func pruneKeepsWhatAContainerUses() throws {
        #expect(try podman("pull", "-q", "busybox").status == 0)
        #expect(try podman("pull", "-q", "hello-world").status == 0)
        let busybox = try id("busybox"), hello = try id("hello-world")
        #expect(try podman("create", "--name", "keep", "busybox", "echo", "still here").status == 0)

        let prune = try podman("image", "prune", "-a", "-f")
        #expect(prune.status == 0, "\(prune)")
        #expect(prune.stdout == "\(hello)\n", "\(prune)")
        #expect(try names() == ["docker.io/library/busybox:latest"])
        #expect(try podman("start", "keep").status == 0)
        #expect(try podman("wait", "keep").stdout == "0\n")

        // Control: without the container, the same prune takes it.
        #expect(try podman("rm", "keep").status == 0)
        #expect(try podman("image", "prune", "-a", "-f").stdout == "\(busybox)\n")
        #expect(try names().isEmpty)
    }

    /// `rmi -f` removes the containers made from the image first; one it cannot remove keeps the image, with that
    /// container's error (the image was removed anyway, and the container was left naming an image that was gone).
    /// An immutable file needs CAP_LINUX_IMMUTABLE: as root (CI) only.
    @Test(.enabled(if: geteuid() == 0)) func forcedRemovalKeepsAnImageWhoseContainerStays() throws {
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let container = try podman("create", "--name", "stuck", "busybox", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let pinned = directory.file("storage/containers/\(container)/pinned")
        #expect(FileManager.default.createFile(atPath: pinned, contents: Data()))
        let pin = try TestProcess.run(["chattr", "+i", pinned])
        try #require(pin.status == 0, "\(pin)")
        defer { _ = try? TestProcess.run(["chattr", "-i", pinned]) }

        let refused = try podman("rmi", "-f", "busybox")
        #expect(refused.status == 125 && refused.stderr.contains("pinned"), "\(refused)")
        #expect(try names() == ["docker.io/library/busybox:latest"], "the image stays with its container")
        #expect(try podman("ps", "-a", "--format", "{{.Names}}").stdout == "stuck\n")

        // The control: once the container can go, -f takes it and the image.
        #expect(try TestProcess.run(["chattr", "-i", pinned]).status == 0)
        let removed = try podman("rmi", "-f", "busybox")
        #expect(removed.status == 0, "\(removed)")
        #expect(try names().isEmpty)
        #expect(try podman("ps", "-a", "-q").stdout.isEmpty)
    }

    /// `rmi -f` removes the containers of the image it names, not those of an unnamed build-step image above it: that
    /// image stays with its container, as in podman (the store tells which image it asks about under its own lock).
    @Test func forcedRemovalLeavesAnUnnamedParentWithItsContainer() throws {
        let context = directory.file("context")
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try Data("FROM docker.io/library/busybox\nRUN touch /a\nRUN touch /b\n".utf8).write(to: URL(fileURLWithPath: context + "/Containerfile"))
        let build = try podman("build", "-t", "localhost/twostep:1", context)
        try #require(build.status == 0, "\(build)")
        let child = try id("localhost/twostep:1")
        let parent = try podman("image", "inspect", "--format", "{{.Parent}}", "localhost/twostep:1").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(parent.count == 64, "the build left its step image: \(parent)")
        #expect(try podman("create", "--name", "onparent", parent, "true").status == 0)
        #expect(try podman("create", "--name", "onchild", "localhost/twostep:1", "true").status == 0)

        let removed = try podman("rmi", "-f", "localhost/twostep:1")
        #expect(removed.status == 0, "\(removed)")
        #expect(removed.stdout == "Untagged: localhost/twostep:1\nDeleted: \(child)\n", "\(removed)")
        #expect(try podman("ps", "-a", "--format", "{{.Names}}").stdout == "onparent\n")
        #expect(try podman("image", "inspect", "--format", "{{.Id}}", parent).stdout == parent + "\n")
        #expect(try podman("start", "onparent").status == 0)
        #expect(try podman("wait", "onparent").stdout == "0\n")
    }
}
