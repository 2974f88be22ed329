import Foundation
import PodlabClass
import PodlabCore
import PodlabTestSupport
import PodlabTutor
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A learner's machine and a real class server on 127.0.0.1: `class join` checks the account and logs in to the class
/// registry, `check --submit` and `class submit` send reports the server stores as the learner's, `class leave`
/// forgets it all.
struct ClassJoinTests {
    let directory = TemporaryDirectory("podlab-class-join")
    var classStorage: String { directory.file("class") }

    /// An isolated learner: store, state, workspace, auth file.
    var learner: [String: String] { TestLearner.environment(in: directory.path) }

    func podlab(_ arguments: String..., stdin: String? = nil) throws -> ProcessResult {
        try TestProcess.run([BuildProducts.podlab] + arguments, environment: learner, stdin: stdin)
    }

    func serve() throws -> ServerProcess {
        let accounts = try ClassAccounts(directory: "\(classStorage)/accounts")
        try accounts.add("teacher1", password: "lecture-hall", teacher: true)
        try accounts.add("alice", password: "alice-pass-1", teacher: false)
        return try ServerProcess([BuildProducts.podlab, "class", "serve", "--address", "127.0.0.1:0", "--storage", classStorage, "--no-verify"],
                                 logPath: directory.file("server.log"), listeningPort: ServerProcess.portAfterListening)
    }

    func stored() throws -> [Submission] {
        let store = try SubmissionStore(directory: "\(classStorage)/submissions")
        return store.records().map(\.submission)
    }

    @Test func aLearnerJoinsSubmitsAndLeaves() throws {
        let server = try serve()
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)"

        let notJoined = try podlab("check", "--lesson", "hello-world", "--submit")
        #expect(notJoined.status == 125 && notJoined.stderr.hasPrefix("Error: this machine has joined no class\nHint: join it first"), "\(notJoined)")
        let wrong = try podlab("class", "join", url, "--username", "alice", "--password-stdin", stdin: "not-her-password\n")
        #expect(wrong.status == 125 && wrong.stderr.hasPrefix("Error: the class server did not accept the password for alice"), "\(wrong)")
        #expect(!FileSystem.exists(directory.file("state/class.json")) && !FileSystem.exists(learner["REGISTRY_AUTH_FILE"] ?? ""),
                "a refused join stores nothing")

        let joined = try podlab("class", "join", url, "--username", "alice", "--password-stdin", stdin: "alice-pass-1\n")
        #expect(joined.status == 0 && joined.stdout.hasPrefix("Joined the class at \(url) as alice.\n"), "\(joined)")
        #expect(joined.stdout.contains("the teacher's page where you are"), "join says what the class sees live: \(joined)")
        // The join is also the class registry's login: a push under her own name needs nothing more.
        let podman = Podman(root: directory.file("storage"))
        #expect(try podman("pull", "-q", "busybox").status == 0)
        let push = try podman("push", "--tls-verify=false", "busybox", "127.0.0.1:\(server.port)/alice/busybox:1")
        #expect(push.status == 0, "\(push)")

        // The lesson done for real, graded and sent; what was sent is what --format json prints.
        let script = directory.file("hello.sh")
        try FileSystem.writeAtomically(Array("podman run docker.io/library/hello-world\n".utf8), to: script)
        let checked = try podlab("check", "--lesson", "hello-world", "--run", script, "--format", "json", "--submit")
        #expect(checked.stderr.hasSuffix("Submitted hello-world as 000001 (queued)\n"), "\(checked)")
        let first = try #require(try stored().first)
        #expect(first.username == "alice" && first.lesson == "hello-world")
        #expect(first.journal.contains { $0.arguments.last == "docker.io/library/hello-world" && $0.exitCode == 0 }, "\(first.journal)")
        #expect(Array(checked.stdout.utf8).dropLast() == Array(try SubmissionStore(directory: "\(classStorage)/submissions").bytes("000001")),
                "the server keeps the bytes the learner saw")

        // A saved report goes too; one whose name was changed does not leave the machine.
        let saved = directory.file("saved.json")
        try FileSystem.writeAtomically(Array(checked.stdout.utf8), to: saved)
        let again = try podlab("class", "submit", saved)
        #expect(again.status == 0 && again.stdout == "Submitted hello-world as 000002 (queued)\n", "\(again)")
        let forged = directory.file("forged.json")
        try FileSystem.writeAtomically(Array(checked.stdout.replacingOccurrences(of: "\"alice\"", with: "\"bob\"").utf8), to: forged)
        let refused = try podlab("class", "submit", forged)
        #expect(refused.status == 125 && refused.stderr.hasPrefix("Error: the report is bob's; this machine joined the class as alice"), "\(refused)")
        #expect(try stored().count == 2)

        let left = try podlab("class", "leave")
        #expect(left.status == 0 && left.stdout == "Left the class at \(url)\n", "\(left)")
        #expect(try podman("login", "--get-login", "127.0.0.1:\(server.port)").status != 0, "the registry login went with it")
        let afterwards = try podlab("class", "submit", saved)
        #expect(afterwards.status == 125 && afterwards.stderr.hasPrefix("Error: this machine has joined no class"), "\(afterwards)")
    }

    @Test func addressesThatAreNotAClassServerAreRefusedBeforeAnyRequest() throws {
        for address in ["ftp://host:21", "http://host:5000/path", "http://user@host:5000", "host:5000"] {
            let answer = try podlab("class", "join", address, "--username", "alice", "--password-stdin", stdin: "alice-pass-1\n")
            #expect(answer.status == 125 && answer.stderr.hasPrefix("Error: \"\(address)\" is not a class server's address"), "\(answer)")
        }
        // A port bound but not listening refuses connections, and no other process can take it meanwhile.
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0 }
        }
        #expect(bound)
        let closed = UInt16(bigEndian: address.sin_port)
        let unreachable = try podlab("class", "join", "http://127.0.0.1:\(closed)", "--username", "alice", "--password-stdin", stdin: "alice-pass-1\n")
        #expect(unreachable.status == 125 && unreachable.stderr.contains("cannot reach the class server at http://127.0.0.1:\(closed)"), "\(unreachable)")
    }
}
