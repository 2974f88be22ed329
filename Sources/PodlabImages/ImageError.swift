import PodlabCore

/// Failures of the image store, archives and layouts, worded as podman words them where a learner compares.
public enum ImageError: LearnerFacingError, Equatable {
    case notKnown(String)
    case ambiguous(String, [String])
    case inUse(image: String, containers: [String])
    case severalTags(id: String, names: [String])
    case malformed(String, String)
    case unsupported(String)
    case noMatchingPlatform(String)
    case storeMismatch(String)
    case notAnArchive(String, String)

    public var message: String {
        switch self {
        case .notKnown(let name): return "\(name): image not known"
        case .ambiguous(let prefix, let ids):
            return "\(prefix): image id prefix is ambiguous: it matches \(ids.map { String($0.prefix(12)) }.joined(separator: ", "))"
        case .inUse(_, let containers):
            return "image used by \(containers.joined(separator: ", ")): image is in use by a container: consider listing external containers and force-removing image"
        case .severalTags(let id, let names):
            return "unable to delete image \"\(id)\" by ID with more than one tag (\(names)): please force removal"
        case .malformed(let what, let why): return "invalid \(what): \(why)"
        case .unsupported(let what): return "unsupported \(what)"
        case .noMatchingPlatform(let name):
            return "\(name): no image found in manifest list for architecture \(Platform.host.architecture), OS linux"
        case .storeMismatch(let why): return "storage: \(why)"
        case .notAnArchive(let path, let why): return "payload does not match any of the supported image formats (oci-archive, docker-archive): \(path): \(why)"
        }
    }

    public var hint: String? {
        switch self {
        case .notKnown: return "list local images with 'podman images', or fetch it with 'podman pull NAME'"
        case .ambiguous: return "give more characters of the id"
        case .inUse:
            return "remove the container first (podman rm; 'podman ps -a --external' lists every one, a build's too), "
                + "or use 'podman image rm -f' to remove both"
        case .severalTags: return "remove it by name (podman image rm NAME:TAG), or use -f to remove every tag"
        case .malformed, .unsupported, .notAnArchive: return "the image data is damaged or of a kind podlab does not read; nothing was stored"
        case .noMatchingPlatform: return nil
        case .storeMismatch: return "use a separate --root for each user"
        }
    }

    public var exitStatus: Int32 {
        switch self {
        case .notKnown: return ExitStatus.notFound
        case .inUse: return ExitStatus.conflict
        default: return ExitStatus.engineError
        }
    }
}
