import PodlabCLI
import ArgumentParser
import PodlabCore
import PodlabRegistryClient
import PodlabRegistryServer

/// `podlab registry …`: the registry server, and the sandbox registry's accounts and state.
struct RegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry", abstract: "Run a registry server; sign up, inspect or stop the sandbox registry.",
        subcommands: [RegistryServeCommand.self, SignupCommand.self, RegistryStatusCommand.self, RegistryStopCommand.self,
                      RegistryImagesCommand.self])
}

/// `podlab registry signup --username NAME`: an account on the sandbox registry, in place of Docker Hub's
/// sign-up page. The user may then `podman login docker.io` and push under `docker.io/NAME/…`.
struct SignupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "signup", abstract: "Create an account on the sandbox registry.")
    @Option(name: .shortAndLong, help: "User name: 2 to 30 lowercase letters and digits.")
    var username: String
    @Flag(help: "Read the password from standard input (one line).")
    var passwordStdin = false
    @Flag(help: "Replace the password of an existing account.")
    var replace = false

    func run() throws {
        let sandbox = SandboxRegistry(locations: Current.engine.locations)
        guard Htpasswd.isValidUser(username) else {
            throw CLIError.usage("\"\(username)\" is not a valid user name: use 2 to 30 lowercase letters and digits", command: "podlab registry signup")
        }
        try FileSystem.createDirectory(sandbox.storage, mode: 0o755)
        let lock = try FileLock(path: "\(sandbox.htpasswdPath).lock")
        try lock.lock(.exclusive)
        defer { lock.unlock() }
        var users = FileSystem.exists(sandbox.htpasswdPath) ? try Htpasswd.load(sandbox.htpasswdPath) : Htpasswd()
        if users.entries[username] != nil && !replace {
            throw CLIError.refused("the sandbox registry has a user \(username) already",
                                   hint: "log in with 'podman login docker.io', or give a new password with --replace")
        }
        let password: String
        if passwordStdin {
            password = PasswordPrompt.readStandardInput()
        } else {
            password = try PasswordPrompt.read("Password: ")
            guard try PasswordPrompt.read("Repeat password: ") == password else {
                throw CLIError.refused("the two passwords differ; nothing was changed", hint: "run the sign-up again")
            }
        }
        guard password.count >= 6 else {
            throw CLIError.refused("the password is too short: use at least 6 characters", hint: nil)
        }
        try users.set(user: username, password: password)
        try FileSystem.writeAtomically(Array(users.contents.utf8), to: sandbox.htpasswdPath, mode: 0o600)
        Output.out("Signed up \(username) on the sandbox registry.")
        Output.out("Next: podman login docker.io  (user \(username)), then push to docker.io/\(username)/IMAGE:TAG")
    }
}

struct RegistryStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Say whether the sandbox registry runs, and where.")

    func run() throws {
        let sandbox = SandboxRegistry(locations: Current.engine.locations)
        let mode = PodlabMode.current(locations: Current.engine.locations)
        Output.out("mode:     \(mode.rawValue)")
        if let state = sandbox.running() {
            Output.out("sandbox:  running at http://\(state.address) (pid \(state.pid))")
        } else {
            Output.out("sandbox:  not running (it starts with the first pull, push or login)")
        }
        Output.out("storage:  \(sandbox.storage)")
        Output.out("log:      \(sandbox.logPath)")
        Output.out("mapping:  \(Current.engine.locations.config)/\(RegistriesConf.fileName)")
    }
}

struct RegistryStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop the sandbox registry (it restarts when needed).")

    func run() throws {
        let stopped = SandboxRegistry(locations: Current.engine.locations).stop()
        Output.out(stopped ? "sandbox registry stopped" : "sandbox registry was not running")
    }
}

/// `podlab registry images`: what the sandbox registry holds, read from its storage.
struct RegistryImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "images", abstract: "List the images in the sandbox registry.")

    func run() throws {
        let sandbox = SandboxRegistry(locations: Current.engine.locations)
        guard FileSystem.isDirectory(sandbox.storage) else {
            Output.out("the sandbox registry has not started yet: it starts with the first pull, push or login")
            return
        }
        let storage = try RegistryStorage(root: sandbox.storage)
        for repository in storage.repositories() {
            for tag in storage.tags(repository) {
                let digest = storage.resolve(repository, .tag(tag)).map { " \($0)" } ?? ""
                Output.out("\(repository):\(tag)\(digest)")
            }
        }
    }
}

/// `podlab mode [sandbox|online]`: where registry names go.
struct ModeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mode", abstract: "Show or set the mode: sandbox (podlab's own registry) or online (the real registries).")
    @Argument var mode: String?

    func run() throws {
        let locations = Current.engine.locations
        guard let mode else {
            Output.out((PodlabMode.current(locations: locations)).rawValue)
            return
        }
        guard let chosen = EndpointResolver.Mode(rawValue: mode) else {
            throw CLIError.usage("unknown mode \"\(mode)\": use sandbox or online", command: "podlab mode")
        }
        try PodlabMode.set(chosen, locations: locations)
        Output.out(chosen == .online
            ? "online: docker.io, quay.io, … are the real registries now (HTTPS, the system's certificates)"
            : "sandbox: registry names go to podlab's sandbox registry on 127.0.0.1")
    }
}
