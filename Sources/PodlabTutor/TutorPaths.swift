import PodlabCore
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Where the tutor keeps what is the learner's own (progress, history, the workspace) and finds what it
/// ships with (lessons, the engine binary). Progress is kept apart from the engine's store, so resetting
/// the sandbox never loses it.
public struct TutorPaths: Sendable {
    /// Progress and line history: `$PODLAB_STATE`, `$XDG_STATE_HOME/podlab`, `~/.local/state/podlab`.
    public var state: String
    /// Where lines run: `$PODLAB_WORKSPACE`, else `~/podlab-workspace`.
    public var workspace: String
    /// `lessons/` with the YAML files and texts.
    public var lessons: String
    /// The podlab binary that answers `podman`/`docker` on the tutor's PATH.
    public var engine: String
    public var locations: Locations

    public init(state: String, workspace: String, lessons: String, engine: String, locations: Locations) {
        self.state = state
        self.workspace = workspace
        self.lessons = lessons
        self.engine = engine
        self.locations = locations
    }

    public static func current(environment: [String: String] = Environment.current) throws -> TutorPaths {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/root"
        let state = environment["PODLAB_STATE"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "\(home)/.local/state") + "/podlab"
        let workspace = environment["PODLAB_WORKSPACE"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "\(home)/podlab-workspace"
        guard let executable = FileSystem.executablePath() else {
            throw TutorError.setup("cannot find podlab's own executable")
        }
        let directory = FileSystem.parent(of: executable)
        var candidates: [String] = []
        if let explicit = environment["PODLAB_LESSONS"], !explicit.isEmpty { candidates.append(explicit) }
        candidates += Installation.sharedData("lessons")
        var current = directory
        for _ in 0..<4 {
            candidates.append("\(current)/lessons")
            current = FileSystem.parent(of: current)
        }
        guard let lessons = candidates.first(where: { FileSystem.exists("\($0)/hello-world.yaml") }) else {
            throw TutorError.setup("no lessons found (looked in \(candidates.joined(separator: ", ")))")
        }
        return TutorPaths(state: state, workspace: workspace, lessons: FileSystem.realPath(lessons) ?? lessons,
                          engine: Installation.program("podlab") ?? "\(directory)/podlab", locations: Locations.current(environment: environment))
    }

    /// The environment lesson lines run in: the engine's links first on PATH, PODLAB_WORKSPACE set.
    public func shellEnvironment(base: [String: String]) throws -> [String: String] {
        var environment = base
        environment["PATH"] = try binDirectory() + ":" + (base["PATH"] ?? "/usr/bin:/bin")
        environment["PODLAB_WORKSPACE"] = workspace
        return environment
    }

    /// A directory of `podman`, `docker` and `podlab` links to the engine, for the front of PATH.
    public func binDirectory() throws -> String {
        let bin = "\(state)/bin"
        try FileSystem.createDirectory(state, mode: 0o700)
        try FileSystem.createDirectory(bin, mode: 0o755)
        for name in ["podman", "docker", "podlab"] {
            let link = "\(bin)/\(name)"
            var buffer = [CChar](repeating: 0, count: 4096)
            let length = readlink(link, &buffer, buffer.count - 1)
            if length > 0 && String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) == engine { continue }
            unlink(link)
            guard symlink(engine, link) == 0 else { throw SystemError("link", path: link, errno: errno) }
        }
        return bin
    }
}

/// What stops the tutor from doing what was asked, with what to do about it.
public enum TutorError: LearnerFacingError {
    case setup(String)
    case lesson(String, file: String)
    case unknownLesson(String, known: [String])

    public var message: String {
        switch self {
        case .setup(let text): return text
        case .lesson(let text, let file): return "\(file): \(text)"
        case .unknownLesson(let id, _): return "no lesson \"\(id)\""
        }
    }

    public var hint: String? {
        switch self {
        case .setup: return "run 'make run' in podlab's source tree, or set PODLAB_LESSONS to the lessons directory"
        case .lesson: return "see docs/LESSONS.md for the format"
        case .unknownLesson(_, let known): return "lessons: " + known.joined(separator: ", ")
        }
    }

    public var exitStatus: Int32 { ExitStatus.engineError }
}

extension TutorPaths {
    /// The learner's session network when the shell's environment (with its exports) asks for one: where `browse`
    /// and the lessons' HTTP checks fetch loopback pages.
    func sessionNetwork(environment: [String: String]) -> SessionNetwork? {
        SessionNetwork.ifRequested(runtime: locations.runtime, environment: environment)
    }
}
