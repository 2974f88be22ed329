import Foundation
import CSpawn
import PodlabCore
import Synchronization

/// A directory that is removed when the test is done with it.
public final class TemporaryDirectory {
    public let path: String

    public init(_ label: String = "podlab-test") {
        let made = try? FileSystem.makeTemporaryDirectory(label)
        path = made ?? "/tmp/\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        if made == nil { try? FileSystem.createDirectory(path) }
        // Traversable by others: a root-run container's user namespace must reach stores kept in here.
        chmod(path, 0o711)
    }

    deinit {
        TemporaryDirectory.remove(path)
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    /// For a fixture kept in a static, whose deinit never runs: removes the directory when the test process exits.
    public func removeAtExit() {
        TemporaryDirectory.atExit.withLock { paths in
            if paths.isEmpty {
                atexit { for path in TemporaryDirectory.atExit.withLock({ $0 }) { TemporaryDirectory.remove(path) } }
            }
            paths.append(path)
        }
    }

    private static let atExit = Mutex<[String]>([])

    private static func remove(_ path: String) {
        SandboxCleanup.stopSandboxes(under: path)
        try? FileSystem.removeTree(path)
    }
}

/// What a finished program printed and how it ended.
public struct ProcessResult: CustomStringConvertible, Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public var description: String { "status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

public enum TestProcess {
    /// Runs a program to completion, capturing both streams.
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil,
                           directory: String? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0].hasPrefix("/") ? arguments[0] : "/usr/bin/env")
        process.arguments = arguments[0].hasPrefix("/") ? Array(arguments.dropFirst()) : arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try? input.fileHandleForWriting.close()
        }
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Where the build put things the tests use.
public enum BuildProducts {
    /// The directory of the running test binary (the build's products directory).
    public static var directory: String {
        FileSystem.parent(of: FileSystem.executablePath() ?? CommandLine.arguments[0])
    }

    /// The podlab executable built alongside the tests.
    public static var podlab: String { "\(directory)/podlab" }

    /// Its registry half (pull, push, login, the registry server), which podlab hands those commands to.
    public static var podlabNet: String { "\(directory)/podlab-net" }

    /// Its kube half (`kube generate|play|down`).
    public static var podlabKube: String { "\(directory)/podlab-kube" }

    /// The fixture layout built by `make fixtures` (.build/fixtures/oci).
    public static var fixtures: String {
        var current = directory
        for _ in 0..<4 {
            if FileSystem.exists("\(current)/fixtures/oci/index.json") { return "\(current)/fixtures/oci" }
            current = FileSystem.parent(of: current)
        }
        return "\(directory)/../../fixtures/oci"
    }

    /// The source tree (for recipes and scripts).
    public static var packageRoot: String {
        var current = directory
        for _ in 0..<5 {
            if FileSystem.exists("\(current)/Package.swift") { return current }
            current = FileSystem.parent(of: current)
        }
        return FileSystem.parent(of: FileSystem.parent(of: FileSystem.parent(of: directory)))
    }
}

/// Runs podlab as `podman` against a private store.
public struct Podman: Sendable {
    public let root: String
    public var extraEnvironment: [String: String] = [:]

    public init(root: String) {
        self.root = root
    }

    public var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PODLAB_ROOT"] = root
        environment["PODLAB_RUNROOT"] = root + "-run"
        environment["PODLAB_CONFIG"] = root + "-config"
        environment["REGISTRY_AUTH_FILE"] = root + "-auth.json"
        environment["PODLAB_FIXTURES"] = BuildProducts.fixtures
        environment["NO_COLOR"] = "1"
        for (key, value) in extraEnvironment { environment[key] = value }
        return environment
    }

    @discardableResult
    public func callAsFunction(_ arguments: String..., stdin: String? = nil) throws -> ProcessResult {
        try run(arguments, stdin: stdin)
    }

    @discardableResult
    public func run(_ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
        try TestProcess.run([BuildProducts.podlab, "podman"] + arguments, environment: environment, stdin: stdin)
    }

    /// The host port a container's port was published on (`podman port NAME 80` → 127.0.0.1:PORT).
    public func hostPort(of container: String, _ port: String) throws -> UInt16 {
        let answer = try run(["port", container, port])
        guard let text = answer.stdout.split(separator: "\n").first?.split(separator: ":").last, let number = UInt16(text) else {
            throw UnexpectedOutput(description: "podman port \(container) \(port): \(answer)")
        }
        return number
    }
}

public struct UnexpectedOutput: Error, CustomStringConvertible {
    public let description: String
}

/// Processes a test did not start itself (a monitor, a container): ended and waited for through a pidfd,
/// which becomes readable the moment the process has exited.
public enum Processes {
    /// Sends SIGKILL to `pid` and waits (up to 10 s) until it has exited; false if it did not.
    public static func kill(_ pid: Int32) -> Bool {
        end(pid) { Glibc.kill(pid, SIGKILL) == 0 || errno == ESRCH }
    }

    /// Waits (up to 10 s) until `pid` has exited; true if it has, or was gone already.
    public static func end(_ pid: Int32) -> Bool {
        end(pid) { true }
    }

    /// Waits (up to 10 s) until `pid` has exited after `action` (a stop, a kill); true if it has, or was gone already.
    /// The pidfd is opened before `action`, so an end that comes at once is not missed and a reused pid is not
    /// waited for; an `action` that returns false is a failure, without the wait.
    public static func end(_ pid: Int32, after action: () throws -> Bool) rethrows -> Bool {
        let fd = podlab_pidfd_open(pid)
        guard fd >= 0 else { return errno == ESRCH }
        defer { close(fd) }
        guard try action() else { return false }
        return podlab_wait_pidfd(fd, 10_000) == 1
    }
}

/// A listening socket on the host's 127.0.0.1 (at `port`, or one the system picked): a program that holds the port.
public final class HostListener {
    public let fd: Int32
    public let port: UInt16

    public init(port: UInt16 = 0) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        // As servers do (PortListener too): connections of an earlier server on the port may linger in TIME_WAIT.
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound else {
            let code = errno
            if fd >= 0 { close(fd) }
            throw UnexpectedOutput(description: "cannot listen on 127.0.0.1:\(port): errno \(code)")
        }
        self.fd = fd
        self.port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(fd) }
}

/// A plain HTTP/1.0 GET over a socket to 127.0.0.1 (no client library between the test and the server).
public enum HTTP {
    public static func get(port: UInt16, path: String = "/") -> (status: Int, body: String)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        return exchange(fd, path: path)
    }

    /// A GET over a socket already connected (inside a session network, say); the caller closes it.
    public static func exchange(_ fd: Int32, path: String = "/") -> (status: Int, body: String)? {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response.append(contentsOf: buffer[0..<count])
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/"), let space = text.firstIndex(of: " ") else { return nil }
        let status = Int(text[text.index(after: space)...].prefix(3)) ?? 0
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
    }

    /// Retries until the server answers (it may still be starting), up to `seconds`.
    public static func waitForOK(port: UInt16, seconds: Double = 10) -> (status: Int, body: String)? {
        waitForOK(seconds: seconds) { get(port: port) }
    }

    /// Retries `fetch` until it answers 200, up to `seconds`; its last answer otherwise.
    public static func waitForOK(seconds: Double = 10, _ fetch: () -> (status: Int, body: String)?) -> (status: Int, body: String)? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let response = fetch(), response.status == 200 { return response }
            usleep(50_000)
        }
        return fetch()
    }

}

/// Compiles one of the test programs (Tests/Programs/NAME.c) statically, for running inside containers.
public enum TestPrograms {
    public static func build(_ name: String, into directory: String) throws -> String {
        let output = "\(directory)/\(name)"
        let source = "\(BuildProducts.packageRoot)/Tests/Programs/\(name).c"
        let result = try TestProcess.run(["clang", "-static", "-O1", "-o", output, source])
        guard result.status == 0 else { throw ProgramBuildFailure(output: result.description) }
        return output
    }
}

public struct ProgramBuildFailure: Error, CustomStringConvertible {
    public let output: String
    public init(output: String) { self.output = output }
    public var description: String { "could not compile a test program: \(output)" }
}

/// One UDP datagram to 127.0.0.1 and the first answer, if any comes within `timeout` seconds.
public enum UDP {
    public static func exchange(port: UInt16, message: String, timeout: Double) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, target, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard sent == bytes.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 2048)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}

/// A learner of the tutor, isolated in `directory`: a store (as `Podman`'s), state, workspace and HOME of their own,
/// English, a terminal type, no colour; `name` keeps several learners apart in one directory.
public enum TestLearner {
    public static func environment(in directory: String, name: String? = nil) -> [String: String] {
        let prefix = name.map { "\($0)-" } ?? ""
        var environment = Podman(root: "\(directory)/\(prefix)storage").environment
        environment["PODLAB_STATE"] = "\(directory)/\(prefix)state"
        environment["PODLAB_WORKSPACE"] = "\(directory)/\(prefix)workspace"
        if name != nil { environment["REGISTRY_AUTH_FILE"] = "\(directory)/\(prefix)auth.json" }
        environment["HOME"] = directory
        environment["LANG"] = "en_US.UTF-8"
        environment["TERM"] = "xterm"
        environment["NO_COLOR"] = "1"
        environment.removeValue(forKey: "PODLAB_MODE")
        return environment
    }
}
