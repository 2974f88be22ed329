import PodlabCore
import PodlabImages

/// A seccomp profile in podman's JSON format (containers/common): a default action and rules, each
/// rule naming syscalls, an action, optional argument conditions and capability/architecture filters.
public struct SeccompProfile: Codable, Sendable {
    public struct Argument: Codable, Sendable {
        public var index: UInt32
        public var value: UInt64
        public var valueTwo: UInt64?
        public var op: String
    }

    public struct Filter: Codable, Sendable {
        public var caps: [String]?
        public var arches: [String]?
    }

    public struct Rule: Codable, Sendable {
        public var names: [String]?
        public var name: String?
        public var action: String
        public var errnoRet: UInt32?
        public var args: [Argument]?
        public var includes: Filter?
        public var excludes: Filter?

        init(_ names: [String], _ action: String, errno: UInt32? = nil, args: [Argument]? = nil,
             includes: Filter? = nil, excludes: Filter? = nil) {
            self.names = names
            self.action = action
            self.errnoRet = errno
            self.args = args
            self.includes = includes
            self.excludes = excludes
        }

        /// Whether the rule applies to a container with these capabilities on this architecture.
        func applies(capabilities: Set<String>, architecture: String) -> Bool {
            if let caps = includes?.caps, !caps.allSatisfy(capabilities.contains) { return false }
            if let arches = includes?.arches, !arches.contains(architecture) { return false }
            if let caps = excludes?.caps, caps.contains(where: capabilities.contains) { return false }
            if let arches = excludes?.arches, arches.contains(architecture) { return false }
            return true
        }
    }

    public var defaultAction: String
    public var defaultErrnoRet: UInt32?
    public var syscalls: [Rule]?

    /// Reads a podman-format profile file (`--security-opt seccomp=FILE`).
    public static func load(path: String) throws -> SeccompProfile {
        try JSONCoding.decode(SeccompProfile.self, from: try FileSystem.readFile(path), what: "seccomp profile \(path)")
    }
}
