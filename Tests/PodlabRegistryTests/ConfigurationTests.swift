import Glibc
import PodlabCore
import PodlabDistribution
import PodlabImages
import PodlabRegistryClient
import PodlabRegistryServer
import PodlabTestSupport
import Testing

/// registries.conf, auth.json and htpasswd files as podman, Docker and Apache's htpasswd write them.
@Suite struct ConfigurationTests {
    let directory = TemporaryDirectory("podlab-registry-config")

    @Test func theDefaultMappingSendsPublicRegistriesToTheSandbox() throws {
        let conf = try RegistriesConf(text: RegistriesConf.defaultText, path: "default")
        #expect(conf.unqualifiedSearch == ["docker.io"])
        let nginx = try ImageReference(parsing: "nginx:1.24")
        #expect(conf.match(nginx)?.location == RegistriesConf.sandboxLocation)
        #expect(conf.match(try ImageReference(parsing: "quay.io/podman/hello"))?.location == RegistriesConf.sandboxLocation)
        #expect(conf.match(try ImageReference(parsing: "127.0.0.1:5000/hello")) == nil, "a local registry is reached as it is")
    }

    @Test func longestPrefixWinsAndMirrorsAreRead() throws {
        let text = """
        unqualified-search-registries = ["docker.io", 'quay.io']  # two
        [[registry]]
        prefix = "docker.io"
        location = "podlab-sandbox"

        [[registry]]
        prefix = "docker.io/student"
        location = "10.0.0.5:5000/class"
        insecure = true
        [[registry.mirror]]
        location = "10.0.0.6:5000"
        """
        let conf = try RegistriesConf(text: text, path: "test")
        #expect(conf.unqualifiedSearch == ["docker.io", "quay.io"])
        let resolver = EndpointResolver(mode: .sandbox, conf: conf, tlsVerify: nil) { "127.0.0.1:1234" }
        let student = try resolver.endpoint(for: try ImageReference(parsing: "docker.io/student/hello:0.1"))
        #expect(student.host == "10.0.0.5:5000" && student.repository == "class/hello" && student.insecure)
        #expect(conf.registries[1].mirrors.first?.location == "10.0.0.6:5000")
        let library = try resolver.endpoint(for: try ImageReference(parsing: "nginx"))
        #expect(library.isSandbox && library.host == "127.0.0.1:1234" && library.repository == "library/nginx" && library.scheme == "http")
        let online = EndpointResolver(mode: .online, conf: conf, tlsVerify: nil) { "127.0.0.1:1234" }
        let real = try online.endpoint(for: try ImageReference(parsing: "nginx"))
        #expect(real.host == "registry-1.docker.io" && real.scheme == "https" && !real.insecure && !real.isSandbox)
    }

    @Test func aBrokenFileIsReportedWithItsLine() {
        #expect(throws: RegistryClientError.self) {
            try RegistriesConf(text: "[[registry]]\nprefix = \"docker.io\nlocation = 1", path: "broken.conf")
        }
        let error = #expect(throws: RegistryClientError.self) { try RegistriesConf(text: "a = 1\nb = ?", path: "broken.conf") }
        #expect(error?.message.contains("broken.conf: line 2") == true, "\(String(describing: error))")
    }

    @Test func authFileIsPodmansFormatAndPrivate() throws {
        let file = AuthFile(path: directory.file("containers/auth.json"))
        try file.store(.init(username: "student", password: "pa:ss"), for: "docker.io")
        var info = stat()
        #expect(stat(file.path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let text = String(decoding: try FileSystem.readFile(file.path), as: UTF8.self)
        #expect(text.contains("\"auths\"") && text.contains("\"docker.io\"") && text.contains(Base64.encode("student:pa:ss")))
        #expect(file.credentials(for: "docker.io") == .init(username: "student", password: "pa:ss"))
        #expect(try file.remove("docker.io"))
        #expect(try !file.remove("docker.io"))
        #expect(file.credentials(for: "docker.io") == nil)
    }

    @Test func dockersConfigIsReadToo() throws {
        let docker = directory.file("config.json")
        try FileSystem.writeAtomically(Array(#"{"auths":{"https://index.docker.io/v1/":{"auth":"\#(Base64.encode("me:pw"))"}}}"#.utf8), to: docker)
        let file = AuthFile(path: directory.file("none.json"), fallbacks: [docker])
        #expect(file.credentials(for: "docker.io") == .init(username: "me", password: "pw"))
    }

    @Test func htpasswdFromApacheIsVerified() throws {
        let made = try TestProcess.run(["htpasswd", "-Bbn", "teacher", "s3cret-pass"])
        try #require(made.status == 0, "htpasswd (apache2-utils) is needed: make test installs it. \(made)")
        let users = Htpasswd(contents: made.stdout)
        #expect(users.verify(user: "teacher", password: "s3cret-pass"))
        #expect(!users.verify(user: "teacher", password: "s3cret-pasS"))
        #expect(!users.verify(user: "nobody", password: "s3cret-pass"))
        var mine = Htpasswd()
        try mine.set(user: "student", password: "hunter22", cost: 5)
        #expect(Htpasswd(contents: mine.contents).verify(user: "student", password: "hunter22"))
        #expect(throws: RegistryServerError.self) { try mine.set(user: "../x", password: "p") }
        // Apache's own checker accepts podlab's hashes.
        let file = directory.file("htpasswd")
        try FileSystem.writeAtomically(Array(mine.contents.utf8), to: file)
        #expect(try TestProcess.run(["htpasswd", "-vb", file, "student", "hunter22"]).status == 0)
    }
}

/// Account names a registry keeps for itself.
@Suite struct ReservedAccountTests {
    @Test(arguments: ["library", "podlab", "donaldsebleung"])
    func theTutorialsNamespacesCannotBeSignedUpFor(name: String) {
        var users = Htpasswd()
        #expect(throws: RegistryServerError.self) { try users.set(user: name, password: "long enough password", cost: 4) }
        #expect(users.contents.isEmpty)
    }

    @Test func anUnknownUserIsCheckedAsSlowlyAsAKnownOne() throws {
        var users = Htpasswd()
        try users.set(user: "student", password: "right password", cost: 8)
        let clock = ContinuousClock()
        // Interleaved pairs, so that whatever else the machine does weighs on both alike; the median ratio, so
        // that one pair caught by the scheduler does not decide.
        var ratios: [Double] = []
        for _ in 0..<15 {
            let known = clock.measure { _ = users.verify(user: "student", password: "wrong") }
            let unknown = clock.measure { _ = users.verify(user: "nosuchuser", password: "wrong") }
            ratios.append(unknown / known)
        }
        let median = ratios.sorted()[ratios.count / 2]
        // Both run bcrypt at the same cost: within ±20% (the difference was ~1000×).
        #expect(median > 0.8 && median < 1.2, "unknown/known: \(ratios)")
    }
}

@Suite struct PlainTextWarningTests {
    @Test func beyondLoopbackTheServerSaysItHasNoTLS() {
        for host in ["127.0.0.1", "127.0.0.2", "::1", "localhost"] {
            #expect(RegistryServer.plainTextWarning(host: host, withLogins: true) == nil, "\(host)")
        }
        let warning = RegistryServer.plainTextWarning(host: "0.0.0.0", withLogins: true)
        #expect(warning?.contains("without TLS") == true && warning?.contains("passwords") == true, "\(warning ?? "nil")")
        #expect(RegistryServer.plainTextWarning(host: "192.168.1.10", withLogins: false)?.contains("without a login") == true)
    }
}
