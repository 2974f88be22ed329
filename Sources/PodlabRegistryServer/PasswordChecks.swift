import NIOCore
import NIOPosix
import Synchronization

/// bcrypt, kept off the event loop and bounded. Checks run on threads of their own (one fewer than the cores,
/// at least one) so that serving goes on beside them; at most `limit` checks wait at once, and a request past
/// that is answered 429 at once: a flood of wrong passwords cannot queue up minutes of hashing in front of a
/// learner's pull.
final class PasswordChecks: Sendable {
    private let pool: NIOThreadPool
    private let waiting = Atomic<Int>(0)
    let limit: Int

    init(threads: Int = max(1, System.coreCount - 1), limit: Int = 32) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        self.limit = limit
    }

    func verify(_ users: Htpasswd, user: String, password: String) async throws(RegistryFailure) -> Bool {
        let count = waiting.add(1, ordering: .relaxed).newValue
        defer { waiting.subtract(1, ordering: .relaxed) }
        guard count <= limit else {
            throw RegistryFailure(.tooManyRequests, "too many logins are being checked at once: try again in a moment")
        }
        do {
            return try await pool.runIfActive { users.verify(user: user, password: password) }
        } catch {
            throw RegistryFailure(.unknown, "the password check could not run: \(error)")
        }
    }
}
