/// Text in the two languages podlab speaks.
public struct LocalizedText: Codable, Sendable, Equatable {
    public var zh: String
    public var en: String

    public init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }

    public func text(_ language: Language) -> String { language == .zh ? zh : en }
}

public enum Language: String, Sendable, CaseIterable {
    case zh, en

    /// `zh` when LANG/LC_ALL/LC_MESSAGES name Chinese, else `en`.
    public static func fromEnvironment(_ environment: [String: String]) -> Language {
        for key in ["LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"] {
            if let value = environment[key], !value.isEmpty { return value.lowercased().hasPrefix("zh") ? .zh : .en }
        }
        return .en
    }
}

/// A lesson file (`lessons/<id>.yaml`); see docs/LESSONS.md.
public struct Lesson: Codable, Sendable {
    public var id: String
    public var title: LocalizedText
    public var requires: [String]?
    public var images: [String]?
    public var setup: [String]?
    public var steps: [Step]
    public var grade: [Check]?
}

public struct Step: Codable, Sendable {
    public var id: String
    public var title: LocalizedText
    public var setup: [String]?
    public var solution: [String]
    public var hints: [LocalizedText]?
    public var coach: CoachSpec?
    public var checks: [Check]
    public var negative: [String]?
}

/// What a correct `podman run` of a step looks like, for coaching before the line runs.
public struct CoachSpec: Codable, Sendable {
    public var name: String?
    public var ports: [String]?
    public var detach: Bool?
    public var image: String?

    public init(name: String? = nil, ports: [String]? = nil, detach: Bool? = nil, image: String? = nil) {
        self.name = name
        self.ports = ports
        self.detach = detach
        self.image = image
    }
}
