import PodlabRuntime
import Testing

/// `-u NAME[:GROUP]` against an image's own /etc/passwd and /etc/group, which the image's author wrote: lines end at
/// newline bytes and fields at colon bytes, as the C library and Go read them, whatever characters surround them.
struct ImageUserTests {
    let passwd = Array("root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1000::/srv:/bin/sh\n".utf8)
    let group = Array("root:x:0:\nweb:x:1000:\nlog:x:4:web,root\n".utf8)

    /// `UID:GID [GROUPS] HOME`.
    static func described(_ user: ImageUser) -> String { "\(user.uid):\(user.gid) \(user.groups) \(user.home)" }

    @Test func namesIdsAndGroupsResolveAsInPodman() throws {
        #expect(try Self.described(ImageUser.resolve("web", passwd: passwd, group: group)) == "1000:1000 [4] /srv")
        #expect(try ImageUser.resolve("web:log", passwd: passwd, group: group).gid == 4)
        #expect(try ImageUser.resolve("1000", passwd: passwd, group: group).home == "/srv")
        #expect(try Self.described(ImageUser.resolve("", passwd: nil, group: nil)) == "0:0 [] /")
        #expect(try ImageUser.resolve(":7", passwd: nil, group: nil).gid == 7)
        #expect(throws: RuntimeError.self) { try ImageUser.resolve("nobody", passwd: passwd, group: group) }
    }

    /// A file written on Windows: "\r\n" is one Character to Swift, so a split by characters saw one long line and
    /// found no "web" (the fuzz target's seed `crlf`).
    @Test func aCarriageReturnBeforeTheNewlineDoesNotJoinLines() throws {
        let crlf = Array("root:x:0:0:root:/root:/bin/sh\r\nweb:x:1000:1000::/srv:/bin/sh\r\n".utf8)
        let groups = Array("web:x:1000:\r\nlog:x:4:web\r\n".utf8)
        #expect(try Self.described(ImageUser.resolve("web", passwd: crlf, group: groups)) == "1000:1000 [4] /srv")
        #expect(try ImageUser.resolve("web:log", passwd: crlf, group: groups).gid == 4)
    }

    /// A combining mark after a colon makes one Character of both: the fields are still split at the colon byte.
    @Test func aCombiningMarkAfterAColonDoesNotHideIt() throws {
        let marked = Array("app:\u{301}x:1000:1000::/app:/bin/sh\n".utf8)
        #expect(try ImageUser.resolve("app", passwd: marked, group: nil).uid == 1000)
        // Names are bytes: é precomposed and decomposed are two names, as for the C library.
        let accented = Array("caf\u{E9}:x:1001:1001::/:/bin/sh\n".utf8)
        #expect(throws: RuntimeError.self) { try ImageUser.resolve("cafe\u{301}", passwd: accented, group: nil) }
        #expect(try ImageUser.resolve("caf\u{E9}", passwd: accented, group: nil).uid == 1001)
    }
}

extension ImageUserTests {
    /// Two names for uid 0: `-u toor` gets toor's groups, as runc gives them (not root's, the first with that uid).
    @Test func theGroupsAreThoseOfTheNameThatMatched() throws {
        let shared = Array("root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/toor:/bin/sh\n".utf8)
        let groups = Array("wheel:x:10:root\nadm:x:4:toor\n".utf8)
        #expect(try Self.described(ImageUser.resolve("toor", passwd: shared, group: groups)) == "0:0 [4] /toor")
        #expect(try Self.described(ImageUser.resolve("0", passwd: shared, group: groups)) == "0:0 [10] /root")
    }

    /// The image's own User can be `name:<combining mark>group`: the spec is split at the colon byte too.
    @Test func theSpecIsSplitAtTheColonByte() throws {
        let passwd = Array("app:x:1000:1000::/app:/bin/sh\n".utf8)
        let group = Array("\u{301}staff:x:50:\n".utf8)
        #expect(try ImageUser.resolve("app:\u{301}staff", passwd: passwd, group: group).gid == 50)
    }
}
