import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// podlab's client against Debian's docker-registry (distribution 2.8), and Debian's skopeo against
/// podlab's server, both directions.
@Suite struct RegistryPeerTests {
    let directory = TemporaryDirectory("podlab-peers")
    var podman: Podman { Podman(root: directory.file("storage")) }

    func imageID(_ podman: Podman, _ name: String) throws -> String {
        try podman("image", "inspect", "--format", "{{.Id}}", name).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func skopeo(_ arguments: String...) throws -> ProcessResult {
        try TestProcess.run(["skopeo"] + arguments)
    }

    @Test func pushPullAgainstDistribution() throws {
        let server = try Registries.distribution(in: directory.path)
        let target = "127.0.0.1:\(server.port)/peer/busybox:1"
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let push = try podman("push", "--tls-verify=false", "--digestfile", directory.file("digest"), "busybox", target)
        #expect(push.status == 0, "\(push)\n\(server.log)")
        let inspect = try skopeo("inspect", "--tls-verify=false", "docker://\(target)")
        #expect(inspect.status == 0, "\(inspect)")
        let digest = String(decoding: try FileSystem.readFile(directory.file("digest")), as: UTF8.self)
        #expect(inspect.stdout.contains("\"Digest\": \"\(digest)\""), "distribution stored the manifest podlab sent")
        let other = Podman(root: directory.file("other"))
        let pull = try other("pull", "--tls-verify=false", target)
        #expect(pull.status == 0, "\(pull)")
        #expect(try imageID(other, target) == (try imageID(podman, "busybox")))
    }

    @Test func loginAgainstDistributionWithHtpasswd() throws {
        let htpasswd = directory.file("htpasswd")
        try Registries.htpasswd(at: htpasswd, user: "peer", password: "s3cret-pass")
        let server = try Registries.distribution(in: directory.path, htpasswd: htpasswd)
        let host = "127.0.0.1:\(server.port)"
        #expect(try podman("pull", "-q", "hello-world").status == 0)
        let refused = try podman("push", "--tls-verify=false", "hello-world", "\(host)/hello:latest")
        #expect(refused.status == 125 && refused.stderr.contains("unauthorized: authentication required"), "\(refused)")
        let wrong = try podman("login", "--tls-verify=false", "-u", "peer", "-p", "wrongpass", host)
        #expect(wrong.status == 125 && wrong.stderr.contains("Error: logging into \"\(host)\": invalid username/password"), "\(wrong)")
        let login = try podman("login", "--tls-verify=false", "-u", "peer", "--password-stdin", host, stdin: "s3cret-pass\n")
        #expect(login.stdout == "Login Succeeded!\n", "\(login)")
        #expect(try podman("login", "--get-login", host).stdout == "peer\n")
        let push = try podman("push", "--tls-verify=false", "hello-world", "\(host)/hello:latest")
        #expect(push.status == 0, "\(push)\n\(server.log)")
        let other = Podman(root: directory.file("other"))
        #expect(try other("pull", "--tls-verify=false", "--creds", "peer:s3cret-pass", "\(host)/hello:latest").status == 0)
        #expect(try podman("logout", host).status == 0)
        let anonymous = try Podman(root: directory.file("third"))("pull", "--tls-verify=false", "\(host)/hello:latest")
        #expect(anonymous.status == 125 && anonymous.stderr.contains("unauthorized: authentication required"), "\(anonymous)")
    }

    @Test func skopeoCopiesFromAndToPodlabsServer() throws {
        let server = try Registries.podlab(in: directory.path)
        let host = "127.0.0.1:\(server.port)"
        // podlab pushes, skopeo reads it back and checks every blob.
        #expect(try podman("pull", "-q", "busybox").status == 0)
        #expect(try podman("push", "--tls-verify=false", "--digestfile", directory.file("digest"), "busybox", "\(host)/from/podlab:1").status == 0)
        let digest = String(decoding: try FileSystem.readFile(directory.file("digest")), as: UTF8.self)
        let inspect = try skopeo("inspect", "--tls-verify=false", "docker://\(host)/from/podlab:1")
        #expect(inspect.status == 0 && inspect.stdout.contains("\"Digest\": \"\(digest)\""), "\(inspect)")
        let copy = try skopeo("copy", "--src-tls-verify=false", "docker://\(host)/from/podlab:1", "oci:\(directory.file("copy")):x")
        #expect(copy.status == 0, "\(copy)")

        // skopeo pushes (its own uploads), podlab pulls and runs it.
        let fixture = "oci:\(BuildProducts.fixtures):docker.io/library/hello-world:latest"
        let up = try skopeo("copy", "--dest-tls-verify=false", fixture, "docker://\(host)/from/skopeo:1")
        #expect(up.status == 0, "\(up)\n\(server.log)")
        let list = try skopeo("list-tags", "--tls-verify=false", "docker://\(host)/from/skopeo")
        #expect(list.stdout.contains("\"1\""), "\(list)")
        let pull = try podman("pull", "--tls-verify=false", "\(host)/from/skopeo:1")
        #expect(pull.status == 0, "\(pull)")
        let run = try podman("run", "--rm", "\(host)/from/skopeo:1")
        #expect(run.stdout.contains("Hello from podlab!"), "\(run)")
        // And deletes through the API as skopeo does.
        let delete = try skopeo("delete", "--tls-verify=false", "docker://\(host)/from/skopeo:1")
        #expect(delete.status == 0, "\(delete)")
        #expect(HTTP.get(port: server.port, path: "/v2/from/skopeo/manifests/1")?.status == 404)
    }

    @Test func authFileOptionIsHonoured() throws {
        let htpasswd = directory.file("htpasswd")
        try Registries.htpasswd(at: htpasswd, user: "teacher", password: "pw-1234")
        let server = try Registries.podlab(in: directory.path, htpasswd: htpasswd)
        let host = "127.0.0.1:\(server.port)"
        let custom = directory.file("my-auth.json")
        let login = try podman("login", "--tls-verify=false", "--authfile", custom, "-u", "teacher", "-p", "pw-1234", host)
        #expect(login.status == 0, "\(login)")
        var info = stat()
        #expect(stat(custom, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let json = try JSONSerialization.jsonObject(with: Data(try FileSystem.readFile(custom))) as? [String: Any]
        let entry = (json?["auths"] as? [String: Any])?[host] as? [String: Any]
        #expect(entry?["auth"] as? String == Data("teacher:pw-1234".utf8).base64EncodedString())
        #expect(!FileSystem.exists(podman.environment["REGISTRY_AUTH_FILE"] ?? "/nonexistent"), "the default file was not touched")
        #expect(try podman("login", "--get-login", host).status == 125, "not in the default file")
        #expect(try podman("login", "--authfile", custom, "--get-login", host).stdout == "teacher\n")
        #expect(try podman("logout", "--authfile", custom, host).status == 0)
        let after = try podman("logout", "--authfile", custom, host)
        #expect(after.status == 125 && after.stderr.hasPrefix("Error: not logged into \(host)"), "\(after)")
    }
}
