import PodlabCore

/// Build failures, pointing at the Containerfile's line where one is to blame.
public enum BuildError: LearnerFacingError, Equatable {
    /// A line of the Containerfile that cannot be understood.
    case syntax(file: String, line: Int, message: String, hint: String?)
    /// A step that could not be carried out (a missing source, a failing RUN).
    case step(file: String, line: Int, step: String, message: String, hint: String?, status: Int32)
    case noContainerfile(String)

    public var message: String {
        switch self {
        case .syntax(let file, let line, let message, _): return "\(file):\(line): \(message)"
        case .step(let file, let line, let step, let message, _, _): return "building at STEP \"\(step)\" (\(file):\(line)): \(message)"
        case .noContainerfile(let directory): return "no Containerfile or Dockerfile specified or found in context directory, \(directory)"
        }
    }

    public var hint: String? {
        switch self {
        case .syntax(_, _, _, let hint), .step(_, _, _, _, let hint, _): return hint
        case .noContainerfile: return "write a Containerfile (or Dockerfile) in that directory, or name one with -f"
        }
    }

    public var exitStatus: Int32 {
        if case .step(_, _, _, _, _, let status) = self { return status }
        return ExitStatus.engineError
    }
}
