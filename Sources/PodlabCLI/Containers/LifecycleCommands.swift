import ArgumentParser
import CSpawn
import PodlabCore
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// `podman stop [-t N] NAME…`: the stop signal, then SIGKILL when the timeout passes.
struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop one or more running containers.")
    @Option(name: [.customShort("t"), .long], help: "Seconds to wait before killing the container.") var time: Int?
    @Flag(name: .shortAndLong, help: "Stop every running container.") var all = false
    @Flag(name: .shortAndLong, help: "Ignore containers that do not exist.") var ignore = false
    @Argument var containers: [String] = []

    func run() throws {
        let engine = try Current.engine.containers()
        let targets = all ? try engine.containers.all().filter { $0.state.status == .running && !$0.isBuildStep }.map(\.id) : containers
        guard !targets.isEmpty || all else { throw CLIError.usage("you must provide at least one name or id", command: "podman stop") }
        for name in targets {
            let record: ContainerRecord
            do { record = try engine.containers.find(name) } catch let error as RuntimeError {
                if ignore, case .noSuchContainer = error { continue }
                throw StatusOverride(error, status: ExitStatus.engineError)
            }
            if try engine.stop(record, timeout: time ?? record.settings.stopTimeout) {
                Output.err("WARN: StopSignal \(signalName(record.settings.stopSignal)) failed to stop container \(record.name) in \(time ?? record.settings.stopTimeout) seconds, resorting to SIGKILL")
            }
            Output.out(name)
        }
    }
}

func signalName(_ number: Int32) -> String {
    ContainerFactory.signals.first { $0.value == number }.map { "SIG" + $0.key } ?? String(number)
}

/// An error reported with another exit status (podman's `stop` of an unknown container is 125, not 1).
struct StatusOverride: LearnerFacingError {
    let underlying: any LearnerFacingError
    let status: Int32
    init(_ underlying: any LearnerFacingError, status: Int32) {
        self.underlying = underlying
        self.status = status
    }
    var message: String { underlying.message }
    var hint: String? { underlying.hint }
    var exitStatus: Int32 { status }
}

/// `podman kill [-s SIGNAL] NAME…`.
struct KillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Send a signal to running containers.")
    @Option(name: [.customShort("s"), .long], help: "The signal (default SIGKILL).") var signal: String = "SIGKILL"
    @Argument var containers: [String] = []

    func run() throws {
        let number = try ContainerFactory.signal(signal)
        let engine = try Current.engine.containers()
        for name in containers {
            let record = try engine.containers.find(name)
            // Through the verified process: never a process that was given a finished container's pid.
            guard let process = try VerifiedProcess(record), try process.signal(number) else {
                // A record still saying running has just ended: its monitor has not written the exit yet.
                let state = record.state.status == .running ? ContainerStatus.exited : record.state.status
                throw RuntimeError.cannotKill(id: record.id, state: state.rawValue)
            }
            engine.journal.record(.init(type: "container", status: "kill", id: record.id, name: record.name, image: record.imageName))
            Output.out(name)
        }
    }
}

/// `podman rm [-f] NAME…`.
struct RemoveContainerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one or more containers.")
    @Flag(name: .shortAndLong, help: "Stop and remove running containers too.") var force = false
    @Flag(name: .shortAndLong, help: "Remove every container.") var all = false
    @Flag(name: .shortAndLong, help: "Ignore containers that do not exist.") var ignore = false
    @Option(name: [.customShort("t"), .long], help: "Seconds to wait before killing with --force.") var time: Int?
    @Flag(name: [.customShort("v"), .long], help: "Remove the containers' anonymous volumes too.") var volumes = false
    @Argument var containers: [String] = []

    func run() throws {
        let engine = try Current.engine.containers()
        let targets = all ? try engine.containers.all().filter { !$0.isInRunningBuild }.map(\.id) : containers
        try EachTarget.run(targets) { name in
            do {
                let record = try engine.containers.find(name)
                // An infra container goes with its pod; one whose pod is gone (a pods.json moved aside) may go alone.
                if record.settings.infra == true, let pod = record.settings.pod, try engine.pods.lookup(pod) != nil {
                    throw RuntimeError.cannotRun("container \(record.id) is the infra container of pod \(pod) and cannot be removed without removing the pod",
                                                 hint: "remove the pod: podman pod rm -f \(pod.prefix(12))")
                }
                // Running or not is decided under the start lock: without -f, `remove` refuses a running container.
                if force {
                    try engine.removeStopping(record, timeout: time ?? 0, anonymousVolumes: volumes)
                } else {
                    try engine.remove(record, anonymousVolumes: volumes)
                }
                Output.out(name)
            } catch RuntimeError.noSuchContainer where ignore || force {
                // Not there (any more): what --force and --ignore ask to pass over.
            }
        }
    }
}

/// `podman wait NAME…`: blocks until each container exits, then prints its exit code.
struct WaitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wait", abstract: "Wait for containers to stop and print their exit codes.")
    @Argument var containers: [String] = []

    func run() throws {
        let engine = try Current.engine.containers()
        for name in containers {
            Output.out(String(try engine.wait(try engine.containers.find(name))))
            Output.flush()
        }
    }
}
