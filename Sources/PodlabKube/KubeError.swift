import PodlabCore
import Yams

/// Kube YAML podlab cannot play, or a pod it cannot describe: what is wrong and where (file and line), exit 125 as
/// podman. A kind or field podlab does not support is refused by name, never skipped.
public struct KubeError: LearnerFacingError, Equatable {
    public let message: String
    public let hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var exitStatus: Int32 { ExitStatus.engineError }

    /// An error about `node` of `file`, prefixed `FILE:LINE:` as compilers and YAML linters say it.
    static func at(_ node: Node?, in file: String, _ message: String, hint: String? = nil) -> KubeError {
        let place = node?.mark.map { "\(file):\($0.line)" } ?? file
        return KubeError("\(place): \(message)", hint: hint)
    }
}
