import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// `podman ps --filter` and `ps`'s order, with real containers. Every expectation was measured with podman 4.3.1 on
/// these machines on the same five containers (a pod `fp` with `fa` running, `fb` exited 0, `fc` exited 1, `fd`
/// created): oldest first; values of one key widen, keys narrow; only `status` looks past `-a`.
struct PsFilterTests {
    let directory = TemporaryDirectory("podlab-ps-filter")
    var podman: Podman { Podman(root: directory.file("storage")) }

    func names(_ arguments: String...) throws -> [String] {
        let result = try podman.run(["ps", "--format", "{{.Names}}"] + arguments)
        #expect(result.status == 0, "\(arguments): \(result)")
        return result.stdout.split(separator: "\n").map(String.init).filter { !$0.hasSuffix("-infra") }
    }

    @Test func filtersAnswerAsPodmansDo() throws {
        #expect(try podman("pod", "create", "--name", "fp").status == 0)
        defer { _ = try? podman("pod", "rm", "-a", "-f") }
        #expect(try podman("run", "-d", "--pod", "fp", "--name", "fa", "busybox", "sleep", "300").status == 0)
        #expect(try podman("run", "--name", "fb", "busybox", "true").status == 0)
        #expect(try podman("run", "--name", "fc", "busybox", "false").status == 1)
        #expect(try podman("create", "--name", "fd", "-v", "fv:/data", "busybox", "true").status == 0)
        defer { _ = try? podman("rm", "-a", "-f") }

        #expect(try names("-a") == ["fa", "fb", "fc", "fd"], "podman 4.3.1 lists the oldest first")
        #expect(try names("--filter", "status=exited") == ["fb", "fc"], "a status filter looks past -a")
        #expect(try names("--filter", "status=stopped", "-a") == ["fb", "fc"])
        #expect(try names("--filter", "status=created") == ["fd"])
        #expect(try names("--filter", "status=running", "--filter", "status=exited") == ["fa", "fb", "fc"], "one key widens")
        #expect(try names("-a", "--filter", "name=fa", "--filter", "status=exited") == [], "two keys narrow")
        #expect(try names("--filter", "exited=1") == [], "exited alone does not look past -a")
        #expect(try names("-a", "--filter", "exited=1") == ["fc"])
        #expect(try names("-a", "--filter", "name=^f[bc]$") == ["fb", "fc"], "names are regular expressions")
        #expect(try names("--filter", "pod=fp") == ["fa"])
        #expect(try names("-a", "--filter", "pod=nope") == [])
        #expect(try names("-a", "--filter", "ancestor=docker.io/library/busybox:latest") == ["fa", "fb", "fc", "fd"])
        #expect(try names("-a", "--filter", "volume=fv") == ["fd"])
        #expect(try names("-a", "--filter", "volume=/data") == ["fd"])
        #expect(try names("-a", "--filter", "before=fc") == ["fa", "fb"])
        #expect(try names("-a", "--filter", "since=fb") == ["fc", "fd"])
        // Anchored: the filter is a regular expression, and the infra container's name (the pod id's hex) may hold "fb".
        let listed = try podman("ps", "-a", "-q", "--filter", "name=^fb$")
        let fb = listed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(listed.status == 0 && fb.count == 12, "\(listed)")
        #expect(try names("-a", "--filter", "id=\(fb.prefix(5))") == ["fb"], "an ID prefix")
        #expect(try names("-a", "-f", "id=^\(fb.prefix(8))") == ["fb"], "or a regular expression")
        #expect(try names("-a", "--filter", "status=removing") == [], "a state podman knows and podlab never has")
    }

    @Test(arguments: [
        (["--filter", "foo=bar"], "Error: foo is an invalid filter"),
        (["--filter", "nonsense"], "Error: invalid filter \"nonsense\""),
        (["--filter", "status=bogus"], "Error: unknown container state: bogus: invalid argument"),
        (["--filter", "exited=x"], "Error: the exited filter takes an exit code (a number), got \"x\""),
        (["--filter", "before=nope"], "Error: no container with name or ID \"nope\" found: no such container"),
        (["--filter", "status=exited", "--filter", "since=nope"], "Error: no container with name or ID \"nope\" found: no such container"),
        (["--filter", "status=stopping"], "Error: unknown container state: stopping: invalid argument"),
        (["--filter", "health=healthy"], "Error: podlab does not implement the \"health\" filter of podman ps yet"),
        (["--filter", "label!=app"], "Error: label! is an invalid filter"),
        (["--filter", "name=f["], "Error: the name filter's value \"f[\" is not a regular expression"),
    ])
    func badFiltersAreRefused(arguments: [String], message: String) throws {
        #expect(try podman("create", "--name", "one", "busybox", "true").status == 0)
        defer { _ = try? podman("rm", "-a", "-f") }
        let result = try podman.run(["ps", "-a"] + arguments)
        #expect(result.status == 125 && result.stdout == "" && result.stderr.hasPrefix(message + "\n"), "\(result)")
    }
}
