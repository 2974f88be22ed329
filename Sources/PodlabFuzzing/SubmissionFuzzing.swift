import PodlabClass
import PodlabImages
import PodlabTutor

/// A submission as the class server receives it from the network: refusing it is fine; what it accepts must read
/// back as itself, and the replay it would run must stay inside the replay's sandbox. The check of the plan is a
/// reading of its own, plainer than `ReplayPlan`'s: every word before a `--`, whatever option took it as a value,
/// is tested as an option.
enum SubmissionFuzzing {
    /// Options that would reach beyond the sandbox (the host's namespaces, devices, privileges or files).
    static let reaching: Set<String> = [
        "--privileged", "--cap-add", "--device", "--security-opt", "--pid", "--network", "--net", "--userns", "--ipc",
        "--uts", "--env-file", "--mount", "--volumes-from", "--authfile", "--root", "--runroot", "--rootfs",
    ]
    /// Subcommands that read or write the learner's files, or need a password.
    static let unreplayable: Set<String> = ["build", "cp", "load", "save", "import", "export", "login", "logout", "kube",
                                            "play", "generate", "secret", "system", "commit", "push", "mount", "machine"]

    static func check(_ bytes: [UInt8]) -> FuzzFinding? {
        guard let submission = try? Submission.decode(bytes) else { return nil }
        guard let again = try? JSONCoding.encode(submission), (try? Submission.decode(again)) == submission else {
            return FuzzFinding("a submission accepted does not read back as itself")
        }
        guard let plan = try? ReplayPlan.make(submission.journal) else { return nil }
        return unsafe(plan.commands)
    }

    /// The first command of a plan that would reach beyond the sandbox, as a finding.
    static func unsafe(_ commands: [[String]]) -> FuzzFinding? {
        for command in commands {
            guard command.first == "podman", command.count >= 2 else { return FuzzFinding("the plan runs \(command)") }
            if unreplayable.contains(command[1]) { return FuzzFinding("the plan runs podman \(command[1])") }
            for word in command {
                if word.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                    return FuzzFinding("the plan keeps a control character in \(word.debugDescription)")
                }
            }
            for word in command.dropFirst(2).prefix(while: { $0 != "--" }) where word.hasPrefix("--") {
                let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
                if reaching.contains(name) { return FuzzFinding("the plan runs \(command) with \(name)") }
            }
        }
        return nil
    }
}
