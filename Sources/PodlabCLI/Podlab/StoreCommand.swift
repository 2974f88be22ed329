import ArgumentParser
import PodlabCore
import PodlabImages

/// `podlab store check [--repair]`: the image store's invariant (every listed image's manifest, config and layer
/// blobs present and agreeing, every snapshot there), and mending what a crash or an old bug left.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store", abstract: "Check the image store.",
                                                    subcommands: [StoreCheckCommand.self])
}

struct StoreCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Report images whose content is missing (exit 1); --repair forgets them and collects leftovers.")
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
        if problems.isEmpty {
            Output.out("the image store is sound (\(try store.images().count) images)")
        } else {
            Output.err("Hint: 'podlab store check --repair' mends or forgets these images")
            throw SilentExit(status: 1)
        }
    }

    static func list(_ names: [String]) -> String { names.isEmpty ? "" : " (\(names.joined(separator: ", ")))" }
}
