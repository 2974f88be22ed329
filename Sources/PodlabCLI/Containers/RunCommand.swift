import ArgumentParser
import PodlabCore
import PodlabRuntime

/// `podman run`: create a container and start it, attached (exit status is the container's) or with -d.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a command in a new container.")
    @OptionGroup var options: RunOptions

    func validate() throws { try UnknownFlag.refuse(before: options.imageAndCommand, podmanFlags: .run, joinable: RunOptions.joinable) }

    func run() throws {
        let record = try ContainerFactory.create(options)
        let engine = try Current.engine.containers()
        let code: Int32
        do {
            if options.detach {
                try engine.startDetached(record)
                Output.out(record.id)
                return
            }
            Output.flush()
            // Under the start lock, as `start -a`: a removal (`container prune`) between create and here either comes
            // first (no such container) or finds the container running; a `start` by name first runs it detached.
            guard let exit = try ContainerMonitor.runAttached(record, engine: engine) else {
                throw RuntimeError.cannotRun("container \(record.name) was started by another command before this run could",
                                             hint: "podman logs -f \(record.name) follows its output")
            }
            code = exit
        } catch {
            // A container that never ran is not left behind when --rm asked for its removal.
            if record.settings.autoRemove { try? engine.remove(record, anonymousVolumes: true) }
            // Gone meanwhile (the container or its pod, removed by another command) is podman's 125 here, not rm's 1.
            if let error = error as? RuntimeError, error.isNoSuchContainerOrPod { throw StatusOverride(error, status: ExitStatus.engineError) }
            throw error
        }
        if code != 0 { throw SilentExit(status: code) }
    }
}

/// `podman create`: a container that `podman start` runs later.
struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a container without starting it.")
    @OptionGroup var options: RunOptions

    func validate() throws { try UnknownFlag.refuse(before: options.imageAndCommand, podmanFlags: .create, joinable: RunOptions.joinable) }

    func run() throws {
        Output.out(try ContainerFactory.create(options, command: "podman create").id)
    }
}

/// `podman start NAME…`: runs created or exited containers in the background; with -a, one container in the
/// foreground, as `run` does (its output here, its exit status podlab's).
struct StartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start one or more containers.")
    @Flag(name: .shortAndLong, help: "Attach the container's output; its exit status becomes this command's.") var attach = false
    /// podman 4.3.1 attaches standard input with -a whenever the container was created with -i, and never otherwise:
    /// the flag changes nothing there, nor here.
    @Flag(name: .shortAndLong, help: "Attach standard input (with -a it is, whenever the container was created with -i).") var interactive = false
    @Argument var containers: [String] = []

    func run() throws {
        guard !containers.isEmpty else { throw CLIError.usage("start requires at least one argument", command: "podman start") }
        let engine = try Current.engine.containers()
        if attach {
            guard containers.count == 1 else { throw CLIError.refused("you cannot start and attach multiple containers at once", hint: nil) }
        }
        // No such container, looked up or removed before the start takes it, is podman's 125 here (as for stop), not rm's 1.
        do {
            if attach { return try startAttached(try engine.containers.find(containers[0]), engine: engine) }
            for name in containers {
                let record = try engine.containers.find(name)
                if record.state.status != .running { try engine.startDetached(record) }
                Output.out(name)
            }
        } catch let error as RuntimeError where error.isNoSuchContainerOrPod {
            // A pod removed after its member was read is met in startInfra.
            throw StatusOverride(error, status: ExitStatus.engineError)
        }
    }

    private func alreadyRunning(_ record: ContainerRecord) -> RuntimeError {
        .cannotRun("container \(record.name) is already running, and podlab cannot attach to a running container",
                   hint: "podman logs -f \(record.name) follows its output; podman exec -it \(record.name) sh opens a shell in it")
    }

    /// The container runs under this process, as a foreground `run`: standard input goes in when it was created with
    /// -i (as with podman, start neither adds what create left out nor takes away what it gave).
    private func startAttached(_ record: ContainerRecord, engine: ContainerEngine) throws {
        Output.flush()
        // Running already, or run by a start begun meanwhile: this start cannot attach to it either way.
        guard let code = try ContainerMonitor.runAttached(record, engine: engine) else {
            throw alreadyRunning(record)
        }
        if code != 0 { throw SilentExit(status: code) }
    }
}

/// `podman restart NAME…`: stop (the container's stop signal, then SIGKILL after -t seconds) and start again.
struct RestartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart one or more containers.")
    @Option(name: [.customShort("t"), .long], help: "Seconds to wait before killing the container.") var time: Int?
    @Flag(name: .shortAndLong, help: "Restart every container.") var all = false
    @Flag(name: .long, help: "Restart only the running ones.") var running = false
    @Argument var containers: [String] = []

    func run() throws {
        let engine = try Current.engine.containers()
        let records = try engine.containers.all().filter { !$0.isBuildStep }
        let targets = all || running ? records.filter { !running || $0.state.status == .running }.map(\.id) : containers
        guard !targets.isEmpty || all || running else { throw CLIError.usage("you must provide at least one name or id", command: "podman restart") }
        // Each container on its own: one that cannot restart is reported, and the others still restart (as rm does).
        try EachTarget.run(targets) { name in
            let record = try engine.containers.find(name)
            if record.state.status == .running {
                // Its monitor removes a --rm container as it stops: there would be nothing left to start.
                guard !record.settings.autoRemove else {
                    throw RuntimeError.cannotRun("container \(record.name) was run with --rm: stopping it removes it, so podlab cannot restart it",
                                                 hint: "to restart a container later, run it without --rm")
                }
                try engine.stop(record, timeout: time ?? record.settings.stopTimeout)
                _ = try engine.wait(try engine.containers.find(record.id))
            }
            try engine.startDetached(try engine.containers.find(record.id))
            Output.out(all || running ? record.id : name)
        }
    }
}
