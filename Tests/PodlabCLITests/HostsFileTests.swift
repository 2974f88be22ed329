import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// Every container gets an /etc/hosts as podman writes one: localhost, and its own hostname and name on the
/// loopback, so programs that look their host up (mariadb-install-db, Java, mail servers) find it.
@Suite struct HostsFileTests {
    let directory = TemporaryDirectory("podlab-hosts")
    var podman: Podman { Podman(root: directory.file("storage")) }

    @Test func aContainerFindsLocalhostAndItsOwnName() throws {
        let run = try podman("run", "--name", "web1", "busybox", "sh", "-c", "cat /etc/hosts; ping -c 1 -W 1 web1 2>/dev/null | head -1")
        // busybox ping resolves the name and prints its first line before it opens its socket, which an
        // unprivileged ping may be refused (status 1 then); the name resolving is what is checked.
        #expect([0, 1].contains(run.status), "\(run)")
        let id = try podman("inspect", "--format", "{{.Id}}", "web1").stdout.prefix(12)
        let expected = "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
            + "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n"
            + "127.0.0.1\t\(id) web1\n"
        #expect(run.stdout == expected + "PING web1 (127.0.0.1): 56 data bytes\n", "\(run)")
    }

    @Test func aScratchImageWithoutEtcStillRuns() throws {
        let run = try podman("run", "--rm", "hello-world")
        #expect(run.status == 0 && run.stdout.contains("Hello from podlab!"), "the file is bound over a path the image lacks: \(run)")
    }

    @Test func aBoundFileTakesItsPlace() throws {
        let file = directory.file("my-hosts")
        try "10.0.0.9\tmine\n".write(toFile: file, atomically: true, encoding: .utf8)
        let run = try podman("run", "--rm", "-v", "\(file):/etc/hosts:ro", "busybox", "sh", "-c",
                             "cat /etc/hosts; ping -c 1 -W 1 web1 2>&1 | head -1")
        #expect(run.stdout == "10.0.0.9\tmine\nping: bad address 'web1'\n", "control: without the entry the name is unknown: \(run)")
    }

    @Test func podMembersShareThePodsFile() throws {
        #expect(try podman("pod", "create", "--name", "shop").status == 0)
        defer { _ = try? podman("pod", "rm", "-f", "shop") }
        let run = try podman("run", "--rm", "--pod", "shop", "--name", "db", "busybox", "cat", "/etc/hosts")
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("\tshop db\n"), "\(run)")
        #expect(!run.stdout.contains("localhost4"), "the pod's file, not a container's own: \(run)")
    }
}
