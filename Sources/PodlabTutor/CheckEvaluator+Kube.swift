import PodlabCore
import PodlabKube

/// The kube lesson's file check: the YAML is read by the same decoder `podman kube play` uses, so a file that
/// passes is one podlab would play, and its pods and containers are named as the step asks.
extension CheckEvaluator {
    func kube(_ spec: Check.KubeCheck) -> String? {
        let path = workspacePath(spec.path)
        guard FileSystem.exists(path) else { return notYetInWorkspace(spec.path) }
        guard let bytes = try? FileSystem.readFile(path, limit: KubeDecoder.sizeLimit), bytes.count <= KubeDecoder.sizeLimit else {
            return say("读不了 \(spec.path)", "\(spec.path) cannot be read")
        }
        let documents: [KubeDocument]
        do {
            documents = try KubeDecoder.decode(String(decoding: bytes, as: UTF8.self), file: spec.path)
            _ = try KubeDocument.pods(of: documents)  // what play refuses before making anything
        } catch {
            return say("podman kube play 读不了这个文件：\(error.message)", "podman kube play would refuse this file: \(error.message)")
        }
        var pods: [String] = []
        var containers: [String] = []
        for document in documents {
            switch document {
            case .pod(let pod):
                pods.append(pod.name)
                containers += pod.containers.map(\.name)
            case .deployment(let name, _, let template):
                pods.append(name)
                containers += template.containers.map(\.name)
            case .volumeClaim, .secret, .configMap:
                break
            }
        }
        for name in spec.pods ?? [] where !pods.contains(name) {
            return say("\(spec.path) 里没有名为 \(name) 的 Pod（有：\(pods.joined(separator: "、"))）",
                       "\(spec.path) describes no pod named \(name) (it has: \(pods.joined(separator: ", ")))")
        }
        for name in spec.containers ?? [] where !containers.contains(name) {
            return say("\(spec.path) 里没有名为 \(name) 的容器（有：\(containers.joined(separator: "、"))）",
                       "\(spec.path) describes no container named \(name) (it has: \(containers.joined(separator: ", ")))")
        }
        return nil
    }
}
