import PodlabCore
import PodlabImages
import PodlabRuntime

/// Tab completion for the tutor: builtins, podman subcommands and flags, image and container names,
/// lesson ids, file paths.
struct Completion {
    let builtins: [String]
    let lessonIDs: [String]
    let explainer: Explainer?
    let storage: String
    let directory: () -> String

    /// Choices for the last word of `before` (the line up to the cursor).
    func choices(_ before: String) -> [String] {
        let words = ShellWords.split(before)
        let endsInSpace = before.hasSuffix(" ")
        let current = endsInSpace ? "" : (words.last ?? "")
        let previous = endsInSpace ? words : Array(words.dropLast())
        let all: [String]
        if previous.isEmpty {
            all = builtins + ["podman", "docker"]
        } else if previous.first == "lesson" && previous.count == 1 {
            all = lessonIDs
        } else if previous.first == "reset" && previous.count == 1 {
            all = ["step", "lesson", "all"]
        } else if ["podman", "docker", "explain"].contains(previous[0]) || previous.count >= 2 && previous[1] == "podman" {
            all = podmanChoices(Array(previous.drop { $0 == "explain" }.dropFirst()), current: current)
        } else {
            return paths(current)
        }
        return all.filter { $0.hasPrefix(current) }.sorted()
    }

    func podmanChoices(_ arguments: [String], current: String) -> [String] {
        guard let command = arguments.first else { return explainer?.commands ?? [] }
        if current.hasPrefix("-") { return explainer?.flags(for: command) ?? [] }
        switch command {
        case "run", "create", "pull", "push", "rmi", "tag", "history", "inspect", "save":
            return imageNames()
        case "image":
            return arguments.count == 1 ? ["ls", "rm", "exists", "inspect", "prune", "tag", "pull", "push", "history"] : imageNames()
        case "stop", "rm", "start", "logs", "exec", "port", "wait", "kill", "restart":
            return containerNames()
        case "login", "logout":
            return ["docker.io", "quay.io", "ghcr.io"]
        case "build":
            return paths(current)
        default:
            return []
        }
    }

    func imageNames() -> [String] {
        guard FileSystem.exists("\(storage)/images.json"), let images = try? ImageStore(root: storage).images() else { return [] }
        return images.flatMap { image in image.names.flatMap { [$0, ImageRecord.shortName($0)] } }
    }

    func containerNames() -> [String] {
        ((try? ContainerStore(storage: storage).all()) ?? []).filter { !$0.isBuildStep }.map(\.name)
    }

    /// Paths relative to the shell's directory (directories get a trailing /).
    func paths(_ current: String) -> [String] {
        let slash = current.lastIndex(of: "/")
        let folder = slash.map { String(current[...$0]) } ?? ""
        let base = folder.hasPrefix("/") ? folder : "\(directory())/\(folder)"
        let prefix = slash.map { String(current[current.index(after: $0)...]) } ?? current
        return FileSystem.list(base).filter { $0.hasPrefix(prefix) && (!$0.hasPrefix(".") || prefix.hasPrefix(".")) }.map { name in
            folder + name + (FileSystem.isDirectory("\(base)/\(name)") ? "/" : "")
        }
    }
}

extension ImageRecord {
    /// `docker.io/library/nginx:1.24` → `nginx:1.24` (what learners often type).
    static func shortName(_ name: String) -> String {
        for prefix in ["docker.io/library/", "localhost/"] where name.hasPrefix(prefix) { return String(name.dropFirst(prefix.count)) }
        return name
    }
}
