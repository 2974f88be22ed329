import PodlabImages

/// podman's copy progress lines on stderr: full digests when stderr is not a terminal, short ones with
/// a status word on a terminal (`Copying blob d25ea4128c49 done`).
struct CopyProgress {
    var quiet: Bool
    let terminal = Output.isTerminal(2)

    func start() {
        if !quiet { Output.err("Getting image source signatures") }
    }

    func report(_ event: ImportEvent) {
        guard !quiet else { return }
        switch event {
        case .copyingBlob(let digest, let present):
            if terminal {
                Output.err("Copying blob \(digest.shortHex) \(present ? "skipped: already exists" : "done")  ")
            } else {
                Output.err("Copying blob \(digest)")
            }
        case .copyingConfig(let digest):
            Output.err(terminal ? "Copying config \(String(digest.hex.prefix(10))) done  " : "Copying config \(digest)")
        case .writingManifest:
            Output.err("Writing manifest to image destination")
        }
    }
}
