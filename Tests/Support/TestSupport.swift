import Foundation
import PodlabCore

/// A directory that is removed when the test is done with it.
public final class TemporaryDirectory {
    public let path: String

    public init(_ label: String = "podlab-test") {
        let template = "/tmp/\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        let made: String? = bytes.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, let result = mkdtemp(base) else { return nil }
            return String(cString: result)
        }
        path = made ?? "/tmp/\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        if made == nil { try? FileSystem.createDirectory(path) }
    }

    deinit {
        try? FileSystem.removeTree(path)
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }
}

/// What a finished program printed and how it ended.
public struct ProcessResult: CustomStringConvertible {
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
public struct Podman {
    public let root: String
    public var extraEnvironment: [String: String] = [:]

    public init(root: String) {
        self.root = root
    }

    public var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PODLAB_ROOT"] = root
        environment["PODLAB_RUNROOT"] = root + "-run"
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
}
