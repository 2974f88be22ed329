import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// One thing the engine did (podman's event model: type, status, id, name, image, attributes).
public struct JournalEvent: Codable, Sendable, Equatable {
    public var time: Double
    /// `container`, `image` or `system` (a podman command line and how it ended).
    public var type: String
    /// `create`, `start`, `died`, `stop`, `kill`, `remove`, `pull`, `tag`, `untag`, `load`, `save`, `command`…
    public var status: String
    public var id: String?
    public var name: String?
    public var image: String?
    public var exitCode: Int32?
    public var arguments: [String]?

    public init(type: String, status: String, id: String? = nil, name: String? = nil, image: String? = nil,
                exitCode: Int32? = nil, arguments: [String]? = nil) {
        self.time = WallClock.now()
        self.type = type
        self.status = status
        self.id = id
        self.name = name
        self.image = image
        self.exitCode = exitCode
        self.arguments = arguments.map(JournalEvent.withoutSecrets)
    }

    /// What stands for a secret in the journal.
    public static let redacted = "******"

    /// A command line as the journal keeps it (and as `podlab check --format json` reports it): the password of
    /// `login -p/--password` (whatever it looks like) and of `--creds USER:PASSWORD` replaced, and the values of
    /// `-e/--env NAME=VALUE` (run, create, exec) and `--build-arg NAME=VALUE` (build), where tutorials put database
    /// passwords; the names stay. (`-p` is a password only for login; for run it publishes.)
    public static func withoutSecrets(_ arguments: [String]) -> [String] {
        let login = arguments.contains("login")
        let environment = arguments.contains { $0 == "run" || $0 == "create" || $0 == "exec" }
        let build = arguments.contains("build")
        var result: [String] = []
        var previous = ""
        for argument in arguments {
            if login && (previous == "-p" || previous == "--password") {
                result.append(redacted)
            } else if previous == "--creds" {
                result.append(redactingPassword(argument))
            } else if (environment && (previous == "-e" || previous == "--env")) || (build && previous == "--build-arg") {
                result.append(redactingValue(argument))
            } else if environment && argument.hasPrefix("--env=") {
                result.append("--env=" + redactingValue(String(argument.dropFirst("--env=".count))))
            } else if build && argument.hasPrefix("--build-arg=") {
                result.append("--build-arg=" + redactingValue(String(argument.dropFirst("--build-arg=".count))))
            } else if login && argument.hasPrefix("--password=") {
                result.append("--password=" + redacted)
            } else if login && argument.hasPrefix("-p") && argument.count > 2 && !argument.hasPrefix("--") {
                result.append("-p" + redacted)
            } else if argument.hasPrefix("--creds=") {
                result.append("--creds=" + redactingPassword(String(argument.dropFirst("--creds=".count))))
            } else {
                result.append(argument)
            }
            previous = argument
        }
        return result
    }

    /// `NAME=VALUE` → `NAME=******`; a bare `NAME` (the value taken from podman's own environment) stays.
    static func redactingValue(_ assignment: String) -> String {
        guard let equals = assignment.firstIndex(of: "=") else { return assignment }
        return assignment[..<equals] + "=" + redacted
    }

    static func redactingPassword(_ credentials: String) -> String {
        guard let colon = credentials.firstIndex(of: ":") else { return credentials }
        return credentials[..<colon] + ":" + redacted
    }
}

/// The event journal (`events.jsonl`): one JSON object per line, appended with O_APPEND so that lines from
/// several processes never interleave. Lesson validators and `podman events` read it.
public struct Journal: Sendable {
    public let path: String

    public init(storage: String) {
        path = "\(storage)/events.jsonl"
    }

    public func record(_ event: JournalEvent) {
        guard var line = try? JSONCoding.encode(event) else { return }
        line.append(0x0a)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Every event so far, oldest first (lines that do not parse, say from a crash mid-write, are skipped).
    public func events() -> [JournalEvent] {
        guard let bytes = try? FileSystem.readFile(path) else { return [] }
        return bytes.split(separator: 0x0a).compactMap { try? JSONCoding.decode(JournalEvent.self, from: Array($0), what: "event") }
    }

    /// The newest event since `since` that `matches`, read from the end: only the lines since then are decoded,
    /// however long the journal has grown (the guided shell asks after every line). Processes append in about the
    /// order of their clocks; lines up to `slack` seconds older than `since` are still read, in case two crossed.
    public func newest(since: Double, slack: Double = 5, where matches: (JournalEvent) -> Bool) -> JournalEvent? {
        guard let bytes = try? FileSystem.readFile(path) else { return nil }
        for line in bytes.split(separator: 0x0a).reversed() {
            guard let event = try? JSONCoding.decode(JournalEvent.self, from: Array(line), what: "event") else { continue }
            if event.time < since - slack { return nil }
            if event.time >= since && matches(event) { return event }
        }
        return nil
    }
}
