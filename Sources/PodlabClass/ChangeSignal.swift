import Synchronization

/// "Something in the class changed": a counter that grows at each change (a submission stored, a verdict written)
/// and the tasks waiting for it to grow (the dashboard's event stream, `?wait=` on a submission). A waiter reads the
/// count first and waits for it to pass that number, so a change between its look and its wait is never missed.
public final class ChangeSignal: Sendable {
    private struct State {
        var changes = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waits ended before they began to wait (a timer or a cancellation that came first).
        var cancelled: Set<Int> = []
    }
    private let state = Mutex(State())

    public init() {}

    /// The number of changes so far.
    public var count: Int { state.withLock { $0.changes } }

    /// Returns once more than `seen` changes have happened (at once if that is already so), after `seconds`, or when
    /// the waiting task is cancelled (a client that went away does not stay waiting).
    public func wait(after seen: Int, seconds: Int) async {
        let number = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        let timer = Task { [self] in
            // Cancelled (the wait ended first): nothing to end.
            guard (try? await Task.sleep(for: .seconds(seconds))) != nil else { return }
            resume(number)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.changes > seen || state.cancelled.remove(number) != nil { return true }
                    state.waiters[number] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            resume(number)
        }
        timer.cancel()
        state.withLock { _ = $0.cancelled.remove(number) }
    }

    /// Ends one wait early (its time is up, or its task was cancelled): resumed here if it is waiting, else marked
    /// so that it does not start waiting.
    private func resume(_ number: Int) {
        let waiting = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let continuation = state.waiters.removeValue(forKey: number) { return continuation }
            state.cancelled.insert(number)
            return nil
        }
        waiting?.resume()
    }

    /// One more change: every waiter goes on.
    public func announce() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.changes += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for continuation in woken { continuation.resume() }
    }
}
