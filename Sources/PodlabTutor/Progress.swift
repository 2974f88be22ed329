import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// A learner's progress, per lesson and step, in `<state>/progress.json` (written atomically).
public struct Progress: Codable, Sendable {
    public enum Status: String, Codable, Sendable { case pending, passed, skipped }

    public struct StepRecord: Codable, Sendable {
        public var status: Status = .pending
        /// Lines run while the step was current.
        public var attempts = 0
        public var hintsUsed = 0
        public var solutionShown = false
        public var started: Double?
        public var finished: Double?
    }

    public struct LessonRecord: Codable, Sendable {
        public var current = 0
        public var steps: [String: StepRecord] = [:]
        public var started: Double?
    }

    public var lessons: [String: LessonRecord] = [:]
    /// The lesson the learner is in, if any.
    public var currentLesson: String?

    public init() {}

    public static func load(_ path: String) -> Progress {
        guard let bytes = try? FileSystem.readFile(path),
              let progress = try? JSONCoding.decode(Progress.self, from: bytes, what: "progress") else { return Progress() }
        return progress
    }

    public func save(_ path: String) {
        try? FileSystem.createDirectory(FileSystem.parent(of: path), mode: 0o700)
        if let bytes = try? JSONCoding.encode(self, pretty: true) { try? FileSystem.writeAtomically(bytes, to: path, mode: 0o600) }
    }
}
