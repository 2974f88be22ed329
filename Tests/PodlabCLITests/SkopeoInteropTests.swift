import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// Archives written by podlab are read by Debian's skopeo, and archives skopeo writes load into podlab.
@Suite struct SkopeoInteropTests {
    let directory = TemporaryDirectory("podlab-skopeo")
    var podman: Podman { Podman(root: directory.file("storage")) }

    func skopeo(_ arguments: String...) throws -> ProcessResult {
        let result = try TestProcess.run(["skopeo"] + arguments)
        if result.status == 127 || result.stderr.contains("No such file") && result.stdout.isEmpty {
            Issue.record("skopeo is not installed: make test installs it (scripts/install-deps.sh test)")
        }
        return result
    }

    func inspect(_ transport: String) throws -> [String: Any] {
        let result = try skopeo("inspect", "--raw", transport)
        #expect(result.status == 0, "\(result)")
        let config = try skopeo("inspect", "--config", transport)
        #expect(config.status == 0, "\(config)")
        return (try JSONSerialization.jsonObject(with: Data(config.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    @Test(arguments: ["oci-archive", "docker-archive"])
    func skopeoReadsWhatPodlabSaves(format: String) throws {
        let pull = try podman("pull", "-q", "busybox")
        let id = pull.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let archive = directory.file("busybox-\(format).tar")
        #expect(try podman("save", "--format", format, "-o", archive, "busybox").status == 0)
        let config = try inspect("\(format):\(archive)")
        #expect(config["os"] as? String == "linux")
        #expect(((config["config"] as? [String: Any])?["Cmd"] as? [String]) == ["sh"])
        // The config skopeo reads back is byte for byte the image id's blob.
        let raw = try skopeo("inspect", "--config", "--raw", "\(format):\(archive)")
        #expect(Digest.sha256(of: Array(raw.stdout.utf8)).hex == id)
    }

    @Test(arguments: ["oci-archive", "docker-archive"])
    func podlabLoadsWhatSkopeoWrites(format: String) throws {
        let archive = directory.file("skopeo-\(format).tar")
        let name = "docker.io/library/busybox:latest"
        let copy = try skopeo("copy", "--quiet", "oci:\(BuildProducts.fixtures):\(name)", "\(format):\(archive):\(name)")
        #expect(copy.status == 0, "\(copy)")
        let load = try podman("load", "-i", archive)
        #expect(load.status == 0, "\(load)")
        #expect(load.stdout == "Loaded image: \(name)\n")
        let run = try podman("image", "inspect", "--format", "{{.Config.Cmd}}", "busybox")
        #expect(run.stdout == "[sh]\n")
    }
}
