import Foundation
import PodlabCore
import PodlabImages
@testable import PodlabRuntime
import PodlabTestSupport
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

    /// Waiting for a monitor to record an exit reads the list each time; a list that cannot be read is that error,
    /// not "the container is gone" (which answered -1 at once).
    @Test func waitingOnADamagedListIsItsError() throws {
        let storage = directory.file("storage")
        let store = try ContainerStore(storage: storage)
        var record = VolatileContainerTests.record("ending", created: 1, autoRemove: false)
        record.state.status = .exited
        record.state.monitorPid = getpid()
        record.state.monitorStartTime = try #require(ProcessInfoReader.startTime(of: getpid()))
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
