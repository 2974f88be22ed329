import ArgumentParser
import PodlabCore
import PodlabRuntime

/// `podlab session …`: the learner's session network (SessionNetwork), where published ports are bound when
/// `PODLAB_SESSION_NETWORK=1`. Hidden: the guided shell and the class tools manage it; these are for looking in.
struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "Start, show, stop or enter your session network.", shouldDisplay: false,
        subcommands: [SessionStart.self, SessionStatus.self, SessionStop.self, SessionExec.self])

    static var network: SessionNetwork { SessionNetwork(runtime: Current.engine.locations.runtime) }
}

struct SessionStart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start the session network (if none runs) and print its holder's pid.")
    func run() throws {
        Output.out("\(try SessionCommand.network.ensure().pid)")
    }
}

struct SessionStatus: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Say whether the session network runs (exit 1 when not).")
    func run() throws {
        guard let state = try SessionCommand.network.running() else {
            Output.out("no session network runs")
            throw SilentExit(status: 1)
        }
        Output.out("session network held by process \(state.pid) (net namespace \(state.network))")
    }
}

struct SessionStop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop the session network's holder.")
    @Flag(help: "Stop it even while containers publish ports in it (they run on, unreachable until restarted).") var force = false
    func run() throws {
        if !force {
            let publishing = try Current.engine.containers().containers.all()
                .filter { $0.state.status == .running && $0.settings.portNamespace == SessionNetwork.portNamespace }
            if !publishing.isEmpty {
                throw CLIError.refused("containers publish ports in the session network: \(publishing.map(\.name).joined(separator: ", "))",
                                       hint: "stop them first (podman stop), or use --force: their ports stay unreachable until 'podman restart'")
            }
        }
        Output.out(try SessionCommand.network.stop() ? "stopped" : "no session network runs")
    }
}

struct SessionExec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run a command inside the session network (e.g. curl http://127.0.0.1:8080).")
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String] = []
    func run() throws {
        let arguments = command.first == "--" ? Array(command.dropFirst()) : command
        let status = try SessionCommand.network.run(arguments, environment: Environment.current)
        if status != 0 { throw SilentExit(status: status) }
    }
}
