import Foundation
@testable import PodlabRuntime
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A build's RUN step runs in a container, as buildah's do under podman: `ps -a` does not list it (`ps --external`
/// does), and `container prune` and `rm -a` leave it while its build runs, since the step's layer is read from the
/// container's files after the command has exited; a prune in between took that layer before. One that a killed
/// build left behind is theirs to clear.
struct BuildStepContainerTests {
    let directory = TemporaryDirectory("podlab-build-step")
    var podman: Podman { Podman(root: directory.file("storage")) }

    /// A created container made a build step of the build `owner` names.
    func markBuildStep(_ name: String, owner: BuildStepOwner) throws {
        let store = try ContainerStore(storage: directory.file("storage"))
        let id = try store.find(name).id
        try store.mutate { records in
            for index in records.indices where records[index].id == id { records[index].settings.buildStep = owner }
        }
    }

    func names(_ arguments: String...) throws -> String {
        try podman.run(["ps", "-a", "--format", "{{.Names}}"] + arguments).stdout
    }

    @Test func aRunningBuildsStepIsHiddenAndKeptUntilTheBuildIsGone() throws {
        let podman = self.podman
        #expect(try podman("create", "--name", "plain", "docker.io/library/busybox:latest", "true").status == 0)
        let step = try podman("create", "--name", "step", "docker.io/library/busybox:latest", "true").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // This test's process stands for the build: alive, with its own start time.
        let ownStart = try #require(ProcessInfoReader.startTime(of: getpid()))
        try markBuildStep("step", owner: BuildStepOwner(pid: getpid(), startTime: ownStart))

        #expect(try names() == "plain\n")
        #expect(try names("--external") == "plain\nstep\n")
        // Without -a too, as podman's external containers: the created step is listed, the created "plain" is not.
        #expect(try podman("ps", "--external", "--format", "{{.Names}}").stdout == "step\n")
        let pruned = try podman("container", "prune", "-f")
        #expect(pruned.status == 0 && !pruned.stdout.contains(step), "\(pruned)")
        let removed = try podman("rm", "-a")
        #expect(removed.status == 0 && removed.stdout.isEmpty, "\(removed)")
        #expect(try names("--external") == "step\n", "the running build's container is still there")
        #expect(FileManager.default.fileExists(atPath: directory.file("storage/containers/\(step)/spec.json")))

        // The control: the same pid with another start time is a build that has ended (killed), its pid given to
        // another process; its container is a leftover, which the prune clears.
        try markBuildStep("step", owner: BuildStepOwner(pid: getpid(), startTime: ownStart + 1))
        #expect(try names() == "", "a leftover is still not podman's to list")
        let cleared = try podman("container", "prune", "-f")
        #expect(cleared.status == 0 && cleared.stdout == "\(step)\n", "\(cleared)")
        #expect(try names("--external") == "")
    }

    /// A real build's RUN container is its build's while the build runs: `ps -a` does not list it, `ps --external`
    /// does, and its record names a live build. The step waits (as PID 1 with a TERM trap) until the test has looked and
    /// sends it TERM; the build then goes on and its image holds what the trap wrote.
    @Test func aRealBuildsRunContainerIsItsBuilds() throws {
        let podman = self.podman
        let context = directory.file("context")
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try """
            FROM docker.io/library/busybox:latest
            RUN trap 'echo ended > /ended; exit 0' TERM; touch /waiting; while true; do sleep 1 & wait $!; done
            """.write(toFile: "\(context)/Containerfile", atomically: true, encoding: .utf8)
        let build = BackgroundCommand(podman, "build", "-q", "-t", "stepped", context)
        // The step's container, once its trap is set (it made /waiting after): found through its upper directory.
        var step: (name: String, id: String)?
        for _ in 0..<12_000 where step == nil {
            let running = try podman("ps", "--external", "--no-trunc", "--format", "{{.Names}} {{.ID}}").stdout
            if let line = running.split(separator: "\n").first(where: { $0.hasPrefix("podlab-build-") }) {
                let fields = line.split(separator: " ").map(String.init)
                if fields.count == 2, FileManager.default.fileExists(atPath: directory.file("storage/containers/\(fields[1])/upper/waiting")) {
                    step = (fields[0], fields[1])
                }
            }
            if step == nil { usleep(10_000) }
        }
        if step == nil { Issue.record("the build's RUN container never ran: \(try build.result())") }
        let found = try #require(step)
        #expect(try names() == "", "ps -a does not list it")
        #expect(try names("--external") == "\(found.name)\n")
        let store = try ContainerStore(storage: directory.file("storage"))
        #expect(try store.find(found.id).isInRunningBuild, "its record names the build, which runs")
        #expect(try podman("kill", "--signal", "TERM", found.name).status == 0)
        let built = try build.result()
        #expect(built.status == 0, "\(built)")
        #expect(try podman("run", "--rm", "stepped", "cat", "/ended").stdout == "ended\n")
        #expect(try names("--external") == "", "the build removed its container")
    }

    /// A killed build's container still holds its image (`rmi` names it and says how to list it), and `rm -a` clears
    /// it.
    @Test func rmAllClearsAKilledBuildsStep() throws {
        let podman = self.podman
        let left = try podman("create", "--name", "left", "docker.io/library/busybox:latest", "true").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let ownStart = try #require(ProcessInfoReader.startTime(of: getpid()))
        try markBuildStep("left", owner: BuildStepOwner(pid: getpid(), startTime: ownStart + 1))
        let refused = try podman("rmi", "docker.io/library/busybox:latest")
        #expect(refused.status == 2 && refused.stderr.contains("image used by \(left)")
                && refused.stderr.contains("'podman ps -a --external' lists every one"), "\(refused)")
        let removed = try podman("rm", "-a")
        #expect(removed.status == 0, "\(removed)")
        #expect(try names("--external") == "")
    }
}
