import PodlabCLI

/// podlab-net's additions to the shared command trees, and its own way of pulling.
public enum NetCommands {
    public static func install() {
        CommandLineEntry.answersRegistryCommands = true
        CommandTree.podman = [PullCommand.self, PushCommand.self, LoginCommand.self, LogoutCommand.self]
        CommandTree.podlab = [RegistryCommand.self, ModeCommand.self]
        CommandTree.image = [PullCommand.self, PushCommand.self]
        ImagePuller.network = { reference, quiet in try NetworkPull.pull(reference, quiet: quiet) }
    }
}
