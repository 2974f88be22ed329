import Foundation
import PodlabClass
import PodlabCore
import PodlabTestSupport
import Testing

/// `podlab class serve --tls-cert --tls-key` for real on 127.0.0.1: a certificate issued by a class's own CA (made
/// here with openssl, as a teacher would) serves HTTPS that curl trusts with that CA; plain HTTP gets nothing; a key
/// that is not the certificate's, or one flag without the other, stops the server before it listens.
struct ClassServerTLSTests {
    let directory = TemporaryDirectory("podlab-class-tls")
    var storage: String { directory.file("class") }

    /// A CA, and a certificate for 127.0.0.1 it signed, as PEM files in `directory` (ca.pem, server.pem, server.key;
    /// other.key is a key of no certificate).
    static func makeCertificates(in directory: TemporaryDirectory) throws {
        let dir = directory.path
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: directory.file("server.ext"), atomically: true, encoding: .utf8)
        for command in [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "\(dir)/ca.key",
             "-out", "\(dir)/ca.pem", "-subj", "/CN=podlab test class CA", "-days", "30"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "\(dir)/server.key",
             "-out", "\(dir)/server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "\(dir)/server.csr", "-CA", "\(dir)/ca.pem", "-CAkey", "\(dir)/ca.key", "-CAcreateserial",
             "-out", "\(dir)/server.pem", "-days", "30", "-extfile", "\(dir)/server.ext"],
            ["genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", "\(dir)/other.key"],
        ] {
            let made = try TestProcess.run(["/usr/bin/openssl"] + command)
            try #require(made.status == 0, "\(made)")
        }
    }

    func makeCertificates() throws {
        try Self.makeCertificates(in: directory)
        try ClassAccounts(directory: "\(storage)/accounts").add("teacher1", password: "lecture-hall", teacher: true)
        try ClassAccounts(directory: "\(storage)/accounts").add("alice", password: "alice-pass-1", teacher: false)
    }

    func serveCommand(_ tls: [String]) -> [String] {
        [BuildProducts.podlab, "class", "serve", "--address", "127.0.0.1:0", "--storage", storage, "--no-verify"] + tls
    }

    @Test func theServerSpeaksHTTPSWithTheTeachersCertificate() throws {
        try makeCertificates()
        let server = try ServerProcess(serveCommand(["--tls-cert", directory.file("server.pem"), "--tls-key", directory.file("server.key")]),
                                       logPath: directory.file("server.log"), listeningPort: ServerProcess.portAfterListening)
        defer { server.stop() }
        let log = try String(contentsOfFile: directory.file("server.log"), encoding: .utf8)
        #expect(log.contains("listening on https://127.0.0.1:\(server.port)"), "\(log)")

        let whoami = try TestProcess.run(["/usr/bin/curl", "-sS", "--cacert", directory.file("ca.pem"), "-u", "alice:alice-pass-1",
                                          "https://127.0.0.1:\(server.port)/class/api/whoami"])
        let account = try? JSONSerialization.jsonObject(with: Data(whoami.stdout.utf8)) as? [String: Any]
        #expect(whoami.status == 0 && account?["username"] as? String == "alice", "\(whoami)")

        // Control: without the class's CA the same request is refused by curl, so the CA is what made it trusted.
        let untrusted = try TestProcess.run(["/usr/bin/curl", "-sS", "-u", "alice:alice-pass-1",
                                             "https://127.0.0.1:\(server.port)/class/api/whoami"])
        #expect(untrusted.status == 60, "\(untrusted)")

        // A learner's machine that does not trust the class's CA is told so, and what to do.
        let join = try TestProcess.run([BuildProducts.podlab, "class", "join", "https://127.0.0.1:\(server.port)", "--username", "alice",
                                        "--password-stdin"], environment: TestLearner.environment(in: directory.path), stdin: "alice-pass-1\n")
        #expect(join.status == 125 && join.stderr.contains("does not trust the server's TLS certificate")
                    && join.stderr.contains("HTTPS with the class's own CA"), "\(join)")

        // The remedy the hint names, as podman has it and without root: the CA in the learner's own certs.d. Then
        // the join, and a push to the class registry over HTTPS with certificates checked.
        var certs = directory.path
        for part in [".config", "containers", "certs.d", "127.0.0.1:\(server.port)"] {
            certs += "/\(part)"
            try FileSystem.createDirectory(certs)
        }
        try FileSystem.writeAtomically(try FileSystem.readFile(directory.file("ca.pem")), to: "\(certs)/ca.crt")
        let trusted = try TestProcess.run([BuildProducts.podlab, "class", "join", "https://127.0.0.1:\(server.port)", "--username", "alice",
                                           "--password-stdin"], environment: TestLearner.environment(in: directory.path), stdin: "alice-pass-1\n")
        #expect(trusted.status == 0 && trusted.stdout.hasPrefix("Joined the class at https://127.0.0.1:\(server.port) as alice."), "\(trusted)")
        var podman = Podman(root: directory.file("storage"))
        podman.extraEnvironment = ["HOME": directory.path]
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let push = try podman("push", "busybox", "127.0.0.1:\(server.port)/alice/busybox:1")
        #expect(push.status == 0, "\(push)")
        // Control: the same push from a home without that directory does not trust the server.
        podman.extraEnvironment = ["HOME": directory.file("elsewhere")]
        let stranger = try podman("push", "busybox", "127.0.0.1:\(server.port)/alice/busybox:2")
        #expect(stranger.status == 125 && stranger.stderr.contains("CERTIFICATE_VERIFY_FAILED"), "\(stranger)")

        // Plain HTTP on the HTTPS port gets no answer at all: no password crosses the network in the clear.
        let plain = RawHTTP.exchange(port: server.port, ClassServerTests.request("GET", "/class/api/whoami", user: "alice",
                                                                                 password: "alice-pass-1"))
        #expect(plain.status != 200, "\(plain)")
    }

    /// `serveCommand` under timeout(1): a server that wrongly starts is stopped (status 124) and the test fails,
    /// instead of waiting for it forever.
    func refusedServe(_ tls: [String]) throws -> ProcessResult {
        try TestProcess.run(["/usr/bin/timeout", "60"] + serveCommand(tls))
    }

    @Test func aWrongKeyOrAHalfConfigurationStopsTheServerBeforeItListens() throws {
        try makeCertificates()
        let wrongKey = try refusedServe(["--tls-cert", directory.file("server.pem"), "--tls-key", directory.file("other.key")])
        #expect(wrongKey.status == 125 && wrongKey.stderr.contains("does not go with the certificate"), "\(wrongKey)")

        let notPEM = try refusedServe(["--tls-cert", directory.file("server.ext"), "--tls-key", directory.file("server.key")])
        #expect(notPEM.status == 125 && notPEM.stderr.hasPrefix("Error: "), "\(notPEM)")

        let half = try refusedServe(["--tls-cert", directory.file("server.pem")])
        #expect(half.status == 125 && half.stderr.contains("--tls-cert and --tls-key go together"), "\(half)")
    }
}
