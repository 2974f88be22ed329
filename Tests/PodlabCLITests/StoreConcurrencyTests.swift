import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Several podlab processes at once, and a kill -9 in the middle of a write: the store stays consistent.
@Suite(.serialized) struct StoreConcurrencyTests {
    @Test func twoProcessesTaggingAndRemovingInParallel() throws {
        let directory = TemporaryDirectory("podlab-race")
        let podman = Podman(root: directory.file("storage"))
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let script = """
            set -e
            for i in $(seq 1 200); do
              "$PODLAB" podman tag busybox "localhost/$1:$i"
              if [ "$i" -gt 1 ]; then "$PODLAB" podman rmi "localhost/$1:$((i - 1))" >/dev/null; fi
            done
            """
        var environment = podman.environment
        environment["PODLAB"] = BuildProducts.podlab
        let workers = ["first", "second"].map { name in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script, "sh", name]
            process.environment = environment
            return process
        }
        for worker in workers { try worker.run() }
        for worker in workers {
            worker.waitUntilExit()
            #expect(worker.terminationStatus == 0)
        }
        let list = try podman("images", "--format", "{{.Repository}}:{{.Tag}}")
        #expect(Set(list.stdout.split(separator: "\n").map(String.init))
                == ["docker.io/library/busybox:latest", "localhost/first:200", "localhost/second:200"])
        let leftovers = FileSystem.list(directory.file("storage")).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    /// Starts `podman load`, kills it with SIGKILL once `marker` appears in the store's temporary area.
    func killLoad(_ podman: Podman, archive: String, storage: String, marker: String) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuildProducts.podlab)
        process.arguments = ["podman", "load", "-q", "-i", archive]
        process.environment = podman.environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var killed = false
        for _ in 0..<3000 where process.isRunning {
            if FileSystem.list("\(storage)/tmp").contains(where: { $0.hasPrefix(marker) }) {
                kill(process.processIdentifier, SIGKILL)
                killed = true
                break
            }
            usleep(1000)
        }
        process.waitUntilExit()
        return killed
    }

    @Test func loadKilledMidWayListsNothingAndTheNextCommandWorks() throws {
        let directory = TemporaryDirectory("podlab-kill")
        let source = Podman(root: directory.file("source"))
        #expect(try source("pull", "-q", "docker.io/donaldsebleung/linuxdeepin-apricot:v20.8-compatible").status == 0)
        let archive = directory.file("deepin.tar")
        #expect(try source("save", "-q", "-o", archive, "docker.io/donaldsebleung/linuxdeepin-apricot:v20.8-compatible").status == 0)

        let storage = directory.file("target")
        let podman = Podman(root: storage)
        for marker in ["load-", "layer-"] {
            let killed = try killLoad(podman, archive: archive, storage: storage, marker: marker)
            #expect(killed, "the load finished before it could be killed while writing \(marker)")
            let images = try podman("images", "-q")
            #expect(images.status == 0)
            #expect(images.stdout == "", "a killed load must not list an image")
        }
        let load = try podman("load", "-i", archive)
        #expect(load.status == 0, "\(load)")
        #expect(try podman("images", "--format", "{{.Repository}}").stdout == "docker.io/donaldsebleung/linuxdeepin-apricot\n")
        // The successful load collected what the killed ones left behind.
        #expect(FileSystem.list("\(storage)/tmp").isEmpty)
        #expect(FileSystem.list("\(storage)/layers").count == 1)
    }
}
