import Foundation
import PodlabCore
import PodlabTestSupport
import PodlabTutor
import Testing

/// The checks the volume, pod and secret lessons use, against what real podman commands made: each check
/// passes on the state it names and fails, with the learner's next step, on the state it does not.
@Suite(.serialized) struct EngineCheckTests {
    let directory = TemporaryDirectory("podlab-checks")
    var podman: Podman { Podman(root: directory.file("storage")) }

    /// An evaluator reading the same store the commands wrote.
    func evaluate(_ json: String) throws -> CheckResult {
        let check = try JSONDecoder().decode(Check.self, from: Data(json.utf8))
        let root = directory.file("storage")
        let locations = Locations(storage: root, runtime: root + "-run", config: root + "-config")
        let paths = TutorPaths(state: directory.file("state"), workspace: directory.file("workspace"),
                               lessons: directory.file("lessons"), engine: BuildProducts.podlab, locations: locations)
        let context = CheckContext(paths: paths, since: 0, environment: [:], language: .en)
        return CheckEvaluator(context: context).evaluate(check)
    }

    func expectPassed(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try evaluate(json)
        #expect(result.passed, "\(json): \(result.message)", sourceLocation: sourceLocation)
    }

    func expectFailed(_ json: String, saying message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try evaluate(json)
        #expect(!result.passed, "\(json) should fail", sourceLocation: sourceLocation)
        #expect(result.message == message, sourceLocation: sourceLocation)
    }

    @Test func volumeChecksSeeWhatAContainerWroteAndNothingBeyondIt() throws {
        #expect(try podman("volume", "create", "data").status == 0)
        let write = try podman("run", "--rm", "-v", "data:/d", "busybox", "sh", "-c",
                               "echo kept > /d/note && mkdir /d/sub && ln -s /etc /d/host-etc")
        #expect(write.status == 0, "\(write)")

        try expectPassed(#"{"volume": {"name": "data"}}"#)
        try expectPassed(#"{"volume": {"name": "data", "holds": "note"}}"#)
        try expectPassed(#"{"volume": {"name": "data", "holds": "sub"}}"#)
        try expectFailed(#"{"volume": {"name": "data", "holds": "missing"}}"#, saying: "the volume data holds no missing yet")
        try expectFailed(#"{"volume": {"name": "data", "present": false}}"#,
                         saying: "the volume data is still there (podman volume rm data removes it)")
        try expectFailed(#"{"volume": {"name": "other"}}"#, saying: "there is no volume named other yet")
        try expectPassed(#"{"volume": {"name": "other", "present": false}}"#)

        // The container's symlink leads to the host's /etc: a plain path lookup would find passwd there (the
        // control), the check must not.
        let volumeData = directory.file("storage") + "/volumes/data/_data"
        #expect(FileSystem.exists(volumeData + "/host-etc/passwd"), "control: following the link reaches the host")
        try expectFailed(#"{"volume": {"name": "data", "holds": "host-etc/passwd"}}"#,
                         saying: "the volume data holds no host-etc/passwd yet")
        try expectFailed(#"{"volume": {"name": "data", "holds": "../../../../etc/passwd"}}"#,
                         saying: "the volume data holds no ../../../../etc/passwd yet")
    }

    @Test func containerChecksSeeMountsAndPasswordsInTheConfiguration() throws {
        #expect(try podman("volume", "create", "db-data").status == 0)
        #expect(try podman("create", "--name", "db", "-e", "PASSWORD=hunter2", "-v", "db-data:/var/lib/db",
                           "busybox", "true").status == 0)
        try expectPassed(#"{"container": {"name": "db", "volumes": ["db-data:/var/lib/db"]}}"#)
        try expectFailed(#"{"container": {"name": "db", "volumes": ["db-data:/elsewhere"]}}"#,
                         saying: "the container db does not mount db-data:/elsewhere (it needs -v db-data:/elsewhere)")
        try expectFailed(#"{"container": {"name": "db", "lacksValue": "hunter2"}}"#,
                         saying: "the configuration of db still holds \"hunter2\" (podman inspect shows it): use --secret instead")
        try expectPassed(#"{"container": {"name": "db", "lacksValue": "swordfish"}}"#)
    }

    /// A list podlab cannot read fails every check that reads it, with podlab's reason and hint: "absent" would pass
    /// a `present: false` step that the learner never did.
    @Test func checksOnADamagedListFailWithItsReason() throws {
        #expect(try podman("create", "--name", "web", "busybox", "true").status == 0)
        #expect(try podman("pod", "create", "--name", "shop").status == 0)
        try expectPassed(#"{"container": {"name": "gone", "present": false}}"#)
        try expectPassed(#"{"pod": {"name": "shop", "containers": 1}}"#)
        try expectPassed(#"{"image": {"name": "busybox"}}"#)
        let storage = directory.file("storage")
        // The container list alone first: a pod check counts the pod's containers from it.
        for (list, checks) in [("/containers/containers.json", [#"{"container": {"name": "gone", "present": false}}"#,
                                                               #"{"container": {"name": "web"}}"#, #"{"pod": {"name": "shop", "containers": 1}}"#]),
                               ("/pods/pods.json", [#"{"pod": {"name": "shop"}}"#, #"{"pod": {"name": "shop", "present": false}}"#])] {
            try Data("[{".utf8).write(to: URL(fileURLWithPath: storage + list))
            for json in checks {
                let result = try evaluate(json)
                #expect(!result.passed, "\(json)")
                #expect(result.message.hasPrefix("podlab cannot read its own records: cannot read \(storage)\(list): "), "\(json): \(result.message)")
                #expect(result.message.contains("\npodlab lists and changes nothing"), "the hint too: \(json): \(result.message)")
            }
        }
        // The image list: the image store's own error and hint.
        try Data("[{".utf8).write(to: URL(fileURLWithPath: storage + "/images.json"))
        let image = try evaluate(#"{"image": {"name": "busybox", "present": false}}"#)
        #expect(!image.passed && image.message.hasPrefix("podlab cannot read its own records: "), "\(image.message)")
    }

    @Test func secretChecksSeeTheSecretStore() throws {
        #expect(try podman("secret", "create", "db-password", "-", stdin: "swordfish").status == 0)
        try expectPassed(#"{"secret": {"name": "db-password"}}"#)
        try expectFailed(#"{"secret": {"name": "db-password", "present": false}}"#,
                         saying: "the secret db-password is still there (podman secret rm db-password removes it)")
        try expectFailed(#"{"secret": {"name": "api-key"}}"#, saying: "there is no secret named api-key yet")
        #expect(try podman("secret", "rm", "db-password").status == 0)
        try expectPassed(#"{"secret": {"name": "db-password", "present": false}}"#)
    }

    @Test func podChecksCountTheInfraAndFollowTheState() throws {
        #expect(try podman("pod", "create", "--name", "web").status == 0)
        try expectPassed(#"{"pod": {"name": "web", "containers": 1, "state": "Created"}}"#)
        let member = try podman("run", "-d", "--pod", "web", "--name", "member", "busybox", "sleep", "600")
        #expect(member.status == 0, "\(member)")
        defer { _ = try? podman("pod", "rm", "-f", "web") }
        try expectPassed(#"{"pod": {"name": "web", "containers": 2, "state": "Running"}}"#)
        try expectFailed(#"{"pod": {"name": "web", "containers": 3}}"#,
                         saying: "the pod web holds 2 containers (its infra included), it should hold 3")
        try expectFailed(#"{"pod": {"name": "web", "state": "Exited"}}"#, saying: "the pod web is Running, it should be Exited")
        try expectFailed(#"{"pod": {"name": "web", "present": false}}"#,
                         saying: "the pod web is still there (podman pod rm -f web removes it)")
        #expect(try podman("pod", "kill", "web").status == 0)
        try expectPassed(#"{"pod": {"name": "web", "state": "Exited"}}"#)
        #expect(try podman("pod", "rm", "-f", "web").status == 0)
        try expectPassed(#"{"pod": {"name": "web", "present": false}}"#)
        try expectFailed(#"{"pod": {"name": "web"}}"#, saying: "there is no pod named web yet")
    }

    @Test func webChecksSeeTextThePageHasLost() throws {
        let server = try Registries.podlab(in: directory.path)
        let url = "http://127.0.0.1:\(server.port)/v2/"
        try expectPassed(#"{"http": {"url": "\#(url)", "status": 200, "lacks": "no such text"}}"#)
        try expectFailed(#"{"http": {"url": "\#(url)", "lacks": "{}"}}"#, saying: "the page at \(url) still contains \"{}\"")
    }

    /// The kube check reads the file as `kube play` would: a pod with its containers passes, a missing container or
    /// a file podlab would refuse fails with the reason (the decoder's, with its line).
    @Test func kubeChecksReadTheFileAsKubePlayWould() throws {
        try FileSystem.createDirectory(directory.file("workspace"))
        try expectFailed(#"{"kube": {"path": "todo.yaml"}}"#, saying: "there is no todo.yaml in your workspace yet")
        try """
            apiVersion: v1
            kind: Pod
            metadata: {name: todo}
            spec:
              containers:
              - {name: todo-db, image: docker.io/library/mariadb:10.11}
              - {name: todo-web, image: docker.io/podlab/todo:1.0}

            """.write(toFile: directory.file("workspace/todo.yaml"), atomically: true, encoding: .utf8)
        try expectPassed(#"{"kube": {"path": "todo.yaml", "pods": ["todo"], "containers": ["todo-db", "todo-web"]}}"#)
        try expectFailed(#"{"kube": {"path": "todo.yaml", "containers": ["todo-cache"]}}"#,
                         saying: "todo.yaml describes no container named todo-cache (it has: todo-db, todo-web)")
        try "apiVersion: v1\nkind: Service\nmetadata: {name: todo}\n".write(toFile: directory.file("workspace/todo.yaml"), atomically: true, encoding: .utf8)
        try expectFailed(#"{"kube": {"path": "todo.yaml", "pods": ["todo"]}}"#,
                         saying: "podman kube play would refuse this file: todo.yaml:1: kind Service (apiVersion v1) is not supported by podlab")
        // Refused by play as a whole file (not by one field): the check refuses it the same way.
        try "apiVersion: v1\nkind: Pod\nmetadata: {name: todo}\nspec:\n  hostname: other\n  containers:\n  - {name: a, image: busybox}\n"
            .write(toFile: directory.file("workspace/todo.yaml"), atomically: true, encoding: .utf8)
        try expectFailed(#"{"kube": {"path": "todo.yaml", "pods": ["todo"]}}"#,
                         saying: "podman kube play would refuse this file: spec.hostname other is not supported by podlab: a pod's hostname is its name (todo)")
    }
}
