import ArgumentParser
import PodlabCLI
import PodlabCore
import PodlabImages
import PodlabKube
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// `kube generate [-f FILE] POD | CONTAINER…`: one pod's YAML, or containers outside pods as a pod named after the
/// first (`NAME-pod`), as podman 4.3.1 writes them.
struct KubeGenerateOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .customLong("filename")], help: "Write to this file (it must not exist yet).") var filename: String?
    @Flag(name: [.customShort("s"), .customLong("service")], help: "Also generate a Service (not supported by podlab).") var service = false
    @Argument(help: "A pod, or containers that are not in a pod.") var names: [String] = []

    func run() throws {
        guard !names.isEmpty else { throw CLIError.usage("requires at least 1 arg(s), only received 0", command: "podman kube generate") }
        guard !service else {
            throw CLIError.refused("podlab does not generate Services", hint: "leave out -s: a Service describes a cluster's load balancer, which podlab has not")
        }
        let engine = try Current.engine.containers()
        let generator = try Self.generator(for: names, engine: engine)
        let text = try generator.yaml()
        guard let filename else {
            Output.out(text, terminator: "")
            return
        }
        try Self.writeNew(text, to: filename)
    }

    static func generator(for names: [String], engine: ContainerEngine) throws -> KubeGenerator {
        let members: [ContainerRecord]
        let podName: String
        let podID: String?
        let ports: [PortMapping]
        if names.count == 1, let pod = try engine.pods.lookup(names[0]) {
            members = try engine.containers(of: pod).filter { $0.settings.infra != true }
            guard !members.isEmpty else {
                throw CLIError.refused("pod \(pod.name) has no containers to describe", hint: "add one: podman run -d --pod \(pod.name) IMAGE")
            }
            (podName, podID, ports) = (pod.name, pod.id, pod.ports)
        } else {
            members = try names.map { try engine.containers.find($0) }
            for record in members where record.settings.pod != nil {
                let pod = try engine.pods.all().first { $0.id == record.settings.pod }?.name ?? "its pod"
                throw CLIError.refused("container \(record.name) is in pod \(pod)", hint: "describe the whole pod: podman kube generate \(pod)")
            }
            // podman: the first container's name without underscores, and "-pod" when that is a container's name.
            let base = String(members[0].name.filter { $0 != "_" })
            podName = members.contains { $0.name == base } ? base + "-pod" : base
            podID = nil
            ports = members.flatMap(\.settings.ports)
        }
        let described = try members.map { record in
            let image = try engine.images.resolve(record.imageID.hex)
            return KubeGenerator.Member(record: record, image: try engine.images.config(of: image).config ?? ContainerConfig())
        }
        return KubeGenerator(podName: podName, podID: podID, ports: ports, members: described, now: WallClock.now(),
                             podmanVersion: Versions.podmanCompatible)
    }

    /// podman refuses to overwrite: `cannot write to "x.yaml"; file exists`. The file appears whole or not at
    /// all, so a kill in the middle leaves no half-written YAML (and no temporary file) in the learner's directory.
    static func writeNew(_ text: String, to path: String) throws {
        do {
            try FileSystem.writeNew(Array(text.utf8), to: path)
        } catch {
            guard error.errno == EEXIST else { throw error }
            throw CLIError.refused("cannot write to \"\(path)\"; file exists", hint: "choose another name, or remove it first")
        }
    }
}
