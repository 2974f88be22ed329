import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The Debian package `make deb` builds (`make test` builds it before the tests): its contents and lintian, the
/// tree extracted anywhere and run by an unprivileged user, and installed with apt into a clean Debian 12.
@Suite(.serialized) struct PackageTests {
    let directory = TemporaryDirectory("podlab-package")

    static func package() throws -> String {
        let folder = "\(BuildProducts.packageRoot)/.build/deb"
        guard let name = FileSystem.list(folder).first(where: { $0.hasPrefix("podlab_") && $0.hasSuffix(".deb") }) else {
            Issue.record("no package in \(folder): 'make deb' builds it ('make test' does before the tests)")
            throw CancellationError()
        }
        return "\(folder)/\(name)"
    }

    /// The hello-world lesson's solution lines, in order, as a learner would type them.
    static func solution(_ lesson: String) throws -> String {
        let text = try String(contentsOfFile: "\(BuildProducts.packageRoot)/lessons/\(lesson).yaml", encoding: .utf8)
        var lines: [String] = []
        var inSolution = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces) == "solution:" { inSolution = true; continue }
            guard inSolution else { continue }
            if let match = line.firstMatch(of: /^\s+- (.*)$/) { lines.append(String(match.1)) } else { inSolution = false }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func theControlFileAndContentsAreAsDebianExpects() throws {
        let deb = try Self.package()
        let fields = try TestProcess.run(["dpkg-deb", "-f", deb, "Package", "Depends", "Recommends"])
        #expect(fields.stdout.contains("Package: podlab\n") && fields.stdout.contains("Recommends: uidmap\n"), "\(fields)")
        #expect(["libarchive13", "libseccomp2", "libedit2", "libc6"].allSatisfy { fields.stdout.contains($0) }, "Depends computed: \(fields.stdout)")
        let contents = try TestProcess.run(["dpkg-deb", "-c", deb]).stdout
        for path in ["./usr/bin/podlab", "./usr/lib/podlab/podlab-net", "./usr/lib/podlab/podlab-tutor", "./usr/lib/podlab/podlab-kube", "./usr/share/podlab/lessons/hello-world.yaml",
                     "./usr/share/podlab/fixtures/index.json", "./usr/share/man/man1/podlab.1.gz", "./usr/share/bash-completion/completions/podlab",
                     "./usr/share/podlab/apparmor/podlab", "./usr/share/doc/podlab/copyright"] {
            #expect(contents.contains(" \(path)\n") || contents.contains(" \(path) -> "), "\(path) is in the package")
        }
        #expect(!contents.contains(" ./usr/bin/podman") && !contents.contains(" ./usr/bin/docker"), "no clash with Debian's podman and docker")
        let lintian = try TestProcess.run(["lintian", "--tag-display-limit", "0", deb])
        let errors = lintian.stdout.split(separator: "\n").filter { $0.hasPrefix("E: ") }
        #expect(errors.isEmpty, "lintian: \(lintian.stdout)")
    }

    /// Extracted into a temporary directory (no installation at all) and run from there by the unprivileged user.
    @Test func theTreeRunsFromWhereverItWasExtracted() throws {
        let deb = try Self.package()
        let tree = directory.file("tree")
        #expect(try TestProcess.run(["dpkg", "-x", deb, tree]).status == 0)
        chmod(directory.path, 0o755)
        let home = directory.file("home")
        try FileSystem.createDirectory(home, mode: 0o700)
        let solution = directory.file("solution.sh")
        try Self.solution("hello-world").write(toFile: solution, atomically: true, encoding: .utf8)
        chmod(solution, 0o644)
        var prefix: [String] = []
        if geteuid() == 0 {
            guard let entry = getpwnam(RootlessUser.name) else { Issue.record("the test user is missing: run scripts/test-setup.sh"); return }
            chown(home, entry.pointee.pw_uid, entry.pointee.pw_gid)
            prefix = ["runuser", "-u", RootlessUser.name, "--"]
        }
        let podlab = "\(tree)/usr/bin/podlab"
        func run(_ arguments: [String]) throws -> ProcessResult {
            try TestProcess.run(prefix + ["env", "-i", "HOME=\(home)", "XDG_RUNTIME_DIR=\(home)/run", "PATH=/usr/bin:/bin", "LANG=C.UTF-8"] + arguments,
                                directory: home)
        }
        let hello = try run([podlab, "podman", "run", "--rm", "docker.io/library/hello-world:latest"])
        #expect(hello.status == 0 && hello.stdout.contains("Hello from podlab!"), "the offline image from share/podlab: \(hello)")
        let links = try run([podlab, "shell-path"])
        #expect(links.stdout == "\(tree)/usr/lib/podlab/bin\n", "\(links)")
        #expect(try run(["\(tree)/usr/lib/podlab/bin/podman", "--version"]).stdout == "podman version 4.3.1 (podlab 0.1.0)\n")
        let check = try run([podlab, "check", "--lesson", "hello-world", "--run", solution])
        #expect(check.status == 0 && check.stdout.hasSuffix("podlab.hello-world: 10 of 10 passed\n"), "lessons from share/podlab, the tutor from lib/podlab: \(check)")
        let doctor = try run([podlab, "doctor", "--format", "json"])
        #expect(doctor.status == 0 && doctor.stdout.contains("\"canRunContainers\": true"), "\(doctor)")
    }

    /// apt installs the package and what it depends on into a clean Debian 12 made here; a new user runs hello-world
    /// and passes the hello-world lesson.
    @Test(.timeLimit(.minutes(20))) func itInstallsIntoACleanDebian12() throws {
        let deb = try Self.package()
        let solution = directory.file("solution.sh")
        try Self.solution("hello-world").write(toFile: solution, atomically: true, encoding: .utf8)
        let result = try TestProcess.run(["\(BuildProducts.packageRoot)/scripts/package-test-debian.sh", deb, solution, directory.path])
        if result.status == 77 {
            print("PackageTests.itInstallsIntoACleanDebian12 skipped: \(result.stdout.trimmed())")
            return
        }
        #expect(result.status == 0, "\(result)")
        // dpkg-query prints podlab's line, then uidmap's (pulled in by Recommends).
        let installed = result.stdout.split(separator: "\n").filter { $0.hasPrefix("install ok installed ") }
        #expect(installed.count == 2 && installed.first == "install ok installed 0.1.0", "podlab and uidmap: \(result.stdout)")
        #expect(result.stdout.contains("Hello from podlab!"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("podlab.hello-world: 10 of 10 passed\n"), "\(result.stdout)")
    }
}
