import Foundation
import PodlabCore
import PodlabTestSupport
import Synchronization
import Testing

/// podlab's client against podlab's server (`podlab registry serve`) on 127.0.0.1: what goes up comes
/// back byte for byte, in one piece or in chunks, mounted across repositories, behind a password, and a
/// blob changed on the server is caught.
@Suite struct RegistryRoundTripTests {
    let directory = TemporaryDirectory("podlab-registry")
    var podman: Podman { Podman(root: directory.file("storage")) }

    func imageID(_ podman: Podman, _ name: String) throws -> String {
        try podman("image", "inspect", "--format", "{{.Id}}", name).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func manifestDigest(port: UInt16, _ path: String) -> String? {
        guard let (status, body) = HTTP.get(port: port, path: path), status == 200 else { return nil }
        return Digest.sha256(of: Array(body.utf8)).description
    }

    @Test func pushThenPullGivesTheSameImage() throws {
        let server = try Registries.podlab(in: directory.path)
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let target = "127.0.0.1:\(server.port)/test/busybox:1"
        let digestFile = directory.file("digest")
        let push = try podman("push", "--tls-verify=false", "--digestfile", digestFile, "busybox", target)
        #expect(push.status == 0, "\(push)")
        #expect(push.stderr.contains("Getting image source signatures") && push.stderr.contains("Writing manifest to image destination"))
        let digest = String(decoding: try FileSystem.readFile(digestFile), as: UTF8.self)
        #expect(manifestDigest(port: server.port, "/v2/test/busybox/manifests/1") == digest, "the registry serves what was pushed")

        let other = Podman(root: directory.file("other"))
        let pull = try other("pull", "--tls-verify=false", target)
        #expect(pull.status == 0, "\(pull)")
        #expect(pull.stderr.hasPrefix("Trying to pull \(target)...\nGetting image source signatures\nCopying blob sha256:"))
        #expect(try imageID(other, target) == (try imageID(podman, "busybox")))
        let run = try other("run", "--rm", target, "echo", "round trip")
        #expect(run.stdout == "round trip\n", "\(run)")

        // The catalog and tag list say the same.
        #expect(HTTP.get(port: server.port, path: "/v2/_catalog")?.body.contains("\"test/busybox\"") == true)
        #expect(HTTP.get(port: server.port, path: "/v2/test/busybox/tags/list")?.body.contains("\"1\"") == true)
    }

    @Test func chunkedUploadsArriveWhole() throws {
        let server = try Registries.podlab(in: directory.path)
        #expect(try podman("pull", "-q", "busybox").status == 0)
        var chunked = podman
        chunked.extraEnvironment["PODLAB_UPLOAD_CHUNK_SIZE"] = "65536"
        let target = "127.0.0.1:\(server.port)/chunks/busybox:1"
        let push = try chunked("push", "--tls-verify=false", "busybox", target)
        #expect(push.status == 0, "\(push)")
        #expect(server.log.components(separatedBy: "PATCH /v2/chunks/busybox/blobs/uploads/").count > 5, "several PATCH chunks:\n\(server.log)")
        let other = Podman(root: directory.file("other"))
        #expect(try other("pull", "-q", "--tls-verify=false", target).status == 0)
        #expect(try imageID(other, target) == (try imageID(podman, "busybox")))
    }

    @Test func blobsAreMountedFromAnotherRepository() throws {
        let server = try Registries.podlab(in: directory.path)
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let first = "127.0.0.1:\(server.port)/team/busybox:1"
        #expect(try podman("tag", "busybox", first).status == 0)
        #expect(try podman("push", "--tls-verify=false", first).status == 0)
        let second = "127.0.0.1:\(server.port)/mine/busybox:1"
        let push = try podman("push", "--tls-verify=false", first, second)
        #expect(push.status == 0, "\(push)")
        let log = server.log
        #expect(log.contains("POST /v2/mine/busybox/blobs/uploads/?mount=sha256:") && log.contains("&from=team/busybox 201"), "\(log)")
        #expect(!log.contains("PATCH /v2/mine") && !log.contains("PUT /v2/mine/busybox/blobs/uploads"), "nothing uploaded again:\n\(log)" as Comment)
        #expect(manifestDigest(port: server.port, "/v2/mine/busybox/manifests/1") == manifestDigest(port: server.port, "/v2/team/busybox/manifests/1"))
    }

    @Test func aWrongPasswordIsRefusedAndTheRightOneWorks() throws {
        let htpasswd = directory.file("htpasswd")
        try Registries.htpasswd(at: htpasswd, user: "teacher", password: "s3cret-pass")
        let server = try Registries.podlab(in: directory.path, htpasswd: htpasswd)
        let host = "127.0.0.1:\(server.port)"
        #expect(try podman("pull", "-q", "hello-world").status == 0)
        let anonymous = try podman("push", "--tls-verify=false", "hello-world", "\(host)/class/hello:1")
        #expect(anonymous.status == 125 && anonymous.stderr.contains("unauthorized: authentication required"), "\(anonymous)")
        let wrong = try podman("login", "--tls-verify=false", "-u", "teacher", "-p", "wrong", host)
        #expect(wrong.status == 125)
        #expect(wrong.stderr.hasPrefix("Error: logging into \"\(host)\": invalid username/password"), "\(wrong)")
        let right = try podman("login", "--tls-verify=false", "-u", "teacher", "--password-stdin", host, stdin: "s3cret-pass\n")
        #expect(right.status == 0 && right.stdout == "Login Succeeded!\n", "\(right)")
        #expect(try podman("push", "--tls-verify=false", "hello-world", "\(host)/class/hello:1").status == 0)
        #expect(try podman("logout", host).stdout == "Removed login credentials for \(host)\n")
        let denied = try Podman(root: directory.file("other"))("pull", "--tls-verify=false", "\(host)/class/hello:1")
        #expect(denied.status == 125)
        #expect(denied.stderr.contains("Error: initializing source docker://\(host)/class/hello:1: reading manifest 1 in \(host)/class/hello: unauthorized: authentication required"), "\(denied)")
    }

    @Test func aTamperedBlobIsCaughtAndNothingIsStored() throws {
        let server = try Registries.podlab(in: directory.path)
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let target = "127.0.0.1:\(server.port)/test/busybox:1"
        #expect(try podman("push", "--tls-verify=false", "busybox", target).status == 0)
        // Flip one byte in the middle of the largest blob the registry holds (the layer).
        let blobs = "\(server.storage)/blobs/sha256"
        let largest = try #require(FileSystem.list(blobs).max { size("\(blobs)/\($0)") < size("\(blobs)/\($1)") })
        let path = "\(blobs)/\(largest)"
        var bytes = try FileSystem.readFile(path)
        bytes[bytes.count / 2] ^= 0xff
        unlink(path)
        try FileSystem.writeAtomically(bytes, to: path)

        let other = Podman(root: directory.file("other"))
        let pull = try other("pull", "--tls-verify=false", target)
        #expect(pull.status == 125, "\(pull)")
        #expect(pull.stderr.contains("its content hashes to sha256:") && pull.stderr.contains("tampered"), "\(pull)")
        #expect(try other("images", "-q").stdout.isEmpty, "a failed pull lists nothing")
        #expect(FileSystem.list(directory.file("other/blobs/sha256")).isEmpty, "and keeps no blob")
    }

    func size(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    @Test func concurrentPushesOfTheSameAndOtherImages() throws {
        let server = try Registries.podlab(in: directory.path)
        #expect(try podman("pull", "-q", "busybox").status == 0)
        #expect(try podman("pull", "-q", "hello-world").status == 0)
        let host = "127.0.0.1:\(server.port)"
        let jobs: [(String, String)] = [
            ("busybox", "\(host)/same/busybox:1"), ("busybox", "\(host)/same/busybox:1"), ("busybox", "\(host)/same/busybox:1"),
            ("hello-world", "\(host)/other/hello:1"), ("hello-world", "\(host)/same/busybox:2"), ("busybox", "\(host)/third/busybox:1"),
        ]
        let results = Mutex<[Int32]>([])
        let podman = self.podman
        DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
            let status = (try? podman("push", "--tls-verify=false", jobs[index].0, jobs[index].1))?.status ?? -1
            results.withLock { $0.append(status) }
        }
        #expect(results.withLock { $0 } == Array(repeating: 0, count: jobs.count))
        for (source, target) in jobs {
            let other = Podman(root: directory.file("pull-\(abs(target.hashValue))"))
            #expect(try other("pull", "-q", "--tls-verify=false", target).status == 0)
            #expect(try imageID(other, target) == (try imageID(podman, source)))
        }
    }
}

/// An image index (several platforms under one tag) is resolved to this machine's platform.
@Suite struct RegistryIndexTests {
    let directory = TemporaryDirectory("podlab-index")
    var podman: Podman { Podman(root: directory.file("storage")) }

    /// PUTs a manifest with Python's standard library (no client of podlab's in between).
    func put(port: UInt16, path: String, body: String, type: String) throws -> ProcessResult {
        let script = """
        import sys, urllib.request
        request = urllib.request.Request(sys.argv[1], data=sys.stdin.buffer.read(), method="PUT", headers={"Content-Type": sys.argv[2]})
        print(urllib.request.urlopen(request).status)
        """
        return try TestProcess.run(["python3", "-c", script, "http://127.0.0.1:\(port)\(path)", type], stdin: body)
    }

    @Test func anIndexIsResolvedToThisPlatform() throws {
        let server = try Registries.podlab(in: directory.path)
        let host = "127.0.0.1:\(server.port)"
        #expect(try podman("pull", "-q", "busybox").status == 0)
        #expect(try podman("pull", "-q", "hello-world").status == 0)
        let busyboxDigest = directory.file("busybox.digest"), helloDigest = directory.file("hello.digest")
        #expect(try podman("push", "--tls-verify=false", "--digestfile", busyboxDigest, "busybox", "\(host)/multi/image:amd").status == 0)
        #expect(try podman("push", "--tls-verify=false", "--digestfile", helloDigest, "hello-world", "\(host)/multi/image:other").status == 0)
        func descriptor(_ file: String, _ architecture: String) throws -> String {
            let digest = String(decoding: try FileSystem.readFile(file), as: UTF8.self)
            let size = HTTP.get(port: server.port, path: "/v2/multi/image/manifests/\(digest)")?.body.utf8.count ?? 0
            return #"{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(digest)","size":\#(size),"platform":{"architecture":"\#(architecture)","os":"linux"}}"#
        }
        let host_arch = try podman("version", "--format", "{{.Client.OsArch}}").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "/").last.map(String.init) ?? "amd64"
        let other = host_arch == "arm64" ? "amd64" : "arm64"
        // Another platform first, so that taking the first entry would be wrong.
        let index = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\#(try descriptor(helloDigest, other)),\#(try descriptor(busyboxDigest, host_arch))]}"#
        let stored = try put(port: server.port, path: "/v2/multi/image/manifests/both", body: index, type: "application/vnd.oci.image.index.v1+json")
        #expect(stored.stdout == "201\n", "\(stored)")
        let fresh = Podman(root: directory.file("fresh"))
        let pull = try fresh("pull", "--tls-verify=false", "\(host)/multi/image:both")
        #expect(pull.status == 0, "\(pull)")
        #expect(try fresh("image", "inspect", "--format", "{{.Id}}", "\(host)/multi/image:both").stdout
                == (try podman("image", "inspect", "--format", "{{.Id}}", "busybox").stdout), "this platform's entry was chosen")
        // An index without this platform says which ones it has.
        let only = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\#(try descriptor(helloDigest, other))]}"#
        #expect(try put(port: server.port, path: "/v2/multi/image/manifests/foreign", body: only, type: "application/vnd.oci.image.index.v1+json").stdout == "201\n")
        let refused = try fresh("pull", "--tls-verify=false", "\(host)/multi/image:foreign")
        #expect(refused.status == 125 && refused.stderr.contains("no image found in manifest list") && refused.stderr.contains("linux/\(other)"), "\(refused)")
    }
}
