#if canImport(Glibc)
import Glibc
#endif

/// Where podlab's parts are, found from the running binary, so that the same tree works wherever it is: the build
/// tree (all binaries side by side, `lessons/` and `.build/fixtures/oci` above them) or an installed tree
/// (`bin/podlab`, `lib/podlab/podlab-net`, `lib/podlab/podlab-tutor`, `share/podlab/{lessons,fixtures}`), be it
/// /usr from the Debian package or a directory a learner extracted the package into.
public enum Installation {
    /// The directory of the running binary.
    public static var binaryDirectory: String? { FileSystem.executablePath().map { FileSystem.parent(of: $0) } }

    /// One of podlab's programs (`podlab`, `podlab-net`, `podlab-tutor`): beside this binary, in `../lib/podlab`
    /// (from bin/), or in `../../bin` (from lib/podlab/).
    public static func program(_ name: String) -> String? {
        guard let directory = binaryDirectory else { return nil }
        let candidates = ["\(directory)/\(name)", "\(directory)/../lib/podlab/\(name)", "\(directory)/../../bin/\(name)"]
        return candidates.first { access($0, X_OK) == 0 && !FileSystem.isDirectory($0) }.map { FileSystem.normalize($0) }
    }

    /// `share/podlab/<name>` of an installed tree, seen from bin/ or from lib/podlab/.
    public static func sharedData(_ name: String) -> [String] {
        guard let directory = binaryDirectory else { return [] }
        return [FileSystem.normalize("\(directory)/../share/podlab/\(name)"), FileSystem.normalize("\(directory)/../../share/podlab/\(name)")]
    }
}
