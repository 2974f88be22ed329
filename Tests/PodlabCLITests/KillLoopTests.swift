import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A kill -9 at a random moment of each command that writes the store (pull, load, build, push, rm, rmi,
/// volume rm, pod rm): afterwards the store check passes and the next command does what it should. Each case
/// kills 13 times (104 in all) at moments drawn from a fixed seed, printed with every failure; set
/// PODLAB_KILL_SEED to replay another. The moment is a delay after the start, drawn within the time the command
/// took when left alone (warm, the second time), so most kills land while it runs; each case reports how many did.
@Suite(.serialized) struct KillLoopTests {
    static let killsPerCase = 13
    static let seed: UInt64 = ProcessInfo.processInfo.environment["PODLAB_KILL_SEED"].flatMap { UInt64($0) } ?? 20_261_202

    let directory = TemporaryDirectory("podlab-kills")

    /// One command under test: how to bring the store to the state it expects, and what must work after it died.
    struct Case {
        var name: String
        var podman: Podman
        var prepare: (Int) throws -> Void
        var command: (Int) -> [String]
        var recover: (Int) throws -> Void
    }

    /// The store check and the listings that read every record must hold after any kill.
    func expectSound(_ podman: Podman, _ context: String) throws {
        let check = try TestProcess.run([BuildProducts.podlab, "store", "check"], environment: podman.environment)
        #expect(check.status == 0, "\(context): store check\n\(check)")
        for listing in [["ps", "-a"], ["images"], ["volume", "ls"], ["pod", "ps"]] {
            let answer = try podman.run(listing)
            #expect(answer.status == 0, "\(context): podman \(listing.joined(separator: " "))\n\(answer)")
        }
    }

    /// Runs the case once to completion (it must work, and gives the window), then kills it `killsPerCase` times.
    func exercise(_ testCase: Case) throws {
        var generator = SeededGenerator(seed: Self.seed ^ UInt64(truncatingIfNeeded: testCase.name.fnv1a))
        // Run alone twice (it must work both times); the second, warm, run gives the window.
        var window = Duration.zero
        for _ in 0..<2 {
            try testCase.prepare(0)
            let started = ContinuousClock.now
            let control = try testCase.podman.run(testCase.command(0))
            window = ContinuousClock.now - started
            #expect(control.status == 0, "\(testCase.name) left alone\n\(control)")
            try testCase.recover(0)
        }
        let (seconds, attoseconds) = window.components
        let microseconds = max(1000, Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000))

        var landed = 0
        for round in 1...Self.killsPerCase {
            let delay = UInt32(Int.random(in: 0..<microseconds, using: &generator))
            let context = "\(testCase.name), kill \(round) at \(delay) µs (PODLAB_KILL_SEED=\(Self.seed))"
            try testCase.prepare(round)
            if try killed(testCase.podman, testCase.command(round), after: delay) { landed += 1 }
            try expectSound(testCase.podman, context)
            try testCase.recover(round)
            try expectSound(testCase.podman, context + ", after the next command")
        }
        print("\(testCase.name): \(landed) of \(Self.killsPerCase) kills landed while it ran (window \(microseconds) µs, seed \(Self.seed))")
        #expect(landed > 0, "\(testCase.name): every kill came after the command had finished (window \(microseconds) µs)")
    }

    /// Starts `podman ARGUMENTS`, and SIGKILLs it `delay` µs later; true when it was still running then. The child
    /// is not reaped before the kill, so its PID cannot have been reused by another process.
    func killed(_ podman: Podman, _ arguments: [String], after delay: UInt32) throws -> Bool {
        var options = ChildProcess.Options()
        options.stdin = .null
        options.stdout = .null
        options.stderr = .null
        let child = try ChildProcess.spawn([BuildProducts.podlab, "podman"] + arguments,
                                           environment: podman.environment.map { "\($0.key)=\($0.value)" }, options: options)
        // Not a synchronisation: the delay is the random moment under test.
        usleep(delay)
        kill(child.pid, SIGKILL)
        return child.wait() == 128 + SIGKILL
    }

    /// Runs `podman ARGUMENTS`, which must succeed.
    func succeed(_ podman: Podman, _ arguments: String...) throws {
        let answer = try podman.run(arguments)
        #expect(answer.status == 0, "podman \(arguments.joined(separator: " "))\n\(answer)")
    }

    /// Runs `podman ARGUMENTS`, which must print `expected`.
    func expectOutput(_ podman: Podman, _ expected: String, _ arguments: String...) throws {
        let answer = try podman.run(arguments)
        #expect(answer.stdout == expected, "podman \(arguments.joined(separator: " "))\n\(answer)")
    }

    func store(_ name: String, withBusybox: Bool = true) throws -> Podman {
        let podman = Podman(root: directory.file(name))
        if withBusybox { #expect(try podman("pull", "-q", "busybox").status == 0) }
        return podman
    }

    @Test func pullLoadAndBuild() throws {
        let server = try Registries.podlab(in: directory.path)
        let source = try store("source")
        let reference = "127.0.0.1:\(server.port)/kills/box:1"
        try succeed(source, "push", "--tls-verify=false", "busybox", reference)
        let archive = directory.file("busybox.tar")
        try succeed(source, "save", "-o", archive, "busybox")

        let pulling = try store("pull", withBusybox: false)
        try exercise(Case(name: "pull", podman: pulling,
                          prepare: { _ in try succeed(pulling, "rmi", "-i", "-f", reference) },
                          command: { _ in ["pull", "-q", "--tls-verify=false", reference] },
                          recover: { _ in
                              try succeed(pulling, "pull", "-q", "--tls-verify=false", reference)
                              try succeed(pulling, "run", "--rm", reference, "true")
                          }))

        let loading = try store("load", withBusybox: false)
        try exercise(Case(name: "load", podman: loading,
                          prepare: { _ in try succeed(loading, "rmi", "-i", "-f", "busybox") },
                          command: { _ in ["load", "-q", "-i", archive] },
                          recover: { _ in
                              try succeed(loading, "load", "-q", "-i", archive)
                              try succeed(loading, "run", "--rm", "busybox", "true")
                          }))

        let context = directory.file("context")
        try FileSystem.createDirectory(context)
        try "FROM busybox\nRUN echo built > /built\nCOPY file /file\n".write(toFile: context + "/Containerfile", atomically: true, encoding: .utf8)
        try "copied\n".write(toFile: context + "/file", atomically: true, encoding: .utf8)
        let building = try store("build")
        let built = "localhost/killed:build"
        try exercise(Case(name: "build", podman: building,
                          prepare: { _ in try succeed(building, "rmi", "-i", "-f", built) },
                          command: { _ in ["build", "-q", "-t", built, context] },
                          recover: { _ in
                              let build = try building("build", "-q", "-t", built, context)
                              #expect(build.status == 0, "\(build)")
                              try expectOutput(building, "built\ncopied\n", "run", "--rm", built, "cat", "/built", "/file")
                          }))
    }

    @Test func pushAndRemoveImages() throws {
        let server = try Registries.podlab(in: directory.path)
        let pushing = try store("push")
        try exercise(Case(name: "push", podman: pushing,
                          prepare: { _ in },
                          command: { round in ["push", "--tls-verify=false", "busybox", "127.0.0.1:\(server.port)/push\(round)/box:1"] },
                          recover: { round in
                              let push = try pushing("push", "--tls-verify=false", "busybox", "127.0.0.1:\(server.port)/push\(round)/box:1")
                              #expect(push.status == 0, "\(push)")
                          }))
        let reader = try store("reader", withBusybox: false)
        let last = "127.0.0.1:\(server.port)/push\(Self.killsPerCase)/box:1"
        try succeed(reader, "pull", "-q", "--tls-verify=false", last)
        try expectOutput(reader, "whole\n", "run", "--rm", last, "echo", "whole")

        let removing = try store("rmi")
        try exercise(Case(name: "rmi", podman: removing,
                          prepare: { _ in try succeed(removing, "pull", "-q", "hello-world") },
                          command: { _ in ["rmi", "hello-world"] },
                          recover: { _ in
                              try succeed(removing, "rmi", "-i", "hello-world")
                              try expectOutput(removing, "docker.io/library/busybox\n", "images", "--format", "{{.Repository}}")
                          }))
    }

    @Test func removeContainersVolumesAndPods() throws {
        let containers = try store("rm")
        try exercise(Case(name: "rm", podman: containers,
                          prepare: { _ in try succeed(containers, "run", "-d", "--name", "victim", "busybox", "sleep", "600") },
                          command: { _ in ["rm", "-f", "-t", "0", "victim"] },
                          recover: { _ in
                              try succeed(containers, "rm", "-f", "-i", "-t", "0", "victim")
                              try expectOutput(containers, "", "ps", "-a", "-q")
                          }))

        let volumes = try store("volume")
        try exercise(Case(name: "volume rm", podman: volumes,
                          prepare: { _ in
                              try succeed(volumes, "volume", "create", "data")
                              let fill = try volumes("run", "--rm", "-v", "data:/data", "busybox", "sh", "-c",
                                                     "for i in $(seq 1 200); do mkdir -p /data/$i; seq 1 $i > /data/$i/f; done")
                              #expect(fill.status == 0, "\(fill)")
                          },
                          command: { _ in ["volume", "rm", "data"] },
                          recover: { _ in
                              if try volumes("volume", "exists", "data").status == 0 {
                                  try succeed(volumes, "volume", "rm", "data")
                              }
                              try expectOutput(volumes, "", "volume", "ls", "-q")
                          }))

        let pods = try store("pod")
        try exercise(Case(name: "pod rm", podman: pods,
                          prepare: { _ in
                              try succeed(pods, "pod", "create", "--name", "p")
                              try succeed(pods, "run", "-d", "--pod", "p", "--name", "member", "busybox", "sleep", "600")
                          },
                          command: { _ in ["pod", "rm", "-f", "-t", "0", "p"] },
                          recover: { _ in
                              let again = try pods("pod", "rm", "-f", "-i", "-t", "0", "p")
                              #expect(again.status == 0, "\(again)")
                              try expectOutput(pods, "", "pod", "ps", "-q")
                              try expectOutput(pods, "", "ps", "-a", "-q")
                          }))
    }
}
