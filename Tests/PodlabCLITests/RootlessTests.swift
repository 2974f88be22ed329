import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The image commands as an ordinary user: storage under the user's XDG data directory, files owned by
/// the user, no root anywhere. As root (CI), the test runs them as the unprivileged user the test set-up
/// created (scripts/test-setup.sh); as an ordinary user it runs them directly.
@Suite struct RootlessTests {
    @Test func imageCommandsWorkWithoutRoot() throws {
        guard let user = try RootlessUser.prepare() else { return }
        let podman = user.podman
        let data = user.data
        let uid = user.uid
        let pull = try podman("pull", "busybox")
        #expect(pull.status == 0, "\(pull)")
        let storage = "\(data)/podlab"
        var info = stat()
        #expect(stat("\(storage)/images.json", &info) == 0 && info.st_uid == uid)
        let layers = FileSystem.list("\(storage)/layers")
        #expect(layers.count == 1)
        #expect(stat("\(storage)/layers/\(layers[0])/bin/busybox", &info) == 0 && info.st_uid == uid,
                "a rootless store keeps files as the user's own")
        #expect(try podman("tag", "busybox", "localhost/mine:1").status == 0)
        #expect(try podman("save", "-o", "\(data)/mine.tar", "localhost/mine:1").status == 0)
        #expect(try podman("rmi", "-f", "busybox").status == 0)
        let load = try podman("load", "-i", "\(data)/mine.tar")
        #expect(load.stdout == "Loaded image: localhost/mine:1\n", "\(load)")
        #expect(try podman("images", "--format", "{{.Repository}}:{{.Tag}}").stdout == "localhost/mine:1\n")
    }

    @Test func tutorialContainersRunWithoutRoot() throws {
        guard let user = try RootlessUser.prepare() else { return }
        let podman = user.podman
        let hello = try podman("run", "--rm", "--name", "hello-podman", "docker.io/library/hello-world:latest")
        #expect(hello.status == 0, "\(hello)")
        #expect(hello.stdout.contains("Hello from podlab!"))
        let identity = try podman("run", "--rm", "busybox", "sh", "-c", "id -u; cat /proc/self/uid_map | head -1")
        let lines = identity.stdout.split(separator: "\n")
        #expect(lines.first == "0")
        #expect(lines.last?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == Substring(String(user.uid)),
                "container root is the unprivileged user: \(identity.stdout)")
        let binary = try FileSystem.readFile(user.directory.file("podlab"))
        // The worst case for CVE-2019-5736: podlab's file belongs to the user who is container root. It never runs inside.
        let probe = try podman("run", "--rm", "-e", "LD_TRACE_LOADED_OBJECTS=1", "--entrypoint", "/proc/self/exe", "busybox")
        #expect(probe.status == 127 && !ExecTrampolineTests.listsLibraries(probe.stdout + probe.stderr), "\(probe)")
        #expect(probe.stderr.contains("podlab-exec:"), "\(probe)")
        #expect(try FileSystem.readFile(user.directory.file("podlab")) == binary, "podlab's binary must be unchanged")
        let web = try podman("run", "--name", "my-web-server", "-d", "-p", "80", "docker.io/library/nginx:1.24")
        #expect(web.status == 0, "\(web)")
        let port = try #require(UInt16(try podman("port", "my-web-server", "80").stdout.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        #expect(HTTP.waitForOK(port: port)?.body.contains("Welcome to nginx!") == true)
        #expect(try podman("stop", "my-web-server").status == 0)
        // nginx's workers wrote files as www-data (an id of the user's subordinate range): rm still cleans up.
        let remove = try podman("rm", "my-web-server")
        #expect(remove.status == 0, "\(remove)")
        #expect(FileSystem.list("\(user.data)/podlab/containers").filter { $0.count == 64 }.isEmpty)
    }

    /// A RUN step that leaves a directory or file only a user of the container may open: a build without root reads the
    /// step's changes as the user, who cannot open them. The build says so and what to do; it wrote a layer with the
    /// directory empty before (and, for a file, blamed a damaged archive). Control: opened to others, the same step
    /// builds and its file is in the image.
    @Test func whatAStepClosedToTheUserIsAnErrorNeverAnEmptyDirectory() throws {
        guard let user = try RootlessUser.prepare() else { return }
        let context = user.data + "/context"
        try FileSystem.createDirectory(context)
        let steps = [
            ("closed-dir", "RUN mkdir /secret && echo hi > /secret/f && chown -R 1000:1000 /secret && chmod 700 /secret", "/secret", "0700"),
            ("closed-file", "RUN mkdir /secret && echo hi > /secret/f && chown 1000:1000 /secret/f && chmod 600 /secret/f", "/secret/f", "0600"),
            // Listed, but what is in it cannot be looked at (r without x for others).
            ("unsearchable-dir", "RUN mkdir /secret && echo hi > /secret/f && chown -R 1000:1000 /secret && chmod 744 /secret", "/secret", "0744"),
        ]
        for (name, step, path, mode) in steps {
            try FileSystem.writeAtomically(Array("FROM busybox\n\(step)\n".utf8), to: "\(context)/\(name)", mode: 0o644)
            let build = try user.podman("build", "-f", "\(context)/\(name)", "-t", "localhost/\(name)", context)
            #expect(build.status == 125, "\(build)")
            #expect(build.stderr.contains("podlab cannot read \(path), which this step left to user 1000 of the container alone (mode \(mode))"),
                    "\(build)")
            #expect(build.stderr.contains("chmod o+rX \(path)"), "\(build)")
            #expect(try user.podman("image", "exists", "localhost/\(name)").status == 1, "no image without the step's files")
        }
        // Control, and what the container's root keeps closed to itself (the user's own files: /etc/shadow is 0000 on
        // Fedora): opened for the moment the layer is written, their modes kept.
        let open = "RUN mkdir /secret && echo hi > /secret/f && chown -R 1000:1000 /secret && chmod 755 /secret\n"
            + "RUN echo s > /shadow && chmod 000 /shadow\n"
            // A directory made again over one of the layer below hides it (opaque), closed or not.
            + "RUN mkdir /d && echo old > /d/old\nRUN rm -rf /d && mkdir /d && chmod 000 /d\n"
        try FileSystem.writeAtomically(Array("FROM busybox\n\(open)".utf8), to: "\(context)/open", mode: 0o644)
        let build = try user.podman("build", "-f", "\(context)/open", "-t", "localhost/open", context)
        #expect(build.status == 0, "\(build)")
        let read = try user.podman("run", "--rm", "localhost/open", "sh", "-c", "cat /secret/f /shadow; stat -c %a /shadow /d; ls -A /d | wc -l")
        #expect(read.stdout == "hi\ns\n0\n0\n0\n", "\(read)")
    }

    /// COPY of a directory of the context with a directory inside that its user cannot read (mode 000): the build fails
    /// at that step naming it; it copied the directory empty before. Control: made readable, the same build copies it.
    @Test func aContextDirectoryTheUserCannotReadIsAnErrorNeverCopiedEmpty() throws {
        guard let user = try RootlessUser.prepare() else { return }
        let context = user.data + "/copy-context"
        try FileSystem.createDirectory(context + "/site/closed")
        try FileSystem.writeAtomically(Array("hi\n".utf8), to: context + "/site/closed/page", mode: 0o644)
        try FileSystem.writeAtomically(Array("<p>\n".utf8), to: context + "/site/index.html", mode: 0o644)
        try FileSystem.writeAtomically(Array("FROM busybox\nCOPY site /site\n".utf8), to: context + "/Containerfile", mode: 0o644)
        try TestProcess.run(["chown", "-R", "\(user.uid)", context])
        chmod(context + "/site/closed", 0)
        let build = try user.podman("build", "-t", "localhost/closed", context)
        #expect(build.status == 125, "\(build)")
        #expect(build.stderr.contains("COPY site /site") && build.stderr.contains("read directory \(context)/site/closed: permission denied"),
                "\(build)")
        #expect(try user.podman("image", "exists", "localhost/closed").status == 1)
        // Left out by the ignore file (with an exception elsewhere, so that left-out directories are looked into): passed over.
        try FileSystem.writeAtomically(Array("site/closed\n!site/README\n".utf8), to: context + "/.containerignore", mode: 0o644)
        try TestProcess.run(["chown", "\(user.uid)", context + "/.containerignore"])
        let ignored = try user.podman("build", "-t", "localhost/closed", context)
        #expect(ignored.status == 0, "\(ignored)")
        #expect(try user.podman("run", "--rm", "localhost/closed", "ls", "/site").stdout == "index.html\n", "the directory left out")
        unlink(context + "/.containerignore")
        chmod(context + "/site/closed", 0o755)
        #expect(try user.podman("build", "-t", "localhost/closed", context).status == 0)
        #expect(try user.podman("run", "--rm", "localhost/closed", "cat", "/site/closed/page").stdout == "hi\n")
    }

    /// The pod lesson as an ordinary user: MariaDB's files belong to its mysql user (an id of the user's
    /// subordinate range) on a volume, the app beside it in the pod writes a row, and everything is removed after.
    @Test func theDatabaseLessonRunsWithoutRoot() throws {
        guard let user = try RootlessUser.prepare() else { return }
        let podman = user.podman
        #expect(try podman("pod", "create", "--name", "todo").status == 0)
        defer { _ = try? podman("pod", "rm", "-f", "todo") }
        let db = try podman("run", "-d", "--pod", "todo", "--name", "todo-db", "-v", "todo-db:/var/lib/mysql",
                            "-e", "MARIADB_ROOT_PASSWORD=root-pw", "-e", "MYSQL_DATABASE=todo", "-e", "MYSQL_USER=todo",
                            "-e", "MYSQL_PASSWORD=todo-pw", "docker.io/library/mariadb:10.11")
        #expect(db.status == 0, "\(db)")
        #expect(try podman("run", "-d", "--pod", "todo", "--name", "todo-web", "-e", "DB_HOST=127.0.0.1", "-e", "DB_USER=todo",
                           "-e", "DB_PASSWORD=todo-pw", "-e", "DB_NAME=todo", "docker.io/podlab/todo:1.0").status == 0)
        let add = try podman("exec", "todo-web", "todo", "add", "rootless-row")
        #expect(add.status == 0, "\(add)")
        let row = try podman("exec", "todo-db", "mariadb", "-utodo", "-ptodo-pw", "todo", "-N", "-e", "SELECT title FROM todos")
        #expect(row.stdout == "rootless-row\n", "\(row)")
        let owner = try podman("exec", "todo-db", "stat", "-c", "%U", "/var/lib/mysql/todo")
        #expect(owner.stdout == "mysql\n", "\(owner)")
        #expect(try podman("pod", "rm", "-f", "todo").status == 0)
        let remove = try podman("volume", "rm", "todo-db")
        #expect(remove.status == 0, "files of the subordinate range are removed too: \(remove)")
    }

    /// kube play without root: a ConfigMap's volume written again even when a container left files of a subordinate
    /// id in it that the user cannot remove by hand (control: `rm -rf` as the user fails there), and an emptyDir shared.
    @Test func kubePlayRunsWithoutRoot() throws {
        guard let user = try RootlessUser.prepare() else { return }
        let podman = user.podman
        let file = "\(user.data)/cm.yaml"
        let yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: cm-config}
            data: {greeting: hello}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: cm}
            spec:
              containers:
              - {name: a, image: docker.io/library/busybox:latest, command: [sleep, "600"],
                 volumeMounts: [{name: cfg, mountPath: /cfg}, {name: scratch, mountPath: /scratch}]}
              - {name: b, image: docker.io/library/busybox:latest, command: [sleep, "600"],
                 volumeMounts: [{name: scratch, mountPath: /scratch}]}
              volumes:
              - {name: cfg, configMap: {name: cm-config}}
              - {name: scratch, emptyDir: {}}

            """
        #expect(try TestProcess.run(user.prefix + ["sh", "-c", "cat > \(file)"], stdin: yaml).status == 0)
        defer { _ = try? podman("pod", "rm", "-a", "-f") }
        let play = try podman("kube", "play", file)
        #expect(play.status == 0, "\(play)")
        #expect(try podman("exec", "cm-a", "cat", "/cfg/greeting").stdout == "hello")
        #expect(try podman("exec", "cm-a", "sh", "-c", "echo shared > /scratch/x").status == 0)
        #expect(try podman("exec", "cm-b", "cat", "/scratch/x").stdout == "shared\n")

        // A container with the volume mounted read-write leaves a directory of a subordinate id, mode 700.
        let plant = try podman("run", "--rm", "-v", "cm-config:/x", "busybox", "sh", "-c", "mkdir /x/d && touch /x/d/f && chown -R 1000 /x/d && chmod 700 /x/d")
        #expect(plant.status == 0, "\(plant)")
        let data = "\(user.data)/podlab/volumes/cm-config/_data"
        #expect(try TestProcess.run(user.prefix + ["rm", "-rf", "\(data)/d"]).status != 0, "control: the user alone cannot remove it")
        let again = try podman("kube", "play", "--replace", file)
        #expect(again.status == 0, "the volume is emptied through the user namespace: \(again)")
        #expect(try podman("exec", "cm-a", "ls", "/cfg").stdout == "greeting\n")
    }
}

/// An unprivileged user to run podlab as: podlab-test (made by scripts/test-setup.sh) when the tests run
/// as root, else the current user. podlab and the fixtures are copied where that user can read them.
struct RootlessUser {
    static let name = "podlab-test"
    let directory: TemporaryDirectory
    let data: String
    let uid: uid_t
    let prefix: [String]

    static func prepare() throws -> RootlessUser? {
        let directory = TemporaryDirectory("podlab-rootless")
        chmod(directory.path, 0o755)
        let binary = directory.file("podlab")
        try TestProcess.run(["cp", BuildProducts.podlab, binary])
        try TestProcess.run(["cp", BuildProducts.podlabNet, directory.file("podlab-net")])
        try TestProcess.run(["cp", BuildProducts.podlabKube, directory.file("podlab-kube")])
        try TestProcess.run(["cp", "-r", BuildProducts.fixtures, directory.file("fixtures")])
        try TestProcess.run(["chmod", "-R", "a+rX", directory.path])
        let data = directory.file("data")
        try FileSystem.createDirectory(data)
        var prefix: [String] = []
        var uid = geteuid()
        if geteuid() == 0 {
            guard let entry = getpwnam(name) else {
                Issue.record("the test user \(name) is missing: run scripts/test-setup.sh (make test does)")
                return nil
            }
            uid = entry.pointee.pw_uid
            chown(data, entry.pointee.pw_uid, entry.pointee.pw_gid)
            // The worst case for /proc/PID/exe attacks: podlab belongs to the user who is container root.
            chown(binary, entry.pointee.pw_uid, entry.pointee.pw_gid)
            prefix = ["runuser", "-u", name, "--"]
        }
        let whoami = try TestProcess.run(prefix + ["id", "-u"])
        #expect(whoami.stdout == "\(uid)\n", "the commands must run as the unprivileged user")
        #expect(uid != 0)
        return RootlessUser(directory: directory, data: data, uid: uid, prefix: prefix)
    }

    func podman(_ arguments: String...) throws -> ProcessResult {
        try podlab(["podman"] + arguments)
    }

    /// `podlab ARGUMENTS…` as the user, with `extra` environment variables.
    func podlab(_ arguments: [String], extra: [String] = []) throws -> ProcessResult {
        try TestProcess.run(prefix + ["env", "-i", "HOME=\(data)", "XDG_DATA_HOME=\(data)", "XDG_RUNTIME_DIR=\(data)/run",
                                      "PODLAB_FIXTURES=\(directory.file("fixtures"))", "PATH=/usr/bin:/bin",
                                      ] + extra + [directory.file("podlab")] + arguments, directory: data)
    }
}
