import ArgumentParser
import PodlabCore
import PodlabImages
import PodlabRuntime

/// `podlab store check [--repair]`: the image store's invariant (every listed image's manifest, config and layer
/// blobs present and agreeing, every snapshot there), and mending what a crash or an old bug left; and the lists of
/// containers, pods and secrets and each volume's record readable.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store", abstract: "Check the image store and the lists of records.",
                                                    subcommands: [StoreCheckCommand.self])
}

struct StoreCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report images whose content is missing and lists podlab cannot read (exit 1); --repair mends or forgets such images and collects leftovers.")
    @Flag(help: "Forget images whose content is gone, and remove leftovers of interrupted commands.") var repair = false

    func run() throws {
        let store = try Current.engine.images()
        if repair {
            for mend in try store.repair() {
                switch mend {
                case .rebuiltManifest(let id, let names):
                    Output.out("repaired image \(id.hex.prefix(12))\(Self.list(names)): wrote a manifest naming the layers it has")
                case .forgot(let id, let names):
                    Output.out("forgot image \(id.hex.prefix(12))\(Self.list(names)): its content is gone; pull or load it again")
                }
            }
        }
        let problems = try store.check()
        for problem in problems { Output.out(problem.description) }
        let unreadable = try Self.unreadableLists()
        // A decoder's reason may quote the damaged file's bytes: shown, not obeyed by the terminal.
        for failure in unreadable { Output.out(TerminalText.visible(failure.message)) }
        // Directories are looked at only beside lists that can be read: a damaged list names nobody.
        let leftovers = unreadable.isEmpty ? try Self.unrecordedDirectories(repair: repair) : []
        if problems.isEmpty && unreadable.isEmpty && leftovers.isEmpty {
            Output.out("the image store is sound (\(try store.images().count) images)")
            return
        }
        if !problems.isEmpty { Output.err("Hint: 'podlab store check --repair' mends or forgets these images") }
        for failure in unreadable { if let hint = failure.hint { Output.err(Output.hint(TerminalText.visible(hint))) } }
        if leftovers.contains(where: \.removable) {
            Output.err("Hint: 'podlab store check --repair' deletes the files of --rm containers from before this boot")
        }
        if leftovers.contains(where: { !$0.removable }) {
            Output.err("Hint: podlab leaves the others to you: put back the list that named the container, or delete its "
                + "directory (as root where the container's own users made files in it)")
        }
        throw SilentExit(status: 1)
    }

    /// Container directories no record names, reported one per line; with `repair`, a `--rm` container's are deleted
    /// and said so.
    static func unrecordedDirectories(repair: Bool) throws -> [UnrecordedContainerDirectory] {
        let leftovers = try Current.engine.containers().unrecordedContainerDirectories(removing: repair)
        for gone in leftovers.removed { Output.out("removed \(TerminalText.visible(gone.path)): \(gone.report)") }
        for leftover in leftovers.left { Output.out("\(TerminalText.visible(leftover.path)): \(leftover.report)") }
        return leftovers.left
    }

    /// The lists of containers, pods and secrets and the volumes' records, read as every command reads them. One that cannot be read is
    /// reported, not mended: what it held is for a person to decide (restore it, or move it aside and forget it).
    static func unreadableLists() throws -> [any LearnerFacingError] {
        let engine = try Current.engine.containers()
        let reads: [() throws -> Void] = [
            { _ = try engine.containers.all() }, { _ = try engine.pods.all() }, { _ = try engine.secrets.all() }, { _ = try engine.volumes.all() },
        ]
        var failures: [any LearnerFacingError] = []
        for read in reads {
            do { try read() } catch let failure as any LearnerFacingError { failures.append(failure) }
        }
        return failures
    }

    static func list(_ names: [String]) -> String { names.isEmpty ? "" : " (\(names.joined(separator: ", ")))" }
}
