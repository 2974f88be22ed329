import PodlabCore
import PodlabDistribution

/// Why the registry server refused a request: a distribution error code (which fixes the HTTP status and
/// the JSON body the client sees) and a detail for the learner reading the client's message.
public struct RegistryFailure: LearnerFacingError {
    public let code: DistributionErrorCode
    public let detail: String?
    /// The HTTP status when it is not the one the spec pairs with the code (413 for SIZE_INVALID past a limit).
    public let status: Int?
    /// The error body's message when the code's standard one would mislead.
    public let wording: String?

    public init(_ code: DistributionErrorCode, _ detail: String? = nil, status: Int? = nil, wording: String? = nil) {
        self.code = code
        self.detail = detail
        self.status = status
        self.wording = wording
    }

    public var message: String {
        let text = wording ?? code.standardMessage
        return detail.map { "\(text): \($0)" } ?? text
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
