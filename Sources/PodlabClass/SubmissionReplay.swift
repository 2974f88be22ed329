import PodlabCore
import PodlabImages
import PodlabRegistryServer
import PodlabTutor
#if canImport(Glibc)
import Glibc
#endif

/// Verifies a submission: its seal first (`SubmissionSignature`), then by doing it again: the journal's commands (vetted by `ReplayPlan`) run in a private sandbox
/// of the server's (`PrivateSandbox`, as `lesson test` uses), by `podlab check --lesson ID --run SCRIPT` under a time
/// limit, and the checks found there are compared with the ones the learner's machine reported.
public struct SubmissionReplay: Sendable {
    public struct Verdict: Sendable, Equatable {
        public var status: SubmissionState.Status
        public var detail: String?

        public init(_ status: SubmissionState.Status, _ detail: String? = nil) {
            self.status = status
            self.detail = detail
        }
    }

    let paths: TutorPaths
    /// Seconds a replay may take before it is stopped (and the submission marked `failed`).
    let timeLimit: Int
    /// Where replays' sandboxes are made (the class's `replays/`): what a crash leaves there is removed at start.
    let sandboxes: String

    /// What each container of a replay is held to.
    let bounds: ReplayPlan.Bounds

    public init(paths: TutorPaths, timeLimit: Int = 600, sandboxes: String, bounds: ReplayPlan.Bounds = ReplayPlan.Bounds()) {
        self.paths = paths
        self.timeLimit = timeLimit
        self.sandboxes = sandboxes
        self.bounds = bounds
    }

    /// Stops and removes the sandboxes of replays a crash or a kill cut short (their containers may still run and
    /// hold ports a later replay's checks would see).
    public func removeLeftovers() throws(ClassError) {
        do {
            // As a store's: a root-run container's root must pass through to its layers; no other user may.
            try StoreAccess.prepare(sandboxes)
            for name in FileSystem.list(sandboxes) where name.hasPrefix("podlab-lesson-test-") {
                PrivateSandbox.remove("\(sandboxes)/\(name)", engine: paths.engine)
            }
        } catch {
            throw ClassError(error)
        }
    }

    /// The verdict on one submission. A report not sealed by its own account's key (derived from `signingSecret`) is
    /// not replayed: it was changed after podlab wrote it, or is someone else's under another name, and no replay
    /// could make it the learner's.
    public func verdict(for submission: Submission, signingSecret: [UInt8]) -> Verdict {
        guard submission.signature != nil else {
            return Verdict(.differs, "the report is not signed: make it with 'podlab check --lesson \(submission.lesson) --submit' on a machine that joined the class")
        }
        let key = SubmissionSignature.accountKey(secret: signingSecret, username: submission.username)
        guard SubmissionSignature.isValid(submission, key: key) else {
            return Verdict(.differs, "the report was changed after podlab wrote it: its signature does not match")
        }
        let lessonFile = "\(paths.lessons)/\(submission.lesson).yaml"
        let lessonBytes: [UInt8]
        do {
            lessonBytes = try FileSystem.readFile(lessonFile, limit: 1 << 20)
        } catch {
            return Verdict(.failed, error.errno == ENOENT ? "the server has no lesson \"\(submission.lesson)\"" : "the server's lesson file cannot be read")
        }
        guard Digest.sha256(of: lessonBytes) == submission.lessonDigest else {
            return Verdict(.differs, "graded with another version of the lesson \(submission.lesson) than the server's")
        }
        let plan: ReplayPlan
        do {
            plan = try ReplayPlan.make(submission.journal, bounds: bounds)
        } catch {
            return Verdict(.failed, error.message)
        }
        let replayed: Submission
        do {
            replayed = try run(plan, lesson: submission.lesson)
        } catch {
            return Verdict(.failed, error.message)
        }
        return Self.compare(claimed: submission.checks, replayed: replayed.checks)
    }

    /// `verified` when the replay's checks are the learner's, check by check, and all held; otherwise `differs`,
    /// naming the first check whose result is not the one reported (or, when the report itself says the lesson is
    /// not done, the first that did not hold).
    static func compare(claimed: [Report.Case], replayed: [Report.Case]) -> Verdict {
        guard claimed.map(\.name) == replayed.map(\.name) else {
            return Verdict(.differs, "the replay's checks are not the ones the report lists")
        }
        for (mine, theirs) in zip(replayed, claimed) where mine.passed != theirs.passed {
            return Verdict(.differs, mine.passed ? "\(mine.name): holds in the replay, but the report says it did not"
                                                 : "\(mine.name): \(mine.message ?? "does not hold in the replay")")
        }
        if let failing = replayed.first(where: { !$0.passed }) {
            return Verdict(.differs, "the lesson is not done (the report says so too): \(failing.name): \(failing.message ?? "")")
        }
        guard !replayed.isEmpty else { return Verdict(.differs, "the lesson has no checks to verify") }
        return Verdict(.verified, "\(replayed.count) of \(replayed.count) checks held in the replay")
    }

    /// Runs the plan in a new sandbox, removed afterwards with whatever the commands left running. The check runs
    /// with an environment of the sandbox's alone: nothing of the server's (its variables, its HOME) is there for a
    /// journal to copy into a container.
    func run(_ plan: ReplayPlan, lesson: String) throws(ClassError) -> Submission {
        let sandbox: PrivateSandbox
        do {
            sandbox = try PrivateSandbox(base: paths, parent: sandboxes)
        } catch {
            throw ClassError("the replay's sandbox could not be made: \(error)")
        }
        defer { sandbox.remove() }
        let script = "\(sandbox.directory)/replay.sh"
        let report = "\(sandbox.directory)/replay.json"
        var environment = sandbox.environment.filter { $0.key.hasPrefix("PODLAB_") || $0.key == "REGISTRY_AUTH_FILE" }
        environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        environment["HOME"] = sandbox.directory
        environment["LANG"] = "C.UTF-8"
        do {
            try FileSystem.writeAtomically(Array(plan.script.utf8), to: script, mode: 0o600)
            // timeout(1) kills the check and what it runs in its process group; containers' monitors live in
            // sessions of their own and go with the sandbox's removal.
            let result = try Subprocess.run(
                ["sh", "-c", "exec \"$@\" >\"$0\"", report, "timeout", "-s", "KILL", String(timeLimit),
                 paths.engine, "check", "--lesson", lesson, "--run", script, "--format", "json"],
                in: sandbox.directory, environment: environment.map { "\($0.key)=\($0.value)" })
            if result.status == 137 {
                throw ClassError("the replay was stopped: it took longer than \(timeLimit) s or ran out of memory")
            }
            let bytes = try FileSystem.readFile(report, limit: 4 * Submission.Limits.bytes)
            do {
                return try JSONCoding.decode(Submission.self, from: bytes, what: "replay report")
            } catch {
                RegistryServer.logLine("class: replay of \(lesson) gave no report (status \(result.status)): \(result.output.suffix(2000))")
                throw ClassError("the replay gave no report (status \(result.status))")
            }
        } catch let error as ClassError {
            throw error
        } catch {
            throw ClassError("the replay could not be run: \(error)")
        }
    }
}
