import PodlabTutor

/// The journal of a submission as a script the class server may run: every line a podman command the server can
/// repeat without the learner's machine and without reaching beyond the replay's own sandbox. A submission comes
/// from the network, so its journal is hostile until vetted: no host paths (bind mounts, files read or written on
/// the server), no host namespaces or added privileges, no global options that move the store.
public struct ReplayPlan: Sendable, Equatable {
    /// The commands, each as its arguments (the first is `podman`).
    public let commands: [[String]]

    /// Why a journal cannot be replayed: the first line that cannot be, and why.
    public struct Refusal: Error, Sendable, Equatable {
        public let line: Int
        public let reason: String

        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }

        public var message: String { "the replay does not run line \(line) of the journal: \(reason)" }
    }

    /// Subcommands repeated as they were. Those that read or write files of the learner's machine (`build`, `cp`,
    /// `kube play FILE`, `load`, `save`, `secret create FILE`) or need their password (`login`) are not among them.
    static let replayable: Set<String> = [
        "run", "create", "start", "stop", "restart", "kill", "rm", "rmi", "ps", "images", "pull", "tag", "inspect",
        "logs", "port", "exec", "top", "stats", "wait", "pause", "unpause", "rename", "history", "version", "info",
        "image", "container", "volume", "pod", "network", "untag",
    ]
    /// Second words of `image`, `container`, `volume`, `pod` allowed (the rest read or write host files).
    static let replayableSecond: [String: Set<String>] = [
        "image": ["ls", "list", "rm", "tag", "untag", "inspect", "pull", "history", "exists", "prune"],
        "container": ["ls", "list", "ps", "rm", "run", "create", "start", "stop", "restart", "kill", "inspect", "logs",
                      "port", "exec", "top", "stats", "wait", "pause", "unpause", "rename", "exists", "prune"],
        "volume": ["create", "ls", "list", "rm", "inspect", "exists", "prune"],
        "pod": ["create", "start", "stop", "restart", "kill", "rm", "ps", "ls", "list", "inspect", "exists", "prune", "top", "stats"],
        "network": ["ls", "list", "inspect", "exists"],
    ]
    /// Options that give a container the host's namespaces, devices or privileges, or make podman read or write a
    /// file of the server's, in their long and short spellings.
    static let refusedOptions: Set<String> = [
        "--privileged", "--cap-add", "--device", "--security-opt", "--pid", "--network", "--net", "--userns", "--ipc",
        "--uts", "--cgroupns", "--cgroup-parent", "--env-file", "--label-file", "--cidfile", "--pidfile",
        "--conmon-pidfile", "--mount", "--volumes-from", "--authfile", "--cert-dir", "--creds", "--seccomp-policy",
        "--env-host", "--hooks-dir", "--root", "--runroot", "--storage-opt", "--tmpdir", "--log-opt", "--iidfile",
        "--digestfile", "--sdnotify", "--secret", "--rootfs", "--init-path", "--sysctl", "--ulimit", "--oom-score-adj",
        "--group-add", "--gidmap", "--uidmap", "--subuidname", "--subgidname", "--preserve-fds", "--chrootdirs",
        "--infra-command", "--infra-conmon-pidfile", "--share", "--share-parent",
    ]

    /// The plan for a journal, or the first line it cannot replay.
    public static func make(_ journal: [Submission.Command]) throws(Refusal) -> ReplayPlan {
        var commands: [[String]] = []
        for (index, command) in journal.enumerated() {
            let line = index + 1
            guard let program = command.arguments.first, program == "podman" || program == "docker" else {
                throw Refusal(line: line, reason: "it is not a podman command")
            }
            var arguments = Array(command.arguments.dropFirst())
            if arguments == ["--version"] || arguments == ["-v"] {
                commands.append(["podman", "--version"])
                continue
            }
            guard let subcommand = arguments.first, !subcommand.hasPrefix("-") else {
                throw Refusal(line: line, reason: "options before the subcommand (\(arguments.first ?? "none")) are not replayed")
            }
            guard replayable.contains(subcommand) else {
                throw Refusal(line: line, reason: "`\(program) \(subcommand)` works with the learner's own files or passwords")
            }
            if let allowed = replayableSecond[subcommand] {
                guard arguments.count > 1, allowed.contains(arguments[1]) else {
                    throw Refusal(line: line, reason: "`\(program) \(subcommand) \(arguments.dropFirst().first ?? "")` is not replayed")
                }
            }
            if let reason = refusal(in: arguments) { throw Refusal(line: line, reason: reason) }
            // The journal keeps `******` where a value was secret: such a line cannot be repeated as it ran.
            guard !arguments.contains(where: { $0.contains("******") }) else {
                throw Refusal(line: line, reason: "it held a secret value, which the journal does not keep")
            }
            arguments.insert("podman", at: 0)
            commands.append(arguments)
        }
        return ReplayPlan(commands: commands)
    }

    /// Why an option of a command's arguments makes it unsafe to repeat on the server, or nil. Conservative: every
    /// word is read as an option, the container's own command's too (`run busybox ls -v` is refused), and any
    /// short-option cluster holding `v` as a volume, whatever letters come before it.
    static func refusal(in arguments: [String]) -> String? {
        var index = 1
        while index < arguments.count {
            let word = arguments[index]
            if word == "--" { return nil }
            let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
            if refusedOptions.contains(name) { return "\(name) reaches beyond the replay's sandbox" }
            if name == "--volume" || name == "-v" || (word.hasPrefix("-") && !word.hasPrefix("--") && word.dropFirst().contains("v")) {
                let attached: String? = word.contains("=") ? String(word.split(separator: "=", maxSplits: 1)[1])
                    : (word.hasPrefix("-v") && word.count > 2 && name == word ? String(word.dropFirst(2)) : nil)
                let value = attached ?? (index + 1 < arguments.count ? arguments[index + 1] : "")
                if attached == nil { index += 1 }
                if !isNamedVolume(value) { return "-v \(value) mounts a path of the server's" }
            }
            index += 1
        }
        return nil
    }

    /// `NAME:/dest[:opts]` or `/dest` alone (an anonymous volume): a volume of the replay's own store. A source that
    /// is a path (`/`, `.`, `~`) would be the server's.
    static func isNamedVolume(_ value: String) -> Bool {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return value.hasPrefix("/") }
        let source = parts[0]
        return !source.isEmpty && !source.contains("/") && !source.hasPrefix(".") && !source.hasPrefix("~")
    }

    /// The plan as a POSIX shell script of quoted words, one command per line.
    public var script: String {
        commands.map { words in words.map(Self.quote).joined(separator: " ") }.joined(separator: "\n") + "\n"
    }

    static func quote(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
