import PodlabCLI
import PodlabCore
import PodlabRegistryClient
import Synchronization

/// podman's progress for pulls and pushes on stderr. Not a terminal: one line per blob with its full
/// digest, as podman prints into a pipe. A terminal: a bar per blob while bytes move, redrawn in place,
/// then `Copying blob d25ea4128c49 done` (or `skipped: already exists`).
final class TransferProgress: Sendable {
    let quiet: Bool
    let terminal: Bool

    struct Bar { var digest: Digest; var done: Int64; var total: Int64; var finished: Bool; var skipped: Bool }
    /// Blobs shown on a terminal, in order, and how many lines are on screen now.
    private let bars = Mutex<([Bar], Int)>(([], 0))

    init(quiet: Bool, terminal: Bool = Output.isTerminal(2)) {
        self.quiet = quiet
        self.terminal = terminal
    }

    /// Events come from several downloads at once; they are printed one at a time.
    private let printing = Mutex(())

    func report(_ event: TransferEvent) {
        guard !quiet else { return }
        printing.withLock { _ in show(event) }
    }

    private func show(_ event: TransferEvent) {
        switch event {
        case .started:
            Output.err("Getting image source signatures")
        case .blob(let digest, let size, let present):
            if !terminal { Output.err("Copying blob \(digest)"); return }
            bars.withLock { state in
                state.0.append(Bar(digest: digest, done: present ? size : 0, total: size, finished: present, skipped: present))
            }
            redraw()
        case .bytes(let digest, let done, let total):
            guard terminal else { return }
            let changed = bars.withLock { state -> Bool in
                guard let index = state.0.firstIndex(where: { $0.digest == digest }) else { return false }
                // Redraw at most every 1% to keep the terminal calm.
                let step = max(total / 100, 1)
                defer { state.0[index].done = done; state.0[index].total = total }
                return done / step != state.0[index].done / step
            }
            if changed { redraw() }
        case .blobDone(let digest):
            guard terminal else { return }
            bars.withLock { state in
                if let index = state.0.firstIndex(where: { $0.digest == digest }) { state.0[index].finished = true; state.0[index].done = state.0[index].total }
            }
            redraw()
        case .config(let digest):
            Output.err(terminal ? "Copying config \(String(digest.hex.prefix(10))) done  " : "Copying config \(digest)")
            bars.withLock { $0.1 = 0 }
        case .writingManifest:
            Output.err("Writing manifest to image destination")
        }
    }

    /// Moves the cursor back over the bars drawn last time and draws them all again.
    private func redraw() {
        let text = bars.withLock { state -> String in
            var text = state.1 > 0 ? "\u{1B}[\(state.1)A" : ""
            for bar in state.0 {
                text += "\r\u{1B}[2K" + Self.line(bar) + "\n"
            }
            state.1 = state.0.count
            return text
        }
        Output.errRaw(text)
    }

    static func line(_ bar: Bar) -> String {
        let name = "Copying blob \(bar.digest.shortHex)"
        if bar.skipped { return "\(name) skipped: already exists  " }
        if bar.finished { return "\(name) done  " }
        let width = 30
        let filled = bar.total > 0 ? Int(Int64(width) * bar.done / bar.total) : 0
        let shown = String(repeating: "=", count: max(0, filled - 1)) + (filled > 0 ? ">" : "") + String(repeating: "-", count: width - filled)
        return "\(name) [\(shown)] \(HumanFormat.size(bar.done)) / \(HumanFormat.size(bar.total))"
    }
}
