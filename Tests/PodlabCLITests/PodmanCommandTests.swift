import Foundation
import PodlabCore
@testable import PodlabCLI
import PodlabTestSupport
import Testing

/// The podman CLI as a learner meets it: a new podlab process per command, real store, podman's words and statuses.
@Suite struct PodmanCommandTests {
    let directory = TemporaryDirectory("podlab-cli")
    var podman: Podman { Podman(root: directory.file("storage")) }

    @Test func versionLineStartsLikePodmans() throws {
        let result = try podman("--version")
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("podman version 4.3.1 "))
        #expect(result.stdout.contains("podlab"))
        #expect(result.stdout == PodmanCommand.configuration.version + "\n", "the configured line alone")
        #expect(result.stderr.isEmpty)
    }

    /// `-h` after a command or a group without a `-h` of its own is its help, as `--help` gives it (it was an
    /// internal error text, status 125).
    @Test func shortHelpAfterACommandIsItsHelp() throws {
        let long = try podman("images", "--help")
        let short = try podman("images", "-h")
        #expect(short.status == 0)
        #expect(short.stderr.isEmpty)
        #expect(short.stdout == long.stdout)
        #expect(short.stdout.contains("USAGE: podman images"))
        let volume = try podman("volume", "ls", "-h")
        #expect(volume.status == 0)
        #expect(volume.stdout == (try podman("volume", "ls", "--help")).stdout)
        let group = try podman("volume", "-h")
        #expect(group.status == 0 && group.stderr.isEmpty, "\(group)")
        #expect(group.stdout == (try podman("volume", "--help")).stdout)
        #expect(group.stdout.contains("SUBCOMMANDS:"))
        let hostname = try podman("run", "-h")
        #expect(hostname.status == 125, "run's -h is --hostname, not help")
        #expect(hostname.stderr.hasPrefix("Error: flag needs an argument: 'h' in -h\n"), "podman's words: \(hostname)")
    }

    @Test func emptyStoreListsOnlyTheHeader() throws {
        let result = try podman("images")
        #expect(result.status == 0)
        #expect(result.stdout == "REPOSITORY  TAG         IMAGE ID    CREATED     SIZE\n")
    }

    @Test func pullThenImagesShowsTheTutorialImage() throws {
        let pull = try podman("pull", "docker.io/library/nginx:1.24")
        #expect(pull.status == 0, "\(pull)")
        #expect(pull.stderr.hasPrefix("Trying to pull docker.io/library/nginx:1.24...\nGetting image source signatures\nCopying blob sha256:"))
        #expect(pull.stderr.contains("Writing manifest to image destination"))
        let id = pull.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 64)
        // CREATED is as wide as its longest entry ("3 days ago", "2 weeks ago"): the expected header comes from
        // the image's own creation time and the clock the program reads, before and after it runs.
        let listed = try JSONSerialization.jsonObject(with: Data(try podman("images", "--format", "json").stdout.utf8)) as? [[String: Any]]
        let created = Double(try #require(listed?.first?["Created"] as? Int))
        let agoBefore = HumanFormat.ago(created, now: WallClock.now())
        let images = try podman("images")
        let agoAfter = HumanFormat.ago(created, now: WallClock.now())
        let headers = Set([agoBefore, agoAfter].map { ago in
            "REPOSITORY               TAG         IMAGE ID      " + "CREATED".padding(toLength: max(7, ago.count) + 2, withPad: " ", startingAt: 0) + "SIZE"
        })
        let lines = images.stdout.split(separator: "\n")
        #expect(lines.first.map { headers.contains(String($0)) } == true, "\(images.stdout) vs \(headers)")
        #expect(lines.count == 2)
        #expect(lines[1].hasPrefix("docker.io/library/nginx  1.24        \(id.prefix(12))  "))
        #expect(lines[1].hasSuffix(" MB"))
        #expect(try podman("images", "-q").stdout == "\(id.prefix(12))\n")
    }

    @Test func removingTheTutorialsHelloWorld() throws {
        #expect(try podman("pull", "-q", "hello-world").status == 0)
        let remove = try podman("image", "rm", "docker.io/library/hello-world:latest")
        #expect(remove.status == 0)
        let lines = remove.stdout.split(separator: "\n")
        #expect(lines.first == "Untagged: docker.io/library/hello-world:latest")
        #expect(lines.last?.hasPrefix("Deleted: ") == true && lines.last?.count == 9 + 64)
        #expect(try podman("images", "-q").stdout == "")
    }

    @Test func unknownImageIsStatusOneWithPodmansWords() throws {
        let result = try podman("image", "rm", "localhost/nosuchimage")
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("Error: localhost/nosuchimage: image not known\n"))
        #expect(try podman("rmi", "--ignore", "nosuch").status == 0)
        #expect(try podman("image", "exists", "nosuch").status == 1)
    }

    /// `rm`, `restart`, `volume rm` and `secret rm` go on past a name that fails, as podman does, and every failure
    /// prints in turn with the control characters of what it quotes shown, not obeyed (the later ones printed their
    /// messages raw before, and ahead of the first); the first one's hint and status end the command.
    @Test func eachNameIsTriedAndEveryFailureShowsItsControlCharacters() throws {
        let hostile = "gone\u{1B}]0;owned\u{07}"
        let secret = try podman("secret", "create", "kept", "-", stdin: "value")
        #expect(secret.status == 0, "\(secret)")
        for command in [["rm"], ["restart"], ["volume", "rm"], ["secret", "rm"]] {
            let result = try podman.run(command + ["missing", hostile])
            #expect(result.status == (command == ["secret", "rm"] ? 125 : 1), "\(command): \(result)")
            #expect(!result.stderr.unicodeScalars.contains("\u{1B}") && !result.stderr.unicodeScalars.contains("\u{07}"), "\(command): \(result)")
            let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
            #expect(errors.count == 2 && result.stderr.split(separator: "\n").last?.hasPrefix("Hint: ") == true, "\(command): \(result)")
            #expect(errors.first?.contains("\"missing\"") == true && errors.last?.contains("\"gone^[]0;owned^G\"") == true, "\(command): \(result)")
        }
        // A name between two failures is still acted on.
        let removed = try podman("secret", "rm", "missing", "kept", hostile)
        #expect(removed.status == 125 && removed.stdout == "\(secret.stdout)", "\(removed)")
        #expect(try podman("secret", "ls", "-q").stdout.isEmpty)
    }

    @Test func badFlagIsStatus125WithWhereToLook() throws {
        let result = try podman("images", "--bogus-flag")
        #expect(result.status == 125)
        #expect(result.stderr.hasPrefix("Error: "))
        #expect(result.stderr.contains("--bogus-flag"))
        #expect(result.stderr.contains("See 'podman images --help'"))
        #expect(try podman("tag", "onlyone").status == 125)
    }

    /// A flag podlab does not know, before the image of `run`/`create` or the container of `exec`/`top`, is named as
    /// podman names an unknown flag (podman-4.3.1-output.md: "unknown flag: --bogus-flag", "See 'podman run --help'",
    /// 125), and one podman has but podlab lacks is said to be that; both were taken for an image name ("invalid
    /// reference format") or a container's. After the image a flag is the command's.
    @Test func anUnknownFlagBeforeTheImageIsNamedAsPodmanNamesIt() throws {
        let cases: [([String], String)] = [
            (["run", "--bogus-flag", "docker.io/library/busybox:latest"], "unknown flag: --bogus-flag\nSee 'podman run --help'"),
            (["run", "--rm", "--bogus=1", "docker.io/library/busybox:latest"], "unknown flag: --bogus\nSee 'podman run --help'"),
            (["create", "-Z", "docker.io/library/busybox:latest"], "unknown shorthand flag: 'Z' in -Z\nSee 'podman create --help'"),
            (["create", "--name"], "flag needs an argument: --name\nSee 'podman create --help'"),
            (["create", "-c=2", "docker.io/library/busybox:latest"],
             "podlab does not implement 'podman create -c' yet\nSee 'podman create --help'"),
            (["run", "--dns=192.0.2.1", "docker.io/library/busybox:latest"],
             "podlab does not implement 'podman run --dns' yet\nSee 'podman run --help'"),
            // --rmi is podman run's alone: to create it is unknown, as podman says.
            (["create", "--rmi", "docker.io/library/busybox:latest"], "unknown flag: --rmi\nSee 'podman create --help'"),
            (["exec", "--latest", "web", "ls"], "podlab does not implement 'podman exec --latest' yet\nSee 'podman exec --help'"),
            (["exec", "--bogus-flag", "web", "ls"], "unknown flag: --bogus-flag\nSee 'podman exec --help'"),
            (["top", "-l"], "podlab does not implement 'podman top -l' yet\nSee 'podman top --help'"),
            (["images", "--bogus-flag"], "unknown flag: --bogus-flag\nSee 'podman images --help'"),
            (["images", "--forma", "json"], "unknown flag: --forma. Did you mean '--format'?\nSee 'podman images --help'"),
            // The help pointed to is the command's, through its group; it named the group alone.
            (["container", "run", "--bogus-flag", "docker.io/library/busybox:latest"],
             "unknown flag: --bogus-flag\nSee 'podman container run --help'"),
            (["volume", "ls", "--bogus-flag"], "unknown flag: --bogus-flag\nSee 'podman volume ls --help'"),
        ]
        for (arguments, expected) in cases {
            let result = try podman.run(arguments)
            #expect(result.status == 125 && result.stdout.isEmpty && result.stderr == "Error: \(expected)\n", "\(arguments): \(result)")
        }
        // Any other parse error keeps ArgumentParser's words (only an unknown flag or a missing value is reworded).
        let invalid = try podman("run", "--pids-limit", "12345-6", "docker.io/library/busybox:latest")
        #expect(invalid.status == 125 && invalid.stderr.hasPrefix("Error: the value '12345-6' is invalid for '--pids-limit"), "\(invalid)")
        #expect(try podman("ps", "-a", "-q").stdout.isEmpty, "no container was made")
        // A short flag's value joined to it, as podman's flag library takes it.
        let joined = try podman("run", "--rm", "-w/tmp", "-u1000", "docker.io/library/busybox:latest", "sh", "-c", "pwd; id -u")
        #expect(joined.status == 0 && joined.stdout == "/tmp\n1000\n", "\(joined)")
        // After the image a flag is the container's command's, with or without `--` ending podman's flags.
        for arguments in [["run", "--rm", "docker.io/library/busybox:latest"], ["run", "--rm", "--", "docker.io/library/busybox:latest"]] {
            let result = try podman.run(arguments + ["echo", "--bogus-flag"])
            #expect(result.status == 0 && result.stdout == "--bogus-flag\n", "\(arguments): \(result)")
        }
    }

    @Test func pullOfAnImageThatIsNotOfflineSaysWhatThereIs() throws {
        let result = try podman("pull", "docker.io/library/nosuchimage")
        #expect(result.status == 125)
        #expect(result.stderr.contains("Error: initializing source docker://docker.io/library/nosuchimage:latest"))
        #expect(result.stderr.contains("images in the sandbox registry:") && result.stderr.contains("docker.io/library/nginx:1.24"), "\(result)")
    }

    @Test func tagInspectExistsAndHistory() throws {
        #expect(try podman("pull", "-q", "busybox").status == 0)
        #expect(try podman("tag", "busybox", "localhost/hello-copy:v1").status == 0)
        #expect(try podman("image", "exists", "localhost/hello-copy:v1").status == 0)
        let bad = try podman("tag", "busybox", "Bad/Name")
        #expect(bad.status == 125 && bad.stderr.contains("repository name must be lowercase"))

        let inspect = try podman("image", "inspect", "localhost/hello-copy:v1")
        #expect(inspect.status == 0)
        let parsed = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [[String: Any]]
        let object = try #require(parsed?.first)
        #expect((object["RepoTags"] as? [String]) == ["docker.io/library/busybox:latest", "localhost/hello-copy:v1"])
        #expect(((object["Config"] as? [String: Any])?["Cmd"] as? [String]) == ["sh"])
        #expect(((object["Labels"] as? [String: String])?["io.podlab.fixture.stands-in-for"]) == "docker.io/library/busybox:latest")
        #expect(inspect.stdout.hasPrefix("[\n     {\n          \"Id\": "))

        let format = try podman("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", "busybox")
        #expect(format.stdout == "linux/amd64\n")
        let history = try podman("history", "busybox")
        #expect(history.stdout.hasPrefix("ID            CREATED"))
        #expect(history.stdout.contains("podlab fixture recipe"))
    }

    @Test func saveAndLoadThroughFilesAndPipes() throws {
        #expect(try podman("pull", "-q", "hello-world").status == 0)
        let archive = directory.file("hello.tar")
        let save = try podman("save", "-o", archive, "hello-world")
        #expect(save.status == 0, "\(save)")
        #expect(save.stderr.contains("Copying config sha256:"))
        let other = Podman(root: directory.file("other"))
        let load = try other("load", "-i", archive)
        #expect(load.status == 0, "\(load)")
        #expect(load.stdout == "Loaded image: docker.io/library/hello-world:latest\n")
        #expect(load.stderr.hasPrefix("Getting image source signatures\n"))

        let ociArchive = directory.file("hello-oci.tar")
        #expect(try podman("save", "--format", "oci-archive", "-o", ociArchive, "hello-world").status == 0)
        let bytes = try FileSystem.readFile(ociArchive)
        let third = Podman(root: directory.file("third"))
        let piped = try TestProcess.run(["/bin/sh", "-c", "\"$0\" podman load < \"$1\"", BuildProducts.podlab, ociArchive],
                                        environment: third.environment)
        #expect(piped.status == 0, "\(piped)")
        #expect(piped.stdout == "Loaded image: docker.io/library/hello-world:latest\n")
        #expect(bytes.count > 1000)
    }

    @Test func loadOfJunkIsRefusedWith125() throws {
        let junk = directory.file("junk.tar")
        try FileSystem.writeAtomically(Array("not an archive".utf8), to: junk)
        let result = try podman("load", "-i", junk)
        #expect(result.status == 125)
        #expect(result.stderr.contains("payload does not match any of the supported image formats"))
        let missing = try podman("load", "-i", directory.file("absent.tar"))
        #expect(missing.status == 125)
        #expect(missing.stderr.contains("no such file or directory"))
    }

    @Test func jsonListIsPodmansShape() throws {
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let result = try podman("images", "--format", "json")
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        let first = try #require(parsed?.first)
        #expect(first["RepoTags"] is NSNull)
        #expect((first["Names"] as? [String]) == ["docker.io/library/busybox:latest"])
        #expect(first["Created"] is Int)
        #expect(result.stdout.hasPrefix("[\n    {\n        \"Id\": "))
        let template = try podman("images", "--format", "{{.Repository}}:{{.Tag}}")
        #expect(template.stdout == "docker.io/library/busybox:latest\n")
    }
}
