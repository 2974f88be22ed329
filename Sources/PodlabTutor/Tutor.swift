import PodlabCore
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// The guided shell (`podlab` with no arguments): shows the current step, runs what the learner types,
/// checks the step after every line, coaches before likely mistakes, and keeps progress.
public final class Tutor {
    let paths: TutorPaths
    let catalog: LessonCatalog
    let explainer: Explainer?
    let strings: Strings
    let language: Language
    let shell: ShellSession
    let editor: LineEditor
    let colour: Bool
    let interactive: Bool
    var progress: Progress
    var progressPath: String { "\(paths.state)/progress.json" }
    /// Called when a lesson is finished; what it returns is shown (the class submission's outcome, on a machine
    /// that joined a class: the class lives in PodlabClass, which the tutor does not know).
    public var onLessonComplete: ((Lesson) -> String)?
    /// Called after each line, step shown and hint with where the learner is now (on a machine that joined a class,
    /// it is sent there for the teacher's live view); must not wait for the network.
    public var onActivity: ((LearnerActivity) -> Void)?

    public init(paths: TutorPaths, language: Language, interactive: Bool, colour: Bool) throws {
        self.paths = paths
        self.language = language
        self.interactive = interactive
        self.colour = colour
        strings = Strings(language)
        catalog = try LessonCatalog(directory: paths.lessons)
        explainer = try? Explainer(lessonsDirectory: paths.lessons)
        try FileSystem.createDirectory(paths.state, mode: 0o700)
        try FileSystem.createDirectory(paths.workspace, mode: 0o755)
        shell = ShellSession(directory: paths.workspace, environment: try paths.shellEnvironment(base: Environment.current),
                             stateFile: "\(paths.state)/shell-state")
        editor = LineEditor(historyPath: "\(paths.state)/history", interactive: interactive)
        progress = Progress.load("\(paths.state)/progress.json")
        let catalog = self.catalog, explainer = self.explainer, storage = paths.locations.storage
        let shell = self.shell
        let completion = Completion(builtins: Tutor.builtinNames, lessonIDs: catalog.lessons.map(\.id), explainer: explainer,
                                    storage: storage, directory: { shell.directory })
        editor.completer = { completion.choices($0) }
    }

    static let builtinNames = ["help", "lessons", "lesson", "next", "back", "hint", "solution", "skip", "check", "reset",
                               "progress", "explain", "browse", "quit", "exit"]

    // MARK: The loop

    public func run() -> Int32 {
        say(strings.welcome)
        if let (lesson, index) = currentStep() { showStep(lesson, index) }
        while true {
            editor.prompt = prompt()
            switch editor.read() {
            case .end:
                progress.save(progressPath)
                if interactive { say("") }
                return 0
            case .cancelled:
                continue
            case .line(let text):
                let line = text.trimmed()
                if line.isEmpty { continue }
                if line == "quit" || line == "exit" {
                    editor.remember(line)
                    progress.save(progressPath)
                    return 0
                }
                // Builtins are words of the first line only: on a continuation line they are data.
                if handleBuiltin(line) {
                    editor.remember(line)
                    continue
                }
                guard let block = readBlock(startingWith: text) else { continue }
                editor.remember(block)
                runLine(block)
            }
        }
    }

    /// The whole command that starts with `first`: while sh would read on (an open here-document or quote,
    /// a trailing backslash or operator, an open compound command), more lines are read at the `> ` prompt.
    /// Ctrl-C there drops the block (nil); Ctrl-D ends it as sh would, which then says what is missing.
    func readBlock(startingWith first: String) -> String? {
        var block = first
        while !ShellSyntax.isComplete(block) {
            editor.prompt = interactive ? "> " : ""
            switch editor.read() {
            case .line(let more): block += "\n" + more
            case .cancelled: return nil
            case .end: return block
            }
        }
        return block
    }

    /// `[nginx 2/5] ~/hello-deepin23-podman $ `
    func prompt() -> String {
        var directory = shell.directory
        if let home = Environment.current["HOME"], !home.isEmpty, home != "/", directory == home || directory.hasPrefix(home + "/") {
            directory = "~" + directory.dropFirst(home.count)
        }
        var tag = ""
        if let (lesson, index) = currentStep() {
            let text = "[\(lesson.id) \(index + 1)/\(lesson.steps.count)]"
            // libedit skips what is between \u{1} marks when it measures the prompt.
            tag = (colour && interactive ? "\u{1}\u{1B}[36m\u{1}\(text)\u{1}\u{1B}[0m\u{1}" : text) + " "
        }
        return interactive ? "\(tag)\(TerminalText.visible(directory)) $ " : ""
    }

    func runLine(_ line: String) {
        if let (lesson, index) = currentStep(), let spec = lesson.steps[index].coach {
            let advice = Coach.advice(for: line, spec: spec, language: language)
            if !advice.isEmpty {
                say(paint(strings.coachHeader, code: "33"))
                for item in advice { say("  • \(item)") }
                if interactive && !editor.confirm(strings.coachQuestion) {
                    say(strings.notRun)
                    return
                }
            }
        }
        if let (lesson, index) = currentStep() {
            progress.lessons[lesson.id, default: .init()].steps[lesson.steps[index].id, default: .init()].attempts += 1
            progress.save(progressPath)
        }
        let before = currentStep()
        let status = shell.run(line, terminal: interactive)
        if status == 130 && interactive { say(strings.interrupted) }
        checkCurrentStep(verbose: false)
        // A line that finished the step was reported with the next step (or the lesson's end).
        if let (lesson, index) = before, let (now, at) = currentStep(), now.id == lesson.id, at == index { reportActivity(lesson) }
    }

    // MARK: Lessons and steps

    func currentStep() -> (Lesson, Int)? {
        guard let id = progress.currentLesson, let lesson = try? catalog.lesson(id) else { return nil }
        let index = progress.lessons[id]?.current ?? 0
        guard index < lesson.steps.count else { return nil }
        return (lesson, index)
    }

    /// Shows a step. Moving to a step starts its clock again (journal checks count from there), so a step
    /// gone back to is done again rather than passed by what was typed the first time.
    func showStep(_ lesson: Lesson, _ index: Int, restart: Bool = false) {
        let step = lesson.steps[index]
        var record = progress.lessons[lesson.id, default: .init()]
        if restart || record.steps[step.id]?.started == nil { record.steps[step.id, default: .init()].started = WallClock.now() }
        record.current = index
        progress.lessons[lesson.id] = record
        progress.save(progressPath)
        say("")
        say(paint(strings.stepHeader(lesson, index), code: "1;36"))
        say(render(catalog.text(of: step, in: lesson, language: language)))
        reportActivity(lesson)
    }

    /// Tells `onActivity` where the learner is in `lesson`: its current step, or that it is finished.
    func reportActivity(_ lesson: Lesson) {
        guard let onActivity else { return }
        let record = progress.lessons[lesson.id] ?? .init()
        let index = min(record.current, lesson.steps.count)
        let step = index < lesson.steps.count ? lesson.steps[index].id : ""
        let stepRecord = record.steps[step] ?? .init()
        let started = stepRecord.started ?? WallClock.now()
        let lastError = index < lesson.steps.count
            ? LearnerActivity.lastError(storage: paths.locations.storage, since: started) : nil
        onActivity(LearnerActivity(lesson: lesson.id, step: step, index: index, steps: lesson.steps.count,
                                   attempts: stepRecord.attempts, hintsUsed: stepRecord.hintsUsed,
                                   seconds: max(0, WallClock.now() - started), lastError: lastError))
    }

    /// Markdown as a terminal shows it: code blocks indented (and coloured on a terminal).
    func render(_ markdown: String) -> String {
        var inCode = false
        var lines: [String] = []
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inCode.toggle(); continue }
            // Code as it is typed or pasted: an indent would keep a here-document's end mark from ending it.
            lines.append(inCode ? paint(String(line), code: "32") : String(line))
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// Evaluates the current step; on success marks it and moves on. `verbose` prints every check.
    func checkCurrentStep(verbose: Bool) {
        guard let (lesson, index) = currentStep() else {
            if verbose { say(strings.noLesson) }
            return
        }
        let step = lesson.steps[index]
        let since = progress.lessons[lesson.id]?.steps[step.id]?.started ?? 0
        let context = CheckContext(paths: paths, since: since, environment: shell.environment, language: language)
        let results = CheckEvaluator(context: context).evaluate(step.checks)
        if results.allSatisfy(\.passed) {
            finish(lesson, index, status: .passed)
            say(paint(strings.stepPassed, code: "1;32"))
            advance(lesson, from: index)
            return
        }
        if verbose {
            say(strings.stillFailing)
            for result in results {
                say("  " + (result.passed ? paint("✓", code: "32") : paint("✗", code: "31")) + " " + TerminalText.visible(result.passed ? result.check.label : result.message))
            }
        }
    }

    func finish(_ lesson: Lesson, _ index: Int, status: Progress.Status) {
        let id = lesson.steps[index].id
        progress.lessons[lesson.id, default: .init()].steps[id, default: .init()].status = status
        progress.lessons[lesson.id, default: .init()].steps[id, default: .init()].finished = WallClock.now()
        progress.save(progressPath)
    }

    func advance(_ lesson: Lesson, from index: Int) {
        if index + 1 < lesson.steps.count {
            showStep(lesson, index + 1, restart: true)
        } else {
            progress.lessons[lesson.id, default: .init()].current = lesson.steps.count
            progress.currentLesson = nil
            progress.save(progressPath)
            say(paint(strings.lessonComplete(lesson), code: "1;32"))
            reportActivity(lesson)
            if let onLessonComplete { say(onLessonComplete(lesson)) }
        }
    }

    // MARK: Output

    func say(_ text: String) {
        Terminal.write(text + "\n")
    }

    func paint(_ text: String, code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
