import PodlabCore
import PodlabRuntime

/// The tutor's own commands (anything else goes to the shell).
extension Tutor {
    /// Runs `line` if it is a builtin; false when it is not one.
    func handleBuiltin(_ line: String) -> Bool {
        let words = ShellWords.split(line)
        guard let command = words.first, Tutor.builtinNames.contains(command) else { return false }
        // `lesson` and `reset` followed by something that is not theirs belongs to the shell.
        let argument = words.count > 1 ? words[1] : nil
        switch command {
        case "help": say(strings.help)
        case "lessons": listLessons()
        case "lesson":
            guard let id = argument else { listLessons(); return true }
            startLesson(id)
        case "next", "back": move(command == "next" ? 1 : -1)
        case "hint": hint()
        case "solution": solution()
        case "skip": skip()
        case "check": checkCurrentStep(verbose: true)
        case "reset": reset(argument ?? "step")
        case "progress": showProgress()
        case "explain":
            let rest = String(line.dropFirst("explain".count)).trimmed()
            guard !rest.isEmpty, let explainer else { say(strings.explainUsage); return true }
            for item in explainer.explain(rest, language: language) { say("  " + TerminalText.visible(item)) }
        case "browse":
            guard let url = argument else { say(strings.browseUsage); return true }
            browse(url)
        default: return false
        }
        return true
    }

    func listLessons() {
        say(strings.lessonsHeader)
        for lesson in catalog.lessons {
            let record = progress.lessons[lesson.id]
            let done = lesson.steps.filter { record?.steps[$0.id]?.status == .passed || record?.steps[$0.id]?.status == .skipped }.count
            let mark = done == lesson.steps.count ? paint("✓", code: "32") : " "
            say("  \(mark) \(lesson.id.padding(12))  \(lesson.title.text(language))  (\(done)/\(lesson.steps.count))")
        }
    }

    func startLesson(_ id: String) {
        guard let lesson = try? catalog.lesson(id) else {
            say(strings.unknownLesson(id, catalog.lessons.map(\.id)))
            return
        }
        let fresh = progress.lessons[id] == nil || (progress.lessons[id]?.current ?? 0) >= lesson.steps.count
        if fresh {
            progress.lessons[id] = Progress.LessonRecord(current: 0, steps: [:], started: WallClock.now())
            runSetup(lesson.setup ?? [])
        }
        progress.currentLesson = id
        progress.save(progressPath)
        let index = progress.lessons[id]?.current ?? 0
        say(paint(lesson.title.text(language), code: "1"))
        showStep(lesson, index)
    }

    /// Runs setup lines quietly in the learner's shell (so a `cd` in them moves the learner too).
    func runSetup(_ lines: [String]) {
        for line in lines { shell.run(line, terminal: false) }
    }

    func move(_ delta: Int) {
        guard let id = progress.currentLesson, let lesson = try? catalog.lesson(id) else { say(strings.noLesson); return }
        let index = (progress.lessons[id]?.current ?? 0) + delta
        guard index >= 0 else { say(strings.firstStep); return }
        guard index < lesson.steps.count else { say(strings.lastStep); return }
        showStep(lesson, index, restart: true)
    }

    func hint() {
        guard let (lesson, index) = currentStep() else { say(strings.noLesson); return }
        let step = lesson.steps[index]
        let used = progress.lessons[lesson.id]?.steps[step.id]?.hintsUsed ?? 0
        let hints = step.hints ?? []
        guard used < hints.count else { say(strings.noMoreHints); return }
        say(paint("💡 ", code: "33") + hints[used].text(language))
        progress.lessons[lesson.id, default: .init()].steps[step.id, default: .init()].hintsUsed = used + 1
        progress.save(progressPath)
        reportActivity(lesson)
    }

    func solution() {
        guard let (lesson, index) = currentStep() else { say(strings.noLesson); return }
        let step = lesson.steps[index]
        say(strings.solutionHeader)
        // Exactly as it can be typed or pasted (a here-document's lines unindented, its end mark alone).
        for block in step.solution { say(paint(block.trimmed(["\n"]), code: "32")) }
        progress.lessons[lesson.id, default: .init()].steps[step.id, default: .init()].solutionShown = true
        progress.save(progressPath)
    }

    func skip() {
        guard let (lesson, index) = currentStep() else { say(strings.noLesson); return }
        finish(lesson, index, status: .skipped)
        say(strings.skipped)
        advance(lesson, from: index)
    }

    func reset(_ what: String) {
        switch what {
        case "lesson":
            guard let id = progress.currentLesson, let lesson = try? catalog.lesson(id) else { say(strings.noLesson); return }
            progress.lessons[id] = Progress.LessonRecord(current: 0, steps: [:], started: WallClock.now())
            runSetup(lesson.setup ?? [])
            say(strings.resetDone(lesson.title.text(language)))
            showStep(lesson, 0)
        case "all":
            for lesson in catalog.lessons.reversed() { runSetup(lesson.setup ?? []) }
            progress = Progress()
            progress.save(progressPath)
            shell.change(directory: paths.workspace)
            say(strings.resetDone(language == .zh ? "全部课程" : "every lesson"))
        case "step":
            guard let (lesson, index) = currentStep() else { say(strings.noLesson); return }
            let step = lesson.steps[index]
            runSetup(step.setup ?? [])
            progress.lessons[lesson.id, default: .init()].steps[step.id] = Progress.StepRecord(started: WallClock.now())
            progress.save(progressPath)
            say(strings.resetDone(step.title.text(language)))
            showStep(lesson, index)
        default:
            say(strings.resetUsage)
        }
    }

    func showProgress() {
        for lesson in catalog.lessons {
            say(paint(lesson.title.text(language), code: "1"))
            for step in lesson.steps {
                let record = progress.lessons[lesson.id]?.steps[step.id]
                let status = record?.status ?? .pending
                let mark = status == .passed ? paint("✓", code: "32") : status == .skipped ? "»" : "·"
                let details = record.map { " (" + (language == .zh ? "尝试 \($0.attempts) 次，提示 \($0.hintsUsed) 个" : "\($0.attempts) tries, \($0.hintsUsed) hints") + ")" } ?? ""
                say("  \(mark) \(step.title.text(language)) — \(strings.statusWord(status))\(details)")
            }
        }
    }

    func browse(_ url: String) {
        do {
            let page = try Browser.fetch(url, storage: paths.locations.storage, session: paths.sessionNetwork(environment: shell.environment))
            say(paint("[\(page.status)] \(url)", code: "1"))
            let lines = Browser.text(of: page).split(separator: "\n", omittingEmptySubsequences: false)
            say(TerminalText.visible(lines.prefix(80).joined(separator: "\n")))
            if lines.count > 80 { say("…") }
        } catch {
            say(paint(language == .zh ? "打不开 \(url)：\(WebPage.describe(error))" : "cannot open \(url): \(WebPage.describe(error))", code: "31"))
        }
        checkCurrentStep(verbose: false)
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
