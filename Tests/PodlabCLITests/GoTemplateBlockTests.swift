import Foundation
@testable import PodlabCLI
import PodlabTestSupport
import Testing

/// `--format` blocks as podman users write them: `{{range}}`, `{{if}}`/`{{else}}`, `{{end}}`, `index`, `len`, the
/// `{{-`/`-}}` trim markers and comments; what podlab does not take is refused with the reason.
struct GoTemplateBlockTests {
    let container: TemplateValue = .object([
        ("Name", .string("web")),
        ("Running", .bool(false)),
        ("Args", .strings(["-g", "daemon off;"])),
        ("Labels", .map(["tier": "front", "app": "shop"])),
        ("Ports", .omitEmpty(.array([]))),
        ("Mounts", .array([
            .object([("Name", .string("data")), ("Destination", .string("/data"))]),
            .object([("Name", .string("logs")), ("Destination", .string("/var/log"))]),
        ])),
    ])

    func render(_ format: String) throws -> String {
        try GoTemplate(format, name: "inspect").render(container)
    }

    func refusal(_ format: String, at step: (GoTemplate) throws -> Void = { _ in }) -> String? {
        do {
            try step(try GoTemplate(format, name: "inspect"))
            return nil
        } catch let error as CLIError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func rangeRunsItsBodyWithEachItemAsDot() throws {
        #expect(try render("{{range .Mounts}}{{.Name}}:{{.Destination}} {{end}}") == "data:/data logs:/var/log ")
        #expect(try render("{{range .Args}}[{{.}}]{{end}}") == "[-g][daemon off;]")
        #expect(try render("{{range .Labels}}{{.}},{{end}}") == "shop,front,", "a map's values in key order")
        #expect(try render("{{range .Ports}}{{.}}{{else}}none{{end}}") == "none")
        // One item a line, as podman users write it: a constant, or println.
        #expect(try render(#"{{range .Args}}{{.}}{{"\n"}}{{end}}"#) == "-g\ndaemon off;\n")
        #expect(try render("{{range .Mounts}}{{println .Destination}}{{end}}") == "/data\n/var/log\n")
    }

    @Test func ifTakesGosTruth() throws {
        #expect(try render("{{if .Running}}up{{else}}down{{end}}") == "down")
        #expect(try render("{{if .Name}}named {{.Name}}{{end}}") == "named web")
        #expect(try render("{{if .Ports}}ports{{else}}no ports{{end}}") == "no ports")
        #expect(try render("{{if len .Mounts}}{{len .Mounts}} mounts{{end}}") == "2 mounts")
        #expect(try render("{{if .Mounts}}{{range .Mounts}}{{if .Name}}{{upper .Name}} {{end}}{{end}}{{end}}") == "DATA LOGS ")
        let chain = "{{if .Running}}up{{else if .Ports}}ports{{else if .Name}}named{{else}}none{{end}}"
        #expect(try render(chain) == "named", "else if: the branch whose value is true")
        let running: TemplateValue = .object([("Running", .bool(true)), ("Ports", .array([])), ("Name", .string("web"))])
        #expect(try GoTemplate(chain, name: "t").render(running) == "up", "the first true branch, not the last")
        #expect(try render("{{if .Running}}up{{else\tif  .Ports}}ports{{end}}") == "", "no branch true, no else")
        let bare: TemplateValue = .object([("Running", .bool(false)), ("Ports", .array([])), ("Name", .string(""))])
        #expect(try GoTemplate(chain, name: "t").render(bare) == "none")
    }

    @Test func indexReadsAMapKeyOrAListItem() throws {
        #expect(try render(#"{{index .Labels "tier"}}"#) == "front")
        #expect(try render(#"[{{index .Labels "none"}}]"#) == "[]", "a missing key is empty, as in Go")
        #expect(try render("{{index .Args 1}}") == "daemon off;")
        #expect(refusal("{{index .Args 2}}", at: { _ = try $0.render(container) })
                == "template: inspect:1:3: executing \"inspect\" at <.Args>: index out of range: 2")
        #expect(refusal("{{index .Labels}}")?.contains("needs a key") == true)
        #expect(refusal("{{index .Labels tier}}")?.contains("a \"quoted\" key or a number") == true)
    }

    /// A Go slice or map that is nil prints as an empty one (`[]`, `map[]`) and as `null` in JSON; `<no value>` is
    /// what Go prints for a missing map key, which no podman field is.
    @Test func nilListsAndMapsPrintAsGoPrintsThem() throws {
        let value: TemplateValue = .object([("Cmd", .strings(nil)), ("Labels", .map(nil))])
        let rendered = try GoTemplate("{{.Cmd}}|{{.Labels}}|{{json .Cmd}}|{{json .Labels}}|{{len .Labels}}|{{if .Labels}}y{{else}}n{{end}}"
                                      + "{{range .Cmd}}x{{end}}", name: "inspect").render(value)
        #expect(rendered == "[]|map[]|null|null|0|n")
        #expect(value.json(indent: nil) == "{\"Cmd\":null,\"Labels\":null}")
    }

    /// Variables as Go has them: a range's key (a map's key, a list's position) and item, one declared with `:=`
    /// for the rest of its block, and `$` for the whole value, with fields and functions after them.
    @Test func variablesHoldARangesKeysAndItemsAndTheWholeValue() throws {
        #expect(try render("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}") == "app=shop;tier=front;")
        #expect(try render("{{range $i, $a := .Args}}{{$i}}:{{$a}} {{end}}") == "0:-g 1:daemon off; ")
        #expect(try render("{{range $m := .Mounts}}{{$m.Name}}@{{$.Name}} {{end}}") == "data@web logs@web ")
        #expect(try render("{{$n := .Name}}{{range .Mounts}}{{$n}}:{{.Destination}} {{end}}") == "web:/data web:/var/log ")
        #expect(try render("{{range $k, $v := .Labels}}{{upper $k}}{{json $v}}{{end}}") == "APP\"shop\"TIER\"front\"")
        #expect(try render("{{index $.Labels \"tier\"}} {{len $.Args}} {{if $.Running}}up{{else}}down{{end}}") == "front 2 down")
        #expect(try render("{{range $k, $v := .Ports}}x{{else}}none{{end}}") == "none")
        #expect(try render("{{range .Mounts}}{{$d := .Destination}}{{$d}} {{end}}") == "/data /var/log ", "declared again each time")
        #expect(try render("{{$u := upper .Name}}{{$u}} {{$j := json .Labels}}{{$j}}") == "WEB {\"app\":\"shop\",\"tier\":\"front\"}",
                "a text function's text is what the variable holds")
        #expect(try render("{{range $k, $v := .Ports}}x{{else}}{{len $v}}{{end}}") == "0", "in {{else}} they hold what was ranged over")
        // A list command's template sees every row as `$`, as podman ranges its template over them.
        let rows: [TemplateValue] = [container, .object([("Name", .string("db"))])]
        let template = try GoTemplate("{{len $}} {{.Name}} {{range $}}{{.Name}},{{end}}", name: "ps")
        #expect(try template.render(container, among: rows) == "2 web web,db,")
        #expect(refusal("{{$.Name}}", at: { _ = try $0.render(container, among: rows) })?.contains("can't evaluate field Name") == true)
    }

    @Test func trimMarkersAndCommentsAsInGo() throws {
        #expect(try render("a  {{- .Name -}}  b") == "awebb")
        #expect(try render("{{range .Args -}}\n  {{.}}\n{{- end}}") == "-gdaemon off;")
        #expect(try render("{{/* the container's name */}}{{.Name}}") == "web")
        #expect(try render("a\t{{-\t.Name\t-}}\n b") == "awebb", "any white space beside the dash")
    }

    @Test func whatPodlabDoesNotTakeIsRefusedWithTheReason() {
        #expect(refusal("{{range .Mounts}}{{.Name}}")?.contains("unexpected EOF: {{range}} has no {{end}}") == true)
        #expect(refusal("{{.Name}}{{end}}") == "template: inspect:1: unexpected {{end}}")
        #expect(refusal("{{if .Name}}a{{else}}b{{else}}c{{end}}") == "template: inspect:1: unexpected {{else}} after {{else}}")
        #expect(refusal("{{range .Args}}a{{else if .Name}}b{{end}}")?.contains("belongs to an {{if}}") == true)
        #expect(refusal("{{range}}{{end}}") == "template: inspect:1: missing value for range")
        #expect(refusal("{{if .Name}}a{{else if}}b{{end}}") == "template: inspect:1: missing value for if")
        #expect(refusal("{{with .Name}}{{.}}{{end}}")?.contains("function \"with\" not supported") == true)
        #expect(refusal("{{range .Mounts}}{{$m := .Name}}{{end}}{{$m}}") == "template: inspect:1: undefined variable \"$m\"")
        #expect(refusal("{{$x}}") == "template: inspect:1: undefined variable \"$x\"")
        #expect(refusal("{{range $a, $b, $c := .Mounts}}{{end}}")?.contains("range declares one or two variables") == true)
        #expect(refusal("{{range $a.b := .Mounts}}{{end}}")?.contains("range declares one or two variables") == true)
        #expect(refusal("{{$ := .Name}}") == "template: inspect:1: \"$\" is not a variable name")
        #expect(refusal("{{if $x := .Name}}{{$x}}{{end}}")?.contains("declares no variable inside {{if}}") == true)
        #expect(refusal("{{.Name | upper}}")?.contains("podlab's --format supports") == true)
        #expect(refusal("{{range .Name}}{{end}}", at: { _ = try $0.render(container) })
                == "template: inspect:1:3: executing \"inspect\" at <.Name>: range can't iterate over web")
    }

    @Test func tableHeadersReachInsideBlocks() throws {
        let template = try GoTemplate("table {{.Name}} {{range .Mounts}}{{.Destination}}{{end}}", name: "ps")
        #expect(template.headers(overrides: [:]) == "NAME\tDESTINATION")
    }
}

/// The same blocks on a real container's inspect output.
struct GoTemplateBlockCommandTests {
    let directory = TemporaryDirectory("podlab-template-blocks")
    var podman: Podman { Podman(root: directory.file("storage")) }

    @Test func inspectRangesOverARealContainersMounts() throws {
        let podman = self.podman
        let host = directory.file("host")
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        let created = try podman("create", "--name", "c", "-v", "data:/data", "-v", "\(host):/host:ro",
                                 "docker.io/library/busybox:latest", "true")
        #expect(created.status == 0, "\(created)")
        let mounts = try podman("container", "inspect", "--format",
                                "{{range .Mounts}}{{.Type}} {{.Destination}} {{if .RW}}rw{{else}}ro{{end}};{{end}}", "c")
        #expect(mounts.status == 0 && mounts.stdout == "volume /data rw;bind /host ro;\n", "\(mounts)")
        // `$` is every container inspected, as podman 4.3.1 has it (`{{$.Name}}` fails there too).
        let counted = try podman("container", "inspect", "--format", "{{len $}} {{.Name}}", "c", "c")
        #expect(counted.status == 0 && counted.stdout == "2 c\n2 c\n", "\(counted)")
        let refused = try podman("container", "inspect", "--format", "{{range .Mounts}}{{.Destination}}", "c")
        #expect(refused.status == 125 && refused.stderr.contains("{{range}} has no {{end}}"), "\(refused)")
    }
}
