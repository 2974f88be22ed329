import PodlabCLI
import PodlabCore
import PodlabRuntime

/// What one `kube play` made, so that a play that fails part-way leaves nothing of itself: a file plays whole or
/// not at all. Only what this play made is removed; a volume or secret that was there before stays. Not brought
/// back: pods and secrets that `--replace` removed first (replacing them was asked for), and the files of an
/// existing ConfigMap or Secret volume, which every play writes anew (`KubeFileVolumes`).
final class KubePlayUndo {
    let engine: ContainerEngine
    private var pods: [PodRecord] = []
    private var volumes: [String] = []
    private var secrets: [String] = []

    init(engine: ContainerEngine) {
        self.engine = engine
    }

    func madePod(_ pod: PodRecord) { pods.append(pod) }
    func madeVolume(_ name: String) { volumes.append(name) }
    func madeSecret(_ name: String) { secrets.append(name) }

    /// Removes what was made, newest first: the pods (with their containers and emptyDir volumes), then volumes
    /// no container uses, then secrets. What cannot be removed is named, for the learner to remove by hand.
    func undo() {
        for pod in pods.reversed() {
            do { try engine.removePod(pod) } catch { leftBehind("pod \(pod.name)", "podman pod rm -f \(pod.name)") }
        }
        for name in volumes.reversed() {
            do {
                // An emptyDir's volume may have gone already, with the last container of its pod.
                guard try engine.volumes.get(name) != nil else { continue }
                let users = try engine.users(ofVolume: name)
                guard users.isEmpty else {
                    // Another container took the volume meanwhile; `volume rm` alone would be refused.
                    let names = users.map(\.name).joined(separator: " ")
                    leftBehind("volume \(name) (used by \(names))", "podman rm -f \(names) && podman volume rm \(name)")
                    continue
                }
                try engine.volumes.remove(name)
            } catch {
                leftBehind("volume \(name)", "podman volume rm \(name)")
            }
        }
        for name in secrets.reversed() {
            do { _ = try engine.secrets.remove(name) } catch { leftBehind("secret \(name)", "podman secret rm \(name)") }
        }
    }

    private func leftBehind(_ what: String, _ command: String) {
        Output.err(TerminalText.visible("WARN: \(what) was made by this kube play, which failed; remove it with '\(command)'"))
    }
}
