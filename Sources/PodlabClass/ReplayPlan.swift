import PodlabCore
import PodlabRegistryClient
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

    /// What every container a replay makes is held to, whatever the journal asked: the server's, so one hostile
    /// journal (a fork bomb, a process that eats memory) cannot take the lab server down. Applied through cgroups
    /// where podlab may make them (a server run as root); a rootless server has its own bounds to set (a pod's).
    public struct Bounds: Sendable, Equatable {
        /// `--memory`'s value: bytes or with a unit (`512m`, `1g`).
        public var memory: String
        public var pids: Int

        public init() {
            memory = "1g"
            pids = 1024
        }

        /// A teacher's choice, checked as podman would read it (`512m`, `2g`, bytes; a positive process count).
        public init(memory: String, pids: Int) throws(ClassError) {
            guard MemorySize.bytes(memory) != nil else {
                throw ClassError("--replay-memory \"\(memory)\" is not a size", hint: "give it as podman's --memory takes it, such as 512m or 2g")
            }
            // The kernel's own ceiling (PID_MAX_LIMIT): pids.max refuses more.
            guard (1...4_194_304).contains(pids) else {
                throw ClassError("--replay-pids-limit must be between 1 and 4194304 processes")
            }
            self.memory = memory
            self.pids = pids
        }

        var options: [String] { ["--memory=\(memory)", "--pids-limit=\(pids)"] }
    }

    /// Options the server sets on a replay's containers (`Bounds`); a journal's own are refused, not overridden, so
    /// the replay never runs something other than what the learner ran without saying so.
    static let boundOptions: Set<String> = ["--memory", "--memory-swap", "--memory-reservation", "--pids-limit"]

    /// The plan for a journal, or the first line it cannot replay.
    public static func make(_ journal: [Submission.Command], bounds: Bounds = Bounds()) throws(Refusal) -> ReplayPlan {
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
            if let at = containerMaking(arguments) { arguments.insert(contentsOf: bounds.options, at: at) }
            arguments.insert("podman", at: 0)
            commands.append(arguments)
        }
        return ReplayPlan(commands: commands)
    }

    /// Where the options of a command that makes a container begin (after `run`, `container create` …), or nil.
    /// (`pod create` makes the pod's infra container, podlab's own pause image: no bounds are added to it.)
    static func containerMaking(_ arguments: [String]) -> Int? {
        if ["run", "create"].contains(arguments[0]) { return 1 }
        if arguments[0] == "container", arguments.count > 1, ["run", "create"].contains(arguments[1]) { return 2 }
        return nil
    }

    /// Why a command's arguments make it unsafe to repeat on the server, or nil. For the commands that make
    /// containers, the options that take values of concern (`-v`, `-p`, `-e`) are read in every spelling: `--volume=X`,
    /// `-v X`, `-vX`, and inside a short-option cluster (`-dv X`, `-itp 80:80`). Conservative: every word is read as
    /// an option, the container's own command's too (`run busybox grep -v x` is refused), and a cluster is read letter
    /// by letter whatever its letters mean.
    static func refusal(in arguments: [String]) -> String? {
        if let bad = arguments.first(where: { $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }) {
            return "\(TerminalText.visible(bad)) holds a control character"
        }
        if let image = arguments.first(where: isForeignImage) {
            return "\(image) names a registry other than the tutorial's: a replay pulls only from the sandbox's"
        }
        let makesContainers = containerMaking(arguments) != nil || arguments.starts(with: ["pod", "create"])
        var index = 1
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            guard word.hasPrefix("-"), word != "-" else { continue }
            if word == "--" { return nil }
            let equals = word.firstIndex(of: "=")
            let name = equals.map { String(word[..<$0]) } ?? word
            if refusedOptions.contains(name) { return "\(name) reaches beyond the replay's sandbox" }
            if boundOptions.contains(name) || (makesContainers && !word.hasPrefix("--") && word.dropFirst().contains("m")) {
                return "\(word.hasPrefix("--") ? name : "-m"): a replay's memory and process limits are the server's"
            }
            guard makesContainers else { continue }
            // The options whose values matter here, each with what it is given.
            var given: [(String, String)] = []
            func next() -> String {
                defer { index += 1 }
                return index < arguments.count ? arguments[index] : ""
            }
            if word.hasPrefix("--") {
                if let long = ["--volume": "-v", "--publish": "-p", "--env": "-e"][name] {
                    given.append((long, equals.map { String(word[word.index(after: $0)...]) } ?? next()))
                }
            } else {
                let letters = Array(word.dropFirst())
                // podman's flag library gives a cluster's first value-taking letter the rest of the word, or the next
                // word when it is last. ArgumentParser gives the rest only to a first letter; to a later one it gives
                // the next word, and the word after that to the next such letter (`-dpv 8080:80 /:/h`: -v "/:/h").
                // So the two read a cluster alike when that letter is first or last; in the middle, one holding -v,
                // -p or -e is not replayed.
                if let first = letters.firstIndex(where: { Self.shortOptionsWithValues.contains($0) }) {
                    let letter = letters[first]
                    if first != 0 && first != letters.count - 1 && letters.contains(where: { "vpe".contains($0) }) {
                        return "\(word) has -\(letter) amid other options, which podman and podlab read apart: write -\(letter) VALUE on its own"
                    }
                    if "vpe".contains(letter) {
                        var rest = String(letters[(first + 1)...])
                        let attached = rest.hasPrefix("=")
                        if attached { rest.removeFirst() }
                        given.append(("-\(letter)", rest.isEmpty && !attached ? next() : rest))
                    }
                }
            }
            for (option, value) in given {
                // `--env --privileged=x`, `-e -- -v /:/h`: which of those words a parser takes as the value and which
                // as an option (or the end of options) is its business; no value here begins with `-`.
                if value.hasPrefix("-") { return "\(option) is given \(value), and a value beginning with - is not replayed" }
                switch option {
                case "-v" where !isNamedVolume(value): return "-v \(value) mounts a path of the server's"
                case "-e" where !value.contains("="): return "-e \(value) would copy a variable of the server's"
                case "-p": if let reason = publishRefusal(value) { return reason }
                default: break
                }
            }
        }
        return nil
    }

    /// The short options of `run` and `create` that take a value, podman's and podlab's (`-a`, `-c` podlab lacks).
    static let shortOptionsWithValues: Set<Character> = ["a", "c", "e", "h", "l", "m", "p", "u", "v", "w"]

    /// A word shaped like an image reference whose first part is a registry host (`10.0.0.5:8080/x`, `evil.example/x`)
    /// that is not one of the public registries the sandbox serves: pulling it would make the server send requests
    /// into its own network. Conservative: any word of that shape counts, wherever it is.
    static func isForeignImage(_ word: String) -> Bool {
        guard !word.hasPrefix("-"), let slash = word.firstIndex(of: "/") else { return false }
        let host = word[..<slash]
        // A port, if any, is digits: `todo-data:/data` is a volume, not a host.
        if let colon = host.firstIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard !port.isEmpty, port.allSatisfy(\.isNumber) else { return false }
        }
        guard !host.isEmpty, !host.hasPrefix("."), host.contains(".") || host.contains(":") || host == "localhost",
              host.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || ".-:".unicodeScalars.contains($0) })
        else { return false }
        return !RegistriesConf.publicRegistries.contains(String(host))
    }

    /// `-p` values that would bind beyond the replay: an address other than loopback, or a privileged host port.
    static func publishRefusal(_ value: String) -> String? {
        guard !value.contains("[") else { return "-p \(value): an IPv6 address is not replayed" }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let (address, host) = parts.count >= 3 ? (parts[0], parts[1]) : (parts.count == 2 ? ("", parts[0]) : ("", ""))
        guard ["", "127.0.0.1", "localhost"].contains(address) else {
            return "-p \(value) would listen on \(address), beyond the server's loopback"
        }
        if let first = host.split(separator: "-").first, let port = Int(first), port < 1024 {
            return "-p \(value) would take the server's privileged port \(port)"
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
        commands.map { words in words.map(ShellQuote.quote).joined(separator: " ") }.joined(separator: "\n") + "\n"
    }
}
