import PodlabCore
import PodlabImages
import PodlabRuntime

/// What a check found: passed, or what is wrong now (in the learner's language).
public struct CheckResult: Sendable {
    public var check: Check
    public var passed: Bool
    public var message: String
}

/// What checks look at: the engine's stores and journal, the workspace, the shell's environment.
public struct CheckContext: Sendable {
    public var paths: TutorPaths
    /// Journal checks count events after this time (the step's or the lesson's start).
    public var since: Double
    /// The tutor shell's exported variables.
    public var environment: [String: String]
    public var language: Language
    /// How long a web check waits for a server that does not answer yet (seconds).
    public var patience: Double

    public init(paths: TutorPaths, since: Double, environment: [String: String], language: Language, patience: Double = 1.5) {
        self.paths = paths
        self.since = since
        self.environment = environment
        self.language = language
        self.patience = patience
    }
}

/// Evaluates checks against the real state, reading each store at most once per evaluation (checks run
/// after every line the learner types, so they must be quick).
public final class CheckEvaluator {
    let context: CheckContext
    private var cachedImages: Result<[ImageRecord], any Error>?
    private var cachedContainers: Result<[ContainerRecord], any Error>?
    private var cachedEvents: [JournalEvent]?

    public init(context: CheckContext) {
        self.context = context
    }

    public func evaluate(_ checks: [Check]) -> [CheckResult] {
        checks.map(evaluate)
    }

    public func evaluate(_ check: Check) -> CheckResult {
        let failure: String?
        switch check {
        case .image(let spec): failure = image(spec)
        case .container(let spec): failure = container(spec)
        case .http(let spec): failure = http(spec)
        case .file(let spec): failure = file(spec)
        case .registry(let spec): failure = registry(spec)
        case .login(let spec): failure = login(spec)
        case .accountExists(let spec): failure = account(spec)
        case .journal(let spec): failure = journal(spec)
        case .journalEvent(let spec): failure = journalEvent(spec)
        case .env(let spec): failure = environment(spec)
        case .volume(let spec): failure = volume(spec)
        case .secret(let spec): failure = secret(spec)
        case .pod(let spec): failure = pod(spec)
        case .kube(let spec): failure = kube(spec)
        }
        return CheckResult(check: check, passed: failure == nil, message: failure ?? say("通过", "passed"))
    }

    func say(_ zh: String, _ en: String) -> String { context.language == .zh ? zh : en }

    // MARK: State, read once

    /// Every image (none before the first pull); a list that cannot be read is the check's failure (`unreadable`).
    func images() throws -> [ImageRecord] {
        if let cachedImages { return try cachedImages.get() }
        let path = "\(context.paths.locations.storage)/images.json"
        let loaded = Result { FileSystem.exists(path) ? try ImageStore(root: context.paths.locations.storage).images() : [] }
        cachedImages = loaded
        return try loaded.get()
    }

    /// Every container; a list that cannot be read is the check's failure (`unreadable`), never "none yet".
    func containers() throws -> [ContainerRecord] {
        if let cachedContainers { return try cachedContainers.get() }
        let loaded = Result { try ContainerStore(storage: context.paths.locations.storage).all() }
        cachedContainers = loaded
        return try loaded.get()
    }

    var events: [JournalEvent] {
        if let cachedEvents { return cachedEvents }
        let loaded = Journal(storage: context.paths.locations.storage).events().filter { $0.time >= context.since }
        cachedEvents = loaded
        return loaded
    }

    static func fullName(_ name: String) -> String {
        (try? ImageReference(parsing: name))?.description ?? name
    }

    // MARK: Images and containers

    func image(_ spec: Check.ImageCheck) -> String? {
        let full = Self.fullName(spec.name)
        let all: [ImageRecord]
        do { all = try images() } catch { return unreadable(error) }
        let present = all.contains { $0.names.contains(full) }
        if spec.present ?? true {
            return present ? nil : say("本地还没有镜像 \(full)", "there is no image \(full) here yet")
        }
        return present ? say("镜像 \(full) 还在本地（podman image rm \(full) 可删除它）",
                             "the image \(full) is still here (podman image rm \(full) removes it)") : nil
    }

    func container(_ spec: Check.ContainerCheck) -> String? {
        let all: [ContainerRecord]
        do { all = try containers() } catch { return unreadable(error) }
        let found = all.first { $0.name == spec.name }
        guard spec.present ?? true else {
            guard let found else { return nil }
            return say("名为 \(spec.name) 的容器还在（\(found.state.status.rawValue)）：podman rm \(spec.name) 可删除它",
                       "a container named \(spec.name) still exists (\(found.state.status.rawValue)): podman rm \(spec.name) removes it")
        }
        guard let found else {
            return say("还没有名为 \(spec.name) 的容器", "there is no container named \(spec.name) yet")
        }
        if let image = spec.image, Self.fullName(image) != Self.fullName(found.imageName) {
            return say("容器 \(spec.name) 用的镜像是 \(found.imageName)，应该是 \(image)",
                       "the container \(spec.name) runs \(found.imageName), not \(image)")
        }
        if let ports = spec.ports {
            let published = found.settings.ports.map { "\($0.hostPort):\($0.containerPort)" }
            for wanted in ports where !published.contains(wanted) {
                let shown = published.isEmpty ? say("没有发布任何端口", "publishes no port") : say("发布的是 ", "publishes ") + published.joined(separator: ", ")
                let reversed = wanted.split(separator: ":").reversed().joined(separator: ":")
                let advice = published.contains(reversed)
                    ? say("宿主端口在前：-p \(wanted)", "host port first: -p \(wanted)")
                    : say("应该是 -p \(wanted)", "it should be -p \(wanted)")
                return say("名为 \(spec.name) 的容器存在，但\(shown) —— \(advice)",
                           "a container named \(spec.name) exists but \(shown) — \(advice)")
            }
        }
        if let state = spec.state, state != found.state.status.rawValue {
            let now = found.state.status == .exited ? "exited (\(found.state.exitCode.map(String.init) ?? "?"))" : found.state.status.rawValue
            return say("容器 \(spec.name) 现在是 \(now)，应该是 \(state)", "the container \(spec.name) is \(now), it should be \(state)")
        }
        if let volumes = spec.volumes {
            let mounted = found.settings.volumes.map { "\($0.volumeName ?? $0.source):\($0.destination)" }
            for wanted in volumes where !mounted.contains(wanted) {
                return say("容器 \(spec.name) 没有挂载 \(wanted)（应该用 -v \(wanted)）",
                           "the container \(spec.name) does not mount \(wanted) (it needs -v \(wanted))")
            }
        }
        if let text = spec.lacksValue, (found.settings.env + found.settings.command).contains(where: { $0.contains(text) }) {
            return say("容器 \(spec.name) 的配置里仍然写着「\(text)」（podman inspect 看得到）：用 --secret 代替",
                       "the configuration of \(spec.name) still holds \"\(text)\" (podman inspect shows it): use --secret instead")
        }
        if let code = spec.exitCode, found.state.exitCode != code {
            return say("容器 \(spec.name) 的退出码是 \(found.state.exitCode.map(String.init) ?? "（还没有）")，应该是 \(code)",
                       "the container \(spec.name) exited with \(found.state.exitCode.map(String.init) ?? "(nothing yet)"), expected \(code)")
        }
        return nil
    }

    // MARK: Files and the shell

    /// A check's `path`: relative to the learner's workspace, or absolute.
    func workspacePath(_ path: String) -> String {
        path.hasPrefix("/") ? path : "\(context.paths.workspace)/\(path)"
    }

    /// What a check says when the file it reads is not there yet.
    func notYetInWorkspace(_ path: String) -> String? {
        say("工作目录里还没有 \(path)", "there is no \(path) in your workspace yet")
    }

    func file(_ spec: Check.FileCheck) -> String? {
        let path = workspacePath(spec.path)
        let exists = FileSystem.exists(path)
        guard spec.exists ?? true else {
            return exists ? say("\(spec.path) 还在", "\(spec.path) is still there") : nil
        }
        guard exists else { return notYetInWorkspace(spec.path) }
        if let text = spec.contains {
            guard let bytes = try? FileSystem.readFile(path), String(decoding: bytes, as: UTF8.self).contains(text) else {
                return say("\(spec.path) 里没有「\(text)」", "\(spec.path) does not contain \"\(text)\"")
            }
        }
        return nil
    }

    func environment(_ spec: Check.EnvCheck) -> String? {
        guard let value = context.environment[spec.name] else {
            return say("这个 shell 里还没有导出 \(spec.name)", "\(spec.name) is not exported in this shell yet")
        }
        if let wanted = spec.value, value != wanted {
            return say("\(spec.name) 是「\(value)」，应该是「\(wanted)」", "\(spec.name) is \"\(value)\", expected \"\(wanted)\"")
        }
        return nil
    }

    // MARK: The journal

    func journal(_ spec: Check.JournalCheck) -> String? {
        let runs = events.filter { event in
            guard event.type == "system", event.status == "command", let arguments = event.arguments else { return false }
            return Self.isSubsequence(spec.command, of: Array(arguments.dropFirst()))
        }
        if runs.contains(where: { spec.exitCode == nil || $0.exitCode == spec.exitCode }) { return nil }
        let line = "podman " + spec.command.joined(separator: " ")
        if let last = runs.last, let code = last.exitCode {
            return say("\(line) 运行了，但退出码是 \(code)：看看它输出的错误", "\(line) ran but exited with \(code): look at the error it printed")
        }
        return spec.exitCode == 0
            ? say("还没有成功运行过 \(line)", "\(line) has not run successfully yet")
            : say("还没有运行过 \(line)", "\(line) has not run yet")
    }

    func journalEvent(_ spec: Check.JournalEventCheck) -> String? {
        let matched = events.contains { $0.type == spec.type && $0.status == spec.status && (spec.name == nil || $0.name == spec.name) }
        if matched { return nil }
        if spec.type == "tutor" && spec.status == "browse" {
            return say("还没有打开 \(spec.name ?? "这个网址")：browse \(spec.name ?? "URL")", "you have not opened \(spec.name ?? "the page") yet: browse \(spec.name ?? "URL")")
        }
        return say("日志里还没有 \(spec.type) \(spec.status) 事件", "the journal has no \(spec.type) \(spec.status) event yet")
    }

    /// True when `needle`'s words appear in `haystack` in order (other words may come between).
    static func isSubsequence(_ needle: [String], of haystack: [String]) -> Bool {
        var index = haystack.startIndex
        for word in needle {
            guard let found = haystack[index...].firstIndex(of: word) else { return false }
            index = haystack.index(after: found)
        }
        return true
    }
}
