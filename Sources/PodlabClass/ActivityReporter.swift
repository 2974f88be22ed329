import PodlabTutor
import Synchronization

/// Sends a learner's `LearnerActivity` to the class, one report at a time and only the newest: the guided shell hands
/// over each report and goes on at once, whether the server is quick, slow or gone. A report made while another is on
/// its way replaces any still waiting; one that fails is dropped (the next line sends where the learner is then).
public final class ActivityReporter: Sendable {
    private struct State {
        var waiting: LearnerActivity?
        var sending = false
    }

    private let client: ClassClient
    private let state = Mutex(State())

    public init(client: ClassClient) {
        self.client = client
    }

    public func report(_ activity: LearnerActivity) {
        let start = state.withLock { state -> Bool in
            state.waiting = activity
            guard !state.sending else { return false }
            state.sending = true
            return true
        }
        guard start else { return }
        Task.detached { [self] in await drain() }
    }

    /// Sends what waits until nothing does; then the next `report` starts again.
    private func drain() async {
        while let next = state.withLock({ state -> LearnerActivity? in
            defer { state.waiting = nil }
            if state.waiting == nil { state.sending = false }
            return state.waiting
        }) {
            // A report that did not arrive is not sent again: by the next line it would be out of date.
            try? await client.report(next)
        }
    }
}
