import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// `run`/`create --label` and `--label-file`: kept over the image's labels, shown by `inspect` and `ps`, and matched
/// by `ps --filter label=`. Every expectation was measured with podman 4.3.1 on these machines, with the same
/// commands on the busybox fixture (whose config carries five labels of its own).
struct ContainerLabelTests {
    let directory = TemporaryDirectory("podlab-labels")
    var podman: Podman { Podman(root: directory.file("storage")) }
    let busybox = "docker.io/library/busybox:latest"

    /// The container's labels from `inspect`, without the fixture's own (`io.podlab.…`, `org.opencontainers.…`).
    func ownLabels(_ name: String) throws -> [String: String] {
        let result = try podman("inspect", name, "--format", "{{json .Config.Labels}}")
        let labels = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String]
        return (labels ?? [:]).filter { !$0.key.hasPrefix("io.podlab.") && !$0.key.hasPrefix("org.opencontainers.") }
    }

    func names(_ arguments: String...) throws -> [String] {
        let result = try podman.run(["ps", "-a", "--format", "{{.Names}}"] + arguments)
        #expect(result.status == 0, "\(arguments): \(result)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test func labelsAreKeptOverTheImagesAndFiltered() throws {
        let file = directory.file("labels")
        try FileSystem.writeNew(Array("# a comment\n\nf=1\n  g=2 \nh\nf=3\r\n   # indented comment\n".utf8), to: file)
        #expect(try podman("create", "--name", "l1", "--label", "a=1", "-l", "b", "-l", "c=x=y", busybox, "true").status == 0)
        #expect(try podman("create", "--name", "l2", "--label-file", file, "-l", "a=2", busybox, "true").status == 0)
        #expect(try podman("create", "--name", "l3", "-l", "org.opencontainers.image.vendor=me", busybox, "true").status == 0)
        // A short flag's value joined to it, as podman's flag library reads it (one with '=' is refused below);
        // `PREFIX*` in a file copies podlab's environment variables that begin with PREFIX.
        let globFile = directory.file("glob")
        try FileSystem.writeNew(Array("PODLAB_LABEL_TEST_*\n".utf8), to: globFile)
        var withVariables = podman
        withVariables.extraEnvironment = ["PODLAB_LABEL_TEST_ONE": "1", "PODLAB_LABEL_TEST_TWO": "two words"]
        #expect(try withVariables("create", "--name", "l4", "-lab", "-l", "x=y", "--label-file", globFile, busybox, "true").status == 0)
        defer { _ = try? podman("rm", "-a", "-f") }

        #expect(try ownLabels("l1") == ["a": "1", "b": "", "c": "x=y"])
        // Leading white space goes, trailing stays; a line without '=' adds nothing; a later line wins; -l last.
        #expect(try ownLabels("l2") == ["a": "2", "f": "3", "g": "2 "])
        #expect(try ownLabels("l4") == ["ab": "", "x": "y", "PODLAB_LABEL_TEST_ONE": "1", "PODLAB_LABEL_TEST_TWO": "two words"])
        let vendor = try podman("inspect", "l3", "--format", "{{index .Config.Labels \"org.opencontainers.image.vendor\"}}")
        #expect(vendor.stdout == "me\n", "a label given replaces the image's")
        let pairs = try podman("inspect", "l1", "--format", "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}{{\"\\n\"}}{{end}}")
        #expect(pairs.status == 0 && pairs.stdout.hasPrefix("a=1\nb=\nc=x=y\nio.podlab.fixture."), "\(pairs)")
        let stands = try podman("inspect", "l1", "--format", "{{index .Config.Labels \"io.podlab.fixture.stands-in-for\"}}")
        #expect(stands.stdout == "docker.io/library/busybox:latest\n", "the image's labels are the container's too")

        // One label filter, then two: label filters narrow (podman's one exception to "one key widens").
        #expect(try names("--filter", "label=a") == ["l1", "l2"])
        #expect(try names("--filter", "label=a=1") == ["l1"])
        #expect(try names("--filter", "label=b") == ["l1"])
        #expect(try names("--filter", "label=b=") == ["l1"], "an empty value matches any value")
        #expect(try names("--filter", "label=c=x=y") == ["l1"])
        #expect(try names("--filter", "label=zz") == [])
        #expect(try names("--filter", "label=") == [])
        #expect(try names("--filter", "label=org.opencontainers.image.vendor=me") == ["l3"])
        #expect(try names("--filter", "label=io.podlab.fixture.stands-in-for") == ["l1", "l2", "l3", "l4"])
        #expect(try names("--filter", "label=a", "--filter", "label=b") == ["l1"])
        #expect(try names("--filter", "label=a", "--filter", "label=f") == ["l2"])

        // `{{.Labels}}` prints Go's map, keys in order; JSON has the map between ImageID and Names.
        let listed = try podman("ps", "-a", "--filter", "name=l1", "--format", "{{.Labels}}")
        #expect(listed.stdout.hasPrefix("map[a:1 b: c:x=y io.podlab.fixture."), "\(listed)")
        let json = try podman("ps", "-a", "--filter", "name=l1", "--format", "json")
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect((rows?.first?["Labels"] as? [String: String])?["c"] == "x=y", "\(json)")
        let between = json.stdout.range(of: "\"ImageID\"").flatMap { start in
            json.stdout[start.upperBound...].range(of: "\"Names\"").map { json.stdout[start.upperBound..<$0.lowerBound] }
        }
        #expect(between?.contains("\"Labels\"") == true, "Labels between ImageID and Names: \(json.stdout)")
    }

    @Test func aContainerWithNoLabelsShowsGosNilMap() throws {
        // An image built from scratch has no labels at all.
        let context = directory.file("context")
        try FileSystem.createDirectory(context)
        try FileSystem.writeNew(Array("hello\n".utf8), to: context + "/hello.txt")
        try FileSystem.writeNew(Array("FROM scratch\nCOPY hello.txt /\n".utf8), to: context + "/Containerfile")
        let built = try podman("build", "-q", "-t", "localhost/no-labels", context)
        try #require(built.status == 0, "\(built)")
        #expect(try podman("create", "--name", "bare", "--entrypoint", "/hello.txt", "localhost/no-labels").status == 0)
        defer { _ = try? podman("rm", "-a", "-f") }
        #expect(try podman("inspect", "bare", "--format", "{{json .Config.Labels}}|{{.Config.Labels}}").stdout == "null|map[]\n")
        #expect(try podman("ps", "-a", "--format", "{{.Names}}:{{.Labels}}").stdout == "bare:map[]\n")
        #expect(try podman("ps", "-a", "--format", "json").stdout.contains("\"Labels\": null,"))
        #expect(try names("--filter", "label=a") == [])
    }

    @Test func aBadLabelIsRefusedAndNothingIsMade() throws {
        let spaced = directory.file("spaced")
        try FileSystem.writeNew(Array("ok=1\ng =2\n".utf8), to: spaced)
        let bare = directory.file("bare-spaced")
        try FileSystem.writeNew(Array("h \n".utf8), to: bare)
        let empty = directory.file("empty-name")
        try FileSystem.writeNew(Array("=x\n".utf8), to: empty)
        let cases: [([String], String)] = [
            (["-l", "=x"], "Error: --label \"=x\" has no name before '='"),
            (["-l", ""], "Error: --label \"\" has no name before '='"),
            // ArgumentParser reads a joined value only without '='; said so, with the way to write it.
            (["-la=b"], "Error: podlab cannot read a value with '=' joined to -l (-la=b) yet: write it as its own word, -l a=b"),
            (["--label-file", spaced], "Error: --label-file \(spaced), line 2: \"g \" is not a name: it is empty or has white space in it"),
            (["--label-file", bare], "Error: --label-file \(bare), line 1: \"h \" is not a name: it is empty or has white space in it"),
            (["--label-file", empty], "Error: --label-file \(empty), line 1: \"\" is not a name: it is empty or has white space in it"),
            (["--label-file", directory.file("missing")], "Error: read \(directory.file("missing")): no such file or directory"),
        ]
        for (flags, message) in cases {
            let result = try podman.run(["create"] + flags + [busybox, "true"])
            #expect(result.status == 125 && result.stdout.isEmpty && result.stderr.hasPrefix(message + "\n"), "\(flags): \(result)")
        }
        #expect(try podman("ps", "-a", "-q").stdout.isEmpty, "no container was made")
    }
}
