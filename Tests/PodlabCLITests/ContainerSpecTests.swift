import Foundation
import PodlabCore
import PodlabRuntime
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `create` resolves a container once into `containers/<id>/spec.json`; its monitor runs from that file.
struct ContainerSpecTests {
    let directory = TemporaryDirectory("podlab-spec")
    var podman: Podman { Podman(root: directory.file("storage")) }

    func specPath(_ id: String) -> String { directory.file("storage") + "/containers/\(id)/spec.json" }

    @Test func createResolvesTheSpecOnce() throws {
        let created = try podman("create", "--name", "resolved", "-u", "nobody", "-e", "GREETING=你好", "-t",
                                 "docker.io/library/busybox:latest", "sleep", "600")
        #expect(created.status == 0, "\(created)")
        let id = created.stdout.trimmed()
        let spec = try ContainerSpec.load(from: specPath(id))
        #expect(spec.id == id && spec.name == "resolved" && spec.imageName == "docker.io/library/busybox:latest")
        #expect(spec.user.uid == 65534 && spec.user.gid == 65534, "nobody, from the image's /etc/passwd: \(spec.user)")
        #expect(spec.environment.contains("GREETING=你好") && spec.environment.contains("HOME=/nonexistent") && spec.environment.contains("TERM=xterm"),
                "\(spec.environment)")
        #expect(spec.environment.contains("HOSTNAME=\(id.prefix(12))"))
        #expect(spec.lowerDirectory.map { FileSystem.isDirectory("\($0)/bin") } == true, "the image's snapshot: \(String(describing: spec.lowerDirectory))")
        #expect(spec.storage == directory.file("storage"))

        #expect(try podman("start", "resolved").status == 0)
        defer { _ = try? podman("rm", "-f", "-t", "0", "resolved") }
        let monitorPid = try podman("inspect", "--format", "{{.State.ConmonPid}}", "resolved").stdout.trimmed()
        // The monitor is a copy of `start` (ContainerMonitor.main with the spec's path), named for ps.
        #expect(try String(contentsOfFile: "/proc/\(monitorPid)/comm", encoding: .utf8) == "podlab-monitor\n")
        #expect(try podman("exec", "resolved", "id", "-u").stdout == "65534\n")
    }

    /// A container made before specs existed (or whose spec a crash removed) gets one when it starts.
    @Test func aContainerWithoutSpecGetsOneAtStart() throws {
        let id = try podman("create", "--name", "older", "docker.io/library/busybox:latest", "echo", "started").stdout.trimmed()
        try FileManager.default.removeItem(atPath: specPath(id))
        let start = try podman("start", "older")
        #expect(start.status == 0, "\(start)")
        let wait = try podman("wait", "older")
        #expect(wait.stdout == "0\n", "\(wait)")
        #expect(try podman("logs", "older").stdout == "started\n")
        #expect(FileManager.default.fileExists(atPath: specPath(id)))
        #expect(try podman("rm", "older").status == 0)
    }

    /// A broken spec is a clear error, and the container is not left running half-made.
    @Test func aDamagedSpecIsReported() throws {
        let id = try podman("create", "--name", "damaged", "docker.io/library/busybox:latest", "true").stdout.trimmed()
        try Data("{\"version\": 1".utf8).write(to: URL(fileURLWithPath: specPath(id)))
        let start = try podman("start", "damaged")
        #expect(start.status == 125 && start.stderr.contains("container spec \(specPath(id))"), "\(start)")
        #expect(try podman("inspect", "--format", "{{.State.Status}}", "damaged").stdout == "created\n")
    }
}
