import CSpawn
import PodlabCore
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Detached containers: a monitor process (podlab's own binary, `podlab __monitor`) owns the container,
/// its log, its exit status and its published ports, and outlives the command that started it.
enum Detached {
    /// Starts the monitor and waits until the container runs (or says why it could not).
    static func start(_ record: ContainerRecord) throws {
        try Pods.prepare(record)
        guard let executable = FileSystem.executablePath() else {
            throw RuntimeError.cannotRun("cannot find podlab's own executable to start the monitor", hint: nil)
        }
        var ready: [Int32] = [0, 0]
        guard podlab_pipe_cloexec(&ready) == 0 else { throw SystemError("pipe", path: "monitor", errno: errno) }
        let locations = Current.engine.locations
        let arguments = [executable, "__monitor", locations.storage, locations.runtime, record.id, "3"]
        let strings = arguments.map { strdup($0) } + [nil]
        defer { for pointer in strings { free(pointer) } }
        let pid = strings.withUnsafeBufferPointer { podlab_spawn_detached(executable, $0.baseAddress, environ, ready[1]) }
        close(ready[1])
        defer { close(ready[0]) }
        guard pid > 0 else { throw SystemError("start monitor", path: executable, errno: errno) }
        let answer = (try? FileSystem.readAll(fd: ready[0], path: "monitor")) ?? []
        if answer == Array("ok".utf8) { return }
        let parts = String(decoding: answer, as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 2, let status = Int32(parts[0]) {
            throw MonitorFailure(status: status, message: parts[1], hint: parts.count > 2 && !parts[2].isEmpty ? parts[2] : nil)
        }
        throw RuntimeError.cannotRun("the container's monitor stopped before the container started", hint: "see 'podman logs \(record.name)'")
    }

    /// `podlab __monitor STORAGE RUNTIME ID READY_FD`: runs the container to its end.
    static func monitor(_ arguments: [String]) -> Int32 {
        guard arguments.count == 4, let readyFD = Int32(arguments[3]) else { return 125 }
        Current.engine = Engine(locations: Locations(storage: arguments[0], runtime: arguments[1], config: Locations.current().config))
        do {
            let engine = try Current.engine.containers()
            let record = try engine.containers.find(arguments[2])
            return try engine.run(record, attachment: .log(ready: readyFD))
        } catch {
            let failure = error as? any LearnerFacingError
            let text = "\(failure?.exitStatus ?? 125)\t\(failure?.message ?? "\(error)")\t\(failure?.hint ?? "")"
            _ = text.withCString { write(readyFD, $0, strlen($0)) }
            return failure?.exitStatus ?? 125
        }
    }
}

/// An error the monitor reported for a detached start.
struct MonitorFailure: LearnerFacingError {
    let status: Int32
    let message: String
    let hint: String?
    var exitStatus: Int32 { status }
}
