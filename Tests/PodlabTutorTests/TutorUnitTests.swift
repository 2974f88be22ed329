import Foundation
import PodlabTestSupport
import PodlabTutor
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The tutor's pieces that need no engine: coaching, word splitting, HTML as text, reports, the lessons.
@Suite struct TutorUnitTests {
    @Test func coachingSpotsTheTutorialsUsualMistakes() {
        let spec = CoachSpec(name: "my-web-server", ports: ["8080:80"], detach: true, image: "docker.io/library/nginx:1.24")
        let reversed = Coach.advice(for: "podman run --name my-web-server -p 80:8080 docker.io/library/nginx:1.24", spec: spec, language: .en)
        #expect(reversed.contains { $0.contains("wrong way round") && $0.contains("-p 8080:80") })
        #expect(reversed.contains { $0.contains("no -d") })
        let named = Coach.advice(for: "podman run -d --name web -p 8080:80 nginx:1.24", spec: spec, language: .en)
        #expect(named == ["the name is web; this step uses --name my-web-server"])
        #expect(Coach.advice(for: "podman run --name my-web-server -d -p 8080:80 docker.io/library/nginx:1.24", spec: spec, language: .en).isEmpty)
        #expect(Coach.advice(for: "podman run -dp 8080:80 --name=my-web-server nginx:1.24", spec: spec, language: .en).isEmpty)
        #expect(Coach.advice(for: "podman ps -a", spec: spec, language: .en).isEmpty, "only run lines are coached")
        // A label's value is not the image: `-l` takes one in run, as `--label` and `--label-file` do.
        #expect(Coach.advice(for: "podman run -d -l tier=web --label-file labels --label app=shop --name my-web-server -p 8080:80 nginx:1.24",
                             spec: spec, language: .en).isEmpty)
        #expect(Coach.advice(for: "podman run --name my-web-server -p 80:8080 -d nginx:1.24", spec: spec, language: .zh).first?.contains("端口写反了") == true)
    }

    @Test func wordsSplitAsTheShellWould() {
        #expect(ShellWords.split(#"podman tag a docker.io/"$USER"/b:1"#) == ["podman", "tag", "a", "docker.io/$USER/b:1"])
        #expect(ShellWords.split("echo 'a b' c\\ d") == ["echo", "a b", "c d"])
        #expect(ShellWords.split("a && b|c") == ["a", "&", "&", "b", "|", "c"])
    }

    @Test func htmlBecomesReadableText() {
        let html = "<html><head><title>Welcome</title><style>h1{color:red}</style></head><body><h1>Hello &amp; welcome</h1><p>A<br>B &#x4f60;&#22909;</p><script>x()</script></body></html>"
        #expect(WebPage.text(ofHTML: html) == "Welcome\n# Hello & welcome\nA\nB 你好")
    }

    @Test func reportsInEveryFormat() throws {
        let report = Report(suite: "podlab.nginx", cases: [
            .init(name: "podman ps", passed: true, message: nil),
            .init(name: "container my-web-server", passed: false, message: "a container named my-web-server exists but publishes 80:8080 & <more>"),
        ])
        #expect(report.render(.text).hasSuffix("podlab.nginx: 1 of 2 passed"))
        let json = try JSONSerialization.jsonObject(with: Data(report.render(.json).utf8)) as? [String: Any]
        #expect(json?["failures"] as? Int == 1 && json?["passed"] as? Bool == false)
        #expect(report.render(.tap).hasPrefix("TAP version 13\n1..2\nok 1 - podman ps\nnot ok 2 - container my-web-server\n  ---\n"))
        let parsed = try JUnit.parse(report.render(.junit))
        #expect(parsed.tests == 2 && parsed.failures == 1)
        #expect(parsed.failureMessages == ["a container named my-web-server exists but publishes 80:8080 & <more>"])
    }

    @Test func everyLessonLoadsWithTextsInBothLanguages() throws {
        let directory = "\(BuildProducts.packageRoot)/lessons"
        let catalog = try LessonCatalog(directory: directory)
        #expect(catalog.lessons.map(\.id) == ["hello-world", "nginx", "build", "push", "volume", "pod", "secret", "kube"])
        for lesson in catalog.lessons {
            for step in lesson.steps {
                for language in Language.allCases {
                    #expect(FileManager.default.fileExists(atPath: "\(directory)/\(lesson.id)/\(language.rawValue)/\(step.id).md"),
                            "\(lesson.id)/\(language.rawValue)/\(step.id).md")
                }
            }
        }
        let explainer = try Explainer(lessonsDirectory: directory)
        let lines = explainer.explain("podman run --name my-web-server -d -p 8080:80 docker.io/library/nginx:1.24", language: .en)
        #expect(lines.count == 6)
        #expect(lines.contains { $0.hasPrefix("-p 8080:80  — ") })
        #expect(lines.last?.hasPrefix("docker.io/library/nginx:1.24  — the image") == true)
    }

    @Test func aBrokenLessonFileIsRefusedWithItsName() throws {
        let directory = TemporaryDirectory("podlab-lesson")
        try "id: broken\ntitle: {zh: a, en: b}\nsteps:\n  - id: one\n    title: {zh: a, en: b}\n    solution: [true]\n    checks: [{nosuch: {}}]\n"
            .write(toFile: directory.file("broken.yaml"), atomically: true, encoding: .utf8)
        let error = #expect(throws: TutorError.self) { try LessonCatalog(directory: directory.path) }
        #expect(error?.message.contains("broken.yaml") == true, "\(String(describing: error))")
    }
}

/// Reads a JUnit report back (the schema's elements and attributes that CI tools use).
enum JUnit {
    struct Summary { var tests = 0; var failures = 0; var cases = 0; var failureMessages: [String] = [] }

    final class Reader: NSObject, XMLParserDelegate {
        var summary = Summary()
        var sawSuite = false
        func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            switch element {
            case "testsuite":
                sawSuite = true
                summary.tests += Int(attributes["tests"] ?? "") ?? 0
                summary.failures += Int(attributes["failures"] ?? "") ?? 0
            case "testcase": summary.cases += 1
            case "failure": summary.failureMessages.append(attributes["message"] ?? "")
            default: break
            }
        }
    }

    struct Invalid: Error { var reason: String }

    static func parse(_ xml: String) throws -> Summary {
        let parser = XMLParser(data: Data(xml.utf8))
        let reader = Reader()
        parser.delegate = reader
        guard parser.parse(), reader.sawSuite else { throw Invalid(reason: parser.parserError.map { "\($0)" } ?? "no testsuite") }
        guard reader.summary.cases == reader.summary.tests, reader.summary.failureMessages.count == reader.summary.failures else {
            throw Invalid(reason: "counts do not match the test cases")
        }
        return reader.summary
    }
}
