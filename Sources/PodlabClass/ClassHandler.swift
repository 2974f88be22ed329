import HTTPTypes
import Hummingbird
import NIOCore
import PodlabCore
import PodlabImages
import PodlabRegistryServer
import PodlabTutor

/// The class's own API, under `/class/api/` (the registry's `/v2/` is `RegistryHandler`'s). Every request signs in
/// with a class account's HTTP basic credentials, checked by the registry's `RegistryAccess` (the same htpasswd, the
/// same cache of verified passwords and the same bound on bcrypt work): a learner's registry password is their
/// submission password.
///
///     GET  /class/api/whoami                   {"username", "teacher", "signingKey"} (the key this account signs with)
///     POST /class/api/submissions              a `podlab check --format json` report → 201 {"id", "status"}
///     GET  /class/api/submissions              a learner's own; a teacher's: everyone's
///     GET  /class/api/submissions/ID[?wait=S]  one, with its verdict (a learner: their own only, else 404); with
///                                              `wait`, the answer waits up to S seconds (at most 120) for the verdict
///     GET  /class/api/progress[.csv|.junit]    the class grid (teachers only)
///     PUT  /class/api/activity                 where the signed-in learner is now (`LearnerActivity`) → 204
///
/// and the teacher's pages (`ClassHandler+Dashboard`).
public struct ClassHandler: Sendable {
    let accounts: ClassAccounts
    let submissions: SubmissionStore
    let access: RegistryAccess
    /// The lessons the class offers, in the catalogue's order; a submission for another lesson is refused.
    let lessons: [String]
    /// Each offered lesson's step ids, in order (what an activity report must match).
    let lessonSteps: [String: [String]]
    /// Where each learner's guided shell last said they are.
    let activities = LearnerActivities()
    /// Replays what is submitted; nil when the server does not verify (submissions then stay `queued`).
    let replays: ReplayWorker?
    /// The class's signing secret: `whoami` gives each account its own key, derived from it.
    let signingSecret: [UInt8]
    /// Announced when a submission is stored (and by the replays, at each verdict).
    let changes: ChangeSignal
    let clock: @Sendable () -> Double

    public init(accounts: ClassAccounts, submissions: SubmissionStore, access: RegistryAccess, lessons: [String],
                lessonSteps: [String: [String]], replays: ReplayWorker?, signingSecret: [UInt8], changes: ChangeSignal,
                clock: @escaping @Sendable () -> Double = WallClock.now) {
        self.accounts = accounts
        self.submissions = submissions
        self.access = access
        self.lessons = lessons
        self.lessonSteps = lessonSteps.filter { lessons.contains($0.key) }
        self.replays = replays
        self.signingSecret = signingSecret
        self.changes = changes
        self.clock = clock
    }

    public func respond(to request: Request) async -> Response {
        do {
            let account = try await signIn(request)
            return try await route(request, as: account)
        } catch let failure as ClassAPIFailure {
            return failureResponse(failure)
        } catch let failure as RegistryFailure {
            return failureResponse(ClassAPIFailure(registry: failure))
        } catch let failure as ClassError {
            // A submission refused for what it holds: the learner's to mend.
            return failureResponse(ClassAPIFailure(.badRequest, failure.message, hint: failure.hint))
        } catch {
            // The server's own trouble (a full disk, an unreadable file): said in its log, not to the learner, whose
            // request may be fine.
            RegistryServer.logLine("class: \(request.method) \(request.uri.path): \(error)")
            return failureResponse(ClassAPIFailure(.internalServerError, "the class server could not answer", hint: "tell the teacher"))
        }
    }

    func signIn(_ request: Request) async throws -> ClassAccounts.Account {
        guard let username = try await access.authorize(.pull, repository: nil, authorization: request.headers[.authorization]) else {
            throw ClassAPIFailure(.unauthorized, "sign in with a class account")
        }
        let teacher = try accounts.list().contains { $0.username == username && $0.teacher }
        return ClassAccounts.Account(username: username, teacher: teacher)
    }

    func route(_ request: Request, as account: ClassAccounts.Account) async throws -> Response {
        let parts = request.uri.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if request.method == .get, parts == ["class"] || (parts.count == 3 && parts[1] == "learners") {
            return try dashboard(request, parts, as: account)
        }
        if request.method == .get, parts == ["class", "api", "events"] { return try events(as: account) }
        guard parts.count >= 3, parts[0] == "class", parts[1] == "api" else {
            throw ClassAPIFailure(.notFound, "no such endpoint: \(request.uri.path)")
        }
        switch (Array(parts.dropFirst(2)), request.method) {
        case (["whoami"], .get):
            let key = SubmissionSignature.accountKey(secret: signingSecret, username: account.username)
            return json(WhoAmI(username: account.username, teacher: account.teacher, signingKey: Hex.encode(key)))
        case (["submissions"], .post):
            return try await receive(request, from: account)
        case (["submissions"], .get):
            return json(try listing(for: account))
        case (let path, .get) where path.count == 2 && path[0] == "submissions":
            let wait = min(max(request.uri.queryParameters.get("wait", as: Int.self) ?? 0, 0), 120)
            return json(try await entry(path[1], for: account, waiting: wait))
        case (["progress"], .get), (["progress.csv"], .get), (["progress.junit"], .get):
            guard account.teacher else { throw ClassAPIFailure(.forbidden, "the class's progress is for teachers") }
            let progress = try self.progress()
            switch parts.last {
            case "progress.csv": return text(progress.csv(), type: "text/csv; charset=utf-8")
            case "progress.junit": return text(progress.junit(), type: "application/xml; charset=utf-8")
            default: return bytes(progress.json(), type: "application/json")
            }
        case (["activity"], .put):
            return try await activity(request, from: account)
        default:
            throw ClassAPIFailure(.notFound, "no such endpoint: \(request.method) \(request.uri.path)")
        }
    }

    /// The class as the grid and the exports show it: the accounts, the submissions, and where learners are now.
    func progress() throws -> ClassProgress {
        ClassProgress(accounts: try accounts.list(), records: submissions.records(), lessons: lessons,
                      activities: activities.all, now: clock())
    }

    /// Keeps where the signed-in learner's guided shell says they are, for the live grid. Only ever their own: the
    /// report names no account.
    func activity(_ request: Request, from account: ClassAccounts.Account) async throws -> Response {
        let body = try await collect(request, upTo: LearnerActivity.Limits.bytes, what: "an activity report")
        let activity: LearnerActivity
        do {
            activity = try LearnerActivities.decode(body, lessonSteps: lessonSteps)
        } catch {
            throw ClassAPIFailure(.unprocessableContent, error.message, hint: error.hint)
        }
        if activities.record(activity, for: account.username, at: clock()) { changes.announce() }
        return Response(status: .noContent)
    }

    /// Stores a report as received, once it decodes within bounds, names the signed-in account and an offered lesson.
    func receive(_ request: Request, from account: ClassAccounts.Account) async throws -> Response {
        let bytes = try await collect(request, upTo: Submission.Limits.bytes, what: "a submission",
                                      hint: "submit the report podlab check --format json wrote, unchanged")
        let submission = try Submission.decode(bytes)
        // The seal is checked over the report as this podlab encodes it: another version might encode it otherwise.
        guard submission.podlab == Versions.podlab else {
            throw ClassAPIFailure(.unprocessableContent, "the report was made by podlab \(submission.podlab); this class server runs \(Versions.podlab)",
                                  hint: "install podlab \(Versions.podlab), as the class server has, and check the lesson again")
        }
        guard submission.username == account.username else {
            throw ClassAPIFailure(.forbidden, "the report is \(submission.username)'s; you are signed in as \(account.username)",
                                  hint: "submit your own work, signed in as yourself")
        }
        guard lessons.contains(submission.lesson) else {
            throw ClassAPIFailure(.unprocessableContent, "this class does not offer the lesson \"\(submission.lesson)\"",
                                  hint: "the class offers: \(lessons.joined(separator: ", "))")
        }
        // One replay runs at a time, oldest first: a learner with many submissions waiting would hold up the class.
        let limit = replays == nil ? nil : waitingPerLearner
        let stored: String?
        do {
            stored = try submissions.add(submission, bytes: bytes, waitingLimit: limit, now: clock())
        } catch {
            RegistryServer.logLine("class: a submission of \(account.username) could not be stored: \(error.message)")
            throw ClassAPIFailure(.internalServerError, "the class server could not store the submission",
                                  hint: "nothing was kept: send it again later, or tell the teacher")
        }
        guard let id = stored else {
            throw ClassAPIFailure(.tooManyRequests, "\(waitingPerLearner) of your submissions are still waiting for a replay",
                                  hint: "nothing was kept: once one of them is judged, send it again with 'podlab check --lesson \(submission.lesson) --submit'")
        }
        replays?.submitted()
        changes.announce()
        var response = json(Received(id: id, status: SubmissionState.Status.queued.rawValue), status: .created)
        response.headers[.location] = "/class/api/submissions/\(id)"
        return response
    }

    /// A request's body, refused (413) past `limit` bytes.
    func collect(_ request: Request, upTo limit: Int, what: String, hint: String? = nil) async throws -> [UInt8] {
        var request = request
        do {
            return Array(buffer: try await request.collectBody(upTo: limit))
        } catch is NIOTooManyBytesError {
            throw ClassAPIFailure(.contentTooLarge, "\(what) is at most \(limit) bytes", hint: hint)
        }
    }

    func listing(for account: ClassAccounts.Account) throws -> [Entry] {
        submissions.records()
            .filter { account.teacher || $0.submission.username == account.username }
            .map(Entry.init)
    }

    /// One submission; another learner's reads as absent, so ids reveal nothing. With `waiting` seconds, and a
    /// server that replays, the answer comes once the verdict is written or the time is up.
    func entry(_ id: String, for account: ClassAccounts.Account, waiting: Int) async throws -> Entry {
        guard id.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), !id.isEmpty, id.count <= 12,
              let submission = try? submissions.submission(id), var state = try? submissions.state(id),
              account.teacher || submission.username == account.username else {
            throw ClassAPIFailure(.notFound, "no submission \(id)")
        }
        if replays != nil, waiting > 0 {
            let deadline = ContinuousClock.now + .seconds(waiting)
            while !state.status.isFinal, ContinuousClock.now < deadline {
                // The count is read before the state: a verdict written in between makes the wait return at once.
                let seen = changes.count
                state = try submissions.state(id)
                if state.status.isFinal { break }
                let left = deadline - ContinuousClock.now
                await changes.wait(after: seen, seconds: max(1, Int(left.components.seconds)))
                state = try submissions.state(id)
            }
        }
        return Entry(SubmissionRecord(id: id, submission: submission, state: state))
    }

    /// How many submissions of one learner may wait for a verdict at once: one for each lesson the class offers (at
    /// least 4), so a learner who finishes every lesson in a row waits for nothing, while a loop of submissions
    /// pushes the rest of the class's replays back by no more than this.
    var waitingPerLearner: Int { max(lessons.count, 4) }

    struct WhoAmI: Encodable { var username: String; var teacher: Bool; var signingKey: String }
    struct Received: Encodable { var id: String; var status: String }

    /// A submission as the API lists it: who, which lesson, what the learner's machine claimed, and the verdict.
    struct Entry: Encodable {
        var id: String
        var username: String
        var lesson: String
        var claimsPassed: Bool
        var status: String
        var detail: String?
        var received: Double

        init(_ record: SubmissionRecord) {
            id = record.id
            username = record.submission.username
            lesson = record.submission.lesson
            claimsPassed = record.submission.claimsPassed
            status = record.state.status.rawValue
            detail = record.state.detail
            received = record.state.received
        }
    }

    func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        bytes((try? JSONCoding.encode(value, pretty: true)) ?? Array("{}".utf8), type: "application/json", status: status)
    }

    func text(_ text: String, type: String) -> Response {
        bytes(Array(text.utf8), type: type)
    }

    func bytes(_ bytes: [UInt8], type: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.contentLength] = String(bytes.count)
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func failureResponse(_ failure: ClassAPIFailure) -> Response {
        struct Body: Encodable { var error: String; var hint: String? }
        var response = json(Body(error: failure.message, hint: failure.hint), status: failure.status)
        if failure.status == .unauthorized { response.headers[.wwwAuthenticate] = access.challenge }
        return response
    }
}

/// A refusal of the class API: its HTTP status and words for the person whose client shows them.
struct ClassAPIFailure: Error {
    let status: HTTPResponse.Status
    let message: String
    let hint: String?

    init(_ status: HTTPResponse.Status, _ message: String, hint: String? = nil) {
        self.status = status
        self.message = message
        self.hint = hint
    }

    /// The registry's access check refused (no or wrong credentials, too many password checks at once).
    init(registry failure: RegistryFailure) {
        self.init(HTTPResponse.Status(code: failure.status ?? failure.code.httpStatus), failure.message)
    }
}
