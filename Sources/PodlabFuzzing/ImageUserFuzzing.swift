import PodlabRuntime

/// An image's /etc/passwd and /etc/group (the input, split at its first NUL byte), as `-u NAME[:GROUP]` reads them:
/// whatever lines the image has, a user and a group added on lines of their own after them are found with their
/// ids, as the C library would find them. A line of the image must not swallow the next (a CR before the newline),
/// and no byte may crash the reader.
enum ImageUserFuzzing {
    static let user = "fuzzuser:x:4242:4343::/home/fuzz:/bin/sh\n"
    static let group = "fuzzgroup:x:4545:fuzzuser\n"

    static func check(_ bytes: [UInt8]) -> FuzzFinding? {
        let cut = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let passwd = Array(bytes[..<cut]), groupFile = cut < bytes.endIndex ? Array(bytes[(cut + 1)...]) : []
        // Whatever the image says, asking for its first name and for ids never crashes.
        let first = passwd.split(separator: UInt8(ascii: ":"), maxSplits: 1).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        for spec in [first, "0", "1000:1000", "\(first):\(first)", ":"] {
            _ = try? ImageUser.resolve(spec, passwd: passwd, group: groupFile)
        }
        // An image that names the added user or group itself may define it otherwise: the first line wins.
        guard !bytes.contains("fuzz".utf8) else { return nil }
        let withUser = passwd + Array(("\n" + user).utf8), withGroup = groupFile + Array(("\n" + group).utf8)
        guard let found = try? ImageUser.resolve("fuzzuser", passwd: withUser, group: withGroup),
              found.uid == 4242, found.gid == 4343, found.home == "/home/fuzz", found.groups.contains(4545) else {
            return FuzzFinding("fuzzuser, added on its own line, is not found as 4242:4343 in group 4545")
        }
        guard let named = try? ImageUser.resolve("fuzzuser:fuzzgroup", passwd: withUser, group: withGroup),
              named.uid == 4242, named.gid == 4545 else {
            return FuzzFinding("fuzzuser:fuzzgroup, added on lines of their own, is not 4242:4545")
        }
        return nil
    }
}
