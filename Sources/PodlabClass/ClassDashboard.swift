import PodlabCore
import PodlabImages
import PodlabTutor

/// The teacher's pages, as HTML built here (no template engine for two pages): the class grid (learners × lessons,
/// each cell a lesson's standing, a mark per step and the last command that failed; and where each learner is now) and a learner's page (every
/// submission with its verdict, and the commands of the latest). Every text from a submission or an account is escaped. The grid follows `/class/api/events` and
/// reloads its table when the class changes; it reads well on a projector (large type) and a phone (scrolls).
public struct ClassDashboard: Sendable {
    public enum Language: String, Sendable { case zh, en }

    let language: Language

    public init(language: Language) {
        self.language = language
    }

    /// The language asked for: `?lang=` first, then the browser's first choice, else Chinese (the tutorial's).
    public static func language(query: String?, acceptLanguage: String?) -> Language {
        if let query, let chosen = Language(rawValue: query) { return chosen }
        let first = acceptLanguage?.split(separator: ",").first?.trimmed().lowercased() ?? ""
        return first.hasPrefix("en") ? .en : .zh
    }

    func text(_ zh: String, _ en: String) -> String { language == .zh ? zh : en }

    /// The whole grid page.
    public func gridPage(_ progress: ClassProgress) -> String {
        page(title: text("班级进度", "Class progress"), body: """
            <h1>\(text("班级进度", "Class progress"))</h1>
            <p class="legend">\(legend())</p>
            <div id="grid">\(grid(progress))</div>
            <script>
            const events = new EventSource("/class/api/events");
            // One fetch at a time: changes that come while one is on its way make one more fetch after it, however
            // many they are (a class of learners typing), so the page never asks the server for a pile of grids.
            let busy = false, again = false;
            events.addEventListener("progress", async () => {
              if (busy) { again = true; return; }
              busy = true;
              do {
                again = false;
                try {
                  // From the origin: a page opened as http://user:password@host/ has a base URL that fetch refuses.
                  const answer = await fetch(location.origin + "/class/?fragment=grid&lang=\(language.rawValue)", {cache: "no-store"});
                  if (answer.ok) { document.getElementById("grid").innerHTML = await answer.text(); }
                } catch (error) { /* the server is away: the event stream reconnects, and brings the next change */ }
              } while (again);
              busy = false;
            });
            </script>
            """)
    }

    /// The table alone (what the page fetches when the class changes).
    public func grid(_ progress: ClassProgress) -> String {
        var html = "<table><thead><tr><th>\(text("学员", "Learner"))</th><th>\(text("当前", "Now"))</th>"
        for lesson in progress.lessons { html += "<th>\(Self.escape(lesson))</th>" }
        html += "</tr></thead><tbody>"
        for student in progress.students {
            let name = Self.escape(student.username)
            html += "<tr><th><a href=\"/class/learners/\(name)?lang=\(language.rawValue)\">\(name)</a></th>"
            html += now(student.activity, at: progress.now)
            for lesson in progress.lessons {
                html += cell(student.lessons[lesson] ?? .missing)
            }
            html += "</tr>"
        }
        html += "</tbody></table>"
        let verified = progress.students.flatMap { $0.lessons.values }.filter { $0.status == "verified" }.count
        html += "<p class=\"summary\">\(text("已验证", "Verified")): \(verified) / \(progress.students.count * progress.lessons.count)</p>"
        return html
    }

    func cell(_ standing: ClassProgress.LessonStanding) -> String {
        let mark: String
        switch standing.status {
        case "verified": mark = "✓"
        case "differs": mark = "✗"
        case "failed": mark = "!"
        case "queued", "replaying": mark = "…"
        default: mark = "—"
        }
        var facts: [String] = []
        if standing.submissions > 0 {
            facts.append("\(text("尝试", "tries")) \(standing.attempts)")
            facts.append("\(text("提示", "hints")) \(standing.hintsUsed)")
            if let seconds = standing.seconds { facts.append(Self.minutes(seconds)) }
        }
        let title = standing.detail.map { " title=\"\(Self.escape($0))\"" } ?? ""
        return "<td class=\"\(Self.escape(standing.status))\"\(title)><span class=\"mark\">\(mark)</span> \(status(standing.status))"
            + (facts.isEmpty ? "" : "<br><small>\(facts.joined(separator: " · "))</small>")
            + steps(standing.steps)
            + (standing.detail.map { standing.status == "verified" ? "" : "<br><small class=\"detail\">\(Self.escape($0))</small>" } ?? "")
            + (standing.lastError.map(lastError) ?? "")
            + "</td>"
    }

    /// A lesson's steps as a row of marks, one per step; each says (as its tooltip and for a screen reader) the
    /// step's name, tries, hints and time, so the teacher sees on which step a learner spent their effort.
    func steps(_ steps: [Submission.StepSummary]) -> String {
        guard !steps.isEmpty else { return "" }
        let marks = steps.map { step -> String in
            let (mark, status) = stepStatus(step.status)
            var facts = ["\(text("尝试", "tries")) \(step.attempts)", "\(text("提示", "hints")) \(step.hintsUsed)"]
            if let seconds = step.seconds { facts.append(Self.minutes(seconds)) }
            let label = Self.escape("\(Self.shortened(step.id)): \(status), \(facts.joined(separator: " · "))")
            let heavy = Self.effort(attempts: step.attempts, hints: step.hintsUsed) ? " effort" : ""
            return "<span class=\"step \(Self.escape(step.status))\(heavy)\" title=\"\(label)\" aria-label=\"\(label)\">\(mark)</span>"
        }
        return "<br><span class=\"steps\">" + marks.joined() + "</span>"
    }

    /// Where a learner is now, as their guided shell last said: the lesson and step, the tries and hints on it (amber
    /// when it is hard going), the last command that failed there, and how long ago that was said.
    func now(_ seen: LearnerActivities.Seen?, at time: Double) -> String {
        guard let seen else { return "<td class=\"missing\">—</td>" }
        let activity = seen.activity
        let ago = time - seen.received >= 60 ? " <small class=\"ago\">(\(Self.minutes(time - seen.received)) \(text("前", "ago")))</small>" : ""
        let lesson = "<b>\(Self.escape(activity.lesson))</b>"
        if activity.finished {
            return "<td class=\"now finished\">\(lesson) \(text("已完成", "finished"))\(ago)</td>"
        }
        let hard = Self.effort(attempts: activity.attempts, hints: activity.hintsUsed)
        let facts = ["\(text("尝试", "tries")) \(activity.attempts)", "\(text("提示", "hints")) \(activity.hintsUsed)",
                     Self.minutes(activity.seconds)]
        return "<td class=\"now\(hard ? " effort" : "")\">\(lesson) \(activity.index + 1)/\(activity.steps)"
            + " <small>\(Self.escape(Self.shortened(activity.step)))</small>\(ago)"
            + "<br><small>\(facts.joined(separator: " · "))</small>"
            + (activity.lastError.map(lastError) ?? "") + "</td>"
    }

    func lastError(_ command: Submission.Command) -> String {
        "<br><small class=\"last-error\">\(text("最近出错", "last error")): <code>"
            + "\(Self.escape(Self.shortened(command.arguments.joined(separator: " "))))</code> → \(command.exitCode)</small>"
    }

    /// Hard going on a step: five tries or more, or a hint taken.
    static func effort(attempts: Int, hints: Int) -> Bool { attempts >= 5 || hints > 0 }

    /// A step's mark and its word: done, skipped, or not done (`pending`).
    func stepStatus(_ status: String) -> (mark: String, text: String) {
        switch status {
        case "passed": return ("●", text("已完成", "passed"))
        case "skipped": return ("◌", text("已跳过", "skipped"))
        default: return ("○", text("未完成", "not done"))
        }
    }

    func status(_ status: String) -> String {
        switch status {
        case "verified": return text("已验证", "verified")
        case "differs": return text("不一致", "differs")
        case "failed": return text("无法重放", "could not replay")
        case "queued": return text("排队中", "queued")
        case "replaying": return text("重放中", "replaying")
        default: return text("未提交", "not submitted")
        }
    }

    func legend() -> String {
        ["verified", "differs", "failed", "queued", "missing"].map { "<span class=\"\($0)\">\(status($0))</span>" }.joined(separator: " ")
    }

    /// A learner's page: their submissions, newest first, each with its verdict, and the commands of the newest.
    /// With `activity`, where their guided shell last said they are (at the server's time `now`).
    public func learnerPage(username: String, records: [SubmissionRecord], activity: LearnerActivities.Seen? = nil,
                            now time: Double = 0) -> String {
        let own = records.filter { $0.submission.username == username }.reversed()
        var body = "<p><a href=\"/class/?lang=\(language.rawValue)\">← \(text("班级进度", "Class progress"))</a></p>"
        body += "<h1>\(Self.escape(username))</h1>"
        if activity != nil {
            body += "<table class=\"now-table\"><tr><th>\(text("当前", "Now"))</th>\(now(activity, at: time))</tr></table>"
        }
        guard let latest = own.first else {
            return page(title: username, body: body + "<p>\(text("还没有提交。", "Nothing submitted yet."))</p>")
        }
        body += "<table><thead><tr><th>#</th><th>\(text("课程", "Lesson"))</th><th>\(text("提交时间", "Submitted"))</th><th>\(text("结果", "Result"))</th></tr></thead><tbody>"
        for record in own {
            body += "<tr><td>\(Self.escape(record.id))</td><td>\(Self.escape(record.submission.lesson))</td>"
                + "<td>\(Self.escape(JSONCoding.timestamp(record.state.received)))</td>"
                + "<td class=\"\(Self.escape(record.state.status.rawValue))\">\(status(record.state.status.rawValue))"
                + (record.state.detail.map { "<br><small>\(Self.escape($0))</small>" } ?? "") + "</td></tr>"
        }
        body += "</tbody></table>"
        body += "<h2>\(text("最近一次提交的命令", "Commands of the latest submission")) (\(Self.escape(latest.submission.lesson)))</h2><ol class=\"journal\">"
        for command in latest.submission.journal {
            let line = command.arguments.map(Self.escape).joined(separator: " ")
            body += "<li class=\"\(command.exitCode == 0 ? "ok" : "error")\"><code>\(line)</code> <small>→ \(command.exitCode)</small></li>"
        }
        body += "</ol>"
        return page(title: username, body: body)
    }

    func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="\(language == .zh ? "zh-CN" : "en")"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Self.escape(title)) · podlab</title>
        <style>
        body { font: 18px/1.4 system-ui, "Noto Sans CJK SC", sans-serif; margin: 1rem; }
        table { border-collapse: collapse; display: block; overflow-x: auto; }
        th, td { border: 1px solid #ccc; padding: .4rem .6rem; text-align: left; vertical-align: top; }
        .verified { background: #e3f6e3; } .differs { background: #fde2e2; } .failed { background: #fff2cc; }
        .queued, .replaying { background: #e8eefc; } .missing { color: #888; }
        .legend span { padding: .1rem .4rem; margin-right: .3rem; }
        .mark { font-weight: bold; } .detail { color: #733; } .journal .error code { color: #a00; }
        .steps { letter-spacing: .15rem; } .step.effort { color: #b45f06; } .last-error code { color: #a00; }
        .now.effort { background: #fde9c9; } .now.finished { background: #e3f6e3; } .ago { color: #888; }
        @media (min-width: 1200px) { body { font-size: 22px; } }
        </style></head><body>
        \(body)
        </body></html>
        """
    }

    /// Whole seconds under a minute, else whole minutes. What a learner's machine sends is bounded when received; a
    /// time no Int holds still reads as a time here rather than stopping the server.
    static func minutes(_ seconds: Double) -> String {
        let whole = seconds.isFinite ? Int(min(max(seconds.rounded(), 0), Double(Int32.max))) : 0
        return whole < 60 ? "\(whole) s" : "\(whole / 60) min"
    }

    /// A learner's text cut to `limit` Unicode scalars for the grid, which every teacher's page fetches again on each
    /// change: one submission's 2 MB command line must not become every refresh's. Their own page shows it whole.
    static func shortened(_ text: String, limit: Int = 200) -> String {
        // Unicode scalars, not Characters: one Character can hold thousands of combining marks.
        text.unicodeScalars.count > limit ? String(text.unicodeScalars.prefix(limit)) + "…" : text
    }

    /// Text for HTML content and attribute values: the JUnit report's XML escaping, which HTML reads the same way.
    static func escape(_ text: String) -> String { Report.escape(text) }
}
