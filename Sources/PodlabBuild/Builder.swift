import PodlabArchive
import PodlabCore
import PodlabImages
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Builds images from a Containerfile: one image per step (unnamed, linked to its parent, reused from the
/// cache when the parent, the instruction and what COPY/ADD read are the same), RUN steps in real containers.
public final class Builder {
    let engine: ContainerEngine
    var store: ImageStore { engine.images }
    /// Finds (pulling when needed) the image a FROM names; returns it and its full name.
    let resolveBase: (String) throws -> ImageRecord
    let out: (String) -> Void
    var options: BuildOptions
    var stages: [StageState] = []
    var scratchFiles: [String] = []
    let cache: BuildCache

    public init(engine: ContainerEngine, options: BuildOptions, resolveBase: @escaping (String) throws -> ImageRecord,
                out: @escaping (String) -> Void) throws {
        self.engine = engine
        self.options = options
        self.resolveBase = resolveBase
        self.out = out
        cache = try BuildCache(storage: engine.locations.storage)
    }

    deinit {
        for file in scratchFiles { unlink(file) }
    }

    func say(_ line: String) { if !options.quiet { out(line) } }

    /// Runs the build; returns the final image (tagged with the options' tags).
    public func build() throws -> ImageRecord {
        // Each step's layer and config wait in the store's scratch area until the step's image is listed.
        try store.beginIngest()
        defer { store.endIngest() }
        let text = String(decoding: try FileSystem.readFile(options.containerfile), as: UTF8.self)
        let instructions = try Containerfile.parse(text, file: options.displayName)
        var globalArgs: [String: String] = [:]
        var steps = instructions
        // ARGs before the first FROM are for FROM lines only.
        while let first = steps.first, first.keyword == "ARG" {
            for (key, value) in try namedPairs(first, first.arguments, legacySpace: false) {
                globalArgs[key] = options.buildArgs[key] ?? value
            }
            steps.removeFirst()
        }
        if let target = options.target {
            guard let end = steps.indices.first(where: { steps[$0].keyword == "FROM" && stageName(steps[$0]) == target }) else {
                throw BuildError.syntax(file: options.displayName, line: 1, message: "the target stage \"\(target)\" is not in the file",
                                        hint: "name stages with FROM IMAGE AS NAME")
            }
            let next = steps[(end + 1)...].firstIndex { $0.keyword == "FROM" } ?? steps.endIndex
            steps = Array(steps[..<next])
        }
        for (number, instruction) in steps.enumerated() {
            let label = "STEP \(number + 1)/\(steps.count): \(instruction.display)"
            say(label)
            let last = number == steps.count - 1
            try execute(instruction, globalArgs: globalArgs, last: last)
        }
        guard let finalID = stages.last?.imageID else {
            throw BuildError.syntax(file: options.displayName, line: 1, message: "the build made no image", hint: nil)
        }
        let names = options.tags.map(\.description)
        let typed = options.tagTexts.isEmpty ? names : options.tagTexts
        say(names.isEmpty ? "COMMIT" : "COMMIT \(typed.joined(separator: " "))")
        for tag in options.tags {
            try store.tag(finalID.hex, as: tag)
            engine.journal.record(JournalEvent(type: "image", status: "tag", id: finalID.hex, name: tag.description))
        }
        say("--> \(String(finalID.hex.prefix(11)))")
        for name in names { say("Successfully tagged \(name)") }
        engine.journal.record(JournalEvent(type: "image", status: "build", id: finalID.hex, name: names.first))
        return try store.resolve(finalID.hex)
    }

    func stageName(_ instruction: Instruction) -> String? {
        let words = Substitution.shellWords(instruction.arguments)
        return words.count == 3 && words[1].uppercased() == "AS" ? words[2] : nil
    }

    func fail(_ instruction: Instruction, _ message: String, hint: String? = nil, status: Int32 = ExitStatus.engineError) -> BuildError {
        .step(file: options.displayName, line: instruction.line, step: instruction.display, message: message, hint: hint, status: status)
    }

    /// The NAME=VALUE pairs of an ARG, ENV or LABEL; a blank name is refused, as buildah does.
    func namedPairs(_ instruction: Instruction, _ text: String, legacySpace: Bool) throws -> [(String, String)] {
        let pairs = Substitution.pairs(text, legacySpace: legacySpace)
        if pairs.contains(where: { $0.0.isEmpty }) {
            throw fail(instruction, "\(instruction.keyword) names can not be blank", hint: "write NAME=VALUE, e.g. \(instruction.keyword) MODE=production")
        }
        return pairs
    }

    func execute(_ instruction: Instruction, globalArgs: [String: String], last: Bool) throws {
        if instruction.keyword == "FROM" {
            try from(instruction, globalArgs: globalArgs)
            return
        }
        guard var state = stages.popLast() else { throw fail(instruction, "no stage to run this in") }
        defer { stages.append(state) }
        let variables = state.variables
        let expanded = Substitution.expand(instruction.arguments, variables)
        switch instruction.keyword {
        case "WORKDIR":
            let path = expanded.hasPrefix("/") ? expanded : (state.runtime.WorkingDir ?? "/") + "/" + expanded
            let normalized = "/" + path.split(separator: "/").joined(separator: "/")
            state.runtime.WorkingDir = normalized
            try workdir(&state, instruction: instruction, path: normalized, last: last)
        case "COPY", "ADD":
            try copy(&state, instruction: instruction, expanded: expanded, last: last)
        case "RUN":
            try run(&state, instruction: instruction, last: last)
        default:
            // Every other instruction only changes the configuration.
            try applyConfig(instruction, expanded: expanded, globalArgs: globalArgs, to: &state)
            try commitConfig(&state, instruction: instruction, last: last)
        }
    }

    /// ARG, ENV, LABEL, MAINTAINER, EXPOSE, USER, STOPSIGNAL, VOLUME, CMD, ENTRYPOINT and SHELL.
    func applyConfig(_ instruction: Instruction, expanded: String, globalArgs: [String: String], to state: inout StageState) throws {
        switch instruction.keyword {
        case "ARG":
            for (key, value) in try namedPairs(instruction, expanded, legacySpace: false) {
                state.args[key] = options.buildArgs[key] ?? globalArgs[key] ?? value
            }
        case "ENV":
            var env = state.runtime.Env ?? []
            for (key, value) in try namedPairs(instruction, expanded, legacySpace: true) {
                env.removeAll { $0.hasPrefix(key + "=") }
                env.append("\(key)=\(value)")
            }
            state.runtime.Env = env
        case "LABEL":
            var labels = state.runtime.Labels ?? [:]
            for (key, value) in try namedPairs(instruction, expanded, legacySpace: true) { labels[key] = value }
            state.runtime.Labels = labels
        case "MAINTAINER":
            state.config.author = expanded
        case "EXPOSE":
            var ports = state.runtime.ExposedPorts ?? [:]
            for word in Substitution.shellWords(expanded) {
                ports[word.contains("/") ? word : "\(word)/tcp"] = ContainerConfig.Empty()
            }
            state.runtime.ExposedPorts = ports
        case "USER":
            state.runtime.User = expanded
        case "STOPSIGNAL":
            state.runtime.StopSignal = expanded
        case "VOLUME":
            var volumes = state.runtime.Volumes ?? [:]
            for path in instruction.json ?? Substitution.shellWords(expanded) { volumes[path] = ContainerConfig.Empty() }
            state.runtime.Volumes = volumes
        case "CMD", "ENTRYPOINT":
            let command = instruction.json ?? (instruction.arguments.isEmpty ? [] : state.shell + [instruction.arguments])
            if instruction.keyword == "CMD" { state.runtime.Cmd = command } else { state.runtime.Entrypoint = command }
        case "SHELL":
            state.shell = instruction.json ?? ["/bin/sh", "-c"]
        default:
            throw fail(instruction, "\(instruction.keyword) is not supported")
        }
    }

    func from(_ instruction: Instruction, globalArgs: [String: String]) throws {
        let words = Substitution.shellWords(Substitution.expand(instruction.arguments, globalArgs))
        guard let name = words.first, words.count == 1 || (words.count == 3 && words[1].uppercased() == "AS") else {
            throw fail(instruction, "FROM takes an image and optionally AS NAME", hint: "FROM docker.io/library/busybox AS builder")
        }
        let alias = words.count == 3 ? words[2] : nil
        if name == "scratch" {
            let config = ImageConfig(created: nil, architecture: Platform.host.architecture, os: "linux", config: ContainerConfig(),
                                     rootfs: RootFS(diffIDs: []), history: [])
            stages.append(StageState(name: alias, imageID: nil, config: config, manifestLayers: [], args: globalArgs))
            return
        }
        let base: ImageRecord
        if let earlier = stages.first(where: { $0.name == name }), let id = earlier.imageID {
            base = try store.resolve(id.hex)
        } else {
            do { base = try resolveBase(name) } catch let error as any LearnerFacingError {
                throw fail(instruction, error.message, hint: error.hint)
            }
        }
        let config = try store.config(of: base)
        let manifest = try store.manifest(of: base)
        stages.append(StageState(name: alias, imageID: base.id, config: config, manifestLayers: manifest.layers, args: globalArgs))
    }

    /// The root file system of the stage's current image (nil for an empty scratch stage).
    func rootfs(of state: StageState) throws -> String? {
        guard let id = state.imageID, let top = try store.resolve(id.hex).topLayer else { return nil }
        return store.layers.path(for: top)
    }
}
