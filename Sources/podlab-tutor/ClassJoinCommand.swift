import ArgumentParser
import PodlabClass
import PodlabCore
import PodlabRegistryClient
import PodlabTutor

/// `podlab class join|leave|submit`: a learner's machine and the class server.
struct ClassJoinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join a class: check the account with its server, log in to its registry, remember both.",
        discussion: "Afterwards 'podlab check --lesson ID --submit' sends a lesson's result to the class.")
    @Argument(help: "The class server's address, as the teacher gave it (http://HOST:PORT).") var url: String
    @Option(help: "Your class account.") var username: String
    @Flag(help: "Read the password from standard input (required).") var passwordStdin = false

    func run() throws {
        try ClassCommandOutcome.run {
            guard passwordStdin else {
                throw ClassError("the password is read from standard input only",
                                 hint: "echo \"$PASSWORD\" | podlab class join \(url) --username \(username) --password-stdin")
            }
            let credentials = AuthFile.Credentials(username: username, password: FileSystem.readLine(fd: 0))
            let client = try ClassClient(url: url, credentials: credentials)
            let identity = try client.whoami()
            let paths = try TutorPaths.current()
            // The registry login first: a membership without it could not push.
            try AuthFile.standard().store(credentials, for: client.registry)
            try ClassMembership(url: client.url, username: identity.username, teacher: identity.teacher, joined: WallClock.now(),
                                signingKey: identity.signingKey).save(state: paths.state)
            print("Joined the class at \(client.url) as \(identity.username)\(identity.teacher ? " (teacher)" : "").")
            print("Logged in to its registry: podman push IMAGE \(client.registry)/\(identity.username)/NAME:TAG")
            print("Send a lesson's result with: podlab check --lesson ID --submit")
            // What is shared, said once where the learner chose it: the teacher's grid shows it live.
            print("From now on the guided shell sends each lesson you finish to the class, and while you work it tells")
            print("the teacher's page where you are: the lesson, the step, your tries and hints, and the last podman")
            print("command that failed (passwords removed). 'podlab class leave' stops both.")
        }
    }
}

struct ClassLeaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "leave", abstract: "Forget the class joined on this machine and log out of its registry.")

    func run() throws {
        try ClassCommandOutcome.run {
            let state = try TutorPaths.current().state
            guard let membership = try ClassMembership.load(state: state) else {
                throw ClassError("this machine has joined no class", exitStatus: ExitStatus.notFound)
            }
            if let registry = ClassClient.registryName(membership.url) { _ = try AuthFile.standard().remove(registry) }
            _ = try ClassMembership.remove(state: state)
            print("Left the class at \(membership.url)")
        }
    }
}

struct ClassSubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "submit", abstract: "Send a saved report (podlab check --format json) to the class joined.")
    @Argument(help: "The report file, or - for standard input.") var report: String

    func run() throws {
        try ClassCommandOutcome.run {
            let limit = Submission.Limits.bytes
            let bytes = try FileSystem.readFileOrStandardInput(report, limit: limit)
            let receipt = try ClassSubmission.send(bytes)
            print("Submitted \(receipt.lesson) as \(receipt.id) (\(receipt.status))")
        }
    }
}

/// Sending one report to the class this machine joined, for `class submit` and `check --submit`.
enum ClassSubmission {
    struct Sent { var id: String; var status: String; var lesson: String }

    /// The membership and the registry login `class join` stored, or what to do without them.
    static func joined() throws -> (ClassMembership, ClassClient) {
        guard let membership = try ClassMembership.load(state: try TutorPaths.current().state) else {
            throw ClassError("this machine has joined no class",
                             hint: "join it first: echo \"$PASSWORD\" | podlab class join URL --username NAME --password-stdin")
        }
        guard let registry = ClassClient.registryName(membership.url),
              let credentials = AuthFile.standard().credentials(for: registry), credentials.username == membership.username else {
            throw ClassError("the login for the class at \(membership.url) is gone (podman logout?)",
                             hint: "join again: echo \"$PASSWORD\" | podlab class join \(membership.url) --username \(membership.username) --password-stdin")
        }
        return (membership, try ClassClient(url: membership.url, credentials: credentials))
    }

    /// Checks the report locally (the server checks it again) and sends it as it is.
    static func send(_ bytes: [UInt8]) throws -> Sent {
        let (membership, client) = try joined()
        let submission = try Submission.decode(bytes)
        guard submission.username == membership.username else {
            throw ClassError("the report is \(submission.username.isEmpty ? "nobody's" : submission.username + "'s"); this machine joined the class as \(membership.username)",
                             hint: "make it here with 'podlab check --lesson \(submission.lesson) --submit'")
        }
        let receipt = try client.submit(bytes)
        return Sent(id: receipt.id, status: receipt.status, lesson: submission.lesson)
    }
}

/// The guided shell on a machine that joined a class: each lesson finished is graded, sealed and sent.
enum ClassLessonSubmission {
    /// The class joined, or nil; a damaged `class.json` is said once and the shell goes on without the class.
    static func membership(paths: TutorPaths) -> ClassMembership? {
        do {
            return try ClassMembership.load(state: paths.state)
        } catch {
            ClassCommandOutcome.standardError("podlab: \(error.message); finished lessons will not be sent to the class")
            return nil
        }
    }

    /// What sends the learner's step-by-step activity to the class; nil (and the shell goes on without it) when the
    /// class's login is gone, which the first finished lesson then says with what to do.
    static func activityReporter(_ membership: ClassMembership) -> ActivityReporter? {
        guard let registry = ClassClient.registryName(membership.url),
              let credentials = AuthFile.standard().credentials(for: registry), credentials.username == membership.username,
              let client = try? ClassClient(url: membership.url, credentials: credentials, timeoutSeconds: 10) else { return nil }
        return ActivityReporter(client: client)
    }

    /// One line for the learner: the submission's number, or why it was not sent and how to send it later.
    static func send(_ lesson: Lesson, paths: TutorPaths, language: Language, membership: ClassMembership) -> String {
        do {
            let report = try LessonRunner(paths: paths, language: language)
                .check(lesson, script: nil, environment: Environment.current, log: "\(paths.state)/check-\(lesson.id).log")
            let sent = try ClassSubmission.send(Array(try membership.seal(report).render(.json).utf8))
            return language == .zh ? "已提交给班级：编号 \(sent.id)（\(sent.status)）" : "Sent to the class as \(sent.id) (\(sent.status))"
        } catch {
            let reason = TerminalText.visible((error as? any LearnerFacingError)?.message ?? "\(error)")
            return language == .zh
                ? "未能提交给班级：\(reason)。稍后可以运行 podlab check --lesson \(lesson.id) --submit"
                : "Not sent to the class: \(reason). Send it later with: podlab check --lesson \(lesson.id) --submit"
        }
    }
}
