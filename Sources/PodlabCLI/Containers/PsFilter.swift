import PodlabCore
import PodlabRuntime

/// `podman ps --filter KEY=VALUE`, with podman 4.3.1's rules (measured here): values given for one key widen (any
/// may match), but `label`'s narrow (every one must match), and different keys narrow (all must match); a `status`
/// filter looks at every container as `-a` would, any other filter only at the ones `-a` (or its absence) lets
/// through.
struct PsFilter {
    enum Key: String, CaseIterable {
        case id, name, label, status, exited, pod, ancestor, volume, before, since
    }

    /// podman's keys that podlab does not answer yet; refused by name rather than matching nothing. (`label!` came
    /// after 4.3.1, which calls it an invalid filter.)
    static let notImplemented: Set<String> = ["health", "network", "until", "expose", "publish", "is-task", "restart-policy"]
    /// podman 4.3.1's container states (`stopping` is refused there too).
    static let statuses: Set<String> = ["created", "initialized", "running", "paused", "stopped", "exited", "removing", "unknown"]

    private var values: [Key: [String]] = [:]
    private var patterns: [Key: [Regex<AnyRegexOutput>]] = [:]
    /// `before=`/`since=` as creation times, looked up once when the filter is read (a missing container fails
    /// even when nothing would reach that key): a container must be older than every `before`, newer than every
    /// `since`.
    private var before: Double?
    private var since: Double?

    init(_ arguments: [String], among all: [ContainerRecord]) throws {
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "=") else {
                throw CLIError.usage("invalid filter \"\(argument)\"", command: "podman ps")
            }
            let name = String(argument[..<equals])
            let value = String(argument[argument.index(after: equals)...])
            guard let key = Key(rawValue: name) else {
                if Self.notImplemented.contains(name) {
                    throw CLIError.refused("podlab does not implement the \"\(name)\" filter of podman ps yet",
                                           hint: "filters podlab has: " + Key.allCases.map(\.rawValue).joined(separator: ", "))
                }
                throw CLIError.usage("\(name) is an invalid filter", command: "podman ps")
            }
            try check(key, value)
            values[key, default: []].append(value)
            if key == .before { before = min(before ?? .infinity, try Self.reference(value, in: all).created) }
            if key == .since { since = max(since ?? -.infinity, try Self.reference(value, in: all).created) }
        }
    }

    /// Whether stopped containers are listed without `-a`.
    var includesStopped: Bool { values[.status] != nil }

    /// Whether a container passes every key given.
    func matches(_ record: ContainerRecord, pods: [String: PodRecord]) -> Bool {
        for (key, wanted) in values {
            let passes: Bool
            switch key {
            case .id:
                // a prefix, as podman matches IDs by default, or a regular expression
                passes = wanted.contains { record.id.hasPrefix($0) } || (patterns[.id] ?? []).contains { record.id.contains($0) }
            case .name:
                passes = (patterns[.name] ?? []).contains { record.name.contains($0) }
            case .label:
                let labels = record.settings.labels ?? [:]
                passes = wanted.allSatisfy { Self.label($0, isIn: labels) }
            case .status:
                passes = wanted.contains { Self.status($0) == record.state.status }
            case .exited:
                passes = record.state.status == .exited && wanted.contains { Int32($0) == record.state.exitCode }
            case .pod:
                let pod = record.settings.pod.flatMap { pods[$0] }
                passes = pod.map { pod in wanted.contains { pod.name == $0 || pod.id.hasPrefix($0) } } ?? false
            case .ancestor:
                // The full name as the container records it (podman 4.3.1 here: `busybox` and a short ID match nothing).
                passes = wanted.contains { record.imageName == $0 || record.imageID.hex == $0 || record.imageID.description == $0 }
            case .volume:
                passes = record.settings.volumes.contains { mount in wanted.contains { mount.volumeName == $0 || mount.destination == $0 } }
            case .before:
                passes = record.created < (before ?? .infinity)  // set whenever the key is: read with it
            case .since:
                passes = record.created > (since ?? -.infinity)
            }
            if !passes { return false }
        }
        return true
    }

    /// A value's form is checked when it is read, as podman does, so a typo fails even with no container to match.
    private mutating func check(_ key: Key, _ value: String) throws {
        switch key {
        case .status:
            guard Self.statuses.contains(value) else { throw CLIError.refused("unknown container state: \(value): invalid argument", hint: "states: " + Self.statuses.sorted().joined(separator: ", ")) }
        case .exited:
            guard Int32(value) != nil else { throw CLIError.usage("the exited filter takes an exit code (a number), got \"\(value)\"", command: "podman ps") }
        case .id, .name:
            do { patterns[key, default: []].append(try Regex(value)) } catch {
                throw CLIError.usage("the \(key.rawValue) filter's value \"\(value)\" is not a regular expression", command: "podman ps")
            }
        case .label, .pod, .ancestor, .volume, .before, .since:
            break
        }
    }

    /// `KEY` (the label is there, whatever its value; `KEY=` too) or `KEY=VALUE`. The container's labels include its
    /// image's. Split and compared as bytes, as podman compares them (not as Characters, which join a combining mark
    /// to the `=` before it and count canonically equivalent text as equal).
    private static func label(_ filter: String, isIn labels: [String: String]) -> Bool {
        let bytes = filter.utf8
        let equals = bytes.firstIndex(of: UInt8(ascii: "="))
        let key = bytes[..<(equals ?? bytes.endIndex)]
        let value = equals.map { bytes[bytes.index(after: $0)...] } ?? bytes[bytes.endIndex...]
        return labels.contains { $0.key.utf8.elementsEqual(key) && (value.isEmpty || $0.value.utf8.elementsEqual(value)) }
    }

    /// The states podlab keeps: none is paused, initialized, removing or unknown (those match nothing); `stopped` is
    /// `exited`.
    private static func status(_ name: String) -> ContainerStatus? {
        switch name {
        case "created": return .created
        case "running": return .running
        case "exited", "stopped": return .exited
        default: return nil
        }
    }

    /// The container `before=`/`since=` compares with: a name, or an ID or its prefix.
    private static func reference(_ nameOrID: String, in all: [ContainerRecord]) throws -> ContainerRecord {
        guard let found = RecordLookup.find(nameOrID, in: all, name: \.name, id: \.id) else {
            // podman exits 125 here (a bad filter), not 1 as for a missing container elsewhere.
            let missing = RuntimeError.noSuchContainer(nameOrID)
            throw CLIError.refused(missing.message, hint: missing.hint)
        }
        return found
    }
}
