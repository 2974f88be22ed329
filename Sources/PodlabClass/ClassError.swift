import PodlabCore

/// Why a class command or the class server refused: a message a teacher or learner can act on, and podman's exit
/// status (1 for something that does not exist, 125 for the rest).
public struct ClassError: LearnerFacingError {
    public let message: String
    public let hint: String?
    public let exitStatus: Int32

    public init(_ message: String, hint: String? = nil, exitStatus: Int32 = ExitStatus.engineError) {
        self.message = message
        self.hint = hint
        self.exitStatus = exitStatus
    }

    /// Any other failure on the way (a file system error, a registry server's refusal), keeping its words.
    init(_ error: any Error) {
        if let known = error as? ClassError {
            self = known
        } else if let facing = error as? any LearnerFacingError {
            self.init(facing.message, hint: facing.hint, exitStatus: facing.exitStatus)
        } else {
            self.init(String(describing: error))
        }
    }
}
