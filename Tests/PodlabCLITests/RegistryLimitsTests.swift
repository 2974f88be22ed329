import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The classroom registry against clients that flood it: wrong passwords by the hundred, uploads too big or
/// too many. It keeps answering the learners who do things right.
@Suite struct RegistryLimitsTests {
    let directory = TemporaryDirectory("podlab-registry-limits")
    var podman: Podman { Podman(root: directory.file("storage")) }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test func aFloodOfWrongPasswordsLeavesPullsAnswering() throws {
        let htpasswd = directory.file("htpasswd")
        // Cost 10, as a teacher's htpasswd -B -C 10 makes it: tens of milliseconds per check.
        let made = try TestProcess.run(["htpasswd", "-Bbc", "-C", "10", htpasswd, "teacher", "right"])
        #expect(made.status == 0, "\(made)")
        let server = try Registries.podlab(in: directory.path, htpasswd: htpasswd)
        defer { server.stop() }
        let target = "127.0.0.1:\(server.port)/teacher/busybox:1"
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let push = try podman("push", "--tls-verify=false", "--creds", "teacher:right", "busybox", target)
        #expect(push.status == 0, "\(push)")

        let manifest = "GET /v2/teacher/busybox/manifests/1 HTTP/1.1\r\nHost: x\r\nAuthorization: \(Self.basic("teacher", "right"))\r\n"
            + "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json\r\nConnection: close\r\n\r\n"
        // 300 requests with wrong passwords, all sent before the learner's pull.
        let flood = (0..<300).compactMap { number in
            RawHTTP.send(port: server.port, "GET /v2/ HTTP/1.1\r\nHost: x\r\nAuthorization: \(Self.basic("teacher", "guess-\(number)"))\r\nConnection: close\r\n\r\n")
        }
        defer { flood.forEach { close($0) } }
        #expect(flood.count == 300)

        let pull = RawHTTP.send(port: server.port, manifest).flatMap { fd in defer { close(fd) }; return RawHTTP.status(fd) }
        #expect(pull == 200)
        // The pull, sent after all 300, was answered while wrong passwords sent before it still waited for bcrypt:
        // some of their sockets have no answer yet. Queued behind them, the pull would be answered after every one
        // (an order of completion, which no machine's speed changes: bcrypt runs on cores - 1 threads, 32 waiting).
        var unanswered = flood.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        #expect(poll(&unanswered, nfds_t(unanswered.count), 0) < flood.count, "every wrong password was answered before the pull")

        let answers = flood.map { RawHTTP.status($0) }
        #expect(answers.allSatisfy { $0 == 401 || $0 == 429 }, "\(Set(answers.map { $0 ?? 0 }))")
        // The flood did fill the checks: past the bound, requests were turned away at once instead of queued.
        #expect(answers.contains(429), "\(Set(answers.map { $0 ?? 0 }))")
    }

    @Test func anUploadPastTheLimitIsRefusedWith413() throws {
        let server = try Registries.podlab(in: directory.path, extra: ["--max-upload-size", "1"])
        defer { server.stop() }
        let body = [UInt8](repeating: 0x61, count: (1 << 20) + 1)
        let digest = Digest.sha256(of: body)
        let monolithic = RawHTTP.exchange(port: server.port, "POST /v2/big/blobs/uploads/?digest=\(digest) HTTP/1.1\r\nHost: x\r\n"
                                          + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n", body: body)
        #expect(monolithic.status == 413, "\(monolithic)")
        #expect(monolithic.text.contains("SIZE_INVALID") && monolithic.text.contains("blob too large"), "\(monolithic)")

        // In chunks: the chunk that crosses the limit is refused and the upload is gone.
        let start = RawHTTP.exchange(port: server.port, "POST /v2/big/blobs/uploads/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        #expect(start.status == 202, "\(start)")
        let location = try #require(start.header("Location"))
        let half = [UInt8](body.prefix(1 << 19))
        let first = RawHTTP.exchange(port: server.port, "PATCH \(location) HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                                     + "Content-Length: \(half.count)\r\nConnection: close\r\n\r\n", body: half)
        #expect(first.status == 202, "\(first)")
        let rest = [UInt8](body.dropFirst(1 << 19))
        let second = RawHTTP.exchange(port: server.port, "PATCH \(location) HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                                      + "Content-Length: \(rest.count)\r\nConnection: close\r\n\r\n", body: rest)
        #expect(second.status == 413, "\(second)")
        #expect(FileSystem.list("\(server.storage)/uploads").filter { $0.count == 36 }.isEmpty, "no upload is left open")
        #expect(RawHTTP.exchange(port: server.port, "GET /v2/big/blobs/\(digest) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status == 404)

        // What a learner sees: podman push of an image with a layer past the limit says why.
        #expect(try podman("pull", "-q", "docker.io/library/nginx:1.24").status == 0)
        let push = try podman("push", "--tls-verify=false", "docker.io/library/nginx:1.24", "127.0.0.1:\(server.port)/big/nginx:1")
        #expect(push.status == 125, "\(push)")
        #expect(push.stderr.contains("up to 1 MiB"), "\(push)")
    }

    @Test func tooManyOpenUploadsAreRefusedWith429() throws {
        let server = try Registries.podlab(in: directory.path, extra: ["--max-open-uploads", "2"])
        defer { server.stop() }
        let start = "POST /v2/many/blobs/uploads/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        let statuses = (0..<3).map { _ in RawHTTP.exchange(port: server.port, start) }
        #expect(statuses.map(\.status) == [202, 202, 429], "\(statuses)")
        #expect(statuses.last?.text.contains("TOOMANYREQUESTS") == true)
    }
}
