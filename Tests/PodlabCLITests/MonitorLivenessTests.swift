import Foundation
import PodlabCore
import PodlabImages
@testable import PodlabRuntime
import PodlabTestSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A container's monitor is known by its pid and its start time, as the container's own process is: once the monitor
/// has ended, another process given its pid is not waited on as if it might still record the exit.
struct MonitorLivenessTests {
    let directory = TemporaryDirectory("podlab-monitor-alive")
    var podman: Podman { Podman(root: directory.file("storage")) }

    /// An exited record without its exit code (the monitor died before writing it) whose monitor pid now belongs to
    /// this test's process. `wait` answers at once with the code unknown; taking the pid for the monitor, it waited
    /// 30 s and then wrote a new finish time over the record's.
    @Test func aMonitorPidGivenToAnotherProcessIsNotALiveMonitor() throws {
        let store = try ContainerStore(storage: directory.file("storage"))
        var record = VolatileContainerTests.record("ended", created: 1, autoRemove: false)
        let ownStart = try #require(ProcessInfoReader.startTime(of: getpid()))
        record.state.status = .exited
        record.state.startedAt = 10
        record.state.finishedAt = 20
        record.state.monitorPid = getpid()
        record.state.monitorStartTime = ownStart + 1
        try store.add(record)
        #expect(!(try store.find("ended")).state.isMonitorAlive)

        let waited = try podman("wait", "ended")
        #expect(waited.status == 0, "\(waited)")
        #expect(waited.stdout == "-1\n", "\(waited)")
        #expect(try store.find("ended").state.finishedAt == 20, "the record is as the monitor left it")

        // The control: the same pid with its own start time is a live monitor.
        try store.update(record.id) { $0.monitorStartTime = ownStart }
        #expect(try store.find("ended").state.isMonitorAlive)
    }

    /// A container whose process has ended while its monitor still finishes (records the exit; removes a --rm
    /// container) starts only once that monitor has ended: a start in between raced the removal, which took the new
    /// run's directory. The monitor here is a `cat` that this test ends after removing the record, as a --rm
    /// container's monitor does; the start, begun before, then answers "no such container". It went on at once before,
    /// and failed on what the removal took (here: the image of a record that has no spec.json).
    @Test func aStartWaitsForTheMonitorOfTheRunBefore() throws {
        let storage = directory.file("storage")
        let store = try ContainerStore(storage: storage)
        let monitor = Process()
        monitor.executableURL = URL(fileURLWithPath: "/bin/cat")
        let input = Pipe()
        monitor.standardInput = input
        try monitor.run()
        defer { if monitor.isRunning { monitor.terminate() } }
        var record = VolatileContainerTests.record("ending", created: 1, autoRemove: true)
        record.state.status = .running   // with no process recorded: it has ended, and reads as exited
        record.state.monitorPid = monitor.processIdentifier
        let monitorStarted: UInt64 = try #require(ProcessInfoReader.startTime(of: monitor.processIdentifier))
        record.state.monitorStartTime = monitorStarted
        try store.add(record)
        try FileSystem.createDirectory(store.directory(of: record.id))   // where the start takes its lock
        let ended = try store.find("ending")
        #expect(ended.state.status == .exited && ended.state.isMonitorAlive, "control: ended, its monitor alive")

        let engine = try ContainerEngine(locations: Locations(storage: storage, runtime: directory.file("run"), config: directory.file("config")),
                                         images: try ImageStore(root: storage))
        nonisolated(unsafe) var outcome: Result<Void, any Error>?
        let started = DispatchGroup()
        started.enter()
        DispatchQueue.global().async {
            outcome = Result { try ContainerMonitor.start(ended, engine: engine) }
            started.leave()
        }
        // What the monitor does at the end of a --rm run: remove the container, then end.
        try store.remove(record.id)
        try input.fileHandleForWriting.close()
        monitor.waitUntilExit()
        started.wait()
        guard case .failure(let error) = try #require(outcome), case RuntimeError.noSuchContainer(let name) = error else {
            Issue.record("the start answered \(String(describing: outcome))")
            return
        }
        #expect(name == "ending")
    }

    /// Two `podman start`s of one container at the same moment, five times over: it runs once (one line in the file
    /// its command appends to). Both read "created" and each started a monitor before: two runs of the
    /// container in one root file system, one of them in no record.
    @Test func twoStartsAtOnceRunTheContainerOnce() throws {
        for round in 0..<5 {
            let name = "twice-\(round)"
            #expect(try podman("create", "--name", name, "busybox", "sh", "-c", "echo started >> /count; exec sleep 600").status == 0)
            let podman = self.podman
            let answers = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 2) { _ in
                let answer = (try? podman("start", name)).map { "\($0.status) \($0.stdout)" } ?? "not run"
                answers.withLock { $0.append(answer) }
            }
            #expect(answers.withLock { $0 } == ["0 \(name)\n", "0 \(name)\n"])
            // Both starts have answered: every run they began has its process. The file is read once the run the
            // record knows has written it (a second run writes beside it from its own process).
            var count = try podman("exec", name, "cat", "/count")
            var reads = 1
            while count.stdout.isEmpty && reads < 200 {
                count = try podman("exec", name, "cat", "/count")
                reads += 1
            }
            #expect(count.stdout == "started\n", "round \(round): \(count)")
            #expect(try podman("rm", "-f", "-t", "0", name).status == 0)
        }
    }

    /// Waiting for a monitor to record an exit reads the list each time; a list that cannot be read is that error,
    /// not "the container is gone" (which answered -1 at once).
    @Test func waitingOnADamagedListIsItsError() throws {
        let storage = directory.file("storage")
        let store = try ContainerStore(storage: storage)
        var record = VolatileContainerTests.record("ending", created: 1, autoRemove: false)
        record.state.status = .exited
        record.state.monitorPid = getpid()
        let started: UInt64 = try #require(ProcessInfoReader.startTime(of: getpid()))
        record.state.monitorStartTime = started
        try store.add(record)
        let engine = try ContainerEngine(locations: Locations(storage: storage, runtime: directory.file("run"), config: directory.file("config")),
                                         images: try ImageStore(root: storage))
        // The control: once the (live) monitor has written the code, wait answers it.
        try store.update(record.id) { $0.exitCode = 3 }
        #expect(try engine.wait(record) == 3)

        try store.update(record.id) { $0.exitCode = nil }
        let path = "\(storage)/containers/containers.json"
        let bytes = try FileSystem.readFile(path)
        try FileSystem.writeAtomically(Array(bytes.prefix(bytes.count / 2)), to: path, mode: 0o600, durability: .volatile)
        #expect {
            try engine.wait(record)
        } throws: { error in
            guard case RuntimeError.damagedList(let damaged, _, _) = error else { return false }
            return damaged == path
        }
    }
}
