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
    /// The blobs shown on a terminal, in order, and how many lines they take on screen now.
    struct Screen { var bars: [Bar] = []; var linesShown = 0 }

    /// Events come from several downloads at once: one lock, held while an event is shown.
    private let screen = Mutex(Screen())

    init(quiet: Bool, terminal: Bool = Output.isTerminal(2)) {
        self.quiet = quiet
        self.terminal = terminal
    }

    func report(_ event: TransferEvent) {
        guard !quiet else { return }
        screen.withLock { show(event, on: &$0) }
    }

    private func show(_ event: TransferEvent, on screen: inout Screen) {
        switch event {
        case .started:
            Output.err("Getting image source signatures")
        case .blob(let digest, let size, let present):
            guard terminal else { Output.err("Copying blob \(digest)"); return }
            screen.bars.append(Bar(digest: digest, done: present ? size : 0, total: size, finished: present, skipped: present))
            redraw(&screen)
        case .bytes(let digest, let done, let total):
            guard terminal, let index = screen.bars.firstIndex(where: { $0.digest == digest }) else { return }
            // Redraw at most every 1% to keep the terminal calm.
            let step = max(total / 100, 1)
            let changed = done / step != screen.bars[index].done / step
            screen.bars[index].done = done
            screen.bars[index].total = total
            if changed { redraw(&screen) }
        case .blobDone(let digest):
            guard terminal, let index = screen.bars.firstIndex(where: { $0.digest == digest }) else { return }
            screen.bars[index].finished = true
            screen.bars[index].done = screen.bars[index].total
            redraw(&screen)
        case .config(let digest):
            Output.err(terminal ? "Copying config \(String(digest.hex.prefix(10))) done  " : "Copying config \(digest)")
            screen.linesShown = 0
        case .writingManifest:
            Output.err("Writing manifest to image destination")
        }
    }

    /// Moves the cursor back over the bars drawn last time and draws them all again.
    private func redraw(_ screen: inout Screen) {
        var text = screen.linesShown > 0 ? "\u{1B}[\(screen.linesShown)A" : ""
        for bar in screen.bars {
            text += "\r\u{1B}[2K" + Self.line(bar) + "\n"
        }
        screen.linesShown = screen.bars.count
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
