@testable import PodlabCLI
import Foundation
import Testing

/// podman's ways of writing sizes, durations, tables and templates.
@Suite struct OutputFormatTests {
    static let sizes: [(Int64, String)] = [
        (0, "0 B"), (999, "999 B"), (1500, "1.5 kB"), (11331, "11.3 kB"), (142_848, "143 kB"), (1_984_512, "1.98 MB"),
        (2_000_000, "2 MB"), (19_900, "19.9 kB"), (147_000_000, "147 MB"), (3_300_000_000, "3.3 GB"),
    ]

    @Test(arguments: sizes)
    func sizesAsPodman(bytes: Int64, expected: String) {
        #expect(HumanFormat.size(bytes) == expected)
    }

    static let durations: [(Double, String)] = [
        (0.4, "Less than a second"), (1, "1 second"), (26, "26 seconds"), (61, "About a minute"), (300, "5 minutes"),
        (3600, "About an hour"), (23 * 3600, "23 hours"), (3 * 86400, "3 days"), (15 * 86400, "2 weeks"),
        (100 * 86400, "3 months"), (800 * 86400, "2 years"),
    ]

    @Test(arguments: durations)
    func durationsAsPodman(seconds: Double, expected: String) {
        #expect(HumanFormat.duration(seconds: seconds) == expected)
    }

    @Test func tableMatchesPodmansColumns() {
        var table = TableWriter()
        table.add(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"])
        table.add(["localhost/x", "latest", "5340defe2ceb", "6 minutes ago", "2.69 MB"])
        table.add(["localhost/busybox-base", "latest", "55e0483a9676", "9 minutes ago", "2.68 MB"])
        // As recorded from podman 4.3.1 (shared/reference).
        #expect(table.render() == """
            REPOSITORY              TAG         IMAGE ID      CREATED        SIZE
            localhost/x             latest      5340defe2ceb  6 minutes ago  2.69 MB
            localhost/busybox-base  latest      55e0483a9676  9 minutes ago  2.68 MB

            """)
        var empty = TableWriter()
        empty.add(["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"])
        #expect(empty.render() == "CONTAINER ID  IMAGE       COMMAND     CREATED     STATUS      PORTS       NAMES\n")
    }

    @Test func templatesRenderFieldsAndJSON() throws {
        let value: TemplateValue = .object([("ID", .string("abc")), ("Size", .int(12)), ("Config", .object([("Cmd", .strings(["sh", "-c"]))]))])
        #expect(try GoTemplate("{{.ID}} {{.Size}}\\t{{json .Config.Cmd}}", name: "t").render(value) == "abc 12\t[\"sh\",\"-c\"]")
        // Unsupported template features are refused, not silently printed as text.
        #expect(throws: CLIError.self) { try GoTemplate("{{ .ID | printf }}", name: "t") }
        #expect(throws: CLIError.self) { try GoTemplate("{{with .ID}}{{.}}{{end}}", name: "t") }
    }

    @Test func unknownFieldIsAnErrorNamingIt() throws {
        let template = try GoTemplate("{{.Foo}}", name: "images")
        #expect(throws: CLIError.self) { try template.render(.object([("ID", .string("x"))])) }
        do {
            _ = try template.render(.object([]))
        } catch let error as CLIError {
            #expect(error.message == "template: images:1:3: executing \"images\" at <.Foo>: can't evaluate field Foo")
        }
    }

    @Test func tableTemplatesGetHeaders() throws {
        let template = try GoTemplate("table {{.ID}} {{.CreatedBy}}", name: "history")
        #expect(template.isTable)
        #expect(template.headers(overrides: [:]) == "ID\tCREATED BY")
    }

    @Test func jsonKeepsKeyOrderAndEscapes() {
        let value: TemplateValue = .array([.object([("Id", .string("<a>")), ("RepoTags", .null), ("Size", .int(5))])])
        #expect(value.json(indent: "    ") == "[\n    {\n        \"Id\": \"<a>\",\n        \"RepoTags\": null,\n        \"Size\": 5\n    }\n]")
        #expect(value.json(indent: nil, escapeHTML: true) == #"[{"Id":"\u003ca\u003e","RepoTags":null,"Size":5}]"#)
    }

    /// Every control a terminal could obey is escaped in JSON: C0, C1 (U+0080–U+009F; U+009B is CSI to some
    /// terminals), and U+2028/U+2029 as Go writes them; the text decodes back to what it was.
    @Test func jsonEscapesEveryControlATerminalCouldObey() throws {
        let text = "a\u{1B}]0;t\u{07}b\u{9B}31mc\u{85}d\u{2028}e\u{2029}f\u{7F}é中"
        let json = TemplateValue.string(text).json(indent: nil)
        #expect(json == #""a\u001b]0;t\u0007b\u009b31mc\u0085d\u2028e\u2029f\#u{7F}é中""#)
        #expect(!json.unicodeScalars.contains { $0.value < 0x20 || (0x80...0x9F).contains($0.value) }, "no raw control but DEL")
        let decoded = try JSONDecoder().decode(String.self, from: Data(json.utf8))
        #expect(decoded == text)
    }

    /// Go's `omitempty`: JSON leaves out an empty field, a template still reaches it.
    @Test func omitEmptyFieldsLeaveJSONButNotTemplates() throws {
        let bare: TemplateValue = .object([("Name", .string("p")), ("Labels", .omitEmpty(.map([:])))])
        #expect(bare.json(indent: nil) == #"{"Name":"p"}"#)
        #expect(try GoTemplate("{{json .}}|{{.Labels}}|{{json .Labels}}", name: "t").render(bare) == #"{"Name":"p"}|map[]|{}"#)
        let labelled: TemplateValue = .object([("Name", .string("p")), ("Labels", .omitEmpty(.map(["a": "b"])))])
        #expect(labelled.json(indent: nil) == #"{"Name":"p","Labels":{"a":"b"}}"#)
        #expect(try GoTemplate("{{.Labels.a}}", name: "t").render(labelled) == "b")
    }
}
