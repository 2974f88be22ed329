import PodlabBuild
import Testing

/// `.containerignore` read and matched as podman and Docker do: `*` within one component, `**` across any number,
/// exceptions, cleaned patterns; a file written on Windows reads the same; a broken pattern is an error with its line.
struct IgnoreRulesTests {
    func rules(_ text: String) throws -> IgnoreRules { try IgnoreRules(text: text) }

    @Test func patternsMatchAsInPodman() throws {
        let ignore = try rules("*.log\nsecrets/\n!keep.log\n**/*.tmp\n./build/../dist/\n# a comment\n\n")
        #expect(ignore.excludes("debug.log") && !ignore.excludes("keep.log"))
        #expect(!ignore.excludes("logs/debug.log"), "* stays within one component, as in podman")
        #expect(ignore.excludes("secrets") && ignore.excludes("secrets/key") && ignore.excludes("./secrets//deep/key"))
        #expect(ignore.excludes("a.tmp") && ignore.excludes("x/y/z.tmp"), "**/ is any number of directories, none too")
        #expect(ignore.excludes("dist/app.js") && !ignore.excludes("build/app.js"))
        #expect(!ignore.excludes("# a comment") && !ignore.excludes("app.txt") && !ignore.excludes("."))
    }

    @Test func classesQuotesAndDoubleStars() throws {
        let ignore = try rules("[ab].txt\nn[^0-9]\n\\*.md\n**\n!src/**\n")
        #expect(try rules("[ab].txt").excludes("a.txt") && !(try rules("[ab].txt").excludes("c.txt")))
        #expect(try rules("n[^0-9]").excludes("nx") && !(try rules("n[^0-9]").excludes("n1")))
        #expect(try rules("\\*.md").excludes("*.md") && !(try rules("\\*.md").excludes("README.md")))
        #expect(ignore.excludes("anything/at/all") && !ignore.excludes("src/main.swift"), "** then !src/**")
        #expect(try rules("**/foo").excludes("foo") && (try rules("**/foo").excludes("a/b/foo")))
    }

    /// "\r\n" is one Character to Swift: a split by Characters read a CRLF file as one pattern and left `.env` in.
    @Test func aFileWrittenOnWindowsReadsTheSame() throws {
        let ignore = try rules("\u{FEFF}.env\r\n.git\r\n!.git/keep\r\n")
        #expect(ignore.excludes(".env") && ignore.excludes(".git/config") && !ignore.excludes(".git/keep"))
    }

    @Test func aBrokenPatternIsRefusedWithItsLine() throws {
        for (text, line, words) in [("ok\n[abc\n", 2, "without its ]"), ("!\n", 1, "illegal exclusion"), ("a\nb\nc\\", 3, "quotes nothing"),
                                    ("[z-a]", 1, "backwards")] {
            let error = #expect(throws: BuildError.self) { try rules(text) }
            #expect(error?.message.hasPrefix(".containerignore:\(line): ") == true && error?.message.contains(words) == true,
                    "\(text.debugDescription): \(String(describing: error?.message))")
        }
    }

    /// A pattern of many stars against a long name that almost matches: followed every way at once, it is answered
    /// (a backtracking matcher would take longer than the test's time limit).
    @Test func manyStarsDoNotTakeExponentialTime() throws {
        let ignore = try rules(String(repeating: "*a", count: 40) + "b")
        #expect(!ignore.excludes(String(repeating: "a", count: 4000)))
        #expect(ignore.excludes(String(repeating: "a", count: 100) + "b"))
    }
}

extension IgnoreRulesTests {
    /// A `/` followed by a combining mark is one Character with it: a file whose name starts with one, in an ignored
    /// directory, was not seen to be in it, and the build copied it (the fuzz target's finding `slash-combining-mark`).
    @Test func aNameStartingWithACombiningMarkIsStillInItsDirectory() throws {
        let ignore = try rules("secrets/\n")
        #expect(ignore.excludes("secrets/\u{59E}key") && ignore.excludes("./secrets/\u{301}"))
        #expect(try rules("/\u{301}x\n").excludes("\u{301}x"), "a rooted pattern's / is dropped however its name starts")
    }
}
