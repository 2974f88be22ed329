import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// `podlab-net`, the binary beside podlab that speaks the registry protocol (pull, push, login, logout,
/// the registry server). It carries the HTTP stack (SwiftNIO), which would add milliseconds to the start
/// of every other command; so `podman images` and friends stay lean and these commands go there.
package enum NetBinary {
    /// podman subcommands and podlab commands answered by podlab-net, and the help that lists them.
    static let podmanCommands: Set<String> = ["pull", "push", "login", "logout", "help"]
    static let podlabCommands: Set<String> = ["registry", "mode"]
    static let fileName = "podlab-net"
    /// podlab commands answered by podlab-tutor (the guided shell, lessons and classroom checks).
    static let tutorCommands: Set<String> = ["check", "lesson", "lessons", "--lang"]
    static let tutorFileName = "podlab-tutor"

    static func path(_ fileName: String = NetBinary.fileName) throws -> String {
        guard let executable = FileSystem.executablePath() else {
            throw CLIError.refused("cannot find podlab's own executable", hint: nil)
        }
        let candidate = "\(FileSystem.parent(of: executable))/\(fileName)"
        guard access(candidate, X_OK) == 0 else {
            throw CLIError.refused("\(candidate) is missing",
                                   hint: "build it with 'swift build' (or 'make run'), which builds both binaries")
        }
        return candidate
    }

    /// Replaces this process with podlab-net running the same command line; returns only the error if
    /// that fails.
    static func failedExec(_ arguments: [String], binary fileName: String = NetBinary.fileName) -> any Error {
        do {
            let binary = try path(fileName)
            Output.flush()
            let argv = ([binary] + arguments).map { strdup($0) } + [nil]
            execv(binary, argv)
            return SystemError("run", path: binary, errno: errno)
        } catch {
            return error
        }
    }

    /// Runs podlab-net as a child with this terminal (an implicit pull), and returns its exit status.
    static func run(_ arguments: [String], stdoutToNull: Bool) throws -> Int32 {
        let binary = try path()
        Output.flush()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdoutToNull { posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
        var environment = Environment.current
        environment["PODLAB_NO_COMMAND_JOURNAL"] = "1"
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, binary, &actions, nil, argv, envp)
        guard status == 0 else { throw SystemError("run", path: binary, errno: status) }
        var exitStatus: Int32 = 0
        while waitpid(pid, &exitStatus, 0) < 0 && errno == EINTR {}
        return (exitStatus & 0x7f) == 0 ? (exitStatus >> 8) & 0xff : 128 + (exitStatus & 0x7f)
    }
}
