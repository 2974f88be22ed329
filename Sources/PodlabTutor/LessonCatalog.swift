import PodlabCore
import Yams

/// The lessons on disk: `<id>.yaml` files, their Markdown texts, and the `explain` dictionary.
public struct LessonCatalog: Sendable {
    public let directory: String
    public let lessons: [Lesson]
    /// The tutorial's order.
    public static let order = ["hello-world", "nginx", "build", "push", "volume", "pod", "secret", "kube"]

    public init(directory: String) throws {
        self.directory = directory
        var loaded: [Lesson] = []
        let files = FileSystem.list(directory).filter { $0.hasSuffix(".yaml") && $0 != "explain.yaml" }
        for file in files {
            loaded.append(try LessonCatalog.load("\(directory)/\(file)"))
        }
        lessons = loaded.sorted { (Self.order.firstIndex(of: $0.id) ?? 99, $0.id) < (Self.order.firstIndex(of: $1.id) ?? 99, $1.id) }
    }

    public static func load(_ path: String) throws -> Lesson {
        try decode(String(decoding: try FileSystem.readFile(path), as: UTF8.self), file: path)
    }

    /// A lesson from its YAML text, checked as `load` checks a file; with a file name, its id must match it.
    public static func decode(_ text: String, file: String?) throws -> Lesson {
        let path = file ?? "lesson"
        let lesson: Lesson
        do { lesson = try YAMLDecoder().decode(Lesson.self, from: text) } catch {
            throw TutorError.lesson("\(error)", file: path)
        }
        if let file, "\(lesson.id).yaml" != FileSystem.baseName(of: file) {
            throw TutorError.lesson("the id \"\(lesson.id)\" does not match the file name", file: path)
        }
        var seen = Set<String>()
        for step in lesson.steps {
            guard seen.insert(step.id).inserted else { throw TutorError.lesson("step \"\(step.id)\" appears twice", file: path) }
            guard !step.checks.isEmpty else { throw TutorError.lesson("step \"\(step.id)\" has no checks", file: path) }
        }
        return lesson
    }

    public func lesson(_ id: String) throws -> Lesson {
        guard let lesson = lessons.first(where: { $0.id == id }) else {
            throw TutorError.unknownLesson(id, known: lessons.map(\.id))
        }
        return lesson
    }

    /// A step's text in `language` (falling back to the other language, then to its title).
    public func text(of step: Step, in lesson: Lesson, language: Language) -> String {
        for choice in [language] + Language.allCases.filter({ $0 != language }) {
            if let bytes = try? FileSystem.readFile("\(directory)/\(lesson.id)/\(choice.rawValue)/\(step.id).md") {
                return String(decoding: bytes, as: UTF8.self)
            }
        }
        return step.title.text(language)
    }
}
