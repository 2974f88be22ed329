import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// `podman build` for real: the tutorial's Dockerfile, RUN steps in containers, stages, the cache, errors.
@Suite(.serialized) struct BuildTests {
    let directory = TemporaryDirectory("podlab-build")
    var podman: Podman { Podman(root: directory.file("storage")) }

    func context(_ name: String, files: [String: String]) throws -> String {
        let path = directory.file(name)
        for (file, text) in files {
            try FileSystem.createDirectory(FileSystem.parent(of: "\(path)/\(file)"))
            try FileSystem.writeAtomically(Array(text.utf8), to: "\(path)/\(file)")
        }
        return path
    }

    static let tutorialDockerfile = """
        FROM docker.io/donaldsebleung/linuxdeepin-apricot:v20.8-compatible
        WORKDIR /app
        COPY index.html .
        CMD ["python3", "-m", "http.server", "80"]
        """

    @Test func theTutorialsBuildRunsAndServesItsPage() throws {
        let page = "<h1>Hello from deepin 23 and Podman!</h1>\n"
        let path = try context("tutorial", files: ["index.html": page, "Dockerfile": BuildTests.tutorialDockerfile])
        let build = try TestProcess.run([BuildProducts.podlab, "podman", "build", "-t", "hello-deepin23-podman:0.1.0", "."],
                                        environment: podman.environment, directory: path)
        #expect(build.status == 0, "\(build)")
        let lines = build.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "STEP 1/4: FROM docker.io/donaldsebleung/linuxdeepin-apricot:v20.8-compatible")
        #expect(lines.contains("STEP 3/4: COPY index.html ."))
        #expect(lines.contains("COMMIT hello-deepin23-podman:0.1.0"))
        #expect(lines.contains("Successfully tagged localhost/hello-deepin23-podman:0.1.0"))
        #expect(lines.last?.count == 64)
        #expect(try podman("run", "-d", "--name", "web", "-p", "80", "hello-deepin23-podman:0.1.0").status == 0)
        let port = try podman.hostPort(of: "web", "80")
        let response = HTTP.waitForOK(port: port)
        #expect(response?.body == page)
        #expect(try podman("stop", "web").status == 0)
        #expect(try podman("rm", "web").status == 0)
        let history = try podman("history", "hello-deepin23-podman:0.1.0")
        #expect(history.stdout.contains("CMD [\"python3\""))
        #expect(history.stdout.contains("WORKDIR /app"))
        #expect(try podman("images", "-q").stdout.split(separator: "\n").count == 2, "intermediate images stay hidden")
        // A built image is an image like any other: it saves, loads elsewhere and runs there.
        let archive = directory.file("built.tar")
        #expect(try podman("save", "-o", archive, "hello-deepin23-podman:0.1.0").status == 0)
        let elsewhere = Podman(root: directory.file("elsewhere"))
        #expect(try elsewhere("load", "-i", archive).stdout == "Loaded image: localhost/hello-deepin23-podman:0.1.0\n")
        let cat = try elsewhere("run", "--rm", "hello-deepin23-podman:0.1.0", "cat", "/app/index.html")
        #expect(cat.stdout == page, "\(cat)")
    }

    @Test func cacheHitsAndAChangedFileMissesFromItsCopyOn() throws {
        let path = try context("cached", files: ["index.html": "one\n", "Containerfile": """
            FROM docker.io/library/busybox
            WORKDIR /site
            COPY index.html .
            RUN wc -c index.html > size.txt
            CMD ["cat", "/site/size.txt"]
            """])
        let first = try podman("build", "-t", "cached", path)
        #expect(first.status == 0, "\(first)")
        let second = try podman("build", "-t", "cached", path)
        #expect(second.stdout.components(separatedBy: "--> Using cache ").count - 1 == 4, "\(second.stdout)")
        #expect(first.stdout.split(separator: "\n").last == second.stdout.split(separator: "\n").last, "same image id")
        try FileSystem.writeAtomically(Array("two two\n".utf8), to: "\(path)/index.html")
        let third = try podman("build", "-t", "cached", path)
        #expect(third.stdout.components(separatedBy: "--> Using cache ").count - 1 == 1, "only WORKDIR is cached: \(third.stdout)")
        #expect(try podman("run", "--rm", "cached").stdout == "8 index.html\n")
        let uncached = try podman("build", "--no-cache", "-t", "cached", path)
        #expect(!uncached.stdout.contains("Using cache"))
        // Removing the image removes its unused build steps too (podman prints one Deleted line for each).
        // Whether WORKDIR's step is shared with the earlier builds depends on the second it was made in,
        // so compare with what actually left the store.
        let before = Set(try podman("images", "-a", "-q", "--no-trunc").stdout.split(separator: "\n").map { String($0.dropFirst(7)) })
        let remove = try podman("image", "rm", "cached")
        #expect(remove.stdout.hasPrefix("Untagged: localhost/cached:latest\nDeleted: "), "\(remove)")
        let after = Set(try podman("images", "-a", "-q", "--no-trunc").stdout.split(separator: "\n").map { String($0.dropFirst(7)) })
        let deleted = Set(remove.stdout.split(separator: "\n").filter { $0.hasPrefix("Deleted: ") }.map { String($0.dropFirst(9)) })
        #expect(deleted == before.subtracting(after), "\(remove.stdout)")
        #expect(deleted.count >= 3, "the image, its RUN and its COPY step at least")
    }

    @Test func multiStageRunAndWhiteouts() throws {
        let path = try context("stages", files: ["Containerfile": """
            FROM docker.io/library/busybox AS builder
            ARG GREETING=hello
            RUN mkdir -p /out && echo "$GREETING from stage one" > /out/artifact
            FROM docker.io/library/busybox
            COPY --from=builder /out/artifact /artifact
            RUN rm /bin/vi && mkdir /data && echo installed > /data/file
            ENV MODE=production
            LABEL purpose=test
            CMD ["sh", "-c", "cat /artifact /data/file; echo $MODE; ls /bin/vi 2>&1 || true"]
            """])
        let build = try podman("build", "--build-arg", "GREETING=hi", "-t", "staged", path)
        #expect(build.status == 0, "\(build)")
        let run = try podman("run", "--rm", "staged")
        #expect(run.stdout.hasPrefix("hi from stage one\ninstalled\nproduction\n"), "\(run)")
        #expect(run.stdout.contains("No such file"), "the deletion in RUN is a whiteout in the layer")
        #expect(try podman("image", "inspect", "--format", "{{.Labels.purpose}}", "staged").stdout == "test\n")
        let target = try podman("build", "--target", "builder", "-t", "first-stage", path)
        #expect(target.status == 0 && !target.stdout.contains("STEP 4/"), "\(target)")
    }

    @Test func errorsPointAtTheLine() throws {
        let missing = try context("missing", files: ["Containerfile": "FROM docker.io/library/busybox\n\nCOPY nothere.txt /\n"])
        let result = try podman("build", missing)
        #expect(result.status == 125)
        #expect(result.stderr.contains("Containerfile:3"), "\(result)")
        #expect(result.stderr.contains("\"nothere.txt\" not found in the build context"))

        let outside = try context("escape/inner", files: ["Containerfile": "FROM docker.io/library/busybox\nCOPY ../secret /\n"])
        try FileSystem.writeAtomically(Array("secret".utf8), to: directory.file("escape/secret"))
        let escape = try podman("build", outside)
        #expect(escape.status == 125 && escape.stderr.contains("is outside the build context"), "\(escape)")

        let failing = try context("failing", files: ["Containerfile": "FROM docker.io/library/busybox\nRUN echo about to fail && exit 3\n"])
        let run = try podman("build", failing)
        #expect(run.status == 3, "\(run)")
        #expect(run.stdout.contains("about to fail"))
        #expect(run.stderr.contains("Containerfile:2") && run.stderr.contains("exit status 3"))

        let url = try context("url", files: ["Containerfile": "FROM docker.io/library/busybox\nADD https://example.com/x.tar.gz /\n"])
        let add = try podman("build", url)
        #expect(add.status == 125 && add.stderr.contains("podlab builds offline"), "\(add)")

        let bad = try context("bad", files: ["Containerfile": "FROM docker.io/library/busybox\nCMD [\"sh\" \"-c\"]\n"])
        let parse = try podman("build", bad)
        #expect(parse.status == 125 && parse.stderr.contains("Containerfile:2: malformed JSON array"), "\(parse)")
        #expect(try podman("build", directory.file("nowhere")).status == 125)
    }

    @Test func ignoreFilesAndLocalArchives() throws {
        let path = try context("ignore", files: [
            "Containerfile": "FROM docker.io/library/busybox\nCOPY . /ctx/\nADD bundle.tar /unpacked/\nCMD [\"ls\", \"-R\", \"/ctx\", \"/unpacked\"]\n",
            ".containerignore": "*.log\nsecrets/\n!keep.log\n",
            "app.txt": "app", "debug.log": "noise", "keep.log": "kept", "secrets/key": "hidden",
        ])
        let bundleSource = try context("bundle", files: ["inside/one.txt": "1"])
        #expect(try TestProcess.run(["tar", "-cf", "\(path)/bundle.tar", "-C", bundleSource, "inside"]).status == 0)
        let build = try podman("build", "-t", "ignored", path)
        #expect(build.status == 0, "\(build)")
        let listing = try podman("run", "--rm", "ignored").stdout
        #expect(listing.contains("app.txt") && listing.contains("keep.log"))
        #expect(!listing.contains("debug.log") && !listing.contains("key"), "\(listing)")
        #expect(listing.contains("one.txt"), "ADD unpacks a local archive: \(listing)")
    }

    /// COPY and ADD into `/`, the root itself: the layer's entries were written `/hello.txt` (absolute), and podlab's
    /// own layer applier refused the image it had just built. Onto busybox and onto scratch. A file copied to a
    /// directory already there without a trailing slash (`/.`, `/app` after `WORKDIR /app`) goes into it, as
    /// podman's does; it replaced the directory, or was an entry with no name.
    @Test(arguments: ["FROM docker.io/library/busybox", "FROM scratch"])
    func copyIntoTheRootDirectory(base: String) throws {
        let path = try context("root-copy", files: [
            "Containerfile": "\(base)\nCOPY hello.txt /\nCOPY tree /\nADD bundle.tar /\nCOPY hello.txt /renamed.txt\n"
                + "COPY dot.txt /.\nWORKDIR /app\nCOPY hello.txt /app\n",
            "hello.txt": "hello\n", "dot.txt": "dot\n", "tree/inner/deep.txt": "deep\n",
        ])
        let bundleSource = try context("root-bundle", files: ["packed/one.txt": "1"])
        try #require(try TestProcess.run(["tar", "-cf", "\(path)/bundle.tar", "-C", bundleSource, "packed"]).status == 0)
        let tag = base == "FROM scratch" ? "root-copy-scratch" : "root-copy"
        let build = try podman("build", "-q", "-t", tag, path)
        try #require(build.status == 0, "\(build)")
        // The files are read back through the engine's own copy-out, which needs no shell in the image.
        let made = try podman("create", "--name", "\(tag)-c", "--entrypoint", "/hello.txt", tag)
        try #require(made.status == 0, "\(made)")
        defer { _ = try? podman("rm", "-f", "\(tag)-c") }
        for (inside, text) in [("/hello.txt", "hello\n"), ("/inner/deep.txt", "deep\n"), ("/packed/one.txt", "1"), ("/renamed.txt", "hello\n"),
                               ("/dot.txt", "dot\n"), ("/app/hello.txt", "hello\n")] {
            let out = directory.file("\(tag)-out-\(inside.replacing("/", with: "_"))")
            let copied = try podman("cp", "\(tag)-c:\(inside)", out)
            #expect(copied.status == 0, "\(inside): \(copied)")
            #expect((try? FileSystem.readFile(out)).map { String(decoding: $0, as: UTF8.self) } == text, "\(inside)")
        }
    }

    /// A file copied into a directory the base already has, as podman copies it:
    /// - `keep-mode`: the directory keeps its mode (`/tmp` stays 1777); the layer carried a 0755 entry for it.
    /// - `linked-dir`: whether the destination is a directory is read inside the image, its links followed there:
    ///   `/app -> /opt/podlab-build-test-app` is the image's, which this machine does not have (a look on the host
    ///   said "no", and the file replaced the link).
    @Test(arguments: [
        ("keep-mode", "RUN mkdir -m 1777 /shared\nCOPY hello.txt /shared/\nCOPY hello.txt /shared\nCMD [\"stat\", \"-c\", \"%a\", \"/shared\"]",
         "1777\n"),
        ("linked-dir", "RUN mkdir -p /opt/podlab-build-test-app && ln -s /opt/podlab-build-test-app /app\nCOPY hello.txt /app\n"
            + "CMD [\"cat\", \"/opt/podlab-build-test-app/hello.txt\"]", "hello\n"),
    ])
    func copyIntoADirectoryAlreadyThere(tag: String, steps: String, expected: String) throws {
        try #require(!FileSystem.exists("/opt/podlab-build-test-app"), "the host must not have the link's target")
        let path = try context(tag, files: ["Containerfile": "FROM docker.io/library/busybox\n\(steps)\n", "hello.txt": "hello\n"])
        let build = try podman("build", "-q", "-t", tag, path)
        try #require(build.status == 0, "\(build)")
        let run = try podman("run", "--rm", tag)
        #expect(run.status == 0 && run.stdout == expected, "\(run)")
    }

    /// The ignore file as podman reads it: a `.containerignore` saved with CRLF line ends still keeps `.env` out (it
    /// was read as one pattern), and `*.log` leaves out only the context's top-level logs.
    @Test func anIgnoreFileWrittenOnWindowsKeepsTheSecretOut() throws {
        let path = try context("crlf-ignore", files: [
            "Containerfile": "FROM docker.io/library/busybox\nCOPY . /app/\nCMD [\"find\", \"/app\"]\n",
            ".containerignore": ".env\r\n*.log\r\n", ".env": "TOKEN=secret\n", "top.log": "x", "logs/inner.log": "y", "index.html": "hi\n",
        ])
        let build = try podman("build", "-t", "crlf-ignore", path)
        #expect(build.status == 0, "\(build)")
        let listing = try podman("run", "--rm", "crlf-ignore").stdout
        #expect(listing.contains("/app/index.html") && listing.contains("/app/logs/inner.log"), "\(listing)")
        #expect(!listing.contains(".env") && !listing.contains("top.log"), "\(listing)")
    }

    /// An exception brings a file back from inside a directory that is left out, as in podman: `**` with `!src/**`
    /// keeps src (and `COPY src` finds it), `.git` with `!.git/keep` keeps only that file.
    @Test func anExceptionBringsBackWhatAnIgnoredDirectoryHolds() throws {
        let path = try context("exceptions", files: [
            "Containerfile": "FROM docker.io/library/busybox\nCOPY . /app/\nCOPY src /src2/\nCMD [\"find\", \"/app\", \"/src2\"]\n",
            ".containerignore": "**\n!src/**\n!.git/keep\n", "src/main.c": "int main;\n", "src/lib/util.c": "int util;\n",
            ".git/keep": "k", ".git/config": "secret", "other.txt": "o",
        ])
        let build = try podman("build", "-t", "exceptions", path)
        #expect(build.status == 0, "\(build)")
        let listing = try podman("run", "--rm", "exceptions").stdout
        for kept in ["/app/src/main.c", "/app/src/lib/util.c", "/app/.git/keep", "/src2/main.c", "/src2/lib/util.c"] {
            #expect(listing.contains(kept), "\(kept): \(listing)")
        }
        #expect(!listing.contains("config") && !listing.contains("other.txt"), "\(listing)")
    }

    /// `./` in a source names the same files as without it: the ignore rules hold for `COPY ./ /app/`,
    /// `COPY ./.env .` and `COPY .//sub/../.env` alike, as with podman (the secret never reaches the image).
    @Test(arguments: ["COPY ./ /app/", "COPY ./.env /app/", "COPY .//config/../.env /app/", "COPY . /app/"])
    func ignoreRulesHoldForDotSlashSources(copy: String) throws {
        let path = try context("dotslash-\(abs(copy.hashValue))", files: [
            "Containerfile": "FROM docker.io/library/busybox\nCOPY index.html /app/\n\(copy)\nCMD [\"ls\", \"-a\", \"/app\"]\n",
            ".dockerignore": ".env\n.git\n", ".env": "TOKEN=secret\n", "index.html": "hi\n", "config/app.conf": "x\n",
        ])
        let tag = "dotslash-\(abs(copy.hashValue) % 100_000)"
        let build = try podman("build", "-t", tag, path)
        if copy.contains(".env") {
            #expect(build.status == 125 && build.stderr.contains("not found"), "an ignored file is not there to copy: \(build)")
            return
        }
        #expect(build.status == 0, "\(build)")
        let listing = try podman("run", "--rm", tag).stdout
        #expect(listing.contains("index.html") && !listing.contains(".env"), "\(copy): \(listing)")
    }
}

extension BuildTests {
    /// A RUN step's container has /etc/hosts bound (the runtime's); the layer it makes holds only what the command
    /// changed, not the mount point made for that file (busybox has no /etc/hosts of its own).
    @Test func aRunLayerHoldsOnlyWhatTheCommandMade() throws {
        let path = try context("mount-points", files: ["Containerfile": "FROM docker.io/library/busybox\nRUN cat /etc/hosts > /seen && touch /made\n"])
        let build = try podman("build", "-t", "mount-points", path)
        #expect(build.status == 0, "\(build)")
        let seen = try podman("run", "--rm", "--entrypoint", "cat", "mount-points", "/seen")
        #expect(seen.stdout.contains("localhost"), "the RUN step had an /etc/hosts: \(seen)")
        let archive = directory.file("mount-points.tar")
        #expect(try podman("save", "-o", archive, "mount-points").status == 0)
        let unpacked = directory.file("mount-points")
        try FileSystem.createDirectory(unpacked)
        #expect(try TestProcess.run(["tar", "-xf", archive, "-C", unpacked]).status == 0)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: unpacked + "/manifest.json"))) as? [[String: Any]]
        let last = try #require((manifest?.first?["Layers"] as? [String])?.last, "\(String(describing: manifest))")
        let listing = try TestProcess.run(["tar", "-tf", "\(unpacked)/\(last)"])
        #expect(listing.stdout.split(separator: "\n").map { $0.hasPrefix("./") ? String($0.dropFirst(2)) : String($0) }.sorted() == ["made", "seen"],
                "\(listing)")
    }
}
