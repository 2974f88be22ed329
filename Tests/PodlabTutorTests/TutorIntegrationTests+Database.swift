import Foundation
import PodlabCore
import PodlabTestSupport
import PodlabTutor
import Testing

extension TutorIntegrationTests {
    /// The "继续探索" lessons typed in the guided shell, each line of every step's solution as the lesson gives it:
    /// the todo app and its volume, the app with MariaDB in a pod, the passwords moved into secrets. Each lesson
    /// ends with "You finished", and progress records every step.
    @Test func theShellGuidesThroughVolumePodAndSecret() throws {
        let catalog = try LessonCatalog(directory: "\(BuildProducts.packageRoot)/lessons")
        let shell = try startShell()
        defer {
            // The pod publishes 8080, which the suite's other lessons use next.
            let podman = Podman(root: directory.file("storage"))
            _ = try? podman("pod", "rm", "-a", "-f")
            _ = try? podman("rm", "-a", "-f")
        }
        var finished = 0
        for id in ["volume", "pod", "secret", "kube"] {
            let lesson = try #require(catalog.lessons.first { $0.id == id })
            try shell.type("lesson \(id)")
            #expect(shell.wait(for: "[\(id) 1/\(lesson.steps.count)]", seconds: 60) != nil, "\(shell.screen())")
            for line in lesson.steps.flatMap(\.solution) {
                // A here-document is typed as a person types it: a line, then the next at the "> " prompt.
                let parts = line.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    .reversed().drop { $0.isEmpty }.reversed()
                for (index, part) in parts.enumerated() {
                    let shown = (index == 0 ? "$ " : "> ") + part
                    let echoed = shell.screen().components(separatedBy: shown).count - 1
                    try shell.type(part)
                    #expect(shell.wait(for: shown, count: echoed + 1) != nil, "the line is shown: \(part)\n\(shell.screen())")
                    if index < parts.count - 1 {
                        #expect(shell.waitForPrompt(endingWith: ">"), "after \(part):\n\(shell.screen())")
                    }
                }
                #expect(shell.waitForEmptyPrompt(seconds: 60), "after \(line):\n\(shell.screen())")
            }
            finished += 1
            #expect(shell.wait(for: "You finished", count: finished, seconds: 30) != nil, "\(id):\n\(shell.screen())")
        }
        try shell.type("quit")

        let progress = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("state/progress.json")))) as? [String: Any]
        let lessons = progress?["lessons"] as? [String: [String: Any]]
        for id in ["volume", "pod", "secret", "kube"] {
            let steps = catalog.lessons.first { $0.id == id }?.steps.count
            #expect(lessons?[id]?["current"] as? Int == steps, "\(id): \(String(describing: lessons?[id]))")
        }
    }
}
