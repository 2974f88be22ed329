import PodlabCLI
import ArgumentParser
import PodlabCore
import PodlabImages
import PodlabRegistryClient

/// `podman login [REGISTRY]`: checks the credentials with the registry, then stores them in auth.json.
struct LoginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "login", abstract: "Log in to a container registry.")
    @Option(name: .shortAndLong, help: "Username for the registry.")
    var username: String?
    @Option(name: .shortAndLong, help: "Password for the registry (visible to other users: prefer the prompt or --password-stdin).")
    var password: String?
    @Flag(help: "Read the password from standard input.")
    var passwordStdin = false
    @Flag(help: "Print the username stored for the registry.")
    var getLogin = false
    @Option(name: .customLong("tls-verify"), help: "Require HTTPS and verify certificates.")
    var tlsVerify: Bool?
    @Option(help: "Path of the authentication file.")
    var authfile: String?
    @Argument var registry: String?

    func run() throws {
        var options = RegistrySettings()
        options.tlsVerify = tlsVerify
        options.authfile = authfile
        let context = try RegistryContext(options: options)
        let name = try Self.registryName(registry, context: context)
        if getLogin {
            guard let stored = context.authFile.credentials(for: name) else { throw LoginError.notLoggedIn(name) }
            Output.out(stored.username)
            return
        }
        if passwordStdin && password != nil {
            throw CLIError.usage("--password and --password-stdin are mutually exclusive", command: "podman login")
        }
        let stored = context.authFile.credentials(for: name)
        var user = username ?? ""
        if user.isEmpty {
            guard !passwordStdin else { throw CLIError.usage("must provide --username with --password-stdin", command: "podman login") }
            Output.err(stored.map { "Username (\($0.username)): " } ?? "Username: ", terminator: "")
            user = FileSystem.readLine(fd: 0).trimmed()
            if user.isEmpty, let stored { user = stored.username }
        }
        let secret = try password ?? (passwordStdin ? PasswordPrompt.readStandardInput() : PasswordPrompt.read("Password: "))
        guard !user.isEmpty, !secret.isEmpty else { throw CLIError.usage("username and password are both required", command: "podman login") }
        let credentials = AuthFile.Credentials(username: user, password: secret)
        let endpoint = try context.resolver.endpoint(forRegistry: name)
        let accepted = try BlockingAsync.run {
            try await RegistryConnections.with { connections in
                try await RegistryLogin.check(connections.session(endpoint, credentials: credentials))
            }
        }
        guard accepted else { throw LoginError.invalid(name, sandbox: endpoint.isSandbox) }
        try context.authFile.store(credentials, for: name)
        Output.out("Login Succeeded!")
    }

    /// The registry as podman names it: `docker.io` when none is given, without a scheme or path.
    static func registryName(_ given: String?, context: RegistryContext) throws -> String {
        guard var name = given ?? context.resolver.conf.unqualifiedSearch.first else {
            throw CLIError.usage("please provide a registry to log in to", command: "podman login")
        }
        for scheme in ["https://", "http://", "docker://"] where name.hasPrefix(scheme) { name.removeFirst(scheme.count) }
        if name.hasSuffix("/") { name.removeLast() }
        if name == "index.docker.io" || name == "registry-1.docker.io" { name = "docker.io" }
        return name
    }
}

/// `podman logout [REGISTRY] | --all`.
struct LogoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Log out of a container registry.")
    @Flag(name: .shortAndLong, help: "Remove the credentials of every registry.")
    var all = false
    @Option(help: "Path of the authentication file.")
    var authfile: String?
    @Argument var registry: String?

    func run() throws {
        var options = RegistrySettings()
        options.authfile = authfile
        let context = try RegistryContext(options: options)
        if all {
            try context.authFile.removeAll()
            Output.out("Removed login credentials for all registries")
            return
        }
        let name = try LoginCommand.registryName(registry, context: context)
        guard try context.authFile.remove(name) else { throw LoginError.notLoggedIn(name) }
        Output.out("Removed login credentials for \(name)")
    }
}

enum LoginError: LearnerFacingError {
    case notLoggedIn(String)
    case invalid(String, sandbox: Bool)

    var message: String {
        switch self {
        case .notLoggedIn(let name): return "not logged into \(name)"
        case .invalid(let name, _): return "logging into \"\(name)\": invalid username/password"
        }
    }

    var hint: String? {
        switch self {
        case .notLoggedIn(let name): return "log in with: podman login \(name)"
        case .invalid(_, let sandbox):
            return sandbox ? "no account yet? create one in the sandbox: podlab registry signup --username NAME" : nil
        }
    }

    var exitStatus: Int32 { ExitStatus.engineError }
}
