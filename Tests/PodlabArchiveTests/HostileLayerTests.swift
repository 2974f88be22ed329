import CArchive
import PodlabArchive
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Layers built to break out of the directory they are applied to. Each is refused, or applied so that
/// everything stays inside; the victim directory beside the target is checked after every case.
@Suite struct HostileLayerTests {
    @Test func parentDirectoryNameIsRefused() throws {
        let fixture = try LayerFixture()
        try expectRefused(fixture, [(file("../victim/evil"), "pwned")], entry: "../victim/evil")
    }

    @Test func parentDirectoryInTheMiddleIsRefused() throws {
        let fixture = try LayerFixture()
        try expectRefused(fixture, [(directory("a"), ""), (file("a/../../victim/evil"), "pwned")], entry: "a/../../victim/evil")
    }

    @Test func absoluteNameIsRefused() throws {
        let fixture = try LayerFixture()
        try expectRefused(fixture, [(file("\(fixture.victim)/evil"), "pwned")], entry: "\(fixture.victim)/evil")
    }

    @Test func writeThroughSymlinkThatClimbsOutIsRefused() throws {
        let fixture = try LayerFixture()
        try expectRefused(fixture, [(symlink("escape", to: "../victim"), ""), (file("escape/evil"), "pwned")], entry: "escape/evil")
    }

    @Test func writeThroughAbsoluteSymlinkStaysInsideTheImage() throws {
        let fixture = try LayerFixture()
        try fixture.apply([(symlink("escape", to: fixture.victim), ""), (file("escape/evil"), "contained")])
        try fixture.expectVictimUntouched()
        // The absolute target means the image's own root, as it will inside the container.
        #expect(fixture.contents("\(fixture.victim.dropFirst())/evil") == "contained")
    }

    @Test func symlinkLoopIsRefused() throws {
        let fixture = try LayerFixture()
        try expectRefused(fixture, [(symlink("a", to: "b"), ""), (symlink("b", to: "a"), ""), (file("a/x"), "loop")], entry: "a/x")
    }

    @Test func hardlinkToOutsideIsRefused() throws {
        let fixture = try LayerFixture()
        try expectRefused(fixture, [(hardlink("stolen", to: "../victim/secret"), "")], entry: "stolen")
        try expectRefused(fixture, [(hardlink("stolen", to: "\(fixture.victim)/secret"), "")], entry: "stolen")
    }

    @Test func hardlinkThroughSymlinkToOutsideIsRefused() throws {
        let fixture = try LayerFixture()
        try expectRefused(fixture, [(symlink("up", to: "../victim"), ""), (hardlink("stolen", to: "up/secret"), "")], entry: "stolen")
    }

    @Test func hardlinkToSymlinkIsRefused() throws {
        let fixture = try LayerFixture()
        try expectRefused(fixture, [(symlink("link", to: "/etc/shadow"), ""), (hardlink("copy", to: "link"), "")], entry: "copy")
    }

    @Test func whiteoutOfParentIsRefused() throws {
        let fixture = try LayerFixture()
        try expectRefused(fixture, [(file(".wh.."), "")], entry: ".wh..")
        try expectRefused(fixture, [(directory("sub"), ""), (file("sub/.wh.."), "")], entry: "sub/.wh..")
    }

    @Test func whiteoutThroughSymlinkToOutsideIsRefused() throws {
        let fixture = try LayerFixture()
        try expectRefused(fixture, [(symlink("up", to: "../victim"), ""), (file("up/.wh.secret"), "")], entry: "up/.wh.secret")
    }

    @Test func deviceNodesAreNotCreated() throws {
        let fixture = try LayerFixture()
        var device = ArchiveEntry(path: "dev/evil", kind: .characterDevice, permissions: 0o666)
        device.deviceMajor = 1
        device.deviceMinor = 1
        var block = ArchiveEntry(path: "dev/disk", kind: .blockDevice, permissions: 0o660)
        block.deviceMajor = 8
        let result = try fixture.apply([(directory("dev"), ""), (device, ""), (block, ""), (file("dev/ok"), "fine")])
        #expect(!FileSystem.exists("\(fixture.root)/dev/evil"))
        #expect(!FileSystem.exists("\(fixture.root)/dev/disk"))
        #expect(fixture.contents("dev/ok") == "fine")
        #expect(result.notes.contains { $0.contains("dev/evil") })
        try fixture.expectVictimUntouched()
    }

    @Test func veryLongNamesAreRefused() throws {
        let fixture = try LayerFixture()
        let longComponent = String(repeating: "x", count: 300)
        try expectRefused(fixture, [(file(longComponent), "")], entry: longComponent)
        let deep = Array(repeating: String(repeating: "d", count: 200), count: 25).joined(separator: "/")
        try expectRefused(fixture, [(file(deep), "")], entry: deep)
    }

    @Test func duplicateEntriesLastOneWins() throws {
        let fixture = try LayerFixture()
        try fixture.apply([(file("twice"), "first"), (file("twice"), "second"), (file("kind"), "a file"), (directory("kind"), ""),
                           (file("kind/inside"), "now a directory")])
        #expect(fixture.contents("twice") == "second")
        #expect(fixture.contents("kind/inside") == "now a directory")
        try fixture.expectVictimUntouched()
    }

    @Test func regularFileReplacesPlantedSymlinkInsteadOfFollowingIt() throws {
        let fixture = try LayerFixture()
        try fixture.apply([(symlink("trap", to: "../victim/secret"), ""), (file("trap"), "replaced the link")])
        try fixture.expectVictimUntouched()
        var info = stat()
        #expect(lstat("\(fixture.root)/trap", &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG)
        #expect(fixture.contents("trap") == "replaced the link")
    }

    @Test func refusedLayerNamesLayerAndEntryInItsMessage() throws {
        let fixture = try LayerFixture()
        do {
            try fixture.apply([(file("ok"), "fine"), (file("../victim/evil"), "pwned")], name: "sha256:abc")
            Issue.record("applied a hostile layer")
        } catch let error as ArchiveError {
            #expect(error.message == "refusing layer sha256:abc: entry \"../victim/evil\" climbs out of the image with \"..\"")
            #expect(error.exitStatus == 125)
        }
    }
}

/// A layer cannot hand its files host-wide capabilities, LSM labels or overlay markers.
@Suite struct LayerAttributeTests {
    @Test func onlyPlainUserAttributesAreKept() throws {
        let fixture = try LayerFixture()
        var ping = file("bin/ping", mode: 0o755)
        // cap_net_raw+ep as a version 2 capability: written by root, it would hold in every namespace.
        ping.extendedAttributes = [
            "security.capability": [0x00, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00,
                                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
            "trusted.overlay.opaque": Array("y".utf8),
            "user.overlay.redirect": Array("/etc".utf8),
            "user.note": Array("kept".utf8),
        ]
        try fixture.apply([(directory("bin"), ""), (ping, "#!/bin/sh\n")])
        var buffer = [CChar](repeating: 0, count: 1024)
        let length = podlab_llistxattr("\(fixture.root)/bin/ping", &buffer, buffer.count)
        #expect(length >= 0)
        let names = buffer.prefix(max(length, 0)).split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        // The control: a plain user attribute does arrive, so the others were dropped, not lost on the way.
        #expect(names == ["user.note"], "\(names)")
    }
}
