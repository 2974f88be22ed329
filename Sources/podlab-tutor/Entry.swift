import ArgumentParser
import Foundation
import PodlabClass
import PodlabCore
import PodlabTutor
#if canImport(Glibc)
import Glibc
#endif

/// podlab-tutor: the guided shell (`podlab` with no arguments), `podlab check`, `podlab lesson test` and `podlab class`.
@main
struct TutorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podlab",
        abstract: "The guided shell: the Podman tutorial, run for real, step by step.",
        subcommands: [ShellCommand.self, CheckCommand.self, LessonCommand.self, LessonsCommand.self, ClassCommand.self],
        defaultSubcommand: ShellCommand.self
    )
}

struct LanguageOption: ParsableArguments {
    @Option(help: "zh or en (default: from LANG).")
    var lang: String?

    var language: Language {
        lang.flatMap(Language.init(rawValue:)) ?? Language.fromEnvironment(Environment.current)
    }
}

struct ShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shell", abstract: "Start the guided shell (the default).")
    @OptionGroup var language: LanguageOption

    func run() throws {
        // A parent may have left signals blocked (test runners do); the shell needs SIGINT and SIGTERM.
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        let paths = try TutorPaths.current()
        let interactive = isatty(0) == 1 && isatty(1) == 1
        let colour = isatty(1) == 1 && (Environment.current["NO_COLOR"] ?? "").isEmpty
        let tutor = try Tutor(paths: paths, language: language.language, interactive: interactive, colour: colour)
        if let membership = ClassLessonSubmission.membership(paths: paths) {
            let chosen = language.language
            tutor.onLessonComplete = { ClassLessonSubmission.send($0, paths: paths, language: chosen, membership: membership) }
            if let reporter = ClassLessonSubmission.activityReporter(membership) { tutor.onActivity = reporter.report }
        }
        throw ExitCode(tutor.run())
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Grade a lesson on this machine (for classrooms and CI).")
    @Option(help: "The lesson to grade.") var lesson: String
    @Option(name: .customLong("run"), help: "A script of commands to run first (sh, in the workspace, podman on PATH).") var script: String?
    @Option(help: "text, json, junit or tap.") var format: String = "text"
    @Flag(help: "Also send the result to the class this machine joined (podlab class join).") var submit = false
    @OptionGroup var language: LanguageOption

    func run() throws {
        guard let chosen = Report.Format(rawValue: format) else {
            throw ValidationError("--format must be one of: text, json, junit, tap")
        }
        let paths = try TutorPaths.current()
        let catalog = try LessonCatalog(directory: paths.lessons)
        let lesson = try catalog.lesson(self.lesson)
        let scriptPath = try script.map { path -> String in
            let absolute = path.hasPrefix("/") ? path : "\(FileSystem.realPath(".") ?? ".")/\(path)"
            guard FileSystem.exists(absolute) else { throw ValidationError("no such script: \(path)") }
            return absolute
        }
        let log = "\(paths.state)/check-\(lesson.id).log"
        try FileSystem.createDirectory(paths.state, mode: 0o700)
        // Before any work: a machine that has not joined a class is told so at once. On one that has, the report is
        // named after its account and signed, whether it is sent now or saved and sent later (`class submit`).
        var membership: ClassMembership?
        if submit {
            try ClassCommandOutcome.run { membership = try ClassSubmission.joined().0 }
        } else {
            membership = ClassLessonSubmission.membership(paths: paths)
        }
        var submission = try LessonRunner(paths: paths, language: language.language)
            .check(lesson, script: scriptPath, environment: Environment.current, log: log)
        if let membership { try ClassCommandOutcome.run { submission = try membership.seal(submission) } }
        print(submission.render(chosen))
        if submit {
            try ClassCommandOutcome.run {
                // What is sent is what --format json prints.
                let sent = try ClassSubmission.send(Array(submission.render(.json).utf8))
                ClassCommandOutcome.standardError("Submitted \(sent.lesson) as \(sent.id) (\(sent.status))")
            }
        }
        throw ExitCode(submission.report.passed ? 0 : 1)
    }
}

struct LessonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lesson", abstract: "Tools for lesson authors.",
                                                    subcommands: [LessonTestCommand.self, CheckTimingCommand.self])
}

struct LessonTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Prove a lesson's checks: each step's must fail before its solution and after each negative example, and pass after the solution (in a private sandbox).")
    @Argument(help: "Lesson ids (default: all).") var lessons: [String] = []
    @Option(help: "text, json, junit or tap.") var format: String = "text"
    @Flag(help: "Keep the private sandbox (its path is printed) to look at afterwards.") var keep = false

    func run() throws {
        guard let chosen = Report.Format(rawValue: format) else {
            throw ValidationError("--format must be one of: text, json, junit, tap")
        }
        let base = try TutorPaths.current()
        let catalog = try LessonCatalog(directory: base.lessons)
        let selected = try (lessons.isEmpty ? catalog.lessons.map(\.id) : lessons).map { try catalog.lesson($0) }
        var cases: [Report.Case] = []
        for lesson in selected {
            let sandbox = try PrivateSandbox(base: base)
            defer { if !keep { sandbox.remove() } else { Terminal.write("sandbox kept: \(sandbox.directory)\n", fd: 2) } }
            let runner = LessonRunner(paths: sandbox.paths, language: .en)
            cases += try runner.test(lesson, environment: sandbox.environment, log: "\(sandbox.directory)/lines.log").cases
        }
        let report = Report(suite: "podlab.lesson-test", cases: cases)
        print(report.render(chosen))
        throw ExitCode(report.passed ? 0 : 1)
    }
}

/// For the benchmarks: how long one evaluation of each step's checks takes in the shell's process (what
/// runs after every line a learner types), without process start-up.
struct CheckTimingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "time-checks", abstract: "Time each step's checks (benchmarks).",
                                                    shouldDisplay: false)
    @Argument var lesson: String
    @Option var runs = 50

    func run() throws {
        let paths = try TutorPaths.current()
        let lesson = try LessonCatalog(directory: paths.lessons).lesson(self.lesson)
        for step in lesson.steps {
            var samples: [Double] = []
            for _ in 0..<runs {
                let start = WallClock.now()
                let context = CheckContext(paths: paths, since: 0, environment: Environment.current, language: .en, patience: 0)
                _ = CheckEvaluator(context: context).evaluate(step.checks)
                samples.append((WallClock.now() - start) * 1000)
            }
            samples.sort()
            print("\(lesson.id)/\(step.id)\t\(String(format: "%.2f", samples[samples.count / 2]))")
        }
    }
}

struct LessonsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lessons", abstract: "List the lessons.")
    @OptionGroup var language: LanguageOption

    func run() throws {
        let paths = try TutorPaths.current()
        for lesson in try LessonCatalog(directory: paths.lessons).lessons {
            print("\(lesson.id)\t\(lesson.title.text(language.language))\t\(lesson.steps.count) steps")
        }
    }
}

