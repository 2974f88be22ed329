import PodlabCore
import PodlabImages
import PodlabRuntime
import PodlabTestSupport
import Testing

/// `Journal.newest(since:where:)`, which the guided shell asks after every line for a class's live view: the newest
/// matching event since a time, read from the end of the file.
struct JournalTests {
    let directory = TemporaryDirectory("podlab-journal")

    func journal(_ events: [(time: Double, exitCode: Int32)]) throws -> Journal {
        var lines: [UInt8] = []
        for (time, exitCode) in events {
            var event = JournalEvent(type: "system", status: "command", exitCode: exitCode, arguments: ["podman", "t\(Int(time))"])
            event.time = time
            lines += try JSONCoding.encode(event) + [0x0a]
        }
        lines += Array("{not json\n".utf8)
        try FileSystem.writeAtomically(lines, to: directory.file("events.jsonl"))
        return Journal(storage: directory.path)
    }

    @Test func theNewestMatchingEventSinceATime() throws {
        let failed: (JournalEvent) -> Bool = { $0.exitCode != 0 }
        let journal = try journal([(100, 1), (200, 125), (300, 0)])
        #expect(journal.newest(since: 150, where: failed)?.arguments == ["podman", "t200"])
        #expect(journal.newest(since: 250, where: failed) == nil, "the failure at 200 is before the step began")
        #expect(journal.newest(since: 201, where: failed) == nil, "within the slack, but still before the time asked")
        #expect(journal.newest(since: 0, where: { $0.exitCode == 0 })?.arguments == ["podman", "t300"])
    }

    /// Two processes can append in the other order than their clocks: a line a little older than the time asked
    /// does not end the search.
    @Test func linesThatCrossedAreStillRead() throws {
        let journal = try journal([(210, 1), (199, 0)])
        #expect(journal.newest(since: 200, where: { $0.exitCode != 0 })?.arguments == ["podman", "t210"])
        #expect(journal.newest(since: 200, slack: 0, where: { $0.exitCode != 0 }) == nil, "without slack it stops at 199")
    }
}
