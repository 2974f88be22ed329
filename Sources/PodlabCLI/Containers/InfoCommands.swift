import ArgumentParser
import CSpawn
import PodlabCore
import PodlabImages
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// `podman logs [-f] [--tail N] [-t] NAME`: what the container wrote, stdout lines on stdout and stderr
/// lines on stderr (the log is in podman's k8s-file format).
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Show a container's output.")
    @Flag(name: .shortAndLong, help: "Keep following the output until the container stops.") var follow = false
    @Option(help: "Show only the last N lines.") var tail: Int?
    @Flag(name: [.customShort("t"), .long], help: "Show the time of each line.") var timestamps = false
    @Argument var container: String

    func run() throws {
        let engine = try Current.engine.containers()
        let record = try engine.containers.find(container)
        let path = engine.containers.logPath(of: record.id)
        let bytes = (try? FileSystem.readFile(path)) ?? []
        var complete = bytes.lastIndex(of: 0x0a).map { $0 + 1 } ?? 0
        var lines = bytes[..<complete].split(separator: 0x0a, omittingEmptySubsequences: false).dropLast()
        if let tail { lines = lines.suffix(max(0, tail)) }
        for line in lines { show(Array(line)) }
        Output.flush()
        guard follow else { return }
        while true {
            let current = try engine.containers.find(record.id)
            let data = (try? FileSystem.readFile(path)) ?? []
            if let end = data.lastIndex(of: 0x0a).map({ $0 + 1 }), end > complete {
                for line in data[complete..<end].split(separator: 0x0a) { show(Array(line)) }
                Output.flush()
                complete = end
            }
            if current.state.status != .running { return }
            usleep(100_000)
        }
    }

    /// One k8s-file line: `TIME STREAM F|P TEXT` (F ends a line, P continues it).
    func show(_ line: [UInt8]) {
        let text = String(decoding: line, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[1] == "stdout" || parts[1] == "stderr", parts[2] == "F" || parts[2] == "P" else {
            Output.out(text)  // a log from before the format
            return
        }
        let body = (timestamps ? "\(parts[0]) " : "") + (parts.count == 4 ? String(parts[3]) : "")
        let terminator = parts[2] == "F" ? "\n" : ""
        if parts[1] == "stderr" { Output.err(body, terminator: terminator) } else { Output.out(body, terminator: terminator) }
    }
}

/// `podman port NAME`: `80/tcp -> 127.0.0.1:8080`.
struct PortCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "port", abstract: "List a container's published ports.")
    @Argument var container: String
    @Argument var port: String?

    func run() throws {
        let record = try Current.engine.containers().containers.find(container)
        for mapping in record.settings.ports {
            let key = "\(mapping.containerPort)/\(mapping.proto)"
            if let port, port != key && port != String(mapping.containerPort) { continue }
            Output.out(port == nil ? "\(key) -> \(mapping.hostAddress):\(mapping.hostPort)" : "\(mapping.hostAddress):\(mapping.hostPort)")
        }
    }
}

/// `podman container exists NAME`: status 0 or 1, no output.
struct ContainerExistsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exists", abstract: "Check if a container exists.")
    @Argument var container: String

    func run() throws {
        if try Current.engine.containers().containers.lookup(container) == nil { throw SilentExit(status: ExitStatus.notFound) }
    }
}

/// `podman container prune`: removes every container that is not running.
struct ContainerPruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove all stopped containers.")
    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.") var force = false

    func run() throws {
        if !force {
            Output.out("WARNING! This will remove all non running containers.")
            Output.out("Are you sure you want to continue? [y/N] ", terminator: "")
            Output.flush()
            guard let answer = readLine(), answer.lowercased().hasPrefix("y") else { return }
        }
        let engine = try Current.engine.containers()
        // A pod's infra belongs to its pod while the pod exists (podman 4.3.1 leaves it, printing nothing): removing it
        // would leave a pod that says Running with no containers and cannot start. `pod rm` removes it.
        let podIDs = Set(try engine.pods.all().map(\.id))
        // A build's RUN container is its build's until the build ends (the step's layer is read from its files after the
        // command has exited); one a killed build left is the prune's.
        for record in try engine.containers.all() where record.state.status != .running && !record.isInRunningBuild {
            if record.settings.infra == true, let pod = record.settings.pod, podIDs.contains(pod) { continue }
            do {
                try engine.remove(record)
            } catch RuntimeError.running, RuntimeError.noSuchContainer {
                continue   // started or removed by another command since the list was read: not this prune's
            }
            Output.out(record.id)
        }
    }
}

/// `podman events`: the journal so far, as lines or JSON (podlab prints and exits; it does not stream).
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Show what the engine did.")
    @Option(help: "json or a Go template.") var format: String?

    func run() throws {
        guard let journal = Current.engine.journal else { return }
        for event in journal.events() {
            let value: TemplateValue = .object([
                ("ID", .string(event.id ?? "")), ("Image", .string(event.image ?? "")), ("Name", .string(event.name ?? "")),
                ("Status", .string(event.status)), ("Type", .string(event.type)),
                ("Time", .string(JSONCoding.timestamp(event.time))),
                ("ContainerExitCode", .int(Int64(event.exitCode ?? 0))),
                ("Arguments", .strings(event.arguments)),
            ])
            if let format {
                Output.out(GoTemplate.isJSON(format) ? value.json(indent: nil) : try GoTemplate(format, name: "events").render(value))
                continue
            }
            var attributes: [String] = []
            if let image = event.image { attributes.append("image=\(image)") }
            if let name = event.name { attributes.append("name=\(name)") }
            if let code = event.exitCode { attributes.append("containerExitCode=\(code)") }
            if let arguments = event.arguments { attributes.append("command=\(arguments.joined(separator: " "))") }
            let time = ImagesOptions.goTime(event.time)
            // The journaled command line and names are shown with their control characters visible, as --format shows them.
            let line = "\(time) \(event.type) \(event.status) \(event.id ?? "")" + (attributes.isEmpty ? "" : " (\(attributes.joined(separator: ", ")))")
            Output.out(TerminalText.visible(line, keepNewlines: false))
        }
    }
}

/// `podman exec [-it] NAME COMMAND…`: another process in a running container's namespaces.
struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exec", abstract: "Run a process in a running container.")
    @Flag(name: .shortAndLong, help: "Keep standard input open.") var interactive = false
    @Flag(name: .shortAndLong, help: "Give the process a pseudo-terminal.") var tty = false
    @Option(name: [.customShort("e", allowingJoined: true), .customLong("env")], help: "Set an environment variable.") var env: [String] = []
    @Option(name: [.customShort("w", allowingJoined: true), .customLong("workdir")], help: "Working directory.") var workdir: String?
    @Option(name: [.customShort("u", allowingJoined: true), .long], help: "User to run as.") var user: String?
    @Argument(parsing: .captureForPassthrough) var containerAndCommand: [String] = []

    func validate() throws { try UnknownFlag.refuse(before: containerAndCommand, podmanFlags: .exec, joinable: ["e", "w", "u"]) }

    func run() throws {
        let containerAndCommand = UnknownFlag.afterEnd(containerAndCommand)
        guard containerAndCommand.count >= 2 else {
            throw CLIError.usage("requires at least 2 arg(s), only received \(containerAndCommand.count)", command: "podman exec")
        }
        let engine = try Current.engine.containers()
        let record = try engine.containers.find(containerAndCommand[0])
        guard record.state.status == .running else { throw StatusOverride(RuntimeError.notRunning(record.id), status: ExitStatus.engineError) }
        var environment = record.settings.env
        for entry in env { environment.append(try ContainerFactory.expand(entry)) }
        Output.flush()
        let code = try engine.exec(record, command: Array(containerAndCommand.dropFirst()), environment: environment,
                                   workingDir: workdir, user: user, tty: tty, interactive: interactive)
        if code != 0 { throw SilentExit(status: code) }
    }
}
