import PodlabCore

/// Why a pull, push, login or logout failed, worded as podman words it where a learner compares
/// (`initializing source docker://…: reading manifest … : manifest unknown`), with what to do next.
public struct RegistryClientError: LearnerFacingError {
    public let message: String
    public let hint: String?
    public let exitStatus: Int32

    public init(_ message: String, hint: String? = nil, exitStatus: Int32 = ExitStatus.engineError) {
        self.message = message
        self.hint = hint
        self.exitStatus = exitStatus
    }

    /// The same failure with podman's context in front (`initializing source docker://nginx:latest: …`).
    public func prefixed(_ context: String) -> RegistryClientError {
        RegistryClientError("\(context): \(message)", hint: hint, exitStatus: exitStatus)
    }
}
