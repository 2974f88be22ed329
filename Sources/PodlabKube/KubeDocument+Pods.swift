extension KubeDocument {
    /// Every pod the documents describe — Pods as they are, a Deployment's template once per replica
    /// (`NAME-pod-0` …) — checked as a whole before anything is made: each name once in the file, and no hostname
    /// but the pod's own (podlab names a pod's hostname after it; another is refused rather than left out). What
    /// `kube play` makes, `kube down` removes, and the tutor's kube check accepts all come from here.
    public static func pods(of documents: [KubeDocument]) throws(KubeError) -> [KubePod] {
        let pods = documents.flatMap { document -> [KubePod] in
            switch document {
            case .pod(let pod): return [pod]
            case .deployment(let name, let replicas, let template):
                return (0..<replicas).map { index in
                    var pod = template
                    pod.name = "\(name)-pod-\(index)"
                    return pod
                }
            case .volumeClaim, .secret, .configMap: return []
            }
        }
        var seen: Set<String> = []
        for pod in pods {
            guard seen.insert(pod.name).inserted else {
                throw KubeError("the file describes the pod \"\(pod.name)\" twice",
                                hint: "give each Pod and Deployment its own name (a Deployment's pods are NAME-pod-0, NAME-pod-1 …)")
            }
            if let hostname = pod.hostname, !hostname.isEmpty, hostname != pod.name {
                throw KubeError("spec.hostname \(hostname) is not supported by podlab: a pod's hostname is its name (\(pod.name))",
                                hint: "leave spec.hostname out, or write the pod's name there")
            }
        }
        return pods
    }
}
