import PodlabImages

/// Where requests for an image go: scheme and host:port to connect to, the repository there, and the
/// registry as the learner named it (the key for credentials and the name in messages).
public struct RegistryEndpoint: Sendable, Equatable {
    public var scheme: String
    public var host: String
    public var repository: String
    /// `docker.io`, `127.0.0.1:5000`: what auth.json entries and podman's messages use.
    public var registryName: String
    /// TLS certificates are not checked and plain HTTP is tried when HTTPS fails.
    public var insecure: Bool
    /// True when this is podlab's sandbox registry.
    public var isSandbox: Bool

    public init(scheme: String, host: String, repository: String, registryName: String, insecure: Bool, isSandbox: Bool = false) {
        self.scheme = scheme
        self.host = host
        self.repository = repository
        self.registryName = registryName
        self.insecure = insecure
        self.isSandbox = isSandbox
    }

    /// The sandbox registry's repository for an image: Docker Hub's as they are (`library/nginx`),
    /// other registries' under their host name (`quay.io/podman/hello`).
    public static func sandboxRepository(domain: String, path: String) -> String {
        domain == ImageReference.dockerHub ? path : "\(String(domain.map { $0 == ":" ? "-" : $0 }))/\(path)"
    }

    /// The other way round: the name a learner pulls for a sandbox repository (`docker.io/library/nginx`).
    public static func name(ofSandboxRepository repository: String) -> String {
        repository.prefix { $0 != "/" }.contains(".") ? repository : "\(ImageReference.dockerHub)/\(repository)"
    }

    /// `docker.io/library/nginx` as podman names it in messages.
    public var displayRepository: String { "\(registryName)/\(repository)" }
}

/// How image references map to endpoints: sandbox or online mode, registries.conf, `--tls-verify`.
public struct EndpointResolver: Sendable {
    public enum Mode: String, Sendable { case sandbox, online }

    public var mode: Mode
    public var conf: RegistriesConf
    /// nil: as configured; false: `--tls-verify=false`; true: `--tls-verify=true`.
    public var tlsVerify: Bool?
    /// Starts the sandbox registry if needed and returns its `host:port`.
    public var sandboxAddress: @Sendable () throws -> String

    public init(mode: Mode, conf: RegistriesConf, tlsVerify: Bool?, sandboxAddress: @escaping @Sendable () throws -> String) {
        self.mode = mode
        self.conf = conf
        self.tlsVerify = tlsVerify
        self.sandboxAddress = sandboxAddress
    }

    public func endpoint(for reference: ImageReference) throws -> RegistryEndpoint {
        var host = reference.domain
        var repository = reference.path
        var insecure = false
        if let entry = conf.match(reference), !(mode == .online && entry.location == RegistriesConf.sandboxLocation) {
            if entry.blocked {
                throw RegistryClientError("registry \(reference.domain) is blocked in registries.conf")
            }
            let full = "\(reference.domain)/\(reference.path)"
            var location = entry.location
            if location == RegistriesConf.sandboxLocation {
                let address = try sandboxAddress()
                return RegistryEndpoint(scheme: "http", host: address,
                                        repository: RegistryEndpoint.sandboxRepository(domain: reference.domain, path: reference.path),
                                        registryName: reference.domain, insecure: true, isSandbox: true)
            }
            let rest = String(full.dropFirst(min(entry.prefix.count, full.count)))
            location += rest
            let slash = location.firstIndex(of: "/") ?? location.endIndex
            host = String(location[..<slash])
            repository = String(location[slash...].drop { $0 == "/" })
            insecure = entry.insecure
        }
        if host == "docker.io" { host = "registry-1.docker.io" }
        if let tlsVerify { insecure = !tlsVerify }
        return RegistryEndpoint(scheme: "https", host: host, repository: repository, registryName: reference.domain,
                                insecure: insecure)
    }

    /// The endpoint used to log in to `registry` (a host, as `podman login docker.io` names it).
    public func endpoint(forRegistry registry: String) throws -> RegistryEndpoint {
        let probe = ImageReference(domain: registry, path: "library/probe", tag: "latest")
        var endpoint = try endpoint(for: probe)
        endpoint.repository = ""
        return endpoint
    }
}
