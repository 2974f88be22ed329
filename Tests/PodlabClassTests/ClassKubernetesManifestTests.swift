import Foundation
import PodlabBuild
import PodlabClass
import PodlabCore
import PodlabTestSupport
import Testing
import Yams

/// `deploy/kubernetes/`: the class on a cluster. No cluster runs here, so what can be checked without one is: the
/// files parse as what they claim, the class server's command is one podlab really serves with (run for real, with
/// the manifest's flags), the ports, mounts and secret agree with each other, and every pod gets exactly what
/// rootless containers need (its own user namespace, newuidmap's two capabilities) and nothing more (no privileged).
struct ClassKubernetesManifestTests {
    let directory = TemporaryDirectory("podlab-class-kube")
    static let folder = "\(BuildProducts.packageRoot)/deploy/kubernetes"

    static func documents(_ file: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: "\(folder)/\(file)", encoding: .utf8)
        return try Yams.load_all(yaml: text).map { try #require($0 as? [String: Any], "\(file): a document is not a mapping") }
    }

    static func value(_ tree: Any?, _ path: String...) -> Any? {
        var node = tree
        for key in path {
            if let index = Int(key), let list = node as? [Any] { node = index < list.count ? list[index] : nil }
            else { node = (node as? [String: Any])?[key] }
        }
        return node
    }

    /// Every `privileged: true` anywhere in a document.
    static func privileged(_ node: Any) -> Bool {
        if let map = node as? [String: Any] {
            return map.contains { ($0.key == "privileged" && $0.value as? Bool == true) || privileged($0.value) }
        }
        return (node as? [Any])?.contains(where: privileged) ?? false
    }

    /// The container of a pod template, checked for what rootless podlab needs and no more.
    static func checkedContainer(_ workload: [String: Any], uid: Int) throws -> [String: Any] {
        let pod = try #require(value(workload, "spec", "template", "spec") as? [String: Any])
        #expect(pod["hostUsers"] as? Bool == false, "the pod gets its own user namespace")
        #expect(pod["automountServiceAccountToken"] as? Bool == false, "no cluster credentials inside a lab pod")
        let containers = try #require(pod["containers"] as? [[String: Any]])
        try #require(containers.count == 1)
        let security = try #require(containers[0]["securityContext"] as? [String: Any])
        #expect(security["runAsUser"] as? Int == uid && security["runAsNonRoot"] as? Bool == true)
        #expect(security["procMount"] as? String == "Unmasked", "a container's own /proc needs an unmasked one to mount")
        #expect(value(security, "seccompProfile", "type") as? String == "Unconfined")
        #expect(value(security, "appArmorProfile", "type") as? String == "Unconfined")
        #expect(value(security, "capabilities", "drop") as? [String] == ["ALL"])
        #expect(value(security, "capabilities", "add") as? [String] == ["SETUID", "SETGID"], "newuidmap's and nothing else")
        #expect(!privileged(workload))
        return containers[0]
    }

    /// The Containerfile parses, and its image tag, learner uid and subordinate range fit the manifests.
    static func image() throws -> (tag: String, uid: Int) {
        let text = try String(contentsOfFile: "\(folder)/Containerfile", encoding: .utf8)
        let instructions = try Containerfile.parse(text, file: "Containerfile")
        #expect(instructions.first?.arguments == "docker.io/library/debian:12-slim")
        let user = try #require(instructions.last { $0.keyword == "USER" }?.arguments)
        let uid = try #require(Int(user))
        #expect(text.contains("useradd --create-home --uid \(uid) "))
        let range = try #require(text.firstMatch(of: /learner:(\d+):(\d+)/))
        let start = try #require(Int(range.1)), count = try #require(Int(range.2))
        #expect(start > uid && start + count <= 65536, "the subordinate ids lie inside the pod's 65536 and miss the learner's own")
        let tag = try #require(text.firstMatch(of: /podman build -t (\S+)/)?.1)
        return (String(tag), uid)
    }

    @Test func theLabMachinesAreRootlessPodlabInTheirOwnUserNamespace() throws {
        let image = try Self.image()
        let documents = try Self.documents("lab-machines.yaml")
        #expect(documents.map { $0["kind"] as? String } == ["Deployment"])
        let lab = try Self.checkedContainer(documents[0], uid: image.uid)
        #expect(lab["image"] as? String == image.tag)
        let probe = try #require(Self.value(lab, "startupProbe", "exec", "command") as? [String])
        #expect(probe == ["podlab", "doctor"])
        let help = try TestProcess.run([BuildProducts.podlab] + probe.dropFirst() + ["--help"])
        #expect(help.status == 0, "\(help)")
    }

    @Test func theClassServerRunsWithTheManifestsOwnFlags() throws {
        let image = try Self.image()
        let documents = try Self.documents("class-server.yaml")
        #expect(documents.map { $0["kind"] as? String } == ["Service", "StatefulSet"])
        let (service, set) = (documents[0], documents[1])
        #expect(Self.value(set, "spec", "replicas") as? Int == 1, "one server per storage directory")
        #expect(Self.value(set, "spec", "serviceName") as? String == Self.value(service, "metadata", "name") as? String)
        let server = try Self.checkedContainer(set, uid: image.uid)
        #expect(server["image"] as? String == image.tag)

        let argv = try #require(server["command"] as? [String]) + (try #require(server["args"] as? [String]))
        func flag(_ name: String) throws -> String {
            let index = try #require(argv.firstIndex(of: name), "\(name) in \(argv)")
            return try #require(argv.indices.contains(index + 1) ? argv[index + 1] : nil)
        }
        let port = try #require(Int(try flag("--address").split(separator: ":").last ?? ""))
        #expect(Self.value(server, "ports", "0", "containerPort") as? Int == port)
        #expect(Self.value(server, "readinessProbe", "tcpSocket", "port") as? Int == port)
        #expect(Self.value(service, "spec", "ports", "0", "targetPort") as? Int == port)

        let mounts = try #require(server["volumeMounts"] as? [[String: Any]])
        let claim = try #require(Self.value(set, "spec", "volumeClaimTemplates", "0", "metadata", "name") as? String)
        #expect(mounts.first { $0["name"] as? String == claim }?["mountPath"] as? String == (try flag("--storage")))
        let tlsMount = try #require(mounts.first { $0["name"] as? String == "tls" }?["mountPath"] as? String)
        #expect(try flag("--tls-cert") == "\(tlsMount)/tls.crt" && (try flag("--tls-key")) == "\(tlsMount)/tls.key")
        let secret = try #require(Self.value(set, "spec", "template", "spec", "volumes", "0", "secret", "secretName") as? String)
        let header = try String(contentsOfFile: "\(Self.folder)/class-server.yaml", encoding: .utf8)
        #expect(header.contains("kubectl create secret tls \(secret) "), "the header says how to make the secret the pod mounts")

        // The init container gives a new volume its teacher (the server starts only with one), once: run for real
        // twice, with this test's storage and secret files in place of the pod's.
        let storage = directory.file("class")
        let initContainer = try #require((Self.value(set, "spec", "template", "spec", "initContainers") as? [[String: Any]])?.first)
        let initMounts = try #require(initContainer["volumeMounts"] as? [[String: Any]])
        #expect(initMounts.first { $0["name"] as? String == claim }?["mountPath"] as? String == (try flag("--storage")))
        let teacherMount = try #require(initMounts.first { $0["name"] as? String == "teacher" }?["mountPath"] as? String)
        #expect(header.contains("kubectl create secret generic podlab-class-teacher "))
        try FileSystem.createDirectory(directory.file("teacher"))
        try FileSystem.writeAtomically(Array("teacher1".utf8), to: directory.file("teacher/username"))
        try FileSystem.writeAtomically(Array("lecture-hall\n".utf8), to: directory.file("teacher/password"))
        var script = try #require(initContainer["command"] as? [String])
        script[2] = script[2].replacingOccurrences(of: try flag("--storage"), with: storage)
            .replacingOccurrences(of: teacherMount, with: directory.file("teacher"))
        let path = ["PATH": "\(BuildProducts.directory):/usr/bin:/bin"]
        let first = try TestProcess.run(script, environment: path)
        #expect(first.status == 0 && first.stdout == "Added teacher teacher1\n", "\(first)")
        let again = try TestProcess.run(script, environment: path)
        #expect(again.status == 0 && again.stdout.isEmpty, "a restart adds nothing: \(again)")

        // The server's command for real: only the places (storage, address, certificate files) are this test's.
        try ClassServerTLSTests.makeCertificates(in: directory)
        var local = argv
        local[0] = BuildProducts.podlab
        let places = ["--address": "127.0.0.1:0", "--storage": storage,
                      "--tls-cert": directory.file("server.pem"), "--tls-key": directory.file("server.key")]
        for (name, place) in places {
            let index = try #require(local.firstIndex(of: name))
            local[index + 1] = place
        }
        let running = try ServerProcess(local, logPath: directory.file("server.log"), listeningPort: ServerProcess.portAfterListening)
        defer { running.stop() }
        let log = try String(contentsOfFile: directory.file("server.log"), encoding: .utf8)
        #expect(log.contains("listening on https://127.0.0.1:\(running.port)"), "\(log)")
    }
}
