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

        let clock = ContinuousClock()
        let started = clock.now
        let pull = RawHTTP.send(port: server.port, manifest).flatMap { fd in defer { close(fd) }; return RawHTTP.status(fd) }
        let took = clock.now - started
        #expect(pull == 200)
        #expect(took < .seconds(1), "the pull took \(took) during the flood")

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

/// HTTP/1.1 over plain sockets to 127.0.0.1, so that hundreds of requests can be in flight from one thread.
enum RawHTTP {
    struct Answer: CustomStringConvertible {
        var status: Int?
        var text: String
        func header(_ name: String) -> String? {
            text.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
        var description: String { text }
    }

    /// Connects and sends the request (and body); returns the socket, or nil when it could not.
    static func send(port: UInt16, _ head: String, body: [UInt8] = []) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); return nil }
        let bytes = Array(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            // The server may answer (413) and stop reading before the body is all sent: that is not our failure.
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { break }
            sent += count
        }
        return fd
    }

    /// Reads the whole answer (the server closes: `Connection: close`) and returns it.
    static func read(_ fd: Int32) -> Answer {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        let text = String(decoding: data, as: UTF8.self)
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
        return Answer(status: status, text: text)
    }

    static func status(_ fd: Int32) -> Int? { read(fd).status }

    static func exchange(port: UInt16, _ head: String, body: [UInt8] = []) -> Answer {
        guard let fd = send(port: port, head, body: body) else { return Answer(status: nil, text: "could not connect") }
        defer { close(fd) }
        return read(fd)
    }
}
