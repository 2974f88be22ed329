import Foundation
import PodlabCore
import PodlabImages
import PodlabRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A record's pid reaches its process only while that process is the one the record started. A pid the kernel has
/// given to another process since (its start time differs from the record's) is never signalled, entered or waited
/// for; the control, with the start time the record keeps, reaches the same live process.
@Suite struct VerifiedProcessTests {
    static func record(pid: Int32, startTime: UInt64?) -> ContainerRecord {
        let settings = ContainerSettings(command: ["sleep"], env: [], workingDir: "/", user: "", hostname: "probe", ports: [],
                                         volumes: [], readOnly: false, network: "none", capabilities: [], seccomp: nil,
                                         initProcess: false, tty: false, interactive: false, autoRemove: false, stopSignal: 15,
                                         stopTimeout: 10)
        var state = ContainerState()
        state.status = .running
        state.pid = pid
        state.pidStartTime = startTime
        return ContainerRecord(id: String(repeating: "b", count: 64), name: "probe", imageID: Digest.sha256(of: Array("probe".utf8)),
                               imageName: "probe", created: 0, settings: settings, state: state)
    }

    @Test func aPidGivenToAnotherProcessIsLeftAlone() throws {
        let sleeper = try ChildProcess.spawn(["/bin/sleep", "600"])
        var reaped = false
        defer {
            // Never a kill by a pid already reaped: it may be another process's by then.
            if !reaped {
                kill(sleeper.pid, SIGKILL)
                _ = sleeper.wait()
            }
        }
        let started = try #require(ProcessInfoReader.startTime(of: sleeper.pid))

        // The record's process started at another time: this live process only has its pid now.
        let stale = Self.record(pid: sleeper.pid, startTime: started + 1)
        #expect(try VerifiedProcess(stale) == nil)
        #expect(try VerifiedProcess(Self.record(pid: sleeper.pid, startTime: nil)) == nil, "a record without a start time proves nothing")

        // Control: the record that did start it reaches it, through the pidfd and /proc/PID it verified.
        let process = try #require(try VerifiedProcess(Self.record(pid: sleeper.pid, startTime: started)))
        let namespaces = try #require(try process.openNamespaces(["user", "net"]))
        #expect(namespaces.count == 2)
        namespaces.forEach { close($0) }
        #expect(try process.signal(SIGKILL))
        #expect(process.waitForExit(milliseconds: 10_000))
        // Ended but not yet reaped (a zombie, its pid still taken): no longer the record's running process.
        #expect(try VerifiedProcess(Self.record(pid: sleeper.pid, startTime: started)) == nil)
        #expect(sleeper.wait() == 128 + SIGKILL)
        reaped = true
        #expect(try !process.signal(0), "after it has gone, no signal reaches anything")
    }
}
