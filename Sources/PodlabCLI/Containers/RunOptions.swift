import ArgumentParser
import PodlabCore
import PodlabFixtures
import PodlabImages
import PodlabRuntime

/// The flags `podman run` and `podman create` share. A short one that takes a value takes it joined too
/// (`-p8080:80`, `-la=b`), as podman's flag library reads it.
package struct RunOptions: ParsableArguments {
    package init() {}

    /// The short flags below that take a value joined to them (`allowingJoined`).
    static let joinable: Set<Character> = ["p", "e", "w", "u", "h", "v", "l", "m"]

    @Option(help: "Name the container.") var name: String?
    @Flag(help: "Remove the container when it exits.") var rm = false
    @Flag(name: .shortAndLong, help: "Run in the background and print the container id.") var detach = false
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("publish")], help: "Publish a port: [ip:][hostPort:]containerPort[/tcp|udp] (no host port: one the system picks).")
    var publish: [String] = []
    @Option(name: [.customShort("e", allowingJoined: true), .customLong("env")], help: "Set an environment variable (NAME=value, or NAME to copy ours).")
    var env: [String] = []
    @Option(name: .customLong("env-file"), help: "Read environment variables from a file.") var envFile: [String] = []
    @Flag(name: .shortAndLong, help: "Keep standard input open.") var interactive = false
    @Flag(name: .shortAndLong, help: "Give the container a pseudo-terminal.") var tty = false
    @Option(help: "Override the image's entrypoint.") var entrypoint: String?
    @Option(name: [.customShort("w", allowingJoined: true), .customLong("workdir")], help: "Working directory inside the container.") var workdir: String?
    @Option(name: [.customShort("u", allowingJoined: true), .long], help: "User (name or uid[:gid]) to run as.") var user: String?
    @Option(name: [.customShort("h", allowingJoined: true), .customLong("hostname")], help: "The container's hostname.") var hostname: String?
    @Option(name: [.customShort("v", allowingJoined: true), .customLong("volume")], help: "Mount a volume or host path: NAME|HOST-PATH:CONTAINER-PATH[:ro], or CONTAINER-PATH alone (an anonymous volume).") var volume: [String] = []
    @Option(help: "Mount: type=volume|bind,source=…,destination=…[,readonly].") var mount: [String] = []
    @Option(help: "Run in this pod: its network (127.0.0.1, the members' names), hostname and ports.") var pod: String?
    @Option(help: "Give a secret: NAME[,type=mount|env][,target=PATH|VARIABLE] (a file in /run/secrets by default).") var secret: [String] = []
    @Flag(name: .customLong("read-only"), help: "Mount the container's root file system read-only.") var readOnly = false
    @Option(name: [.customLong("network"), .customLong("net")], help: "private (default), none or host.") var network: String = "private"
    @Option(name: .customLong("cap-add"), help: "Add a capability.") var capAdd: [String] = []
    @Option(name: .customLong("cap-drop"), help: "Drop a capability.") var capDrop: [String] = []
    @Option(name: .customLong("security-opt"), help: "seccomp=unconfined or seccomp=PROFILE.json.") var securityOpt: [String] = []
    @Option(name: [.customShort("l", allowingJoined: true), .customLong("label")], help: "Set a label on the container: KEY=VALUE (KEY alone: an empty value).")
    var label: [String] = []
    @Option(name: .customLong("label-file"), help: "Read labels from a file: one KEY=VALUE a line; # begins a comment.")
    var labelFile: [String] = []
    @Option(help: "Pull the image: always, missing (default) or never.") var pull: String = "missing"
    @Flag(name: .shortAndLong, help: "Print nothing while pulling the image.") var quiet = false
    @Flag(help: "Run a small init as PID 1 that reaps zombies and forwards signals.") var `init` = false
    @Option(name: [.customShort("m", allowingJoined: true), .customLong("memory")], help: "Memory limit (needs cgroups; see the warning).") var memory: String?
    @Option(name: .customLong("pids-limit"), help: "Process limit (needs cgroups; see the warning).") var pidsLimit: Int?
    @Option(name: .customLong("stop-timeout"), help: "Seconds to wait after the stop signal before killing.") var stopTimeout: Int = 10
    @Option(name: .customLong("stop-signal"), help: "Signal that stops the container.") var stopSignal: String?

    @Argument(parsing: .captureForPassthrough, help: "The image, then the command and its arguments.")
    var imageAndCommand: [String] = []

    /// The image, then the command: the words after the flags, without a `--` that ends them (`run -- IMAGE`).
    var imageThenCommand: [String] { UnknownFlag.afterEnd(imageAndCommand) }
}
