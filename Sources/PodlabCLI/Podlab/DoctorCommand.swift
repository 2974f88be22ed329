import ArgumentParser
import PodlabCore

/// `podlab doctor`: checks what this machine allows for containers and says, for each failure, the exact fix.
/// Exit status 0 when containers can run.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check what this machine allows for containers, with the fix for each problem.")
    @Option(help: "Output format: text or json.") var format = "text"
    @Option(help: "zh or en (default: from LANG).") var lang: String?
    @Option(help: "The port the nginx lesson publishes.") var port: UInt16 = 8080

    func validate() throws {
        guard ["text", "json"].contains(format) else { throw ValidationError("--format is text or json") }
    }

    func run() throws {
        let text = DoctorText(language: lang, environment: Environment.current)
        var checks = DoctorChecks(text: text)
        checks.port = port
        let findings = checks.all()
        let canRun = !findings.contains { $0.status == .failed }
        if format == "json" {
            let items: [TemplateValue] = findings.map { finding in
                .object([("id", .string(finding.id)), ("status", .string(finding.status.rawValue)), ("message", .string(finding.message)),
                         ("fix", finding.fix.map { .string($0) } ?? .null)])
            }
            Output.out(TemplateValue.object([("canRunContainers", .bool(canRun)), ("checks", .array(items))]).json(indent: "  "))
        } else {
            Output.out(text.title)
            for finding in findings {
                let mark = ["ok": "✔", "warning": "!", "failed": "✘"][finding.status.rawValue] ?? "?"
                Output.out("\(mark) \(TerminalText.visible(finding.message))")
                if let fix = finding.fix { Output.out("    \(text.fixLabel): \(fix)") }
            }
            Output.out(canRun ? text.verdictOK : text.verdictFailed)
        }
        if !canRun { throw SilentExit(status: 1) }
    }
}
