import PodlabCore

/// Mistakes in how a command was typed, worded as podman words them.
enum CLIError: LearnerFacingError {
    case usage(String, command: String)
    case template(String)
    case refused(String, hint: String?)

    var message: String {
        switch self {
        case .usage(let text, _): return text
        case .template(let text): return text
        case .refused(let text, _): return text
        }
    }

    var hint: String? {
        switch self {
        case .usage(_, let command): return "see '\(command) --help'"
        case .template: return "fields are written {{.Name}}; 'podman images --format json' shows what there is"
        case .refused(_, let hint): return hint
        }
    }

    var exitStatus: Int32 { ExitStatus.engineError }
}

/// Exits with a status and no message (`image exists` answering "no").
struct SilentExit: Error {
    let status: Int32
}
