import PodlabCore

/// Mistakes in how a command was typed, worded as podman words them.
package enum CLIError: LearnerFacingError {
    case usage(String, command: String)
    case template(String)
    case refused(String, hint: String?)

    package var message: String {
        switch self {
        case .usage(let text, _): return text
        case .template(let text): return text
        case .refused(let text, _): return text
        }
    }

    package var hint: String? {
        switch self {
        case .usage(_, let command): return "see '\(command) --help'"
        case .template: return "fields are written {{.Name}}, blocks {{range .Items}}…{{end}}; 'podman images --format json' shows what there is"
        case .refused(_, let hint): return hint
        }
    }

    package var exitStatus: Int32 { ExitStatus.engineError }
}

/// Exits with a status and no message (`image exists` answering "no").
package struct SilentExit: Error {
    package let status: Int32
    package init(status: Int32) { self.status = status }
}
