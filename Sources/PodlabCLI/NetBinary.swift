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
    /// podlab commands answered by podlab-tutor (the guided shell, lessons, classroom checks and the class).
    static let tutorCommands: Set<String> = ["check", "lesson", "lessons", "class", "--lang"]
    static let tutorFileName = "podlab-tutor"
    /// podman subcommands answered by podlab-kube (Kubernetes YAML).
    static let kubeCommands: Set<String> = ["kube", "generate", "play"]

    /// `generate X` and `play X` that are not kube (`generate systemd`, `play docker-compose`…): podlab has none,
    /// and says so rather than handing them to podlab-kube, whose trees would only call them unexpected.
    static func unimplementedKubeSibling(_ arguments: [String]) -> String? {
        guard let first = arguments.first, first != "kube", kubeCommands.contains(first),
              let second = arguments.dropFirst().first, !second.hasPrefix("-"), second != "kube", second != "help" else { return nil }
        return "\(first) \(second)"
    }
    static let kubeFileName = "podlab-kube"

    static func path(_ fileName: String = NetBinary.fileName) throws -> String {
        guard let candidate = Installation.program(fileName) else {
            throw CLIError.refused("\(fileName) is missing beside podlab (and in ../lib/podlab)",
                                   hint: "build it with 'swift build' (or 'make run'), which builds all four binaries (podlab, podlab-net, podlab-tutor, podlab-kube); or reinstall the podlab package")
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
        var environment = Environment.current
        environment["PODLAB_NO_COMMAND_JOURNAL"] = "1"
        var options = ChildProcess.Options()
        if stdoutToNull { options.stdout = .null }
        let child = try ChildProcess.spawn([binary] + arguments, environment: environment.map { "\($0.key)=\($0.value)" }, options: options)
        return child.wait()
    }
}
