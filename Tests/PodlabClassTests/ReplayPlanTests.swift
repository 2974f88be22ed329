import PodlabClass
import PodlabTutor
import Testing

/// What the class server agrees to run again from a submitted journal, and what it refuses before running anything.
struct ReplayPlanTests {
    static func journal(_ lines: [[String]]) -> [Submission.Command] {
        lines.enumerated().map { Submission.Command(time: Double($0.offset), arguments: $0.element, exitCode: 0) }
    }

    @Test func aLessonsCommandsBecomeAQuotedScript() throws {
        let plan = try ReplayPlan.make(Self.journal([
            ["podman", "--version"],
            ["podman", "run", "--rm", "--name", "hello-podman", "docker.io/library/hello-world:latest"],
            ["docker", "image", "rm", "docker.io/library/hello-world:latest"],
            ["podman", "run", "-d", "-v", "todo-data:/data", "-v", "/cache", "--name", "it's", "busybox", "sh", "-c", "echo $HOME; rm -rf /"],
        ]))
        #expect(plan.script == """
            'podman' '--version'
            'podman' 'run' '--memory=1g' '--pids-limit=1024' '--rm' '--name' 'hello-podman' 'docker.io/library/hello-world:latest'
            'podman' 'image' 'rm' 'docker.io/library/hello-world:latest'
            'podman' 'run' '--memory=1g' '--pids-limit=1024' '-d' '-v' 'todo-data:/data' '-v' '/cache' '--name' 'it'\\''s' 'busybox' 'sh' '-c' 'echo $HOME; rm -rf /'

            """)
    }

    @Test(arguments: [
        (["podman", "run", "-v", "/:/host", "busybox"], 1, "-v /:/host mounts a path of the server's"),
        (["podman", "run", "--volume=/etc:/x", "busybox"], 1, "-v /etc:/x mounts a path of the server's"),
        (["podman", "run", "-dv", "./here:/x", "busybox"], 1, "-v ./here:/x mounts a path of the server's"),
        (["podman", "run", "-v/root:/x", "busybox"], 1, "-v /root:/x mounts a path of the server's"),
        (["podman", "run", "--privileged", "busybox"], 1, "--privileged reaches beyond the replay's sandbox"),
        (["podman", "run", "--pid=host", "busybox"], 1, "--pid reaches beyond the replay's sandbox"),
        (["podman", "run", "--mount", "type=bind,src=/,dst=/h", "busybox"], 1, "--mount reaches beyond the replay's sandbox"),
        (["podman", "--root", "/srv", "ps"], 1, "options before the subcommand (--root) are not replayed"),
        (["podman", "build", "-t", "web", "."], 1, "`podman build` works with the learner's own files or passwords"),
        (["podman", "kube", "play", "todo.yaml"], 1, "`podman kube` works with the learner's own files or passwords"),
        (["podman", "volume", "import", "data", "/etc/shadow"], 1, "`podman volume import` is not replayed"),
        (["podman", "login", "-u", "alice", "-p", "******", "127.0.0.1:5000"], 1, "`podman login` works with the learner's own files or passwords"),
        (["podman", "run", "-e", "PASSWORD=******", "busybox"], 1, "it held a secret value, which the journal does not keep"),
        (["sh", "-c", "id"], 1, "it is not a podman command"),
        (["podman", "run", "--volume=", "busybox"], 1, "-v  mounts a path of the server's"),
        (["podman", "run", "-v=", "busybox"], 1, "-v  mounts a path of the server's"),
        (["podman", "run", "-itv", "/:/h", "busybox"], 1, "-v /:/h mounts a path of the server's"),
        // podman's flag library reads `-dpv 8080:80` as -p "v"; podlab's parser gives -p "8080:80" and -v "/:/h".
        (["podman", "run", "-dpv", "8080:80", "/:/h", "busybox"], 1,
         "-dpv has -p amid other options, which podman and podlab read apart: write -p VALUE on its own"),
        (["podman", "run", "-dpe", "8080:80", "AWS_SECRET_ACCESS_KEY", "busybox"], 1,
         "-dpe has -p amid other options, which podman and podlab read apart: write -p VALUE on its own"),
        (["podman", "run", "-iwv", "/app", "/:/h", "busybox"], 1,
         "-iwv has -w amid other options, which podman and podlab read apart: write -w VALUE on its own"),
        (["podman", "run", "-e", "AWS_SECRET_ACCESS_KEY", "busybox"], 1, "-e AWS_SECRET_ACCESS_KEY would copy a variable of the server's"),
        (["podman", "run", "--env=HOME", "busybox"], 1, "-e HOME would copy a variable of the server's"),
        (["podman", "run", "--env", "--privileged=x", "busybox"], 1, "-e is given --privileged=x, and a value beginning with - is not replayed"),
        (["podman", "run", "-e", "--", "-v", "/:/host", "--privileged", "busybox"], 1, "-e is given --, and a value beginning with - is not replayed"),
        (["podman", "run", "-itv", "--device=/dev/sda", "busybox"], 1, "-v is given --device=/dev/sda, and a value beginning with - is not replayed"),
        (["podman", "run", "--publish", "-", "busybox"], 1, "-p is given -, and a value beginning with - is not replayed"),
        (["podman", "run", "--memory", "64g", "busybox"], 1, "--memory: a replay's memory and process limits are the server's"),
        (["podman", "container", "create", "--pids-limit=-1", "busybox"], 1, "--pids-limit: a replay's memory and process limits are the server's"),
        (["podman", "run", "-dm", "64g", "busybox"], 1, "-m: a replay's memory and process limits are the server's"),
        (["podman", "run", "-p", "0.0.0.0:8080:80", "nginx"], 1, "-p 0.0.0.0:8080:80 would listen on 0.0.0.0, beyond the server's loopback"),
        (["podman", "run", "-dp", "80:80", "nginx"], 1, "-p 80:80 would take the server's privileged port 80"),
        (["podman", "pod", "create", "--publish=443:443", "web"], 1, "-p 443:443 would take the server's privileged port 443"),
        (["podman", "run", "busybox", "echo", "a\u{0}b"], 1, "a^@b holds a control character"),
        (["podman", "pull", "10.0.0.5:8080/app"], 1, "10.0.0.5:8080/app names a registry other than the tutorial's: a replay pulls only from the sandbox's"),
        (["podman", "run", "--pull", "always", "169.254.169.254/latest", "true"], 1,
         "169.254.169.254/latest names a registry other than the tutorial's: a replay pulls only from the sandbox's"),
    ])
    func linesThatReachBeyondTheSandboxAreRefused(line: [String], number: Int, reason: String) {
        #expect(throws: ReplayPlan.Refusal(line: number, reason: reason)) { try ReplayPlan.make(Self.journal([line])) }
    }

    @Test func optionsThatOnlyLookAlikeAreReplayed() throws {
        let plan = try ReplayPlan.make(Self.journal([
            ["podman", "rm", "-fv", "web"],
            ["podman", "run", "-d", "-p", "8080:80", "-p", "127.0.0.1:8081:80", "-p", "80", "-e", "MODE=test", "nginx"],
            ["podman", "volume", "rm", "-f", "data"],
            ["podman", "pull", "docker.io/library/nginx:1.24"],
            ["podman", "run", "-v", "todo:/data", "quay.io/podman/hello", "cat", "/data/x"],
            ["podman", "run", "-dp", "8080:80", "--name", "web", "nginx"],
            ["podman", "run", "-p8081:80/tcp", "-itd", "nginx"],
            // Joined values, and a container's own `ls -la`: both parsers read these alike.
            ["podman", "run", "--rm", "-vdata:/data", "-w/data", "busybox", "ls", "-la", "/data"],
        ]))
        #expect(plan.commands.count == 8)
    }

    /// Every container a replay makes carries the server's bounds, in the spellings that make one; other commands
    /// are left as they were.
    @Test func containersOfAReplayCarryTheServersBounds() throws {
        let bounds = try ReplayPlan.Bounds(memory: "512m", pids: 200)
        let plan = try ReplayPlan.make(Self.journal([
            ["podman", "run", "-d", "nginx"], ["docker", "create", "busybox"], ["podman", "container", "run", "busybox", "true"],
            ["podman", "container", "create", "busybox"],
            ["podman", "pod", "create", "--name", "todo"], ["podman", "ps", "-a"], ["podman", "exec", "web", "ls", "-m"],
        ]), bounds: bounds)
        #expect(plan.commands == [
            ["podman", "run", "--memory=512m", "--pids-limit=200", "-d", "nginx"],
            ["podman", "create", "--memory=512m", "--pids-limit=200", "busybox"],
            ["podman", "container", "run", "--memory=512m", "--pids-limit=200", "busybox", "true"],
            ["podman", "container", "create", "--memory=512m", "--pids-limit=200", "busybox"],
            ["podman", "pod", "create", "--name", "todo"], ["podman", "ps", "-a"], ["podman", "exec", "web", "ls", "-m"],
        ])
        for (memory, pids) in [("", 1), ("1.5g", 1), ("-1", 1), ("0", 1), ("1t", 1), ("9999999999999m", 1), ("512m", 0), ("512m", 4_194_305)] {
            #expect(throws: ClassError.self, "\(memory) \(pids)") { try ReplayPlan.Bounds(memory: memory, pids: pids) }
        }
        #expect(try ReplayPlan.Bounds(memory: "9999999G", pids: 4_194_304).pids == 4_194_304)
    }

    @Test func theFirstRefusedLineIsNamed() {
        #expect(throws: ReplayPlan.Refusal(line: 3, reason: "--privileged reaches beyond the replay's sandbox")) {
            try ReplayPlan.make(Self.journal([["podman", "ps"], ["podman", "images"], ["podman", "run", "--privileged", "busybox"]]))
        }
    }
}
