import PodlabCore
import PodlabImages
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

extension Builder {
    /// RUN: the command in a real container of the current image; what it changed becomes the layer.
    func run(_ state: inout StageState, instruction: Instruction, last: Bool) throws {
        let key = cacheKey(state, instruction)
        if try reuse(key, into: &state, last: last) { return }
        guard let imageID = state.imageID, let image = try? store.resolve(imageID.hex), image.topLayer != nil else {
            throw fail(instruction, "RUN needs a base image with a shell (FROM scratch has none)", hint: "start from an image such as docker.io/library/busybox")
        }
        let command = instruction.json ?? state.shell + [instruction.arguments]
        var env = state.runtime.Env ?? []
        if !env.contains(where: { $0.hasPrefix("PATH=") }) { env.insert("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", at: 0) }
        for (key, value) in state.args.sorted(by: { $0.key < $1.key }) where !env.contains(where: { $0.hasPrefix(key + "=") }) {
            env.append("\(key)=\(value)")
        }
        var settings = ContainerSettings(
            command: command, env: env, workingDir: state.runtime.WorkingDir ?? "/", user: state.runtime.User ?? "", hostname: "",
            ports: [], volumes: [], readOnly: false, network: "private", capabilities: Capabilities.podmanDefault, seccomp: nil,
            initProcess: false, tty: false, interactive: false, autoRemove: false, stopSignal: 15, stopTimeout: 10)
        settings.buildStep = BuildStepOwner.current()
        let record = try engine.create(image: image, imageName: image.names.first ?? image.id.hex, settings: settings,
                                       name: "podlab-build-\(String(ContainerStore.newID().prefix(12)))")
        defer { try? engine.remove(try engine.containers.find(record.id)) }
        let code: Int32
        do {
            // Under the start lock, as any foreground run: a `container prune` meanwhile cannot take it half started.
            guard let exit = try ContainerMonitor.runAttached(record, engine: engine) else {
                throw RuntimeError.cannotRun("the build container \(record.name) was started by another command", hint: "build again")
            }
            code = exit
        } catch let error as any LearnerFacingError {
            throw fail(instruction, error.message, hint: error.hint, status: error.exitStatus)
        }
        guard code == 0 else {
            throw fail(instruction, "while running runtime: exit status \(code)",
                       hint: "the command failed inside the build container; its output is above", status: code)
        }
        let directory = engine.containers.directory(of: record.id)
        guard !FileSystem.isDirectory("\(directory)/rootfs") else {
            throw fail(instruction, "RUN steps need overlay mounts, which this machine refused", hint: nil)
        }
        if let lower = image.topLayer.map({ engine.images.layers.path(for: $0) }) {
            Self.dropMountPoints(upper: "\(directory)/upper", lower: lower)
        }
        let layer = try scratchFile("layer")
        do {
            _ = try LayerDiff.write(upper: "\(directory)/upper", to: layer, mapping: engine.mapping)
        } catch let error as LayerDiff.Unreadable {
            let owner = error.owner.map { "user \($0) of the container" } ?? "an id outside the container's"
            throw fail(instruction, "podlab cannot read \(error.path), which this step left to \(owner) alone (mode \(Self.octal(error.mode))): "
                + SystemError.describe(error.errno),
                hint: "a build without root reads what a step changed as you, not as the container's root; open it to others in the same RUN "
                    + "(chmod o+rX \(ShellQuote.word(error.path))), or build as root")
        }
        try commit(&state, layer: layer, createdBy: "/bin/sh -c \(instruction.arguments)", key: key, last: last)
    }

    /// A mode as `ls -l`'s octal form (`0700`).
    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The RUN container's /etc/hosts is the runtime's, bound for the step, not the image's (as in buildah): when
    /// the image had none, the empty file the runtime made to mount on, and the /etc it made for it, are not part of
    /// the layer.
    static func dropMountPoints(upper: String, lower: String) {
        let file = ContainerHosts.destination
        let directory = FileSystem.parent(of: file)
        guard !FileSystem.exists(lower + file) else { return }
        var info = stat()
        guard lstat(upper + file, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size == 0 else { return }
        unlink(upper + file)
        if !FileSystem.exists(lower + directory) || isCopiedUpUnchanged(upper: upper + directory, lower: lower + directory) {
            rmdir(upper + directory)  // fails, as it should, when the command left anything else there
        }
    }

    /// A directory overlayfs copied up only to hold a new entry: same mode and owner as below, and not opaque
    /// (an opaque one hides what is below, which is a change the layer must keep).
    private static func isCopiedUpUnchanged(upper: String, lower: String) -> Bool {
        var above = stat(), below = stat()
        guard lstat(upper, &above) == 0, lstat(lower, &below) == 0 else { return false }
        guard above.st_mode == below.st_mode, above.st_uid == below.st_uid, above.st_gid == below.st_gid else { return false }
        return !LayerDiff.isOpaque(upper)
    }
}
