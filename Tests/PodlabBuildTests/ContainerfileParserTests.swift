@testable import PodlabBuild
import PodlabCore
import Testing

/// Good and bad Containerfiles, with the errors and line numbers a learner should see.
@Suite struct ContainerfileParserTests {
    @Test func theTutorialsDockerfile() throws {
        let text = """
            FROM docker.io/donaldsebleung/linuxdeepin-apricot:v20.8-compatible
            WORKDIR /app
            COPY index.html .
            CMD ["python3", "-m", "http.server", "80"]
            """
        let steps = try Containerfile.parse(text, file: "Dockerfile")
        #expect(steps.map(\.keyword) == ["FROM", "WORKDIR", "COPY", "CMD"])
        #expect(steps.map(\.line) == [1, 2, 3, 4])
        #expect(steps[3].json == ["python3", "-m", "http.server", "80"])
        #expect(steps[2].display == "COPY index.html .")
    }

    @Test func continuationsCommentsFlagsAndEscapeDirective() throws {
        let text = """
            # escape=`
            # a comment
            FROM busybox AS base
            RUN echo one && `
            # comment inside a continuation
                echo two
            COPY --from=base --chown=1000:1000 /bin/busybox /tools/
            """
        let steps = try Containerfile.parse(text, file: "Containerfile")
        #expect(steps.count == 3)
        #expect(steps[1].arguments == "echo one &&     echo two")
        #expect(steps[1].line == 4)
        #expect(steps[2].flags == ["from": "base", "chown": "1000:1000"])
        #expect(steps[2].line == 7)
    }

    static let bad: [(String, Int, String)] = [
        ("FROM busybox\nFROBNICATE x", 2, "unknown instruction: FROBNICATE"),
        ("FROM busybox\nCMD [\"python3\", \"-m\" \"http.server\"]", 2, "malformed JSON array"),
        ("RUN echo no base", 1, "no FROM instruction"),
        ("FROM busybox\n\nCOPY --frm=x a b", 3, "unknown flag --frm=x"),
        ("FROM busybox\nSHELL /bin/bash -c", 2, "SHELL requires a JSON array"),
        ("# only a comment\n", 1, "no instructions"),
        ("FROM busybox\nWORKDIR", 2, "WORKDIR requires at least one argument"),
        ("# escape=x\nFROM busybox", 1, "invalid escape character"),
    ]

    @Test(arguments: bad)
    func badFilesPointAtTheLine(text: String, line: Int, message: String) {
        do {
            _ = try Containerfile.parse(text, file: "Containerfile")
            Issue.record("parsed a bad file: \(text)")
        } catch let error as BuildError {
            guard case .syntax(let file, let reported, let text, _) = error else {
                Issue.record("expected a syntax error, got \(error.message)")
                return
            }
            #expect(file == "Containerfile")
            #expect(reported == line)
            #expect(text.contains(message), "\(text)")
            #expect(error.message.hasPrefix("Containerfile:\(line): "))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func variablesExpandAsInShells() {
        let variables = ["NAME": "podlab", "EMPTY": ""]
        #expect(Substitution.expand("hello $NAME ${NAME}!", variables) == "hello podlab podlab!")
        #expect(Substitution.expand("${EMPTY:-fallback} ${NAME:+set} ${MISSING}x", variables) == "fallback set x")
        #expect(Substitution.expand("costs \\$5", variables) == "costs $5")
        #expect(Substitution.pairs("A=1 B=\"two words\" C", legacySpace: false).map { "\($0.0)=\($0.1)" } == ["A=1", "B=two words", "C="])
        #expect(Substitution.pairs("GREETING hello world", legacySpace: true).map { "\($0.0)=\($0.1)" } == ["GREETING=hello world"])
    }
}
