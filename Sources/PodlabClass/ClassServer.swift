import Hummingbird
import PodlabCore
import PodlabRegistryServer
import PodlabTutor

/// `podlab class serve`: one process that is the class's registry (`/v2/`, pushes only under the learner's own name),
/// receives its submissions (`/class/api/`) and verifies them by replay (`ReplayWorker`), with one directory for
/// all of it:
///
///     DIR/accounts/      `ClassAccounts` (the htpasswd both halves check)
///     DIR/submissions/   `SubmissionStore`
///     DIR/registry/      the registry's storage
///     DIR/replays/       the sandboxes of replays under way (what a crash leaves is removed at start)
///     DIR/server.lock    held while a server runs: two servers on one class would number submissions twice
public struct ClassServer: Sendable {
    public struct Options: Sendable {
        public var host: String
        public var port: Int
        public var storage: String
        /// The lessons the class offers (the catalogue's ids, in its order).
        public var lessons: [String]
        /// Each lesson's step ids, in order: what a learner's live activity report is checked against.
        public var lessonSteps: [String: [String]] = [:]
        /// One line per request on stderr.
        public var logRequests = false
        /// How submissions are verified; nil: they are kept, not replayed (they stay `queued`).
        public var replay: SubmissionReplay?
        /// The certificate and key to serve HTTPS with; nil: plain HTTP.
        public var tls: ServerTLS?

        public init(host: String, port: Int, storage: String, lessons: [String], replay: SubmissionReplay?) {
            self.host = host
            self.port = port
            self.storage = storage
            self.lessons = lessons
            self.replay = replay
        }
    }

    public let options: Options

    public init(options: Options) {
        self.options = options
    }

    /// Runs until SIGTERM/SIGINT; `onListening` gets the bound host and port and the submissions queued again after
    /// a restart. Refuses to start without a teacher's account (no one could see the class's work) or beside a
    /// server already running on the same directory.
    public func run(onListening: @escaping @Sendable (String, Int, [String]) -> Void) async throws {
        let storage = options.storage
        let serverLock: FileLock
        do {
            try FileSystem.createDirectory(storage, mode: 0o700)
            serverLock = try FileLock(path: "\(storage)/server.lock")
            guard try serverLock.tryLock(.exclusive) else {
                throw ClassError("another class server is running on \(storage)",
                                 hint: "stop it first, or give this one another --storage")
            }
        } catch let error as ClassError {
            throw error
        } catch {
            throw ClassError(error)
        }
        let accounts = try ClassAccounts(directory: "\(storage)/accounts")
        guard try accounts.list().contains(where: \.teacher) else {
            throw ClassError("the class in \(storage) has no teacher's account",
                             hint: "add one first: echo \"$PASSWORD\" | podlab class account add --storage \(storage) --username NAME --teacher --password-stdin")
        }
        if let replay = options.replay {
            // The replays' sandboxes live under the class's directory, which their containers' root must pass.
            do { try StoreAccess.prepare(storage) } catch { throw ClassError(error) }
            try replay.removeLeftovers()
        }
        let submissions = try SubmissionStore(directory: "\(storage)/submissions")
        let requeued = try submissions.recover()
        let registryStorage = try RegistryStorage(root: "\(storage)/registry")
        registryStorage.sweepAbandonedUploads()
        // A learner pulls their own images and the teachers', never another learner's (their push lesson's work);
        // a teacher pulls everyone's.
        let mayPullFrom: @Sendable (String, String) -> Bool = { user, owner in
            do throws(ClassError) {
                let teachers = try accounts.teacherNames()
                return teachers.contains(user) || teachers.contains(owner)
            } catch {
                // Accounts that cannot be read name no teacher: the pull is refused, not opened to all.
                RegistryServer.logLine("class: the accounts cannot be read, so \(user)'s pull from \(owner)/… is refused: \(error.message)")
                return false
            }
        }
        let access = try RegistryAccess(policy: .init(htpasswdPath: accounts.registryPasswords, anonymousPull: false,
                                                      ownerNamespaces: true, realm: "podlab class", mayPullFrom: mayPullFrom))
        let log: (@Sendable (String) -> Void)? = options.logRequests ? RegistryServer.logLine : nil
        let registry = RegistryHandler(storage: registryStorage, access: access, log: log)
        let signingSecret = try accounts.signingSecret()
        let changes = ChangeSignal()
        let replays = options.replay.map { ReplayWorker(store: submissions, replay: $0, signingSecret: signingSecret, changes: changes) }
        replays?.start()
        let classAPI = ClassHandler(accounts: accounts, submissions: submissions, access: access, lessons: options.lessons,
                                    lessonSteps: options.lessonSteps, replays: replays, signingSecret: signingSecret,
                                    changes: changes)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            if request.uri.path == "/class" || request.uri.path.hasPrefix("/class/") {
                let response = await classAPI.respond(to: request)
                log?("\(request.method) \(request.uri.path) \(response.status.code)")
                return response
            }
            return await registry.respond(to: request)
        }
        try await RegistryServer.serve(responder, host: options.host, port: options.port, name: "podlab-class", tls: options.tls) { host, port in
            onListening(host, port, requeued)
        }
        withExtendedLifetime(serverLock) {}
    }
}
