import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Runs async work from the synchronous command tree and waits for it. The commands run on the main
/// thread, never on one of Swift concurrency's own threads, so waiting here cannot starve the work.
public enum BlockingAsync {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        guard let outcome = result.withLock({ $0 }) else { throw SystemError("wait for", path: "a task", errno: EINTR) }
        return try outcome.get()
    }
}
