import ArgumentParser
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// `podlab shell-path`: a directory of `podman` and `docker` links to podlab, for the front of a learner's PATH
/// (the package installs no /usr/bin/podman or /usr/bin/docker, which would clash with Debian's).
struct ShellPathCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell-path",
        abstract: "Print a directory of podman and docker links to podlab: export PATH=\"$(podlab shell-path):$PATH\".")

    func run() throws {
        Output.out(try Self.directory())
    }

    static func directory() throws -> String {
        // The package ships them in lib/podlab/bin.
        if let binary = Installation.binaryDirectory {
            let shipped = FileSystem.normalize("\(binary)/../lib/podlab/bin")
            if access("\(shipped)/podman", X_OK) == 0 { return shipped }
        }
        // A build tree: links made in the state directory, to this binary.
        guard let engine = Installation.program("podlab") else {
            throw CLIError.refused("cannot find podlab's own executable", hint: nil)
        }
        let environment = Environment.current
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/root"
        let state = environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "\(home)/.local/state"
        let directory = "\(state)/podlab/shell-bin"
        try FileSystem.createDirectory(directory, mode: 0o755)
        for name in ["podman", "docker"] {
            let link = "\(directory)/\(name)"
            unlink(link)
            guard symlink(engine, link) == 0 else { throw SystemError("link", path: link, errno: errno) }
        }
        return directory
    }
}
