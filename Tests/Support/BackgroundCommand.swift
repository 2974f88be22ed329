import Foundation
import Synchronization

/// A podman command begun at once on a thread of its own (a dispatch pool may run two "concurrent" pieces of work one
/// after the other), beside what the test does next.
public final class BackgroundCommand: Sendable {
    private let arguments: [String]
    private let answer = Mutex<Result<ProcessResult, any Error>?>(nil)
    private let ended = DispatchSemaphore(value: 0)

    public init(_ podman: Podman, _ arguments: String...) {
        self.arguments = arguments
        Thread { [self] in
            let result = Result { try podman.run(arguments) }
            answer.withLock { $0 = result }
            ended.signal()
        }.start()
    }

    /// What it answered. Bounded: a command that waits forever for the other is a failure, not a hung run.
    public func result() throws -> ProcessResult {
        guard ended.wait(timeout: .now() + 120) == .success, let answer = answer.withLock({ $0 }) else {
            throw UnexpectedOutput(description: "\(arguments) did not end within 120 s")
        }
        return try answer.get()
    }
}
