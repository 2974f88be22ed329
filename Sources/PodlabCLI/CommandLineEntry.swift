import ArgumentParser
import PodlabCore
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Chooses what to run from how podlab was called: as `podman`/`docker` (a link or the REPL's shim),
/// as `podlab podman …`, or as `podlab …` for podlab's own commands.
public enum CommandLineEntry {
    /// True in podlab-net, which answers registry commands itself instead of handing them over.
    nonisolated(unsafe) package static var answersRegistryCommands = false
    /// True in podlab-kube, which answers `kube`, `generate kube` and `play kube` itself.
    nonisolated(unsafe) package static var answersKubeCommands = false

    public static func run(arguments: [String] = CommandLine.arguments) -> Never {
        let invokedAs = FileSystemName.base(arguments.first ?? "podlab")
        var rest = Array(arguments.dropFirst())
        let status: Int32
        if invokedAs == ContainerMonitor.programName {
            status = ContainerMonitor.main(rest)
        } else if invokedAs == "podman" || invokedAs == "docker" {
            status = runPodman(rest, name: invokedAs)
        } else if let first = rest.first, first == "podman" || first == "docker" {
            rest.removeFirst()
            status = runPodman(rest, name: first)
        } else {
            if rest.isEmpty || NetBinary.tutorCommands.contains(rest[0]) {
                status = report(NetBinary.failedExec(rest, binary: NetBinary.tutorFileName), command: "podlab")
            } else if !answersRegistryCommands, let first = rest.first, NetBinary.podlabCommands.contains(first) || ["--help", "-h", "help"].contains(first) {
                status = report(NetBinary.failedExec(rest), command: "podlab")
            } else {
                status = runCommand(PodlabCommand.self, rest, name: "podlab")
            }
        }
        Output.flush()
        exit(status)
    }

    static func runPodman(_ arguments: [String], name: String) -> Int32 {
        var remaining = arguments
        do {
            let globals = try GlobalOptions.extract(from: &remaining)
            Current.engine = Engine(locations: globals.apply(to: Locations.current()))
            if globals.online { setenv("PODLAB_MODE", "online", 1) }
        } catch {
            return report(error, command: name)
        }
        if !answersRegistryCommands, handledByNet(remaining) {
            return report(NetBinary.failedExec([name] + arguments), command: name)
        }
        if let sibling = NetBinary.unimplementedKubeSibling(remaining) {
            Output.err("Error: podlab does not implement '\(name) \(sibling)' yet")
            return ExitStatus.engineError
        }
        if !answersKubeCommands, let first = remaining.first, NetBinary.kubeCommands.contains(first) {
            return report(NetBinary.failedExec([name] + arguments, binary: NetBinary.kubeFileName), command: name)
        }
        let status = runCommand(PodmanCommand.self, remaining, name: name)
        // Every podman command line is journaled with its exit status, for lesson checks (not `events`, which
        // only watches; not the pulls that run/build start in podlab-net, which the outer command covers).
        if remaining.first != "events", getenv("PODLAB_NO_COMMAND_JOURNAL").map({ String(cString: $0) }) != "1" {
            Current.engine.journal?.record(.init(type: "system", status: "command", exitCode: status, arguments: [name] + arguments))
        }
        return status
    }

    /// Registry commands, and the help that lists every command, are podlab-net's.
    static func handledByNet(_ arguments: [String]) -> Bool {
        guard let first = arguments.first else { return true }
        if first == "--help" || first == "-h" { return true }
        if first == "image", arguments.count > 1 { return ["pull", "push", "--help", "-h", "help"].contains(arguments[1]) }
        return NetBinary.podmanCommands.contains(first)
    }

    static func runCommand<Root: ParsableCommand>(_ root: Root.Type, _ arguments: [String], name: String) -> Int32 {
        if root == PodmanCommand.self, let first = arguments.first, PodmanCommand.notImplemented.contains(first) {
            Output.err("Error: podlab does not implement '\(name) \(first)' yet")
            return ExitStatus.engineError
        }
        if let help = helpText(root, arguments) {
            Output.out(help)
            return 0
        }
        // ArgumentParser's own answer to `--version`, without building a parser for one fixed line.
        if arguments == ["--version"], !root.configuration.version.isEmpty {
            Output.out(root.configuration.version)
            return 0
        }
        let command: any ParsableCommand
        do {
            if let (leaf, rest) = leafCommand(root, arguments) {
                command = try leaf.parseAsRoot(rest)
                // `-h` where the leaf has no `-h` of its own: ArgumentParser answers with its help command, whose run
                // would throw. The same help as `--help` instead.
                if ObjectIdentifier(type(of: command)) != ObjectIdentifier(leaf) {
                    Output.out(root.helpMessage(for: leaf))
                    return 0
                }
            } else {
                command = try root.parseAsRoot(arguments)
            }
        } catch {
            return reportParseError(error, root: root, arguments: arguments, name: name)
        }
        do {
            var runnable = command
            try runnable.run()
            return 0
        } catch let exit as SilentExit {
            return exit.status
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            return report(error, command: name)
        }
    }

    /// The command that the leading words name (`container ls` → the list command) and the words after them, when
    /// that command has no subcommands of its own. Parsing it alone gives the same result as parsing from the root,
    /// without ArgumentParser's walk over the whole tree of ~90 commands (a third of a short command's time).
    static func leafCommand(_ root: any ParsableCommand.Type, _ arguments: [String]) -> (any ParsableCommand.Type, [String])? {
        let (type, count) = commandPath(root, arguments)
        guard count > 0, !isGroup(type) else { return nil }
        return (type, Array(arguments[count...]))
    }

    /// A command that only groups others (`volume`, `image`, the root): it has no options of its own, `-h` among them.
    static func isGroup(_ type: any ParsableCommand.Type) -> Bool {
        !type.configuration.subcommands.isEmpty
    }

    /// The command the leading words name (`container`, `run`) and how many words name it; a word that names no
    /// subcommand ends them. Both the parse and a parse error's "See 'podman container run --help'" start here.
    static func commandPath(_ root: any ParsableCommand.Type, _ arguments: [String]) -> (type: any ParsableCommand.Type, count: Int) {
        var type = root
        var count = 0
        while count < arguments.count, let next = subcommand(of: type, named: arguments[count]) {
            type = next
            count += 1
        }
        return (type, count)
    }

    static func subcommand(of type: any ParsableCommand.Type, named word: String) -> (any ParsableCommand.Type)? {
        type.configuration.subcommands.first { $0._commandName == word || $0.configuration.aliases.contains(word) }
    }

    /// `--help` among the subcommand names and options before the first other word (so that
    /// `podman run busybox echo --help` reaches the container), or `help` first: that command's help.
    static func helpText<Root: ParsableCommand>(_ root: Root.Type, _ arguments: [String]) -> String? {
        var type: any ParsableCommand.Type = root
        var asked = arguments.first == "help"
        for argument in arguments.dropFirst(asked ? 1 : 0) {
            // `-h` is help at the root and after a group (neither has a `-h` of its own); after a leaf it may be
            // the leaf's own (`run -h NAME`), which the leaf's parse tells.
            if argument == "--help" || (argument == "-h" && isGroup(type)) { asked = true; break }
            if argument.hasPrefix("-") { continue }
            guard let next = subcommand(of: type, named: argument) else { break }
            type = next
        }
        return asked ? root.helpMessage(for: type) : nil
    }

    static func reportParseError<Root: ParsableCommand>(_ error: any Error, root: Root.Type, arguments: [String], name: String) -> Int32 {
        let code = root.exitCode(for: error)
        let text = root.fullMessage(for: error)
        if code == .success {
            Output.out(text)
            return 0
        }
        // ArgumentParser's words, in podman's shape: "Error: …" then where to look.
        let firstLine = text.split(separator: "\n").first.map(String.init) ?? text
        var message = firstLine.hasPrefix("Error: ") ? String(firstLine.dropFirst(7)) : firstLine
        if let first = message.first { message = first.lowercased() + message.dropFirst() }
        message = UnknownFlag.inPodmansWords(message)
        let subcommand = arguments.prefix(commandPath(root, arguments).count).map { " \($0)" }.joined()
        Output.err("Error: \(TerminalText.visible(message))")
        Output.err("See '\(name)\(TerminalText.visible(subcommand)) --help'")
        return ExitStatus.engineError
    }

    /// Prints an error as podman does (`Error: …`), with podlab's hint on what to do next. Messages quote what came
    /// from outside (a YAML's fields, an image's or a registry's text), so their control characters are shown, not
    /// obeyed by the learner's terminal.
    static func report(_ error: any Error, command: String) -> Int32 {
        Output.flush()
        printError(error)
        guard let failure = error as? any LearnerFacingError else { return ExitStatus.engineError }
        if let hint = failure.hint { printHint(hint) }
        return failure.exitStatus
    }

    /// `Error: …`, its control characters shown rather than obeyed.
    static func printError(_ error: any Error) {
        let message = (error as? any LearnerFacingError)?.message ?? "\(error)"
        Output.err("Error: \(TerminalText.visible(message))")
    }

    static func printHint(_ hint: String) {
        Output.err(Output.hint(TerminalText.visible(hint)))
    }
}

enum FileSystemName {
    static func base(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
