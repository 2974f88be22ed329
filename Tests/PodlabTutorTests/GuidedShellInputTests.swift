import Foundation
import PodlabCore
import PodlabTestSupport
import Testing

/// The guided shell takes what a learner types or pastes, in a real terminal (tmux), with
/// LANG=zh_CN.UTF-8 on a machine that may have only C.UTF-8: Chinese characters, continuation lines, a
/// bracketed paste, and the whole build lesson typed as its texts show it. Part of the serialized tutor
/// suite: the build lesson publishes host port 8080.
extension TutorIntegrationTests {
    var chineseLearner: [String: String] {
        var environment = self.environment
        environment["LANG"] = "zh_CN.UTF-8"
        environment.removeValue(forKey: "LC_ALL")
        return environment
    }

    func startChineseShell() throws -> TmuxSession {
        let shell = try TmuxSession(command: BuildProducts.podlab, environment: chineseLearner, directory: directory.path)
        #expect(shell.wait(for: "欢迎来到 podlab") != nil, "the shell starts in Chinese: \(shell.screen())")
        return shell
    }

    @Test func chineseIsTypedEditedAndWritten() throws {
        let shell = try startChineseShell()
        let workspace = directory.file("workspace")
        try shell.type("mkdir -p 中文目录 && cd 中文目录")
        #expect(shell.wait(for: "中文目录 $ ") != nil, "the prompt holds the Chinese directory: \(shell.screen())")
        try shell.type("echo 您好，世界 > greeting.txt")
        // Editing in the middle of a word: 您界 ← one character left, then 好世 goes in between.
        try shell.keys("-l", "echo 您界")
        try shell.keys("Left")
        try shell.keys("-l", "好世")
        try shell.keys("Enter")
        #expect(shell.wait(for: "\n您好世界\n") != nil, "\(shell.screen())")
        try shell.type("cat greeting.txt")
        #expect(shell.wait(for: "\n您好，世界\n") != nil, "\(shell.screen())")
        #expect(try String(contentsOfFile: "\(workspace)/中文目录/greeting.txt", encoding: .utf8) == "您好，世界\n")
        // Backspace removes a whole wide character.
        try shell.keys("-l", "echo 好好X")
        try shell.keys("BSpace", "BSpace")
        try shell.keys("Enter")
        #expect(shell.wait(for: "\n好\n") != nil, "\(shell.screen())")
    }

    /// Types a block as a person does: the first line, then each further line once the next `> ` shows.
    /// `prompts` counts the continuation prompts seen so far on this screen.
    func typeBlock(_ lines: [String], into shell: TmuxSession, prompts: inout Int) throws {
        for (index, line) in lines.enumerated() {
            if index > 0 {
                prompts += 1
                #expect(shell.wait(for: "\n> ", count: prompts) != nil, "waiting for > before \(line): \(shell.screen())")
            }
            try shell.type(line)
        }
    }

    @Test func unfinishedCommandsContinueAndCtrlCDropsTheBlock() throws {
        let shell = try startChineseShell()
        var prompts = 0
        try typeBlock(["echo \"first", "second\""], into: shell, prompts: &prompts)          // an open quote
        #expect(shell.wait(for: "first\nsecond\n") != nil, "\(shell.screen())")
        try typeBlock(["echo joined \\", "by-backslash"], into: shell, prompts: &prompts)    // a trailing backslash
        #expect(shell.wait(for: "\njoined by-backslash\n") != nil, "\(shell.screen())")
        try typeBlock(["for n in 1 2 3", "do echo loop-$n", "done"], into: shell, prompts: &prompts)
        #expect(shell.wait(for: "loop-1\nloop-2\nloop-3\n") != nil, "\(shell.screen())")
        // A builtin's name on a continuation line is data.
        try typeBlock(["cat <<'EOF'", "hint", "EOF"], into: shell, prompts: &prompts)
        #expect(shell.wait(for: "\nhint\n") != nil, "\(shell.screen())")
        // Ctrl-C at a continuation prompt drops the whole block.
        try typeBlock(["echo \"never-"], into: shell, prompts: &prompts)
        #expect(shell.wait(for: "\n> ", count: prompts + 1) != nil)
        try shell.keys("-l", "printed")
        try shell.keys("C-c")
        try shell.type("echo after-$((6*7))")
        #expect(shell.wait(for: "\nafter-42\n") != nil, "\(shell.screen())")
        #expect(!shell.screen().contains("never-\nprinted"), "\(shell.screen())")
        // Each block is one history entry.
        try shell.keys("Up")
        #expect(shell.wait(for: "$ echo after-$((6*7))", count: 2) != nil, "\(shell.screen())")
        try shell.keys("C-c")
    }

    /// Ctrl-C and the next command typed ahead in one burst, as a quick typist's keys reach the terminal: the Ctrl-C
    /// comes while the shell still draws the key before it, and the keys after it are already waiting when the shell
    /// looks again. The Ctrl-C drops the block first; the command typed after it runs.
    @Test func aCtrlCTypedAheadOfTheNextCommandDropsOnlyTheBlock() throws {
        let shell = try startChineseShell()
        for round in 1...5 {
            try shell.type("echo \"never-\(round)")
            #expect(shell.wait(for: "\n> ", count: round) != nil, "round \(round): \(shell.screen())")
            try shell.burst(["-l", "printed"], ["C-c"], ["-l", "echo after-$((\(round)*7))"], ["Enter"])
            #expect(shell.wait(for: "\nafter-\(round * 7)\n") != nil, "round \(round): \(shell.screen())")
        }
        #expect(!shell.screen().contains("printedecho"), "\(shell.screen())")
        try shell.keys("C-c")
    }

    @Test func aPasteRunsItsCommandsInOrder() throws {
        let shell = try startChineseShell()
        #expect(shell.wait(for: "$ ") != nil, "the prompt is there (and with it, bracketed paste): \(shell.screen())")
        try shell.paste("echo pasted-one\necho 粘贴-二\nprintf '%s\\n' pasted-three\n")
        #expect(shell.wait(for: "pasted-one\n") != nil, "\(shell.screen())")
        #expect(shell.wait(for: "粘贴-二\n") != nil && shell.wait(for: "\npasted-three\n") != nil, "\(shell.screen())")
        #expect(!shell.screen().contains("[200~") && !shell.screen().contains("[201~"), "no stray escape sequence: \(shell.screen())")
    }

    /// The build lesson start to end, every line as its Chinese text shows it: the here-document of
    /// index.html typed line by line, the Dockerfile pasted as one block.
    @Test func theWholeBuildLessonTypedAsShown() throws {
        let shell = try startChineseShell()
        try shell.type("lesson build")
        #expect(shell.wait(for: "[build 1/8]") != nil, "\(shell.screen())")
        let steps = ["mkdir", "index", "dockerfile", "build", "run", "browse", "stop", "rm"]
        var continuations = 0
        for (number, step) in steps.enumerated() {
            let text = try String(contentsOfFile: "\(BuildProducts.packageRoot)/lessons/build/zh/\(step).md", encoding: .utf8)
            let code = LessonCode.blocks(in: text).joined(separator: "\n")
            let lines = code.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if step == "dockerfile" {
                #expect(shell.wait(for: "[build 3/8] ~") != nil, "the prompt is there: \(shell.screen())")
                try shell.paste(code + "\n")
            } else if step == "index" {
                try typeBlock(lines, into: shell, prompts: &continuations)
            } else {
                for line in lines { try shell.type(line) }
            }
            #expect(shell.wait(for: "✓ 这一步完成了", count: number + 1, seconds: 60) != nil, "step \(step):\n\(shell.screen())")
        }
        #expect(shell.wait(for: "完成了「") != nil, "\(shell.screen())")
        let page = try String(contentsOfFile: directory.file("workspace/hello-deepin23-podman/index.html"), encoding: .utf8)
        #expect(page.contains("<title>deepin 23 您好！ Podman 您好！</title>"), "\(page)")
        let progress = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("state/progress.json")))) as? [String: Any]
        let build = (progress?["lessons"] as? [String: Any])?["build"] as? [String: Any]
        let recorded = build?["steps"] as? [String: [String: Any]]
        // The mkdir step passes after its first line, so its `cd` line counts for the index step: that and the
        // typed here-document (13 lines, one command) are two attempts.
        #expect(recorded?["index"]?["attempts"] as? Int == 2, "the typed here-document is one attempt: \(String(describing: recorded))")
        #expect(recorded?["dockerfile"]?["attempts"] as? Int == 1, "the pasted block is one attempt: \(String(describing: recorded))")
        try shell.type("quit")
    }
}

/// The code of a lesson text: the lines of its ``` blocks, as a learner would copy them.
enum LessonCode {
    static func blocks(in markdown: String) -> [String] {
        var blocks: [String] = []
        var current: [String]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if let done = current { blocks.append(done.joined(separator: "\n")); current = nil } else { current = [] }
            } else if current != nil {
                current?.append(String(line))
            }
        }
        return blocks
    }
}

extension TutorIntegrationTests {
    /// Ctrl-C pressed while libedit is still taking in and drawing a long line: every one is taken at once (SIGINT is
    /// let in only while libedit waits for a key). Before, a SIGINT that came mid-draw was only noted by a handler
    /// while libedit went on to block in read(), and nothing happened until the next key (with the old reader this
    /// test failed three runs in three).
    @Test func ctrlCWhileALineIsStillDrawnIsNeverLost() throws {
        let shell = try TmuxSession(command: BuildProducts.podlab, environment: environment, directory: directory.path)
        #expect(shell.wait(for: "podlab") != nil, "\(shell.screen())")
        let long = "echo burst-" + String(repeating: "字x", count: 500)
        for round in 1...10 {
            try shell.keys("-l", long)
            try shell.keys("C-c")
            // Taken: the editor is empty again under a new prompt. (Lost, the long line stays on the last line.)
            #expect(shell.waitForEmptyPrompt(), "round \(round): \(shell.screen().suffix(300))")
            // Typed only now: the terminal drops what was typed ahead before it processed the ^C.
            try shell.type("echo done-\(round)")
            #expect(shell.wait(for: "\ndone-\(round)\n", seconds: 10) != nil, "round \(round): \(shell.screen().suffix(300))")
        }
        #expect(!shell.screen().contains("\nburst-"), "no cancelled line ran")
    }
}
