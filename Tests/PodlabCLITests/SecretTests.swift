import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// Secrets for real containers: a file at /run/secrets/NAME or a variable, read-only, and the value nowhere
/// else — not in `inspect` (where podman 4.3.1 does show an env secret), the container's record, the journal.
struct SecretTests {
    let directory = TemporaryDirectory("podlab-secrets")
    var podman: Podman { Podman(root: directory.file("storage")) }
    static let value = "s3cret-\(UInt32.random(in: 0...UInt32.max))"

    @Test func aSecretReachesTheContainerAndNothingElse() throws {
        let create = try podman("secret", "create", "dbpass", "-", stdin: Self.value)
        #expect(create.status == 0 && create.stdout.count == 26, "a 25-hex id: \(create)")
        let duplicate = try podman("secret", "create", "dbpass", "-", stdin: "other")
        #expect(duplicate.status == 125 && duplicate.stderr.hasPrefix("Error: dbpass: secret name in use\n"), "\(duplicate)")
        let list = try podman("secret", "ls")
        let header = list.stdout.split(separator: "\n").first.map { $0.split(separator: "  ").map { $0.trimmingCharacters(in: .whitespaces) } }
        #expect(header?.filter { !$0.isEmpty } == ["ID", "NAME", "DRIVER", "CREATED", "UPDATED"], "\(list)")

        let file = try podman("run", "--rm", "--secret", "dbpass", "busybox", "sh", "-c",
                              "cat /run/secrets/dbpass; echo; echo changed > /run/secrets/dbpass || echo read-only")
        #expect(file.stdout == "\(Self.value)\nread-only\n", "\(file)")
        // The variable holds the value (compared with the file, so that the value is not on the command line).
        let variable = try podman("run", "--name", "app", "--secret", "dbpass,type=env,target=DB_PASSWORD", "--secret", "dbpass",
                                  "busybox", "sh", "-c", "test \"$DB_PASSWORD\" = \"$(cat /run/secrets/dbpass)\"")
        #expect(variable.status == 0, "\(variable)")
        #expect(try podman("start", "app").status == 0, "a restart gets it again")

        for shown in [try podman("inspect", "app").stdout, try podman("secret", "inspect", "dbpass").stdout,
                      try podman("logs", "app").stdout, try podman("events").stdout] {
            #expect(!shown.contains(Self.value), "\(shown)")
        }
        let storage = directory.file("storage")
        for file in ["\(storage)/containers/containers.json", "\(storage)/containers/volatile-containers.json", "\(storage)/events.jsonl"]
            where file.hasSuffix("/containers.json") || FileSystem.exists(file) {
            #expect(!String(decoding: try FileSystem.readFile(file), as: UTF8.self).contains(Self.value), "\(file)")
        }
        let missing = try podman("run", "--rm", "--secret", "nosuch", "busybox", "true")
        #expect(missing.status == 125 && missing.stderr.contains("Error: no secret with name or id \"nosuch\": no such secret\n"), "\(missing)")
        let id = create.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try podman("secret", "rm", "dbpass").stdout == "\(id)\n")
        #expect(try podman("secret", "ls", "-q").stdout == "")
    }

    @Test func secretsWorkWithoutRoot() throws {
        guard let user = try RootlessUser.prepare() else { return }
        let secretFile = user.data + "/value"
        try FileSystem.writeAtomically(Array(Self.value.utf8), to: secretFile, mode: 0o644)
        #expect(try user.podman("secret", "create", "token", secretFile).status == 0)
        #expect(try user.podman("run", "--rm", "--secret", "token,target=api-token", "busybox", "cat", "/run/secrets/api-token").stdout == Self.value)
    }
}
