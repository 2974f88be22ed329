import ArgumentParser
import PodlabCore
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Chooses what to run from how podlab was called: as `podman`/`docker` (a link or the REPL's shim),
/// as `podlab podman …`, or as `podlab …` for podlab's own commands.
public enum CommandLineEntry {
    public static func run(arguments: [String] = CommandLine.arguments) -> Never {
        let invokedAs = FileSystemName.base(arguments.first ?? "podlab")
        var rest = Array(arguments.dropFirst())
        let status: Int32
        if rest.first == "__monitor" {
            status = Detached.monitor(Array(rest.dropFirst()))
        } else if invokedAs == "podman" || invokedAs == "docker" {
            status = runPodman(rest, name: invokedAs)
        } else if let first = rest.first, first == "podman" || first == "docker" {
            rest.removeFirst()
            status = runPodman(rest, name: first)
        } else {
            status = runCommand(PodlabCommand.self, rest, name: "podlab")
        }
        Output.flush()
        exit(status)
    }

    static func runPodman(_ arguments: [String], name: String) -> Int32 {
        var remaining = arguments
        do {
            let globals = try GlobalOptions.extract(from: &remaining)
            Current.engine = Engine(locations: globals.apply(to: Locations.current()))
            if globals.online { Current.mode = .online }
        } catch {
            return report(error, command: name)
        }
        let status = runCommand(PodmanCommand.self, remaining, name: name)
        // Every podman command line that did something is journaled with its exit status, for lesson checks.
        if let first = remaining.first, !first.hasPrefix("-"), !["events", "version", "help"].contains(first) {
            Current.engine.journal?.record(.init(type: "system", status: "command", exitCode: status, arguments: [name] + arguments))
        }
        return status
    }

    static func runCommand<Root: ParsableCommand>(_ root: Root.Type, _ arguments: [String], name: String) -> Int32 {
        let command: any ParsableCommand
        do {
            command = try root.parseAsRoot(arguments)
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
        let subcommand = arguments.first { !$0.hasPrefix("-") }.map { " \($0)" } ?? ""
        Output.err("Error: \(message)")
        Output.err("See '\(name)\(subcommand) --help'")
        return ExitStatus.engineError
    }

    /// Prints an error as podman does (`Error: …`), with podlab's hint on what to do next.
    static func report(_ error: any Error, command: String) -> Int32 {
        Output.flush()
        if let failure = error as? any LearnerFacingError {
            Output.err("Error: \(failure.message)")
            if let hint = failure.hint { Output.err(Output.hint(hint)) }
            return failure.exitStatus
        }
        Output.err("Error: \(error)")
        return ExitStatus.engineError
    }
}

enum FileSystemName {
    static func base(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
