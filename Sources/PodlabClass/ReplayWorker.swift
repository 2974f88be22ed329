import Dispatch
import PodlabCore
import PodlabRegistryServer
import PodlabTutor
import Synchronization

/// The class server's replays: one at a time (a replay runs real containers; two could publish the same host port),
/// the oldest queued submission first. Woken when a submission arrives; each verdict is announced on `changes`.
public final class ReplayWorker: Sendable {
    let store: SubmissionStore
    let replay: SubmissionReplay
    let signingSecret: [UInt8]
    /// Announced at each verdict written.
    let changes: ChangeSignal
    /// Signalled once per submission stored (and once at start): the loop drains the queue at each.
    private let wakeups = DispatchSemaphore(value: 0)

    public init(store: SubmissionStore, replay: SubmissionReplay, signingSecret: [UInt8], changes: ChangeSignal) {
        self.store = store
        self.replay = replay
        self.signingSecret = signingSecret
        self.changes = changes
    }

    /// Starts the loop on a dispatch queue of its own, once per server (a replay blocks a thread on its processes for
    /// minutes, which the cooperative threads of the server's requests must not); it replays what is queued now,
    /// then whatever arrives.
    public func start() {
        wakeups.signal()
        DispatchQueue(label: "podlab.class.replays").async { [self] in
            while true {
                wakeups.wait()
                while let id = nextQueued() {
                    let verdict: SubmissionReplay.Verdict
                    do {
                        verdict = replay.verdict(for: try store.submission(id), signingSecret: signingSecret)
                    } catch {
                        verdict = .init(.failed, "the stored submission cannot be read: \(error)")
                    }
                    do {
                        try store.finish(id, verdict.status, detail: verdict.detail)
                    } catch {
                        RegistryServer.logLine("class: the verdict for submission \(id) could not be written: \(error)")
                    }
                    changes.announce()
                }
            }
        }
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
}
