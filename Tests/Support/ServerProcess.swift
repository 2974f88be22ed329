import CSpawn
import Foundation
import PodlabCore

/// A server a test starts in the background (podlab's registry, docker-registry) on port 0: the port is the
/// one the server reports in its "listening" line, read from its output as it is written (no port is chosen
/// before the server binds it, and nothing waits by sleeping). Stopped by its PID when the test lets go of it.
public final class ServerProcess: @unchecked Sendable {
    public let process: Process
    public let port: UInt16
    public let logPath: String
    /// Where the server keeps its data (set by the helper that started it).
    public internal(set) var storage = ""

    /// Starts `arguments` with stdout and stderr copied to `logPath`, and returns once a line of its output
    /// gives `listeningPort` a port.
    public init(_ arguments: [String], logPath: String, environment: [String: String]? = nil,
                listeningPort: @escaping (String) -> UInt16?) throws {
        self.logPath = logPath
        process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else { throw ServerStartFailure(log: "cannot create \(logPath)") }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? output.fileHandleForWriting.close()
        let reader = output.fileHandleForReading
        var found: UInt16?
        var pending = Data()
        while found == nil {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            log.write(chunk)
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                if found == nil { found = listeningPort(line) }
            }
        }
        guard let found else {
            process.waitUntilExit()
            throw ServerStartFailure(log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
        }
        port = found
        // The rest of the output goes on into the log until the server ends.
        Thread.detachNewThread {
            while case let chunk = reader.availableData, !chunk.isEmpty { log.write(chunk) }
            try? log.close()
        }
    }

    /// The port in "… listening on [http://]HOST:PORT…" (podlab's registry and docker-registry both say so).
    public static func portAfterListening(_ line: String) -> UInt16? {
        guard let range = line.range(of: "listening on ") else { return nil }
        let address = line[range.upperBound...].prefix { !$0.isWhitespace && $0 != "\"" }
        guard let colon = address.lastIndex(of: ":") else { return nil }
        return UInt16(address[address.index(after: colon)...].prefix { $0.isNumber })
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, and SIGKILL if the server has not ended 5 seconds later (waited for on a pidfd).
    public func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        let fd = podlab_pidfd_open(pid)
        kill(pid, SIGTERM)
        if fd >= 0 {
            if podlab_wait_pidfd(fd, 5000) != 1 { kill(pid, SIGKILL) }
            close(fd)
        }
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
