/// An error a learner can act on: what went wrong, what to try next, and the exit status podman
/// would give for it. Every module family defines one such type; the CLI prints and maps them.
public protocol LearnerFacingError: Error, CustomStringConvertible {
    /// One line, in podman's style where a learner compares ("image not known", "no such container").
    var message: String { get }
    /// What to do next, or nil when the message says it all.
    var hint: String? { get }
    /// 125 for podlab's own failures, as podman; 1 and 2 where podman uses them (not found, in use).
    var exitStatus: Int32 { get }
}

extension LearnerFacingError {
    public var hint: String? { nil }
    public var description: String { message }
}

/// Exit statuses podman uses, named once.
public enum ExitStatus {
    public static let success: Int32 = 0
    /// A lookup found nothing (`podman rm nosuch`, `podman image rm nosuch`, `image exists`).
    public static let notFound: Int32 = 1
    /// The object is in use or in the wrong state (`image rm` of an image a container uses).
    public static let conflict: Int32 = 2
    /// podlab itself failed: bad flags, bad input, an I/O error.
    public static let engineError: Int32 = 125
    /// The command in the container could not be invoked.
    public static let cannotInvoke: Int32 = 126
    /// The command was not found in the container.
    public static let commandNotFound: Int32 = 127
}

/// Failures of the operating system underneath podlab (files, locks, processes), with the path and errno.
public struct SystemError: LearnerFacingError {
    public let operation: String
    public let path: String
    public let errno: Int32

    public init(_ operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var message: String {
        "\(operation) \(path): \(SystemError.describe(errno))"
    }

    public var hint: String? {
        switch errno {
        case EACCES, EPERM: return "check the permissions of \(path), or whether another user owns it"
        case ENOSPC: return "the disk is full: free some space (podman image prune removes unused images)"
        case EROFS: return "\(path) is on a read-only file system"
        default: return nil
        }
    }

    public var exitStatus: Int32 { ExitStatus.engineError }

    public static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text).lowercased()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
