import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// A detached container's monitor: podlab's own binary started as `podlab-monitor SPEC` (the container's
/// spec.json) in a session of its own. It starts the container from its spec (published ports, log) and then
/// becomes the small monitor program (MonitorProgram), which watches it to its end and execs podlab once more as
/// `podlab-monitor --exited SPEC CODE` for the exit status and --rm. It outlives the command that started it,
/// which waits on the ready pipe until the container runs or the monitor says why it cannot.
public enum ContainerMonitor {
    /// The name the monitor runs under (its argv[0]); podlab's entry point hands such a process to `main`.
    public static let programName = "podlab-monitor"
    static let readyFD: Int32 = 3

    /// Starts the monitor of `record` and returns once the container runs.
    /// One start of a container at a time: a second `start` (or `pod start`) begun meanwhile waits for the first to
    /// answer, then reads the record again and finds the container running. Both read "created" or "exited" and
    /// started a monitor each before, two runs of one container in one root file system, one of them in no record.
    /// The lock is an flock on the container's directory itself (a file in it could be made again while a `--rm`
    /// container's monitor removes the directory); the monitor never holds it (a fork closes every descriptor above 3,
    /// a spawn every close-on-exec one).
    public static func start(_ record: ContainerRecord, engine: ContainerEngine) throws {
        let directory = engine.containers.directory(of: record.id)
        let claim = try startClaim(of: record, engine: engine)
        defer { claim.unlock() }
        guard let record = try afterPreviousRun(of: record, engine: engine) else { return }
        _ = try engine.spec(of: record)
        let ready = try ReadyPipe()
        let specPath = ContainerSpec.path(in: directory)
        // A warm copy of this command when it can be one (single-threaded), else podlab started afresh.
        let monitor = try ChildProcess.forkDetached(passing: ready.writeEnd, name: programName) { main([specPath]) }
            ?? spawn(specPath, ready: ready)
        switch ready.answer() {
        case .ready: return
        case .failed(let status, let message, let hint):
            throw ReportedFailure(status: status, message: message, hint: hint)
        case .silent:
            _ = monitor.hasEnded()
            throw RuntimeError.cannotRun("the container's monitor stopped before the container started",
                                         hint: "see 'podman logs \(record.name)'")
        }
    }

    /// `start -a`, `run` without -d and a build's RUN step: the container run under this command, to its end, claimed
    /// as `start` claims it (the claim goes once the record says running). Standard input goes in when it was created
    /// with -i. Returns its exit code, or nil when it runs already (another start won, or it ran before this command
    /// looked).
    public static func runAttached(_ record: ContainerRecord, engine: ContainerEngine) throws -> Int32? {
        // Running as the caller read it: a member would start its pod's infra for nothing (the infra of a running member
        // runs). Started since, it is found running under the claim below.
        if record.state.status == .running { return nil }
        try engine.startInfra(of: record)
        let claim = try startClaim(of: record, engine: engine)
        defer { claim.unlock() }
        guard let record = try afterPreviousRun(of: record, engine: engine) else { return nil }
        return try engine.run(record, attachment: .terminal(interactive: record.settings.interactive),
                              whenRunning: { claim.unlock() })
    }

    /// The container's start lock, held (see `start`).
    static func startClaim(of record: ContainerRecord, engine: ContainerEngine) throws -> FileLock {
        let directory = engine.containers.directory(of: record.id)
        let claim: FileLock
        do { claim = try FileLock(directory: directory) } catch {
            guard error.errno == ENOENT else { throw error }
            // No directory: removed since it was looked up, or being removed, by its previous run's monitor (a --rm
            // container's directory goes before its record) or by a removal holding the lock; or not made yet
            // (`create` writes the record first, then makes the directory and locks it: `addClaimed`). Once that
            // monitor has ended, and in the moment between a removal's two steps or create's, the record and the
            // directory say which (afterPreviousRun throws "no such container" when it is gone). A record whose
            // directory stays missing (a create or removal killed between the two) cannot run; `rm` forgets it.
            _ = try afterPreviousRun(of: record, engine: engine)
            guard let appeared = try directoryOnceMade(directory, of: record, engine: engine) else {
                throw RuntimeError.filesGone(name: record.name, directory: directory)
            }
            claim = appeared
        }
        try claim.lock(.exclusive)
        return claim
    }

    /// The container's directory opened for its lock, asked with the lists locked: a create makes the directory before
    /// it unlocks them, so one missing then will not come. A removal deletes the directory, then forgets the record:
    /// one between the two (or that lost the processor there) is given two seconds. Nil for a record still listed after
    /// that: its directory is gone for good (a kill between the two).
    private static func directoryOnceMade(_ directory: String, of record: ContainerRecord, engine: ContainerEngine) throws -> FileLock? {
        guard let exists = try engine.containers.directoryExists(ofListed: record.id) else { throw RuntimeError.noSuchContainer(record.name) }
        if exists {
            do { return try FileLock(directory: directory) } catch {
                guard error.errno == ENOENT else { throw error }
            }
        }
        for _ in 0..<200 {
            guard try engine.containers.lookup(record.id) != nil else { throw RuntimeError.noSuchContainer(record.name) }
            usleep(10_000)
        }
        return nil
    }

    /// The container as it is once the monitors of its previous runs have ended, or nil when it runs (again). Its process
    /// ends a moment before its monitor has recorded the exit or, for a --rm container, removed it: a start in that
    /// moment raced the monitor, whose removal took the new run's directory. Decided on the record as read now (another
    /// start may have run it since the caller read it); a container removed meanwhile is no such container. Each
    /// monitor is waited for once (at most 30 s). A monitor known by its pid alone (a record from before podlab kept its
    /// start time) is not waited for: after a restart of the machine, that pid may be any long-lived process.
    static func afterPreviousRun(of record: ContainerRecord, engine: ContainerEngine) throws -> ContainerRecord? {
        var awaited: Set<Int32> = []
        while true {
            guard let latest = try engine.containers.lookup(record.id) else { throw RuntimeError.noSuchContainer(record.name) }
            if latest.state.status == .running { return nil }
            guard let monitor = latest.state.monitorPid, latest.state.monitorStartTime != nil, monitor != getpid(),
                  !awaited.contains(monitor), latest.state.isMonitorAlive else { return latest }
            latest.state.waitForMonitorToEnd()
            awaited.insert(monitor)
        }
    }

    /// podlab's own binary as `podlab-monitor SPEC`, for a command with threads (which is never forked).
    static func spawn(_ specPath: String, ready: ReadyPipe) throws -> ChildProcess {
        guard let executable = FileSystem.executablePath() else {
            throw RuntimeError.cannotRun("cannot find podlab's own executable to start the monitor", hint: nil)
        }
        return try ChildProcess.spawn([programName, specPath], path: executable, options: .detached(passing: ready.writeEnd))
    }

    /// `podlab-monitor --exited SPEC CODE`: the monitor program's last step once the container has ended.
    static let exitedFlag = "--exited"

    /// The monitor's process (`podlab-monitor SPEC`, the ready pipe on fd 3), which becomes the monitor program once
    /// the container runs; and that program's bookkeeping at the end (`podlab-monitor --exited SPEC CODE`). Returns
    /// the container's exit code.
    public static func main(_ arguments: [String]) -> Int32 {
        if arguments.first == exitedFlag { return finish(Array(arguments.dropFirst())) }
        // The pipe's identity, so that a failure after the container started (when the runtime has already
        // answered and closed it) is never written into whatever reused descriptor 3.
        var pipeInfo = stat()
        let pipeInode = fstat(readyFD, &pipeInfo) == 0 ? pipeInfo.st_ino : 0
        do {
            guard arguments.count == 1 else {
                throw RuntimeError.cannotRun("\(programName) is started by podlab with a container's spec.json", hint: nil)
            }
            let spec = try ContainerSpec.load(from: arguments[0])
            let locations = Locations(storage: spec.storage, runtime: spec.runtime, config: Locations.current().config)
            let engine = try ContainerEngine(locations: locations, images: try ImageStore(root: spec.storage))
            return try engine.run(try engine.containers.find(spec.id), attachment: .log(ready: readyFD))
        } catch {
            var info = stat()
            if pipeInode != 0, fstat(readyFD, &info) == 0, info.st_ino == pipeInode, (info.st_mode & S_IFMT) == S_IFIFO {
                ReadyPipe.sendFailure(readyFD, error)
            }
            return (error as? any LearnerFacingError)?.exitStatus ?? ExitStatus.engineError
        }
    }

    /// Records the end of the container the monitor program watched (exit code, --rm, the journal), in the same
    /// process (the same pid) that started it, so `finish` knows the record as its own. Nobody reads this process's
    /// output: on a failure the record stays `running` until the next command sees the container gone and shows it
    /// exited, without its code.
    static func finish(_ arguments: [String]) -> Int32 {
        guard arguments.count == 2, let code = Int32(arguments[1]) else { return ExitStatus.engineError }
        do {
            let spec = try ContainerSpec.load(from: arguments[0])
            let locations = Locations(storage: spec.storage, runtime: spec.runtime, config: Locations.current().config)
            let engine = try ContainerEngine(locations: locations, images: try ImageStore(root: spec.storage))
            try engine.finish(try engine.containers.find(spec.id), exitCode: code)
            return code
        } catch {
            return (error as? any LearnerFacingError)?.exitStatus ?? ExitStatus.engineError
        }
    }
}
