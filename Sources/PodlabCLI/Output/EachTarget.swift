import PodlabCore

/// Commands that act on several containers, volumes or secrets (`rm`, `restart`, `volume rm`, `secret rm`) act on each
/// on its own, as podman does: one that fails is reported as it fails, and the others still go. Once all are done,
/// the first failure's hint follows and its status ends the command.
enum EachTarget {
    static func run<Target>(_ targets: [Target], _ body: (Target) throws -> Void) throws {
        var first: (any Error)?
        for target in targets {
            do {
                try body(target)
            } catch {
                // A body that has reported for itself (a status alone) is counted, not printed.
                if !(error is SilentExit) { CommandLineEntry.printError(error) }
                if first == nil { first = error }
            }
        }
        guard let first else { return }
        if let silent = first as? SilentExit { throw silent }
        let failure = first as? any LearnerFacingError
        if let hint = failure?.hint { CommandLineEntry.printHint(hint) }
        throw SilentExit(status: failure?.exitStatus ?? ExitStatus.engineError)
    }
}
