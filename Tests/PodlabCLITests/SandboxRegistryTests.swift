import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// The tutorial's registry steps against the sandbox registry: Docker Hub names, a sign-up instead of
/// a Docker Hub account, login, push under one's own name, logout.
@Suite struct SandboxRegistryTests {
    let directory = TemporaryDirectory("podlab-sandbox")
    var podman: Podman { Podman(root: directory.file("storage")) }

    func podlab(_ arguments: String..., stdin: String? = nil) throws -> ProcessResult {
        try TestProcess.run([BuildProducts.podlab] + arguments, environment: podman.environment, stdin: stdin)
    }

    @Test func theTutorialsPushLesson() throws {
        let pull = try podman("pull", "docker.io/library/nginx:1.24")
        #expect(pull.status == 0, "\(pull)")
        #expect(pull.stderr.hasPrefix("Trying to pull docker.io/library/nginx:1.24...\nGetting image source signatures\n"))
        let status = try podlab("registry", "status")
        #expect(status.stdout.contains("sandbox:  running at http://127.0.0.1:"), "\(status)")

        #expect(try podman("tag", "docker.io/library/nginx:1.24", "docker.io/student/hello-deepin23-podman:0.1.0").status == 0)
        let early = try podman("push", "docker.io/student/hello-deepin23-podman:0.1.0")
        #expect(early.status == 125 && early.stderr.contains("unauthorized"), "no account, no push: \(early)")

        let signup = try podlab("registry", "signup", "--username", "student", "--password-stdin", stdin: "tutorial-pw\n")
        #expect(signup.status == 0, "\(signup)")
        let again = try podlab("registry", "signup", "--username", "student", "--password-stdin", stdin: "x\n")
        #expect(again.status == 125 && again.stderr.contains("already"))
        let wrong = try podman("login", "-u", "student", "-p", "not-it", "docker.io")
        #expect(wrong.status == 125 && wrong.stderr.contains("invalid username/password"))
        let login = try podman("login", "-u", "student", "--password-stdin", "docker.io", stdin: "tutorial-pw\n")
        #expect(login.stdout == "Login Succeeded!\n", "\(login)")
        let push = try podman("push", "docker.io/student/hello-deepin23-podman:0.1.0")
        #expect(push.status == 0, "\(push)")
        let foreign = try podman("push", "docker.io/student/hello-deepin23-podman:0.1.0", "docker.io/library/nginx:mine")
        #expect(foreign.status == 125 && foreign.stderr.contains("denied: requested access to the resource is denied"), "\(foreign)")
        let images = try podlab("registry", "images")
        #expect(images.stdout.contains("student/hello-deepin23-podman:0.1.0 sha256:"), "\(images)")
        #expect(try podman("logout", "docker.io").stdout == "Removed login credentials for docker.io\n")

        // Another learner (another store) pulls what was pushed, without logging in.
        let elsewhere = Podman(root: directory.file("storage"))
        #expect(try elsewhere("rmi", "docker.io/student/hello-deepin23-podman:0.1.0").status == 0)
        #expect(try elsewhere("pull", "-q", "docker.io/student/hello-deepin23-podman:0.1.0").status == 0)

        let stop = try podlab("registry", "stop")
        #expect(stop.stdout == "sandbox registry stopped\n", "\(stop)")
        #expect(try podlab("registry", "status").stdout.contains("not running"))
    }

    /// A sandbox registry killed with SIGKILL is noticed (its lock is gone with it) and the next pull starts another.
    @Test func aKilledSandboxRegistryIsStartedAgain() throws {
        #expect(try podman("pull", "-q", "docker.io/library/hello-world").status == 0)
        let statePath = directory.file("storage-run") + "/sandbox-registry/state.json"
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statePath))) as? [String: Any]
        let pid = try #require((state?["pid"] as? NSNumber)?.int32Value, "\(String(describing: state))")
        #expect(Processes.kill(pid), "the registry is killed with SIGKILL and ends")
        #expect(try podlab("registry", "status").stdout.contains("not running"))
        #expect(try podman("rmi", "docker.io/library/hello-world").status == 0)
        let again = try podman("pull", "-q", "docker.io/library/hello-world")
        #expect(again.status == 0, "\(again)")
        let restarted = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statePath))) as? [String: Any]
        #expect((restarted?["pid"] as? NSNumber)?.int32Value != pid)
        #expect(try podlab("registry", "stop").stdout == "sandbox registry stopped\n")
    }

    @Test func anImageTheSandboxLacksSaysWhatItHas() throws {
        let pull = try podman("pull", "docker.io/library/nosuchimage")
        #expect(pull.status == 125)
        #expect(pull.stderr.contains("Error: initializing source docker://docker.io/library/nosuchimage:latest: reading manifest latest in docker.io/library/nosuchimage: manifest unknown"), "\(pull)")
        #expect(pull.stderr.contains("images in the sandbox registry: ") && pull.stderr.contains("docker.io/library/hello-world:latest"), "\(pull)")
    }

    @Test func onlineModeGoesToTheRealRegistry() throws {
        // No network here (containers and tests get none): the point is where the request goes.
        var online = podman
        online.extraEnvironment["PODLAB_MODE"] = "online"
        let pull = try online("pull", "docker.io/library/nginx:1.24")
        #expect(pull.status == 125)
        #expect(pull.stderr.contains("registry-1.docker.io"), "online mode asks Docker Hub itself: \(pull)")
        #expect(try podlab("registry", "status").stdout.contains("not running"), "and starts no sandbox")
    }
}
