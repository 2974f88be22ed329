import PodlabCore
import PodlabRegistryClient
import PodlabTestSupport
import Testing

/// podman's certs.d for one registry: where it is looked for, what it must hold, and a clear error for a file that
/// is not what its name says. (The directory in use, trusted by a real push and join over HTTPS, is in
/// `ClassServerTLSTests`.)
struct CertificateDirectoryTests {
    let directory = TemporaryDirectory("podlab-certs-d")

    @Test func theUsersDirectoryComesFirstThenTheSystemsThenDockers() throws {
        #expect(CertificateDirectory.candidates(registry: "10.0.0.5:5000", environment: ["HOME": "/home/alice"]) == [
            "/home/alice/.config/containers/certs.d/10.0.0.5:5000", "/etc/containers/certs.d/10.0.0.5:5000", "/etc/docker/certs.d/10.0.0.5:5000",
        ])
        #expect(CertificateDirectory.candidates(registry: "quay.io", environment: [:]).first == "/etc/containers/certs.d/quay.io")
        // Each of these names an existing directory once joined to certs.d, so only the name check refuses them.
        var path = directory.path
        for part in [".config", "containers", "certs.d", "a", "b"] {
            path += "/\(part)"
            try FileSystem.createDirectory(path)
        }
        for name in ["", ".", "..", "../certs.d", "a/b"] {
            #expect(CertificateDirectory.find(registry: name, environment: ["HOME": directory.path]) == nil, "\(name)")
        }
    }

    /// As podman: the directory of the host podlab connects to (a mirror registries.conf names), Docker Hub's as
    /// `docker.io`.
    @Test func theDirectoryIsTheConnectedHosts() {
        let mirrored = RegistryEndpoint(scheme: "https", host: "mirror.lab:5000", repository: "library/nginx", registryName: "docker.io", insecure: false)
        #expect(RegistryConnections.certificateName(mirrored) == "mirror.lab:5000")
        let hub = RegistryEndpoint(scheme: "https", host: "registry-1.docker.io", repository: "library/nginx", registryName: "docker.io", insecure: false)
        #expect(RegistryConnections.certificateName(hub) == "docker.io")
    }

    func make(_ files: [String: String]) throws -> CertificateDirectory {
        var path = directory.path
        for part in [".config", "containers", "certs.d", "127.0.0.1:5000"] {
            path += "/\(part)"
            if !FileSystem.isDirectory(path) { try FileSystem.createDirectory(path) }
        }
        for (name, text) in files { try FileSystem.writeAtomically(Array(text.utf8), to: "\(path)/\(name)") }
        let found = try #require(CertificateDirectory.find(registry: "127.0.0.1:5000", environment: ["HOME": directory.path]))
        #expect(found.path == path)
        return found
    }

    @Test func aDirectoryWithoutCertificatesChangesNothing() throws {
        #expect(try make(["README": "nothing here"]).tlsConfiguration() == nil)
    }

    @Test(arguments: [
        (["ca.crt": "not a certificate"], "cannot read the certificate"),
        (["ca.crt": ""], "it is not a PEM certificate"),
        (["client.cert": "x"], "client.cert has no key client.key beside it"),
        (["a.cert": "x", "a.key": "x", "b.cert": "x", "b.key": "x"], "holds 2 client certificates"),
    ])
    func whatIsNotACertificateIsSaidSo(files: [String: String], message: String) throws {
        let found = try make(files)
        let error = try #require(throws: RegistryClientError.self) { try found.tlsConfiguration() }
        #expect(error.message.contains(message) && error.hint != nil, "\(error.message)")
    }
}
