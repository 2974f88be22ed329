import Synchronization

/// "Something in the class changed": a counter that grows at each change (a submission stored, a verdict written)
/// and the tasks waiting for it to grow (the dashboard's event stream, `?wait=` on a submission). A waiter reads the
/// count first and waits for it to pass that number, so a change between its look and its wait is never missed.
public final class ChangeSignal: Sendable {
    private struct State {
        var changes = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// The number of changes so far.
    public var count: Int { state.withLock { $0.changes } }

    /// Returns once more than `seen` changes have happened (at once if that is already so), or after `seconds`.
    public func wait(after seen: Int, seconds: Int) async {
        let number = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.changes > seen { return true }
                state.waiters[number] = continuation
                return false
            }
            if ready {
                continuation.resume()
                return
            }
            Task { [self] in
                try? await Task.sleep(for: .seconds(seconds))
                let expired = state.withLock { $0.waiters.removeValue(forKey: number) }
                expired?.resume()
            }
        }
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
