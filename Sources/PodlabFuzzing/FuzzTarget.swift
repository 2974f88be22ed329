import PodlabArchive
import PodlabBuild
import PodlabCore
import PodlabImages
import PodlabRegistryClient
import PodlabRegistryServer
import PodlabTutor
#if canImport(Glibc)
import Glibc
#endif

/// The parsers and appliers that read hostile input, each as one function of bytes. libFuzzer drives them
/// (`make fuzz`, through the `podlab-fuzz` program built with `-sanitize=fuzzer`) and the test suite replays the
/// corpus in `fuzz/corpus/<target>/` through them. Refusing input is fine; crashing, hanging or writing outside
/// the scratch root is a finding. A broken invariant stops the process with `FuzzFinding`'s message.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case containerfile
    case layer
    case manifest
    case registryRoute = "registry-route"
    case registriesConf = "registries-conf"
    case lesson

    /// Feeds one input to the target.
    public func run(_ bytes: [UInt8]) {
        switch self {
        case .containerfile: _ = try? Containerfile.parse(String(decoding: bytes, as: UTF8.self), file: "Containerfile")
        case .layer: LayerFuzzing.apply(bytes)
        case .manifest: Self.decodeImageDocuments(bytes)
        case .registryRoute: Self.route(bytes)
        case .registriesConf: _ = try? RegistriesConf(text: String(decoding: bytes, as: UTF8.self), path: "registries.conf")
        case .lesson: _ = try? LessonCatalog.decode(String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml")
        }
    }

    /// Every document a registry or an image archive hands podlab as JSON.
    static func decodeImageDocuments(_ bytes: [UInt8]) {
        if let manifest = try? JSONCoding.decode(Manifest.self, from: bytes, what: "manifest") {
            _ = manifest.layers.map { MediaType.layerDecompressors($0.mediaType) }
        }
        _ = try? JSONCoding.decode(ImageIndex.self, from: bytes, what: "index")
        _ = try? JSONCoding.decode(ImageConfig.self, from: bytes, what: "config")
    }

    /// A request path: whatever it routes to names a repository that is a suffix-free part of the path.
    static func route(_ bytes: [UInt8]) {
        let path = String(decoding: bytes, as: UTF8.self)
        guard let route = RegistryRoute(path: path), let repository = route.repository else { return }
        FuzzFinding.require(!repository.isEmpty && path.contains(repository), "route \(route) of \(path.debugDescription)")
    }
}

/// A broken invariant: printed, then the process aborts so that libFuzzer keeps the input.
public enum FuzzFinding {
    public static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        guard !condition else { return }
        printError("fuzz finding: \(message())\n")
        abort()
    }
}

/// Writes a line to standard error, unbuffered (the process may abort right after).
public func printError(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
