import CSpawn
#if canImport(Glibc)
import Glibc
#endif

/// How a detached child (a container's monitor, the sandbox registry) tells the command that started it that it
/// serves, or why it cannot. One message on the child's descriptor 3, then the pipe closes:
/// `ready[\tDETAIL]` (the registry's address) or `failed\tSTATUS\tMESSAGE\tHINT`. End of file without a
/// message means the child died before it could say.
public final class ReadyPipe {
    public let readEnd: Int32
    public private(set) var writeEnd: Int32

    public init() throws(SystemError) {
        var fds: [Int32] = [0, 0]
        guard podlab_pipe_cloexec(&fds) == 0 else { throw SystemError("pipe", path: "ready pipe", errno: errno) }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        close(readEnd)
        if writeEnd >= 0 { close(writeEnd) }
    }

    /// What the child said.
    public enum Answer: Equatable, Sendable {
        case ready(detail: String)
        case failed(status: Int32, message: String, hint: String?)
        /// The child closed the pipe (or died) without a message.
        case silent
    }

    /// The parent's side, after the child was spawned with `writeEnd` as its fd 3: blocks until the child answers.
    public func answer() -> Answer {
        closeWriteEnd()
        let bytes = (try? FileSystem.readAll(fd: readEnd, path: "ready pipe")) ?? []
        return Self.parse(String(decoding: bytes, as: UTF8.self))
    }

    /// Our copy of the child's end, closed once the child has it (else the answer never ends).
    public func closeWriteEnd() {
        if writeEnd >= 0 { close(writeEnd) }
        writeEnd = -1
    }

    static func parse(_ text: String) -> Answer {
        let parts = text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case PODLAB_READY_WORD: return .ready(detail: parts.dropFirst().joined(separator: "\t"))
        case "failed" where parts.count >= 3:
            let hint = parts.count > 3 && !parts[3].isEmpty ? parts[3] : nil
            return .failed(status: Int32(parts[1]) ?? 125, message: parts[2], hint: hint)
        default: return .silent
        }
    }

    /// The child's side: says it serves (once; later calls do nothing) and closes the descriptor.
    public static func sendReady(_ fd: Int32, detail: String = "") {
        send(fd, detail.isEmpty ? PODLAB_READY_WORD : "\(PODLAB_READY_WORD)\t\(detail)")
    }

    /// The child's side: says why it cannot serve, and closes the descriptor.
    public static func sendFailure(_ fd: Int32, _ error: any Error) {
        let failure = error as? any LearnerFacingError
        let flat = { (text: String) in String(text.map { $0 == "\t" ? " " : $0 }) }
        send(fd, "failed\t\(failure?.exitStatus ?? 125)\t\(flat(failure?.message ?? "\(error)"))\t\(flat(failure?.hint ?? ""))")
    }

    private static func send(_ fd: Int32, _ text: String) {
        guard fd >= 0 else { return }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
}

/// What a detached child reported instead of "ready", as the starting command's own error.
public struct ReportedFailure: LearnerFacingError {
    public let message: String
    public let hint: String?
    public let exitStatus: Int32

    public init(status: Int32, message: String, hint: String?) {
        self.exitStatus = status
        self.message = message
        self.hint = hint
    }
}
