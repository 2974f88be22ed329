import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Volumes with real containers: data that outlives its container, what is in use, read-only binds, podman's
/// refusals, an image's VOLUME seeded and removed with `rm -v`. Expected texts are podman 4.3.1's, as it printed
/// them on these machines (private containers.conf, --runtime runc).
struct VolumeTests {
    let directory = TemporaryDirectory("podlab-volumes")
    var podman: Podman { Podman(root: directory.file("storage")) }

    /// An image whose /seed holds a file and is a VOLUME, and whose /link is a symlink to /etc.
    func buildSeedImage() throws {
        let context = directory.file("context")
        try FileSystem.createDirectory(context, mode: 0o755)
        try FileSystem.writeAtomically(Array("""
            FROM docker.io/library/busybox
            RUN mkdir /seed && echo from-image > /seed/file && ln -s /etc /link
            VOLUME /seed
            """.utf8), to: "\(context)/Containerfile")
        let build = try podman("build", "-q", "-t", "seed-image", context)
        #expect(build.status == 0, "\(build)")
    }

    @Test func namedVolumeDataOutlivesItsContainer() throws {
        let empty = try podman("volume", "ls")
        #expect(empty.status == 0 && empty.stdout == "", "podman prints nothing, not even the header: \(empty)")
        #expect(try podman("volume", "create", "todo-db").stdout == "todo-db\n")
        let again = try podman("volume", "create", "todo-db")
        #expect(again.status == 125 && again.stderr.hasPrefix("Error: volume with name todo-db already exists: volume already exists\n"), "\(again)")
        #expect(try podman("volume", "ls").stdout == "DRIVER      VOLUME NAME\nlocal       todo-db\n")

        let write = try podman("run", "--name", "writer", "-v", "todo-db:/data", "busybox", "sh", "-c", "echo kept > /data/note")
        #expect(write.status == 0, "\(write)")
        let mounts = try podman("inspect", "--format", "{{json .Mounts}}", "writer")
        #expect(mounts.stdout.hasPrefix("[{\"Type\":\"volume\",\"Name\":\"todo-db\",") && mounts.stdout.contains("\"Destination\":\"/data\""), "\(mounts)")
        #expect(try podman("rm", "-v", "writer").status == 0)
        #expect(try podman("volume", "exists", "todo-db").status == 0, "rm -v keeps named volumes")
        #expect(try podman("run", "--rm", "-v", "todo-db:/var/lib/db:ro", "busybox", "cat", "/var/lib/db/note").stdout == "kept\n")
        // First use makes a volume.
        #expect(try podman("run", "--rm", "--mount", "type=volume,source=made-on-use,destination=/d", "busybox", "true").status == 0)
        #expect(try podman("volume", "exists", "made-on-use").status == 0)
        #expect(try podman("volume", "exists", "never-made").status == 1)

        let inspect = try podman("volume", "inspect", "todo-db")
        let fields = inspect.stdout.split(separator: "\n").compactMap { line in
            line.split(separator: ":").first.map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }.filter { !$0.isEmpty && !"[]{}".contains($0) }
        #expect(Array(fields.prefix(8)) == ["Name", "Driver", "Mountpoint", "CreatedAt", "Labels", "Scope", "Options", "MountCount"], "\(inspect)")
        #expect(inspect.stdout.contains("\"Mountpoint\": \"\(directory.file("storage"))/volumes/todo-db/_data\""), "\(inspect)")
        let missing = try podman("volume", "inspect", "nosuch")
        #expect(missing.status == 125 && missing.stdout == "[]\n" && missing.stderr.hasPrefix("Error: inspecting object: no such volume nosuch\n"))
    }

    @Test func aVolumeInUseIsRefusedAndForceRemovesItsUsers() throws {
        #expect(try podman("run", "-d", "--name", "user", "-v", "busy:/data", "busybox", "sleep", "600").status == 0)
        let id = try podman("inspect", "--format", "{{.Id}}", "user").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let refused = try podman("volume", "rm", "busy")
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.hasPrefix("Error: volume busy is being used by the following container(s): \(id): volume is being used\n"), "\(refused)")
        let missing = try podman("volume", "rm", "nosuch")
        #expect(missing.status == 1 && missing.stderr.hasPrefix("Error: no volume with name \"nosuch\" found: no such volume\n"), "\(missing)")
        let forced = try podman("volume", "rm", "-f", "busy")
        #expect(forced.status == 0 && forced.stdout == "busy\n", "\(forced)")
        #expect(try podman("ps", "-aq").stdout == "", "the user went with it")
    }

    @Test func aRefusedCreateLeavesNoNewVolume() throws {
        #expect(try podman("volume", "create", "kept").status == 0)
        #expect(try podman("create", "--name", "taken", "busybox", "true").status == 0)
        // The name is taken, which only the last step finds: the volumes made for this container go again.
        let clash = try podman("create", "--name", "taken", "-v", "fresh:/a", "-v", "kept:/b", "-v", "/anonymous", "busybox", "true")
        #expect(clash.status == 125 && clash.stderr.contains("taken"), "\(clash)")
        #expect(try podman("volume", "ls", "-q").stdout == "kept\n", "only the volume made before is left")
        // A refusal before any volume is made: no such pod (exit 125, as podman 4.3.1 gives for create).
        let noPod = try podman("create", "--pod", "nosuch", "-v", "fresh:/a", "busybox", "true")
        #expect(noPod.status == 125 && noPod.stderr.contains("no pod with name or ID nosuch found"), "\(noPod)")
        #expect(try podman("volume", "ls", "-q").stdout == "kept\n")
        // The control: the same volumes with a free name are made and used.
        #expect(try podman("create", "--name", "free", "-v", "fresh:/a", "-v", "kept:/b", "busybox", "true").status == 0)
        #expect(try podman("volume", "ls", "-q").stdout == "fresh\nkept\n")
    }

    @Test func aReadOnlyBindIsNotWritable() throws {
        let shared = directory.file("shared")
        try FileSystem.createDirectory(shared)
        chmod(shared, 0o777) // container root is another id than ours when we are root
        // Control: the same bind without :ro does write to the host.
        #expect(try podman("run", "--rm", "-v", "\(shared):/shared", "busybox", "sh", "-c", "echo rw > /shared/written").status == 0)
        #expect(FileSystem.exists("\(shared)/written"))
        let readOnly = try podman("run", "--rm", "-v", "\(shared):/shared:ro", "busybox", "sh", "-c", "echo ro > /shared/refused")
        #expect(readOnly.status != 0 && readOnly.stderr.contains("Read-only file system"), "\(readOnly)")
        #expect(!FileSystem.exists("\(shared)/refused"))
    }

    @Test(arguments: [
        ("./missing:/x", "Error: lstat missing: no such file or directory"),
        ("/nonexistent-host-path:/x", "Error: statfs /nonexistent-host-path: no such file or directory"),
        ("rel/sub:/x", "Error: creating named volume \"rel/sub\": running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"),
        ("v1:rel", "Error: invalid container path \"rel\", must be an absolute path"),
        ("v1:/data:bogus", "Error: invalid option type \"bogus\""),
        ("v1:/", "Error: invalid container path \"/\": a volume cannot replace / or go inside /proc, /sys or /dev"),
        ("v1:/proc/x", "Error: invalid container path \"/proc/x\": a volume cannot replace / or go inside /proc, /sys or /dev"),
        ("v1:/sys/x", "Error: invalid container path \"/sys/x\": a volume cannot replace / or go inside /proc, /sys or /dev"),
        ("v1:/dev/../dev/x", "Error: invalid container path \"/dev/../dev/x\": a volume cannot replace / or go inside /proc, /sys or /dev"),
    ])
    func refusedMounts(volume: String, message: String) throws {
        let result = try podman("run", "--rm", "-v", volume, "busybox", "true")
        #expect(result.status == 125, "\(result)")
        #expect(result.stderr.contains(message + "\n"), "\(result)")
        #expect(try podman("volume", "ls", "-q").stdout == "", "nothing was made")
    }

    @Test func anImagesVolumeIsSeededAnonymousAndRemovedWithItsContainer() throws {
        try buildSeedImage()
        #expect(try podman("run", "--name", "seeded", "seed-image", "cat", "/seed/file").stdout == "from-image\n")
        let anonymous = try podman("volume", "ls", "-q").stdout.split(separator: "\n")
        #expect(anonymous.count == 1 && anonymous.first?.count == 64, "\(anonymous)")
        #expect(try podman("rm", "-v", "seeded").status == 0)
        #expect(try podman("volume", "ls", "-q").stdout == "", "rm -v removes the anonymous volume")
        #expect(try podman("run", "--rm", "seed-image", "true").status == 0)
        #expect(try podman("volume", "ls", "-q").stdout == "", "--rm removes it too")
        // A named volume mounted where the image has content starts with that content.
        #expect(try podman("run", "--rm", "-v", "named-seed:/seed", "seed-image", "cat", "/seed/file").stdout == "from-image\n")
        #expect(try podman("volume", "ls", "-q").stdout == "named-seed\n")
    }

    /// A --rm container's anonymous volume goes with it whoever removes it: here a prune takes it before it ever ran (as
    /// one between `run --rm`'s create and its start does). The control: a container without --rm keeps its anonymous
    /// volume through a prune, as podman's does.
    @Test func aRmContainersAnonymousVolumeGoesWithItWhoeverRemovesIt() throws {
        #expect(try podman("create", "--name", "kept", "-v", "/data", "busybox", "true").status == 0)
        let kept = try podman("volume", "ls", "-q").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(kept.count == 64, "one anonymous volume: \(kept)")
        #expect(try podman("create", "--rm", "--name", "passing", "-v", "/data", "busybox", "true").status == 0)
        #expect(try podman("volume", "ls", "-q").stdout.split(separator: "\n").count == 2)
        let pruned = try podman("container", "prune", "-f")
        #expect(pruned.status == 0, "\(pruned)")
        #expect(try podman("ps", "-a", "-q").stdout == "")
        #expect(try podman("volume", "ls", "-q").stdout == "\(kept)\n", "only the --rm container's volume went")
    }

    /// An image's symlink cannot turn the copy-up into a copy of the host's directory, nor move the mount.
    @Test func aSymlinkInTheImageMovesNeitherTheCopyNorTheMount() throws {
        try buildSeedImage()
        let result = try podman("run", "--rm", "-v", "escape:/link", "seed-image", "ls", "/link")
        #expect(result.status == 125 && result.stderr.contains("mounting a volume (/link)"), "\(result)")
        #expect(FileSystem.list("\(directory.file("storage"))/volumes/escape/_data").isEmpty, "the host's /etc was not copied in")
    }

    @Test func podmanCommandsPodlabLacksSaySo() throws {
        let result = try podman("network", "ls")
        #expect(result.status == 125 && result.stderr == "Error: podlab does not implement 'podman network' yet\n", "\(result)")
        // generate and play answer kube only (podlab-kube); their other subcommands are named as missing too.
        let systemd = try podman("generate", "systemd", "web")
        #expect(systemd.status == 125 && systemd.stderr == "Error: podlab does not implement 'podman generate systemd' yet\n", "\(systemd)")
    }

    @Test func volumesWorkWithoutRoot() throws {
        guard let user = try RootlessUser.prepare() else { return }
        #expect(try user.podman("run", "--rm", "-v", "notes:/notes", "busybox", "sh", "-c", "echo mine > /notes/n; chown 1000 /notes/n").status == 0)
        #expect(try user.podman("run", "--rm", "-v", "notes:/notes", "busybox", "cat", "/notes/n").stdout == "mine\n")
        var info = stat()
        #expect(stat("\(user.data)/podlab/volumes/notes/_data", &info) == 0 && info.st_uid == user.uid,
                "the data belongs to container root, the user")
        #expect(try user.podman("volume", "rm", "notes").status == 0, "files of other ids go too")
    }
}
