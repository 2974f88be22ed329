import PodlabCore
@testable import PodlabFuzzing
import PodlabImages
import PodlabKube
import PodlabTestSupport
import Testing

/// Every input in the fuzz corpus (`fuzz/corpus/<target>/`: the seeds, and each finding kept as a regression) run
/// through its target as libFuzzer runs it; a broken invariant names the input. (A crash in a parser still ends the
/// test process, as it would end podlab.)
struct FuzzCorpusTests {
    static let corpus = BuildProducts.packageRoot + "/fuzz/corpus"

    @Test(arguments: FuzzTarget.allCases)
    func theCorpusRunsClean(target: FuzzTarget) throws {
        let directory = "\(Self.corpus)/\(target.rawValue)"
        let inputs = FileSystem.list(directory).sorted()
        #expect(inputs.count >= 3, "a seed corpus for \(target.rawValue) in \(directory)")
        for input in inputs {
            let finding = target.run(try FileSystem.readFile("\(directory)/\(input)"))
            #expect(finding == nil, "\(target.rawValue)/\(input): \(String(describing: finding))")
        }
    }

    /// The control for the layer invariant: a file that did land beside the root, in the sibling or in the fixed
    /// path is reported (the applier itself never puts one there, which the corpus run above shows).
    @Test(arguments: ["stray", "beside/stray"])
    func aFileOutsideTheRootIsAFinding(place: String) throws {
        let directory = TemporaryDirectory("podlab-fuzz-control")
        try FileSystem.createDirectory(directory.file("root"))
        try FileSystem.createDirectory(directory.file("beside"))
        #expect(LayerFuzzing.escape(base: directory.path) == nil)
        try FileSystem.writeAtomically(Array("x".utf8), to: directory.file(place))
        #expect(LayerFuzzing.escape(base: directory.path) != nil)
    }

    /// The control for the load invariant: after a seed archive loads cleanly, each kind of damage the invariant
    /// names is reported (a file beside the store or in its sibling, a scratch file left, a listed image's layer
    /// blob gone, a blob whose content is not its name).
    @Test(arguments: ["stray", "beside/stray", "store/tmp/stray", "missing layer", "changed layer"])
    func aDamagedStoreIsAFinding(damage: String) throws {
        let scratch = try LoadFuzzing.Scratch()
        defer { scratch.remove() }
        scratch.load(try FileSystem.readFile("\(Self.corpus)/load/oci-archive"))
        let image = try #require(try scratch.store.images().first)
        #expect(scratch.damage() == nil)
        let layer = scratch.store.blobs.path(for: image.layers[0].blob.digest)
        switch damage {
        case "missing layer": try FileSystem.removeTree(layer)
        case "changed layer": try FileSystem.writeAtomically(Array("not the layer".utf8), to: layer)
        default: try FileSystem.writeAtomically(Array("x".utf8), to: scratch.base + "/" + damage)
        }
        #expect(scratch.damage() != nil)
    }

    /// The control for the submission invariant: a plan that would run a privileged container, a host-file
    /// subcommand or a control character is reported; the tutorial's own commands are not.
    @Test func aReplayReachingBeyondItsSandboxIsAFinding() {
        #expect(SubmissionFuzzing.unsafe([["podman", "run", "-d", "--name", "web", "-p", "8080:80", "nginx"], ["podman", "run", "busybox", "--", "--privileged"]]) == nil)
        for command in [["podman", "run", "--privileged", "busybox"], ["podman", "run", "--network=host", "busybox"],
                        ["podman", "build", "."], ["podman", "run", "busybox", "echo", "\u{1b}]0;x\u{7}"]] {
            #expect(SubmissionFuzzing.unsafe([command]) != nil, "\(command)")
        }
    }

    /// The control for the kube invariant: a pod the decoder would never make (a relative mount path, a host path
    /// that is not absolute, a ConfigMap or Secret file climbing out of its volume, a name podman refuses) is reported.
    @Test func anUnsafePodIsAFinding() {
        var pod = KubePod(name: "web")
        pod.containers = [KubeContainer(name: "web", image: "busybox")]
        #expect(KubeFuzzing.check(pod) == nil)
        var relative = pod
        relative.containers[0].volumeMounts = [KubeVolumeMount(name: "v", mountPath: "var/lib")]
        var hostPath = pod
        hostPath.volumes = [KubeVolume(name: "v", source: .hostPath(path: "etc", type: nil))]
        var climbing = pod
        climbing.volumes = [KubeVolume(name: "v", source: .configMap(name: "c", items: [KubeKeyToPath(key: "k", path: "a/../../etc/passwd")]))]
        var flag = pod
        flag.containers[0].image = "--privileged"
        var variable = pod
        variable.containers[0].env = [KubeEnv(name: "X,type=mount", source: .value("v"))]
        var secret = pod
        secret.volumes = [KubeVolume(name: "v", source: .secret(name: "s", items: [KubeKeyToPath(key: "k", path: "../k")], optional: false))]
        var named = pod
        named.name = "../web"
        for unsafe in [relative, hostPath, climbing, secret, flag, variable, named] {
            #expect(KubeFuzzing.check(unsafe) != nil, "\(unsafe)")
        }
    }
}
