import PodlabCore
import PodlabDistribution

/// Why the registry server refused a request: a distribution error code (which fixes the HTTP status and
/// the JSON body the client sees) and a detail for the learner reading the client's message.
public struct RegistryFailure: LearnerFacingError {
    public let code: DistributionErrorCode
    public let detail: String?

    public init(_ code: DistributionErrorCode, _ detail: String? = nil) {
        self.code = code
        self.detail = detail
    }

    public var message: String {
        detail.map { "\(code.standardMessage): \($0)" } ?? code.standardMessage
    }

    public var exitStatus: Int32 { ExitStatus.engineError }
}

/// Failures of `podlab registry serve` itself (bad address, unreadable htpasswd file, …).
public struct RegistryServerError: LearnerFacingError {
    public let message: String
    public let hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var exitStatus: Int32 { ExitStatus.engineError }
}
