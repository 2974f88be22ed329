import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Values a learner can mistype, each of which once crashed podlab (exit 132, a trap from indexing an empty
/// split): now each is refused with podman's exit code and a message that names the value, and makes nothing.
struct MalformedValueTests {
    let directory = TemporaryDirectory("podlab-malformed")
    var podman: Podman { Podman(root: directory.file("storage")) }

    @Test(arguments: [
        (["create", "--mount", "=", "busybox", "true"], "unsupported --mount option \"=\""),
        (["create", "--mount", "type=volume,=x,destination=/d", "busybox", "true"], "unsupported --mount option \"=x\""),
        (["create", "--secret", "x,=", "busybox", "true"], "option = invalid"),
        (["volume", "create", "--label", "=", "made"], "--label \"=\" has no name before '='"),
        (["volume", "create", "--opt", "=tmpfs", "made"], "--opt \"=tmpfs\" has no name before '='"),
    ])
    func aMalformedValueIsRefused(arguments: [String], message: String) throws {
        let result = try podman.run(arguments)
        #expect(result.status == 125 && result.stderr.contains(message), "\(arguments): \(result)")
        #expect(try podman("ps", "-aq").stdout == "", "nothing was created: \(arguments)")
        #expect(try podman("volume", "exists", "made").status == 1, "no volume was made: \(arguments)")
    }

    @Test func aBuildArgWithoutANameIsRefused() throws {
        let context = directory.file("context")
        try FileSystem.createDirectory(context, mode: 0o755)
        try FileSystem.writeAtomically(Array("FROM docker.io/library/busybox\nARG x\n".utf8), to: "\(context)/Containerfile")
        let result = try podman("build", "--build-arg", "=x", "-t", "never-built", context)
        #expect(result.status == 125 && result.stderr.contains("--build-arg \"=x\" has no name before '='"), "\(result)")
        #expect(try podman("image", "exists", "never-built").status == 1)
        let empty = try podman("build", "-q", "--build-arg", "x=", "-t", "built", context)
        #expect(empty.status == 0, "NAME= is an empty value, as in podman: \(empty)")
    }

    @Test func anEmptyUserIsRootAsInRunc() throws {
        let empty = try podman("run", "--rm", "-u", ":", "busybox", "sh", "-c", "id -u; id -g")
        #expect(empty.status == 0 && empty.stdout == "0\n0\n", "\(empty)")
        let groupOnly = try podman("run", "--rm", "-u", ":1000", "busybox", "sh", "-c", "id -u; id -g")
        #expect(groupOnly.status == 0 && groupOnly.stdout == "0\n1000\n", "\(groupOnly)")
    }

    @Test func anImageWhoseUserIsOnlyAColonRunsAsRoot() throws {
        let context = directory.file("colon-user")
        try FileSystem.createDirectory(context, mode: 0o755)
        try FileSystem.writeAtomically(Array("FROM docker.io/library/busybox\nUSER :\n".utf8), to: "\(context)/Containerfile")
        let build = try podman("build", "-q", "-t", "colon-user", context)
        #expect(build.status == 0, "\(build)")
        let run = try podman("run", "--rm", "colon-user", "sh", "-c", "id -u; id -g")
        #expect(run.status == 0 && run.stdout == "0\n0\n", "\(run)")
    }

    @Test func aStopTimeoutPastPollsRangeStillStops() throws {
        // The shell ends on SIGTERM once its trap is set, which it says through a FIFO the test waits on (a PID 1
        // without a handler ignores SIGTERM), so the stop returns at once: 3,000,000 s once overflowed Int32.
        let sync = directory.file("sync")
        try FileSystem.createDirectory(sync, mode: 0o755)
        // Writable by the container's root, which is another uid on the host.
        #expect(mkfifo("\(sync)/ready", 0o600) == 0 && chmod("\(sync)/ready", 0o666) == 0)
        let started = try podman("run", "-d", "--name", "patient", "-v", "\(sync):/sync", "busybox", "sh", "-c",
                                 "trap 'exit 0' TERM; echo ready > /sync/ready; sleep 600 & wait")
        #expect(started.status == 0, "\(started)")
        // SIGKILL: the test process blocks SIGTERM, and its children inherit that mask.
        let ready = try TestProcess.run(["timeout", "-s", "KILL", "60", "cat", "\(sync)/ready"])
        #expect(ready.stdout == "ready\n", "\(ready)")
        let stop = try TestProcess.run(["timeout", "-s", "KILL", "60", BuildProducts.podlab, "podman", "stop", "-t", "3000000", "patient"],
                                       environment: podman.environment)
        #expect(stop.status == 0 && stop.stdout == "patient\n", "\(stop)")
        #expect(try podman("inspect", "--format", "{{.State.Status}}", "patient").stdout == "exited\n")
    }

    @Test func anEnvironmentVariableWithoutANameIsRefused() throws {
        let result = try podman("create", "-e", "=PATH", "busybox", "true")
        #expect(result.status == 125 && result.stderr.contains("invalid environment variable: \"=PATH\""), "\(result)")
        #expect(try podman("ps", "-aq").stdout == "")
    }

    @Test(arguments: [("ro=", true), ("readonly=yes", true), ("ro=false", false), ("readonly", false)])
    func aMountsReadOnlyValueIsTrueOrFalse(option: String, refused: Bool) throws {
        let result = try podman("run", "--rm", "--mount", "type=volume,source=data,destination=/d,\(option)", "busybox", "touch", "/d/x")
        if refused {
            #expect(result.status == 125 && result.stderr.contains("must be set to true or false"), "\(option): \(result)")
        } else {
            #expect(result.status == (option == "readonly" ? 1 : 0), "\(option): \(result)")
        }
    }

    @Test(arguments: ["ENV =production", "LABEL =x", "ARG =1", "ARG \"\""])
    func aContainerfileNameThatIsBlankIsRefused(line: String) throws {
        let context = directory.file("blank-name")
        try FileSystem.createDirectory(context, mode: 0o755)
        try FileSystem.writeAtomically(Array("FROM docker.io/library/busybox\n\(line)\n".utf8), to: "\(context)/Containerfile")
        let keyword = line.prefix { $0 != " " }
        let result = try podman("build", "-t", "never-built", context)
        #expect(result.status == 125 && result.stderr.contains("Containerfile:2): \(keyword) names can not be blank"), "\(line): \(result)")
        #expect(try podman("image", "exists", "never-built").status == 1)
        // Before the first FROM, an ARG is read apart from the stages.
        if keyword == "ARG" {
            try FileSystem.writeAtomically(Array("\(line)\nFROM docker.io/library/busybox\n".utf8), to: "\(context)/Containerfile")
            let global = try podman("build", "-t", "never-built", context)
            #expect(global.status == 125 && global.stderr.contains("ARG names can not be blank"), "\(line): \(global)")
        }
    }

    @Test func aSecretsBlankLabelIsRefusedBeforeItsValueIsRead() throws {
        // Standard input is a FIFO open for writing too, so a read would wait for ever: the refusal comes first.
        let fifo = directory.file("never-ending")
        #expect(mkfifo(fifo, 0o600) == 0)
        let result = try TestProcess.run(["timeout", "-s", "KILL", "60", "sh", "-c", "exec \"$0\" podman secret create --label = token - <> \"$1\"",
                                          BuildProducts.podlab, fifo], environment: podman.environment)
        #expect(result.status == 125 && result.stderr.contains("--label \"=\" has no name before '='"), "\(result)")
        #expect(try podman("secret", "ls", "-q").stdout == "")
    }

    @Test func aBindMountWithAnEmptySourceIsRefusedByName() throws {
        let result = try podman("create", "--mount", "type=bind,src=,dst=/d", "busybox", "true")
        #expect(result.status == 125 && result.stderr.contains("must set --mount source for a bind mount"), "\(result)")
        #expect(try podman("ps", "-aq").stdout == "")
    }
}
