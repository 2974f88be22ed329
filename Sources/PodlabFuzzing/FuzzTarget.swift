import PodlabBuild
import PodlabDistribution
import PodlabImages
import PodlabKube
import PodlabRegistryClient
import PodlabRegistryServer
import PodlabRuntime
import PodlabTutor

/// The parsers and appliers that read hostile input, each as one function of bytes. libFuzzer drives them
/// (`make fuzz`, through the `podlab-fuzz` program built with `-sanitize=fuzzer`) and the test suite replays the
/// corpus in `fuzz/corpus/<target>/` through them. Refusing input is fine; crashing, hanging, or breaking the
/// target's invariant (a `FuzzFinding`) is a finding.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case containerfile
    case layer
    case manifest
    case registryRoute = "registry-route"
    case registriesConf = "registries-conf"
    case lesson
    case kube
    case submission
    case authChallenge = "auth-challenge"
    case imageUser = "image-user"
    case ignore
    case load

    /// Feeds one input to the target; a broken invariant comes back as a finding.
    public func run(_ bytes: [UInt8]) -> FuzzFinding? {
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .containerfile: _ = try? Containerfile.parse(text, file: "Containerfile")
        case .layer: return LayerFuzzing.apply(bytes)
        case .manifest: Self.decodeImageDocuments(bytes)
        case .registryRoute: return Self.route(text)
        case .registriesConf: _ = try? RegistriesConf(text: text, path: "registries.conf")
        case .lesson: _ = try? LessonCatalog.decode(text, file: nil)
        case .kube: return KubeFuzzing.decode(text)
        case .submission: return SubmissionFuzzing.check(bytes)
        case .authChallenge: return Self.challenge(text)
        case .imageUser: return ImageUserFuzzing.check(bytes)
        case .ignore: return IgnoreFuzzing.check(bytes)
        case .load: return LoadFuzzing.load(bytes)
        }
        return nil
    }

    /// Every document a registry or an image archive hands podlab as JSON.
    static func decodeImageDocuments(_ bytes: [UInt8]) {
        if let manifest = try? JSONCoding.decode(Manifest.self, from: bytes, what: "manifest") {
            _ = manifest.layers.map { MediaType.layerDecompressors($0.mediaType) }
        }
        _ = try? JSONCoding.decode(ImageIndex.self, from: bytes, what: "index")
        _ = try? JSONCoding.decode(ImageConfig.self, from: bytes, what: "config")
    }

    /// A registry's `WWW-Authenticate` value: what podlab reads from it, written back as a server writes it,
    /// reads back the same (no parameter gained, lost or changed on the way).
    static func challenge(_ header: String) -> FuzzFinding? {
        guard let challenge = AuthChallenge(header: header) else { return nil }
        let written = challenge.headerValue
        // By scalars too (String's == is canonical equivalence): writing what was read back gives the same bytes.
        guard let again = AuthChallenge(header: written), again == challenge,
              again.headerValue.unicodeScalars.elementsEqual(written.unicodeScalars) else {
            return FuzzFinding("\(header.debugDescription) reads as \(challenge), written as \(written.debugDescription), which reads differently")
        }
        return nil
    }

    /// A request path: a repository name the server would accept names a directory safely (no empty or `..` part,
    /// no leading `/`), whatever the path around it.
    static func route(_ path: String) -> FuzzFinding? {
        guard let route = RegistryRoute(path: path), let repository = route.repository,
              RegistryNames.isValidRepository(repository) else { return nil }
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            return FuzzFinding("the repository \(repository.debugDescription) of \(path.debugDescription) is accepted but unsafe as a directory")
        }
        return nil
    }
}

/// A broken invariant: what held not, for the input that broke it.
public struct FuzzFinding: Error, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
