import NIOSSL
import PodlabCore

/// podman's per-registry certificates (containers-certs.d(5)): a directory named after the registry (`HOST:PORT`)
/// holding `*.crt` files, CAs trusted for that registry besides the system's, and `*.cert` with the `*.key` of the
/// same name, a client certificate. So a learner without root trusts a class's own CA by putting it in
/// `~/.config/containers/certs.d/10.0.0.5:5000/ca.crt`, as with podman.
public struct CertificateDirectory: Sendable, Equatable {
    public let path: String

    /// Where podman looks for `registry`'s directory, in order: the user's, then the system's, then docker's.
    public static func candidates(registry: String, environment: [String: String]) -> [String] {
        var roots: [String] = []
        if let home = environment["HOME"], home.hasPrefix("/") { roots.append("\(home)/.config/containers/certs.d") }
        roots += ["/etc/containers/certs.d", "/etc/docker/certs.d"]
        return roots.map { "\($0)/\(registry)" }
    }

    /// The first of the candidates that is a directory, or nil: most registries have none.
    public static func find(registry: String, environment: [String: String]) -> CertificateDirectory? {
        // A registry name with a `/` or `..` would name another directory; podman's names never have them.
        guard !registry.isEmpty, !registry.contains("/"), registry != ".", registry != ".." else { return nil }
        return candidates(registry: registry, environment: environment).first(where: FileSystem.isDirectory)
            .map(CertificateDirectory.init(path:))
    }

    public init(path: String) {
        self.path = path
    }

    /// A client TLS configuration trusting the system's CAs and this directory's, with its client certificate if it
    /// has one; nil when the directory holds neither.
    public func tlsConfiguration() throws(RegistryClientError) -> TLSConfiguration? {
        let names = FileSystem.list(path).sorted()
        var authorities: [NIOSSLCertificate] = []
        for name in names where name.hasSuffix(".crt") {
            authorities += try certificates("\(path)/\(name)")
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if !authorities.isEmpty { configuration.additionalTrustRoots = [.certificates(authorities)] }
        let clientCertificates = names.filter { $0.hasSuffix(".cert") }
        if let first = clientCertificates.first {
            guard clientCertificates.count == 1 else {
                throw RegistryClientError("\(path) holds \(clientCertificates.count) client certificates (*.cert)",
                                          hint: "keep one NAME.cert with its NAME.key there")
            }
            let keyName = String(first.dropLast(".cert".count)) + ".key"
            guard names.contains(keyName) else {
                throw RegistryClientError("\(path)/\(first) has no key \(keyName) beside it",
                                          hint: "a client certificate NAME.cert needs its private key as NAME.key (PEM)")
            }
            configuration.certificateChain = try certificates("\(path)/\(first)").map { .certificate($0) }
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: "\(path)/\(keyName)", format: .pem))
            } catch {
                throw RegistryClientError("cannot read the client key \(path)/\(keyName): \(error)",
                                          hint: "certs.d keys are unencrypted PEM files")
            }
        } else if authorities.isEmpty {
            return nil
        }
        return configuration
    }

    func certificates(_ file: String) throws(RegistryClientError) -> [NIOSSLCertificate] {
        let hint = "certs.d holds PEM files: *.crt for CAs, NAME.cert and NAME.key for a client certificate"
        let found: [NIOSSLCertificate]
        do {
            found = try NIOSSLCertificate.fromPEMFile(file)
        } catch {
            throw RegistryClientError("cannot read the certificate \(file): it is not a PEM certificate (\(error))", hint: hint)
        }
        guard !found.isEmpty else { throw RegistryClientError("\(file) holds no certificate", hint: hint) }
        return found
    }
}
