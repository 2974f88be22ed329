import PodlabCLI
import ArgumentParser
import PodlabCore
import PodlabImages
import PodlabRegistryClient
import PodlabRegistryServer

/// podman's flags for commands that talk to registries.
struct RegistryOptions: ParsableArguments {
    @Option(name: .customLong("tls-verify"), help: "Require HTTPS and verify certificates (default true; false allows plain HTTP).")
    var tlsVerify: Bool?
    @Option(help: "Path of the authentication file (default: podman's auth.json).")
    var authfile: String?
    @Option(help: "Credentials USERNAME[:PASSWORD] for this command.")
    var creds: String?

    var settings: RegistrySettings { RegistrySettings(tlsVerify: tlsVerify, authfile: authfile, creds: creds) }
}

/// The values of those flags (what implicit pulls and login use without parsing them).
struct RegistrySettings {
    var tlsVerify: Bool?
    var authfile: String?
    var creds: String?
}

/// Everything a registry command needs: where names go, whose credentials, and the sandbox.
struct RegistryContext {
    let resolver: EndpointResolver
    let authFile: AuthFile
    let explicitCredentials: AuthFile.Credentials?

    init(options: RegistrySettings = RegistrySettings(), locations: Locations = Current.engine.locations) throws {
        let conf = try RegistriesConf.load(configDirectory: locations.config)
        let sandbox = SandboxRegistry(locations: locations)
        resolver = EndpointResolver(mode: PodlabMode.current(locations: locations), conf: conf,
                                    tlsVerify: options.tlsVerify) { try sandbox.address() }
        authFile = AuthFile.standard(explicit: options.authfile)
        if let creds = options.creds {
            let parts = creds.split(separator: ":", maxSplits: 1).map(String.init)
            guard let user = parts.first, !user.isEmpty else {
                throw CLIError.usage("--creds must be USERNAME[:PASSWORD]", command: "podman")
            }
            explicitCredentials = AuthFile.Credentials(username: user, password: parts.count > 1 ? parts[1] : try PasswordPrompt.read("Password: "))
        } else {
            explicitCredentials = nil
        }
    }

    /// The endpoint for an image and the credentials to use there.
    func target(_ reference: ImageReference) throws -> (RegistryEndpoint, AuthFile.Credentials?) {
        let endpoint = try resolver.endpoint(for: reference)
        let credentials = explicitCredentials ?? authFile.credentials(for: "\(reference.domain)/\(reference.path)")
            ?? authFile.credentials(for: reference.domain)
        return (endpoint, credentials)
    }
}
