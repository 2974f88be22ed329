import PodlabCore
import PodlabRuntime

/// Checks of what the volume, pod and secret lessons make: volumes, secrets and pods, read from their stores.
extension CheckEvaluator {
    func volume(_ spec: Check.VolumeCheck) -> String? {
        let store = VolumeStore(storage: context.paths.locations.storage, mapping: IDMapping.current())
        let present: Bool
        do { present = try store.get(spec.name) != nil } catch { return unreadable(error) }
        guard spec.present ?? true else {
            return present ? say("卷 \(spec.name) 还在（podman volume rm \(spec.name) 可删除它）",
                                 "the volume \(spec.name) is still there (podman volume rm \(spec.name) removes it)") : nil
        }
        guard present else { return say("还没有名为 \(spec.name) 的卷", "there is no volume named \(spec.name) yet") }
        if let path = spec.holds, !FileSystem.existsInside(root: store.dataPath(of: spec.name), relative: path) {
            return say("卷 \(spec.name) 里还没有 \(path)", "the volume \(spec.name) holds no \(path) yet")
        }
        return nil
    }

    func secret(_ spec: Check.SecretCheck) -> String? {
        let secrets: [SecretRecord]
        do { secrets = try SecretStore(storage: context.paths.locations.storage).all() } catch { return unreadable(error) }
        let present = secrets.contains { $0.name == spec.name }
        if spec.present ?? true {
            return present ? nil : say("还没有名为 \(spec.name) 的 secret", "there is no secret named \(spec.name) yet")
        }
        return present ? say("secret \(spec.name) 还在（podman secret rm \(spec.name) 可删除它）",
                             "the secret \(spec.name) is still there (podman secret rm \(spec.name) removes it)") : nil
    }

    func pod(_ spec: Check.PodCheck) -> String? {
        let pods: [PodRecord]
        do { pods = try PodStore(storage: context.paths.locations.storage).all() } catch { return unreadable(error) }
        let found = pods.first { $0.name == spec.name }
        guard spec.present ?? true else {
            return found == nil ? nil : say("Pod \(spec.name) 还在（podman pod rm -f \(spec.name) 可删除它）",
                                            "the pod \(spec.name) is still there (podman pod rm -f \(spec.name) removes it)")
        }
        guard let found else { return say("还没有名为 \(spec.name) 的 Pod", "there is no pod named \(spec.name) yet") }
        let all: [ContainerRecord]
        do { all = try containers() } catch { return unreadable(error) }
        let members = all.filter { $0.settings.pod == found.id }
        if let count = spec.containers, members.count != count {
            return say("Pod \(spec.name) 里有 \(members.count) 个容器（连同 infra），应该是 \(count) 个",
                       "the pod \(spec.name) holds \(members.count) containers (its infra included), it should hold \(count)")
        }
        let status = PodRecord.status(of: members.map(\.state.status))
        if let state = spec.state, state != status {
            return say("Pod \(spec.name) 现在是 \(status)，应该是 \(state)", "the pod \(spec.name) is \(status), it should be \(state)")
        }
        return nil
    }

    /// A store list the check could not read (damaged): the check fails with podlab's reason, and nothing is guessed.
    func unreadable(_ error: any Error) -> String {
        let failure = error as? any LearnerFacingError
        let reason = failure?.message ?? "\(error)"
        let hint = failure?.hint.map { "\n" + $0 } ?? ""
        return say("podlab 读不了自己的记录：\(reason)\(hint)", "podlab cannot read its own records: \(reason)\(hint)")
    }
}
