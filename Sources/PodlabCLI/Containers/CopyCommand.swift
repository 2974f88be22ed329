import ArgumentParser
import PodlabCore
import PodlabRuntime

/// `podman cp SRC DEST`: one of them `CONTAINER:PATH`, the other a path on this machine. Works on running and
/// stopped containers; what is copied in belongs to the container's root, what is copied out to you (without
/// setuid/setgid bits).
struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp", abstract: "Copy files between a container and this machine (CONTAINER:PATH on one side).")
    @Argument(help: "What to copy: PATH or CONTAINER:PATH.") var source: String
    @Argument(help: "Where to: PATH or CONTAINER:PATH.") var destination: String

    /// `name:path` names a container when the part before the colon has no slash (`./a:b` is a file).
    static func split(_ argument: String) -> (container: String, path: String)? {
        guard let colon = argument.firstIndex(of: ":") else { return nil }
        let name = argument[..<colon]
        guard !name.isEmpty, !name.contains("/") else { return nil }
        return (String(name), String(argument[argument.index(after: colon)...]))
    }

    func run() throws {
        if source == "-" || destination == "-" {
            throw CLIError.refused("podlab's cp does not read or write tar streams ('-') yet",
                                   hint: "copy to a file instead, then use tar on it: podman cp web:/etc/nginx ./nginx-conf")
        }
        let from = Self.split(source)
        let to = Self.split(destination)
        let engine = try Current.engine.containers()
        let skipped: [String]
        switch (from, to) {
        case (nil, nil):
            throw CLIError.refused("name or ID cannot be empty",
                                   hint: "one side must be CONTAINER:PATH, e.g. podman cp ./index.html web:/usr/share/nginx/html/")
        case (.some, .some):
            throw CLIError.refused("copying from one container to another is not supported",
                                   hint: "copy to this machine first, then into the other container")
        case (nil, .some(let target)):
            skipped = try engine.copy(into: try find(target.container, engine), from: source, to: target.path)
        case (.some(let origin), nil):
            skipped = try engine.copy(from: try find(origin.container, engine), origin.path, to: destination)
        }
        // The names come from the container: their control characters are shown, not obeyed by the terminal.
        for path in skipped { Output.err("WARN: \(TerminalText.visible(path, keepNewlines: false)) was not copied (a device, FIFO, socket, /proc or /sys, or a name that is not UTF-8)") }
    }

    func find(_ name: String, _ engine: ContainerEngine) throws -> ContainerRecord {
        do {
            return try engine.containers.find(name)
        } catch RuntimeError.noSuchContainer {
            throw CLIError.refused("container \"\(name)\" does not exist", hint: "see 'podman ps -a' for the containers there are")
        }
    }
}
