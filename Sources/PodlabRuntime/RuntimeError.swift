import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// Failures of the container runtime, in podman's words where a learner compares with the tutorial.
public enum RuntimeError: LearnerFacingError, Equatable {
    case noSuchContainer(String)
    case nameInUse(name: String, id: String)
    case running(id: String)
    case notRunning(String)
    case cannotKill(id: String, state: String)
    case commandNotFound(String)
    case permissionDenied(String)
    case startFailed(stage: String, detail: String, errno: Int32)
    case portInUse(String, errno: Int32)
    case invalidPort(String)
    case invalidOption(String, hint: String?)
    case cannotRun(String, hint: String?)
    case noSuchVolume(String)
    case volumeExists(String)
    case volumeInUse(String, containers: [String])
    case invalidVolumeName(String)
    case noSuchSecret(String)
    case secretNameInUse(String)
    case invalidSecretName(String)
    case noSuchPod(String)
    case podNameInUse(String)
    /// A store's list of records (containers, pods, secrets) that cannot be read: podlab neither lists nor changes
    /// anything it names, so nothing is lost by a guess. `holds` says what moving the file aside would forget.
    case damagedList(path: String, reason: String, holds: String)
    /// A container still listed whose directory is gone for good (a create or a removal killed between its two steps):
    /// it cannot run, and `rm` removes what is left.
    case filesGone(name: String, directory: String)

    public var message: String {
        switch self {
        case .noSuchContainer(let name): return "no container with name or ID \"\(name)\" found: no such container"
        case .nameInUse(let name, let id):
            return "creating container storage: the container name \"\(name)\" is already in use by \(id). You have to remove that container to be able to reuse that name: that name is already in use"
        case .running(let id):
            return "cannot remove container \(id) as it is running - running or paused containers cannot be removed without force: container state improper"
        case .notRunning(let id): return "container \(id) is not running: container state improper"
        case .cannotKill(let id, let state): return "can only kill running containers. \(id) is in state \(state): container state improper"
        case .commandNotFound(let name):
            return "executable file `\(name)` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found"
        case .permissionDenied(let name): return "\(name): open executable: Permission denied: OCI permission denied"
        case .startFailed(let stage, let detail, let code):
            return "starting the container failed while \(stage) (\(detail)): \(SystemError.describe(code))"
        case .portInUse(let address, let code):
            return "rootlessport listen tcp \(address): bind: \(code == EADDRINUSE ? "address already in use" : SystemError.describe(code))"
        case .invalidPort(let text): return "invalid port format \"\(text)\": use [ip:]hostPort:containerPort[/tcp|udp]"
        case .invalidOption(let text, _): return text
        case .cannotRun(let text, _): return text
        case .noSuchVolume(let name): return "no volume with name \"\(name)\" found: no such volume"
        case .volumeExists(let name): return "volume with name \(name) already exists: volume already exists"
        case .volumeInUse(let name, let ids):
            return "volume \(name) is being used by the following container(s): \(ids.joined(separator: ", ")): volume is being used"
        case .invalidVolumeName(let name):
            return "running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument (\"\(name)\")"
        case .noSuchSecret(let name): return "no secret with name or id \"\(name)\": no such secret"
        case .secretNameInUse(let name): return "\(name): secret name in use"
        case .invalidSecretName(let name): return "secret name \"\(name)\" is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*"
        case .noSuchPod(let name): return "no pod with name or ID \(name) found: no such pod"
        case .podNameInUse(let name): return "adding pod to state: name \"\(name)\" is in use: pod already exists"
        case .damagedList(let path, let reason, _): return "cannot read \(path): \(reason)"
        case .filesGone(let name, let directory):
            return "container \(name) cannot start: its files (\(directory)) are gone; a create or removal of it was stopped before it finished"
        }
    }

    public var hint: String? {
        switch self {
        case .noSuchContainer: return "'podman ps -a' lists every container and its name"
        case .nameInUse(let name, _): return "remove it with 'podman rm \(name)', or choose another --name"
        case .running: return "stop it first ('podman stop NAME'), or use 'podman rm -f NAME'"
        case .notRunning, .cannotKill: return "start it with 'podman start NAME'"
        case .commandNotFound: return "check the command's spelling, or look inside the image: podman run --rm -it IMAGE sh"
        case .permissionDenied: return "that path is not an executable program in the image"
        case .startFailed: return "run 'podlab doctor': it checks what this machine allows for containers and gives the fix"
        case .portInUse: return "another program (or container) uses that port: pick another host port, e.g. -p 8081:80"
        case .invalidPort: return "the host port comes first: -p 8080:80 publishes container port 80 on host port 8080"
        case .invalidOption(_, let hint), .cannotRun(_, let hint): return hint
        case .noSuchVolume: return "'podman volume ls' lists the volumes"
        case .volumeExists: return "use it as it is (-v NAME:/path), or remove it first with 'podman volume rm NAME'"
        case .volumeInUse(let name, _): return "remove those containers first, or use 'podman volume rm -f \(name)'"
        case .invalidVolumeName, .invalidSecretName: return "start with a letter or digit; then letters, digits, '_', '.' and '-'"
        case .noSuchSecret: return "'podman secret ls' lists the secrets; make one with: printf '%s' VALUE | podman secret create NAME -"
        case .secretNameInUse(let name): return "remove it first with 'podman secret rm \(name)', or choose another name"
        case .noSuchPod: return "'podman pod ps' lists the pods"
        case .podNameInUse(let name): return "remove it with 'podman pod rm -f \(name)', or choose another --name"
        case .damagedList(let path, _, let holds):
            // The command as a learner would paste it: a storage path with a space or a quote stays one word.
            return "podlab lists and changes nothing this file names until it is mended. Restore it from a backup, or move "
                + "it aside and podlab forgets \(holds): mv \(ShellQuote.word(path)) \(ShellQuote.word(path + ".damaged"))"
        case .filesGone(let name, _): return "remove what is left with 'podman rm \(name)', then create it again"
        }
    }

    /// The overlay root could not be mounted (no overlay in this kernel, or not in a user namespace).
    public var isRootMountFailure: Bool {
        if case .startFailed(let stage, _, _) = self { return stage == "mounting the root file system" }
        return false
    }

    /// A store file's records, decoded; bytes that do not decode are `damagedList`, with the decoder's words for what
    /// is wrong and where, and `holds` (made only then) for what moving the file aside forgets.
    static func decodeStored<T: Decodable>(_ type: T.Type, from bytes: [UInt8], path: String,
                                           holds: @autoclosure () -> String) throws(RuntimeError) -> T {
        do {
            return try JSONCoding.decode(type, from: bytes, what: path)
        } catch {
            let reason = if case .malformed(_, let why) = error { why } else { error.message }
            throw .damagedList(path: path, reason: reason, holds: holds())
        }
    }

    /// The container or pod named is gone (or never was): commands that start one answer it with 125, as podman does.
    public var isNoSuchContainerOrPod: Bool {
        switch self {
        case .noSuchContainer, .noSuchPod: return true
        default: return false
        }
    }

    public var exitStatus: Int32 {
        switch self {
        case .noSuchContainer, .noSuchVolume, .noSuchPod: return ExitStatus.notFound
        case .running, .volumeInUse: return ExitStatus.conflict
        case .commandNotFound: return ExitStatus.commandNotFound
        case .permissionDenied: return ExitStatus.cannotInvoke
        default: return ExitStatus.engineError
        }
    }
}
