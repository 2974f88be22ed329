import Foundation
import Synchronization
import Testing

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
        try #require(ended.wait(timeout: .now() + 120) == .success, "\(arguments) did not end")
        return try #require(answer.withLock { $0 }).get()
    }
}
