import ArgumentParser
import PodlabCLI
import PodlabCore
import PodlabImages
import PodlabKube
import PodlabRuntime

/// `kube play [--replace] [--start=false] FILE|-`: volumes for the claims, secrets, then each pod (a Deployment's
/// replicas as `NAME-pod-0` …) with its containers named `POD-CONTAINER`, started, the file's ConfigMaps given as
/// variables and read-only volumes, Secrets as variables and read-only volumes; podman 4.3.1's output.
struct KubePlayOptions: ParsableArguments {
    @Flag(help: "Remove pods of the same names first.") var replace = false
    @Option(help: "Start the pods after creating them.") var start: Bool = true
    @Argument(help: "The YAML file, or - for standard input.") var file: String

    func run() throws {
        let documents = try KubeFile.read(file)
        let engine = try Current.engine.containers()
        let pods = try KubeDocument.pods(of: documents)
        // A taken name is refused before anything is made (claims, secrets, ConfigMap volumes a running pod reads).
        if !replace, let taken = try pods.first(where: { try engine.pods.lookup($0.name) != nil }) {
            throw KubePlayer.nameInUse(taken.name)
        }
        let undo = KubePlayUndo(engine: engine)
        var volumes: [String] = []
        var played: [KubePlayer.Played] = []
        do {
            for case .volumeClaim(let name) in documents {
                if try engine.volumes.ensure(name).made { undo.madeVolume(name) }
                volumes.append(name)
            }
            for case .secret(let name, let data) in documents {
                if try KubeSecrets.store(name, data: data, engine: engine, replace: replace) { undo.madeSecret(name) }
            }
            let configMaps = KubeConfigMaps(documents)
            let fileVolumes = try KubeFileVolumes.prepare(for: pods, configMaps: configMaps, engine: engine, undo: undo)
            let player = KubePlayer(engine: engine, replace: replace, configMaps: configMaps, fileVolumes: fileVolumes, undo: undo)
            // Every pod is made before any starts, so that a later pod's failure undoes pods that never ran.
            for pod in pods { played.append(try player.play(pod)) }
        } catch {
            undo.undo()
            throw error
        }
        if !volumes.isEmpty { Output.out("Volumes:\n" + volumes.joined(separator: "\n")) }
        var failed = 0
        for pod in played {
            Output.out("Pod:\n\(pod.pod.id)")
            Output.out(pod.containers.count == 1 ? "Container:" : "Containers:")
            for record in pod.containers { Output.out(record.id) }
            Output.out("")
            if start { failed += KubePlayer.start(pod, engine: engine) }
        }
        guard failed == 0 else { throw CLIError.refused("failed to start \(failed) containers", hint: "podman logs NAME shows why") }
    }
}

/// `kube down FILE`: stops and removes the pods the file names (podman 4.3.1 keeps volumes and secrets).
enum KubeDown {
    static func run(file: String) throws {
        let documents = try KubeFile.read(file)
        let engine = try Current.engine.containers()
        // Every pod must be there before any is touched; podman 4.3.1 exits 125 for a missing one.
        let pods = try KubeDocument.pods(of: documents).map { pod in
            do { return try engine.pods.find(pod.name) } catch let error as RuntimeError {
                throw CLIError.refused(error.message, hint: error.hint)
            }
        }
        var stopped: [String] = []
        for pod in pods {
            try Pods.stop(pod, timeout: 10, engine: engine)
            stopped.append(pod.id)
        }
        var removed: [String] = []
        for pod in pods {
            try engine.removePod(pod)
            removed.append(pod.id)
        }
        Output.out("Pods stopped:")
        for id in stopped { Output.out(id) }
        Output.out("Pods removed:")
        for id in removed { Output.out(id) }
    }
}

/// Reading a kube file (at most 1 MiB and a byte) into its documents.
enum KubeFile {
    static func read(_ file: String) throws -> [KubeDocument] {
        guard file == "-" || FileSystem.exists(file) else {
            throw CLIError.refused("\(file): no such file or directory", hint: "write it first: podman kube generate POD -f \(file)")
        }
        let bytes = try FileSystem.readFileOrStandardInput(file, limit: KubeDecoder.sizeLimit)
        // At most the limit and one byte more are read; the decoder refuses what is over it.
        return try KubeDecoder.decode(String(decoding: bytes, as: UTF8.self), file: file)
    }
}
