/// Everything the tutor itself says, in Chinese and English (podman's own output stays podman's).
public struct Strings: Sendable {
    public let language: Language

    public init(_ language: Language) { self.language = language }

    func pick(_ zh: String, _ en: String) -> String { language == .zh ? zh : en }

    var welcome: String {
        pick("欢迎来到 podlab！这里的 podman 命令都会真的运行容器（在沙盒里，不会影响您的系统）。\n输入 lessons 查看课程，lesson hello-world 开始第一课，help 查看所有命令。",
             "Welcome to podlab! The podman commands here run real containers (in a sandbox that cannot harm your machine).\nType lessons to see the lessons, lesson hello-world to start the first one, help for every command.")
    }

    var help: String {
        pick("""
        podlab 的命令：
          lessons                 列出课程            lesson <id>      开始或继续一课
          next / back             下一步 / 上一步      check            检查当前步骤
          hint                    提示                solution         显示答案
          skip                    跳过这一步          progress         查看进度
          reset [step|lesson|all] 把沙盒恢复到这一步/这一课开始时的样子（all：清空进度）
          explain <命令>          解释一条 podman 命令的每个部分
          browse <网址>           打开网页并以文字显示（代替浏览器）
          help                    显示本帮助          quit             退出（Ctrl-D 也可以）
        其他输入都会交给 /bin/sh 运行，podman 与 docker 由 podlab 的引擎回答。
        """, """
        podlab's commands:
          lessons                 list the lessons      lesson <id>      start or resume a lesson
          next / back             next / previous step  check            check the current step
          hint                    a hint                solution         show the solution
          skip                    skip this step        progress         your progress
          reset [step|lesson|all] put the sandbox back to how this step/lesson starts (all: forget progress too)
          explain <command>       what each part of a podman command does
          browse <url>            fetch a page and show it as text (instead of a browser)
          help                    this help             quit             leave (Ctrl-D too)
        Anything else runs through /bin/sh; podman and docker are answered by podlab's engine.
        """)
    }

    func stepHeader(_ lesson: Lesson, _ index: Int) -> String {
        let step = lesson.steps[index]
        return pick("【\(lesson.title.zh)】第 \(index + 1)/\(lesson.steps.count) 步：\(step.title.zh)",
                    "[\(lesson.title.en)] step \(index + 1)/\(lesson.steps.count): \(step.title.en)")
    }

    var stepPassed: String { pick("✓ 这一步完成了！", "✓ Step done!") }
    func lessonComplete(_ lesson: Lesson) -> String {
        pick("🎉 完成了「\(lesson.title.zh)」！输入 lessons 选择下一课。", "🎉 You finished \"\(lesson.title.en)\"! Type lessons to choose the next one.")
    }
    var noLesson: String { pick("还没有开始任何一课：输入 lesson hello-world 开始。", "No lesson yet: type lesson hello-world to start.") }
    var noMoreHints: String { pick("没有更多提示了：输入 solution 查看答案。", "No more hints: type solution to see the answer.") }
    var solutionHeader: String { pick("答案（可以直接照着输入）：", "Solution (you can type it as it is):") }
    var stillFailing: String { pick("还差一点：", "Not yet:") }
    var skipped: String { pick("已跳过这一步。", "Step skipped.") }
    var coachQuestion: String { pick("仍然运行吗？[y/N] ", "Run it anyway? [y/N] ") }
    var coachHeader: String { pick("这条命令可能有问题：", "This line is probably not what the step wants:") }
    var notRun: String { pick("没有运行。", "Not run.") }
    var interrupted: String { pick("（已中断）", "(interrupted)") }
    func unknownLesson(_ id: String, _ known: [String]) -> String {
        pick("没有课程「\(id)」。课程有：\(known.joined(separator: ", "))", "No lesson \"\(id)\". Lessons: \(known.joined(separator: ", "))")
    }
    func resetDone(_ what: String) -> String { pick("已恢复：\(what)", "Reset: \(what)") }
    var firstStep: String { pick("已经是第一步了。", "This is the first step.") }
    var lastStep: String { pick("已经是最后一步了。", "This is the last step.") }
    var lessonsHeader: String { pick("课程：", "Lessons:") }
    var resetUsage: String { pick("用法：reset [step|lesson|all]", "usage: reset [step|lesson|all]") }
    var browseUsage: String { pick("用法：browse <网址>，例如 browse http://localhost:8080/", "usage: browse <url>, e.g. browse http://localhost:8080/") }
    var explainUsage: String { pick("用法：explain <podman 命令>，例如 explain podman run -d -p 8080:80 nginx", "usage: explain <podman command>, e.g. explain podman run -d -p 8080:80 nginx") }
    func statusWord(_ status: Progress.Status) -> String {
        switch status {
        case .passed: return pick("完成", "done")
        case .skipped: return pick("跳过", "skipped")
        case .pending: return pick("未完成", "to do")
        }
    }
}
