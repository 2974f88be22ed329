import Dispatch
import PodlabCore
import PodlabRegistryServer
import PodlabTutor
import Synchronization

/// The class server's replays: one at a time (a replay runs real containers; two could publish the same host port),
/// the oldest queued submission first. Woken when a submission arrives; anyone may wait for the next verdict.
public final class ReplayWorker: Sendable {
    let store: SubmissionStore
    let replay: SubmissionReplay
    let signingSecret: [UInt8]
    /// How many verdicts have been written, and who waits for the next (by a number of their own, so that a
    /// waiter whose time is up can be taken out).
    private struct Waiting {
        var verdicts = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }
    private let waiting = Mutex(Waiting())
    /// Signalled once per submission stored (and once at start): the loop drains the queue at each.
    private let wakeups = DispatchSemaphore(value: 0)

    public init(store: SubmissionStore, replay: SubmissionReplay, signingSecret: [UInt8]) {
        self.store = store
        self.replay = replay
        self.signingSecret = signingSecret
    }

    /// Starts the loop on a thread of its own (a replay blocks on its processes for minutes, which the cooperative
    /// threads of the server's requests must not); it replays what is queued now, then whatever arrives.
    public func start() {
        wakeups.signal()
        DispatchQueue(label: "podlab.class.replays").async { [self] in
            while true {
                wakeups.wait()
                while let id = nextQueued() {
                    let verdict: SubmissionReplay.Verdict
                    do {
                        verdict = judge(try store.submission(id))
                    } catch {
                        verdict = .init(.failed, "the stored submission cannot be read: \(error)")
                    }
                    do {
                        try store.finish(id, verdict.status, detail: verdict.detail)
                    } catch {
                        RegistryServer.logLine("class: the verdict for submission \(id) could not be written: \(error)")
                    }
                    announce()
                }
            }
        }
    }

    /// A report not sealed by its own account's key is not replayed: it was changed after podlab wrote it (or is
    /// someone else's under another name), and no replay could make it the learner's.
    func judge(_ submission: Submission) -> SubmissionReplay.Verdict {
        guard submission.signature != nil else {
            return .init(.differs, "the report is not signed: make it with 'podlab check --lesson \(submission.lesson) --submit' on a machine that joined the class")
        }
        let key = SubmissionSignature.accountKey(secret: signingSecret, username: submission.username)
        guard SubmissionSignature.isValid(submission, key: key) else {
            return .init(.differs, "the report was changed after podlab wrote it: its signature does not match")
        }
        return replay.verdict(for: submission)
    }

    /// The oldest queued submission, now marked as replaying; nil when none waits or the store cannot be read (said
    /// on standard error: the next submission tries again).
    private func nextQueued() -> String? {
        do {
            return try store.claim()
        } catch {
            RegistryServer.logLine("class: the submission queue cannot be read: \(error)")
            return nil
        }
    }

    /// A submission was stored: replay it when the ones before it are done.
    public func submitted() {
        wakeups.signal()
    }

    /// The number of verdicts written so far (see `waitForVerdict(after:seconds:)`).
    public var verdictCount: Int { waiting.withLock { $0.verdicts } }

    /// Returns once more than `count` verdicts have been written (at once if that is already so), or after
    /// `seconds` in any case.
    public func waitForVerdict(after count: Int, seconds: Int) async {
        let number = waiting.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = waiting.withLock { state -> Bool in
                if state.verdicts > count { return true }
                state.waiters[number] = continuation
                return false
            }
            if ready {
                continuation.resume()
                return
            }
            Task { [self] in
                try? await Task.sleep(for: .seconds(seconds))
                let expired = waiting.withLock { $0.waiters.removeValue(forKey: number) }
                expired?.resume()
            }
        }
    }

    private func announce() {
        let woken = waiting.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.verdicts += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for continuation in woken { continuation.resume() }
    }
}
