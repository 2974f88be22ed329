import Foundation
import PodlabCore

/// A server a test starts in the background (podlab's registry, docker-registry), stopped by its PID
/// when the test lets go of it.
public final class ServerProcess: @unchecked Sendable {
    public let process: Process
    public let port: UInt16
    public let logPath: String

    /// Starts `arguments` with output going to `logPath`, and waits until `port` accepts connections.
    public init(_ arguments: [String], port: UInt16, logPath: String, environment: [String: String]? = nil) throws {
        self.port = port
        self.logPath = logPath
        process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<200 {
            if TCP.canConnect(port: port) { return }
            if !process.isRunning { break }
            usleep(25_000)
        }
        stop()
        throw ServerStartFailure(log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

public struct ServerStartFailure: Error, CustomStringConvertible {
    public let log: String
    public var description: String { "the server did not start:\n\(log)" }
}

public enum TCP {
    public static func canConnect(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// Stops the sandbox registries that podlab started for stores inside a test's directory: each one's
/// PID comes from its state file and counts only while it holds its server lock.
public enum SandboxCleanup {
    public static func stopSandboxes(under directory: String, depth: Int = 0) {
        guard depth < 5 else { return }
        for name in FileSystem.list(directory) where FileSystem.isDirectory("\(directory)/\(name)") {
            if name == "sandbox-registry" { stop("\(directory)/\(name)") } else { stopSandboxes(under: "\(directory)/\(name)", depth: depth + 1) }
        }
    }

    static func stop(_ state: String) {
        guard FileSystem.exists("\(state)/state.json"), let lock = try? FileLock(path: "\(state)/server.lock") else { return }
        if (try? lock.tryLock(.shared)) == true { lock.unlock(); return }
        guard let data = FileManager.default.contents(atPath: "\(state)/state.json"),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let pid = object["pid"] as? Int, pid > 1 else { return }
        kill(pid_t(pid), SIGTERM)
        for _ in 0..<100 {
            if (try? lock.tryLock(.shared)) == true { lock.unlock(); return }
            usleep(20_000)
        }
    }
}
