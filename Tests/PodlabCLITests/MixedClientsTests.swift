import Foundation
import PodlabCore
import PodlabTestSupport
import Synchronization
import Testing

/// Four clients at once, each doing 100 operations drawn from a fixed seed (run, create and rm, tag and rmi, pull
/// from a registry on 127.0.0.1, build), on one store: every operation succeeds, and afterwards the store check
/// passes, no container is left, busybox is still listed and the scratch area is empty. PODLAB_MIX_SEED replays
/// another seed.
struct MixedClientsTests {
    static let clients = 4
    static let operationsPerClient = 100
    static let seed: UInt64 = ProcessInfo.processInfo.environment["PODLAB_MIX_SEED"].flatMap { UInt64($0) } ?? 20_261_202

    enum Operation: CaseIterable {
        case run, createAndRemove, tagAndRemove, pull, build
    }

    /// A failed operation, with everything needed to replay it.
    struct Failure: CustomStringConvertible {
        var client: Int
        var step: Int
        var arguments: [String]
        var result: String
        var description: String {
            "client \(client), operation \(step) (PODLAB_MIX_SEED=\(MixedClientsTests.seed)): podman \(arguments.joined(separator: " "))\n\(result)"
        }
    }

    @Test func fourClientsMixingOperationsKeepTheStoreSound() throws {
        let directory = TemporaryDirectory("podlab-mix")
        let server = try Registries.podlab(in: directory.path)
        let podman = Podman(root: directory.file("storage"))
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let context = directory.file("context")
        try FileSystem.createDirectory(context)
        try "FROM busybox\nARG CLIENT\nRUN echo \"built by $CLIENT\" > /built\nCOPY file /file\n"
            .write(toFile: context + "/Containerfile", atomically: true, encoding: .utf8)
        try "copied\n".write(toFile: context + "/file", atomically: true, encoding: .utf8)
        for client in 0..<Self.clients {
            #expect(try podman("push", "--tls-verify=false", "busybox", "127.0.0.1:\(server.port)/client\(client)/box:1").status == 0)
        }

        let failures = Mutex<[Failure]>([])
        DispatchQueue.concurrentPerform(iterations: Self.clients) { client in
            var generator = SeededGenerator(seed: Self.seed &+ UInt64(client))
            var tagged = 0
            for step in 0..<Self.operationsPerClient {
                let operation = Operation.allCases.randomElement(using: &generator) ?? .run
                for arguments in Self.commands(for: operation, client: client, step: step, tagged: &tagged,
                                               registry: "127.0.0.1:\(server.port)", context: context) {
                    let result = try? podman.run(arguments)
                    if result?.status != 0 {
                        let answer = result.map { "\($0)" } ?? "podlab could not be started"
                        failures.withLock { $0.append(Failure(client: client, step: step, arguments: arguments, result: answer)) }
                        return
                    }
                }
            }
        }
        for failure in failures.withLock({ $0 }) { Issue.record("\(failure)") }

        let check = try TestProcess.run([BuildProducts.podlab, "store", "check"], environment: podman.environment)
        #expect(check.status == 0, "\(check)")
        #expect(try podman("ps", "-a", "-q").stdout == "", "every container was removed")
        let names = Set(try podman("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split(separator: "\n").map(String.init))
        #expect(names.contains("docker.io/library/busybox:latest"), "\(names)")
        let leftovers = FileSystem.list(directory.file("storage") + "/tmp")
        #expect(leftovers.isEmpty, "nothing left in the store's scratch area: \(leftovers)")
    }

    /// The podman command lines of one operation; names are the client's own, so every line must succeed.
    static func commands(for operation: Operation, client: Int, step: Int, tagged: inout Int, registry: String,
                         context: String) -> [[String]] {
        switch operation {
        case .run:
            return [["run", "--rm", "busybox", "sh", "-c", "echo \(client)-\(step)"]]
        case .createAndRemove:
            let name = "c\(client)-\(step)"
            return [["create", "--name", name, "busybox", "true"], ["rm", name]]
        case .tagAndRemove:
            tagged += 1
            let name = "localhost/client\(client):\(tagged)"
            return [["tag", "busybox", name], ["rmi", name]]
        case .pull:
            let reference = "\(registry)/client\(client)/box:1"
            return [["pull", "-q", "--tls-verify=false", reference], ["rmi", reference]]
        case .build:
            let tag = "localhost/built\(client):latest"
            return [["build", "-q", "--build-arg", "CLIENT=\(client)", "-t", tag, context], ["run", "--rm", tag, "cat", "/built"]]
        }
    }
}
