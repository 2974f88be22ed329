import PodlabCore
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Runs lessons without a terminal: `podlab lesson test` (each step's checks must fail before its
/// solution and after each negative example, and pass after the solution — in a private sandbox) and
/// `podlab check --lesson` (a learner's machine, optionally after running their script).
public struct LessonRunner {
    let paths: TutorPaths
    let language: Language

    public init(paths: TutorPaths, language: Language) {
        self.paths = paths
        self.language = language
    }

    /// A shell for running lesson lines: podman on PATH, the workspace, output appended to `log`.
    func makeShell(environment base: [String: String], log: String) throws -> ShellSession {
        var environment = try paths.shellEnvironment(base: base)
        environment["__PODLAB_LOG"] = log
        try FileSystem.createDirectory(paths.workspace, mode: 0o755)
        return ShellSession(directory: paths.workspace, environment: environment, stateFile: "\(paths.state)/runner-state")
    }

    /// Runs a line with its output going to the log; the line's directory and exports carry on.
    @discardableResult
    func run(_ line: String, in shell: ShellSession) -> Int32 {
        let words = ShellWords.split(line)
        if words.first == "browse", words.count == 2 {
            // The tutor's builtin, as the learner would type it.
            return Browser.open(words[1], storage: paths.locations.storage, session: paths.sessionNetwork(environment: shell.environment)) == nil ? 1 : 0
        }
        return shell.run("{\n\(line)\n} >>\"$__PODLAB_LOG\" 2>&1", terminal: false)
    }

    func evaluate(_ checks: [Check], shell: ShellSession, since: Double) -> [CheckResult] {
        let context = CheckContext(paths: paths, since: since, environment: shell.environment, language: language, patience: 5)
        return CheckEvaluator(context: context).evaluate(checks)
    }

    /// `podlab lesson test`: one case per step (and per negative example).
    public func test(_ lesson: Lesson, environment: [String: String], log: String) throws -> Report {
        let shell = try makeShell(environment: environment, log: log)
        var cases: [Report.Case] = []
        for line in lesson.setup ?? [] { run(line, in: shell) }
        for step in lesson.steps {
            for line in step.setup ?? [] { run(line, in: shell) }
            let since = WallClock.now() - 0.001
            let before = evaluate(step.checks, shell: shell, since: since)
            cases.append(Report.Case(name: "\(lesson.id)/\(step.id): fails before the solution", passed: !before.allSatisfy(\.passed),
                                     message: before.allSatisfy(\.passed) ? "every check passes before the solution ran" : nil))
            for (number, negative) in (step.negative ?? []).enumerated() {
                run(negative, in: shell)
                let after = evaluate(step.checks, shell: shell, since: since)
                cases.append(Report.Case(name: "\(lesson.id)/\(step.id): fails after negative example \(number + 1)", passed: !after.allSatisfy(\.passed),
                                         message: after.allSatisfy(\.passed) ? "every check passes after: \(negative)" : nil))
                for line in step.setup ?? [] { run(line, in: shell) }
            }
            var failedLine: String?
            for line in step.solution where run(line, in: shell) != 0 { failedLine = failedLine ?? line }
            let after = evaluate(step.checks, shell: shell, since: since)
            let failing = after.filter { !$0.passed }.map(\.message)
            cases.append(Report.Case(name: "\(lesson.id)/\(step.id): passes after the solution", passed: failing.isEmpty,
                                     message: failing.isEmpty ? nil : failing.joined(separator: "; ") + (failedLine.map { " (this line failed: \($0))" } ?? "")))
        }
        return Report(suite: "podlab.lesson-test.\(lesson.id)", cases: cases)
    }

    /// `podlab check --lesson`: runs `script` (if any), then the lesson's grade checks (or, without
    /// them, every step's checks in order). The result carries what the grade rests on (see `Submission`).
    public func check(_ lesson: Lesson, script: String?, environment: [String: String], log: String,
                      username: String = "") throws -> Submission {
        let shell = try makeShell(environment: environment, log: log)
        // Without a script, what the learner did since starting the lesson in the shell counts (all of it
        // when the shell never started it).
        let progress = Progress.load("\(paths.state)/progress.json").lessons[lesson.id]
        var since = progress?.started ?? 0
        if let script {
            since = WallClock.now() - 0.001
            run(". \(ShellQuote.quote(script))", in: shell)
        }
        let checks = lesson.grade ?? lesson.steps.flatMap(\.checks)
        let results = evaluate(checks, shell: shell, since: since)
        let journal = Journal(storage: paths.locations.storage).events().filter {
            $0.type == "system" && $0.status == "command" && $0.time >= since
        }
        let steps = lesson.steps.map { step in
            let record = progress?.steps[step.id] ?? Progress.StepRecord()
            // A step started again after it was finished (the learner went back) has no time of its own yet.
            let seconds = record.started.flatMap { start in record.finished.flatMap { $0 >= start ? $0 - start : nil } }
            return Submission.StepSummary(id: step.id, status: record.status.rawValue, attempts: record.attempts,
                                          hintsUsed: record.hintsUsed, seconds: seconds)
        }
        return Submission(
            podlab: Versions.podlab, username: username, lesson: lesson.id,
            lessonDigest: Digest.sha256(of: try FileSystem.readFile("\(paths.lessons)/\(lesson.id).yaml")),
            created: WallClock.now(),
            checks: results.map { Report.Case(name: $0.check.label, passed: $0.passed, message: $0.passed ? nil : $0.message) },
            steps: steps,
            journal: journal.map { Submission.Command(time: $0.time, arguments: $0.arguments ?? [], exitCode: $0.exitCode ?? -1) })
    }
}
