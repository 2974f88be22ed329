import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Files an image ships that podlab itself reads (its /etc/passwd and /etc/group, for `--user` and `top`): a FIFO
/// there must not stall podman run, a huge file must not be read into memory, and nothing but a regular file
/// is read at all.
struct HostileImageFilesTests {
    let directory = TemporaryDirectory("podlab-hostile-files")
    var podman: Podman { Podman(root: directory.file("storage")) }

    @Test func readInsideReadsRegularFilesOnly() throws {
        let root = directory.file("rootfs")
        try FileSystem.createDirectory("\(root)/etc")
        try FileSystem.writeAtomically(Array("root:x:0:0:root:/root:/bin/sh\n".utf8), to: "\(root)/etc/passwd")
        #expect(FileSystem.readInside(root: root, relative: "etc/passwd").map { String(decoding: $0, as: UTF8.self) }
                == "root:x:0:0:root:/root:/bin/sh\n")
        // A FIFO with no writer: a blocking open waits for one. The read runs on its own thread; if it has not
        // returned within 30 s, the test fails and then opens the writer end, so that the read ends and the
        // suite goes on (the control: before O_NONBLOCK, this was that failure).
        #expect(mkfifo("\(root)/etc/group", 0o644) == 0)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var fromFifo: [UInt8]? = [0]
        Thread.detachNewThread {
            fromFifo = FileSystem.readInside(root: root, relative: "etc/group")
            done.signal()
        }
        if done.wait(timeout: .now() + 30) == .timedOut {
            Issue.record("reading a FIFO waited for a writer")
            let writer = open("\(root)/etc/group", O_WRONLY | O_CLOEXEC)
            if writer >= 0 { close(writer) }
            done.wait()
        }
        #expect(fromFifo == nil)
        // One byte over the limit is refused, and only limit + 1 bytes were needed to know it.
        try FileSystem.writeAtomically([UInt8](repeating: 0x41, count: 4097), to: "\(root)/etc/large")
        #expect(FileSystem.readInside(root: root, relative: "etc/large", limit: 4096) == nil)
        #expect(FileSystem.readInside(root: root, relative: "etc/large", limit: 4097)?.count == 4097)
        #expect(FileSystem.readInside(root: root, relative: "etc") == nil, "a directory is not a file")
        #expect(symlink("/etc/hostname", "\(root)/etc/hostname") == 0)
        #expect(FileSystem.readInside(root: root, relative: "etc/hostname") == nil, "a symlink is not followed")
    }

    /// `timeout` turns a stall into status 124, so a regression fails here instead of hanging the suite.
    func podmanWithin(_ seconds: Int, _ arguments: String...) throws -> ProcessResult {
        try TestProcess.run(["timeout", "-s", "KILL", String(seconds), BuildProducts.podlab, "podman"] + arguments,
                            environment: podman.environment)
    }

    @Test func anImageWhosePasswdIsAFifoRunsAndSaysWhatItCannotResolve() throws {
        let context = directory.file("context")
        try FileSystem.createDirectory(context)
        try FileSystem.writeAtomically(Array("""
            FROM docker.io/library/busybox
            RUN rm /etc/passwd /etc/group && mkfifo /etc/passwd /etc/group
            """.utf8), to: "\(context)/Containerfile")
        let build = try TestProcess.run([BuildProducts.podlab, "podman", "build", "-t", "fifo-passwd", context],
                                        environment: podman.environment)
        #expect(build.status == 0, "\(build)")

        // The commands inside read their ids from /proc: busybox's `id` would itself wait on the FIFO, which is
        // the image's own business; podlab's is not to.
        let asRoot = try podmanWithin(60, "run", "--rm", "fifo-passwd", "sh", "-c", "test -p /etc/passwd && grep Uid /proc/self/status")
        #expect(asRoot.status == 0 && asRoot.stdout == "Uid:\t0\t0\t0\t0\n", "\(asRoot)")
        let numeric = try podmanWithin(60, "run", "--rm", "--user", "1000:1000", "fifo-passwd", "grep", "Uid", "/proc/self/status")
        #expect(numeric.status == 0 && numeric.stdout == "Uid:\t1000\t1000\t1000\t1000\n", "\(numeric)")
        let named = try podmanWithin(60, "run", "--rm", "--user", "nobody", "fifo-passwd", "true")
        #expect(named.status == 125 && named.stderr.hasPrefix(
            "Error: unable to find user nobody: no matching entries in passwd file\n"), "\(named)")

        #expect(try podmanWithin(60, "run", "-d", "--name", "fifo", "fifo-passwd", "sleep", "600").status == 0)
        defer { _ = try? podman("rm", "-f", "-t", "0", "fifo") }
        let top = try podmanWithin(60, "top", "fifo", "pid", "user", "group", "comm")
        #expect(top.status == 0, "\(top)")
        #expect(top.stdout.split(separator: "\n").dropFirst().first.map { $0.split(separator: " ") } == ["1", "0", "0", "sleep"],
                "with no names to read, top shows the ids: \(top.stdout)")
    }
}
