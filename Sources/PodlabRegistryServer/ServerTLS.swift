import NIOSSL

/// A server's certificate chain and private key, read from PEM files once at start, so that a wrong path, a key
/// that is not the certificate's, or an unreadable file stops the server with a message instead of failing every
/// handshake later.
public struct ServerTLS: Sendable {
    let configuration: TLSConfiguration

    /// Reads `certificate` (PEM: the server's certificate first, then any intermediates) and `key` (PEM).
    public init(certificate: String, key: String) throws(RegistryServerError) {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw RegistryServerError("cannot read the TLS certificate \(certificate): \(error)",
                                      hint: "give --tls-cert a PEM file (\"-----BEGIN CERTIFICATE-----\"), the server's certificate first")
        }
        guard !chain.isEmpty else {
            throw RegistryServerError("\(certificate) holds no certificate", hint: "give --tls-cert a PEM file with the server's certificate")
        }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw RegistryServerError("cannot read the TLS private key \(key): \(error)",
                                      hint: "give --tls-key the certificate's private key as an unencrypted PEM file")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                     privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        do {
            // Building the context checks that the key belongs to the certificate.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw RegistryServerError("the TLS key \(key) does not go with the certificate \(certificate): \(error)",
                                      hint: "give --tls-key the private key the certificate was issued for")
        }
        self.configuration = configuration
    }
}
