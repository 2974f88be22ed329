import PodlabCore

/// Failures while building the offline fixture images.
public enum FixtureError: LearnerFacingError {
    case recipe(String, String)
    case download(String, String)
    case tool(String, String)

    public var message: String {
        switch self {
        case .recipe(let path, let why): return "fixture recipe \(path): \(why)"
        case .download(let package, let output): return "could not download the Debian package \(package): \(output)"
        case .tool(let command, let output): return "\(command) failed: \(output)"
        }
    }

    public var hint: String? {
        switch self {
        case .download:
            return "fixture images are built from Debian packages: this needs the package mirror once (run 'sudo apt-get update', check the network), later builds use the cache"
        case .tool: return "make sure clang (from the Swift toolchain) and apt-get are on PATH"
        case .recipe: return nil
        }
    }

    public var exitStatus: Int32 { ExitStatus.engineError }
}
