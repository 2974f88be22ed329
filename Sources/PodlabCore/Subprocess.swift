import CSpawn
#if canImport(Glibc)
import Glibc
#endif

/// Runs a helper program (apt-get, clang) as a ChildProcess and collects what it prints on stdout and
/// stderr together. For build-time helpers only: containers are started by the runtime's own C code.
public enum Subprocess {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
    }

    /// `arguments[0]` is looked up on PATH. `directory` is where the program runs; `environment` (NAME=value
    /// entries) replaces this process's environment when given.
    public static func run(_ arguments: [String], in directory: String? = nil, environment: [String]? = nil) throws -> Result {
        var pipeFDs: [Int32] = [0, 0]
        guard podlab_pipe_cloexec(&pipeFDs) == 0 else { throw SystemError("pipe", path: arguments.first ?? "", errno: errno) }
        var options = ChildProcess.Options()
        options.directory = directory
        options.searchPath = true
        options.stdin = .null
        options.stdout = .descriptor(pipeFDs[1])
        options.stderr = .descriptor(pipeFDs[1])
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(arguments, environment: environment, options: options)
        } catch {
            close(pipeFDs[0])
            close(pipeFDs[1])
            throw error
        }
        close(pipeFDs[1])
        let output = (try? FileSystem.readAll(fd: pipeFDs[0], path: arguments[0])) ?? []
        close(pipeFDs[0])
        return Result(status: child.wait(), output: String(decoding: output, as: UTF8.self))
    }
}
