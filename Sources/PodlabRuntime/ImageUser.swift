import PodlabCore

/// Resolves `--user` / the image's User (`name`, `uid`, `uid:gid`, `name:group`) with the image's own
/// /etc/passwd and /etc/group, as podman does.
public struct ImageUser: Codable, Equatable, Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var groups: [UInt32]
    public var home: String

    public static func resolve(_ spec: String, rootfs: String) throws -> ImageUser {
        try resolve(spec, passwd: FileSystem.readInside(root: rootfs, relative: "etc/passwd"),
                    group: FileSystem.readInside(root: rootfs, relative: "etc/group"))
    }

    /// The same with the image's files as read (nil: the image has none). Both are the image's, so hostile: they are
    /// read as bytes, as runc's libcontainer (podman's reader) reads them: a line ends at a newline byte and is
    /// trimmed of white space (a CR before the newline), a field ends at a colon byte (whatever follows it, a
    /// combining mark too), and names are compared byte for byte.
    public static func resolve(_ spec: String, passwd passwdBytes: [UInt8]?, group groupBytes: [UInt8]?) throws -> ImageUser {
        // An empty user is root, as in runc: "" and ":" are 0, ":1000" is 0 in group 1000. Split at the colon byte:
        // the spec can be the image's own User, where ":" and a combining mark after it are one Character.
        let colon = spec.utf8.firstIndex(of: UInt8(ascii: ":"))
        let before = String(decoding: spec.utf8[..<(colon ?? spec.utf8.endIndex)], as: UTF8.self)
        let user = before.isEmpty ? "0" : before
        let groupName = colon.map { String(decoding: spec.utf8[spec.utf8.index(after: $0)...], as: UTF8.self) }
            .flatMap { $0.isEmpty ? nil : $0 }
        let passwd = entries(passwdBytes)
        let groupFile = entries(groupBytes)
        var uid: UInt32
        var gid: UInt32 = 0
        var home = "/"
        // The passwd entry's name, whose groups are the supplementary ones (runc's: the entry that matched, not the
        // first with the same uid, when two names share one).
        var userName: String?
        if let number = UInt32(user) {
            uid = number
            if let entry = passwd.first(where: { $0.count > 3 && same($0[2], user) }) {
                gid = UInt32(entry[3]) ?? 0
                home = entry.count > 5 ? entry[5] : "/"
                userName = entry[0]
            }
        } else if let entry = passwd.first(where: { same($0[0], user) }), entry.count > 3,
                  let number = UInt32(entry[2]), let group = UInt32(entry[3]) {
            uid = number
            gid = group
            home = entry.count > 5 ? entry[5] : "/"
            userName = entry[0]
        } else {
            throw RuntimeError.invalidOption("unable to find user \(TerminalText.visible(user)): no matching entries in passwd file",
                                             hint: "use a numeric id (-u 1000) or a user the image defines")
        }
        if let groupName {
            if let number = UInt32(groupName) {
                gid = number
            } else if let entry = groupFile.first(where: { same($0[0], groupName) }), entry.count > 2, let number = UInt32(entry[2]) {
                gid = number
            } else {
                throw RuntimeError.invalidOption("unable to find group \(TerminalText.visible(groupName)): no matching entries in group file", hint: nil)
            }
        }
        var groups: [UInt32] = []
        if let userName {
            for entry in groupFile where entry.count > 3 && members(entry[3]).contains(where: { same($0, userName) }) {
                if let number = UInt32(entry[2]), number != gid { groups.append(number) }
            }
        }
        return ImageUser(uid: uid, gid: gid, groups: groups, home: home)
    }

    /// Names by id from a root file system's /etc/passwd (or /etc/group): what `top` shows for a process's ids.
    public static func names(in rootfs: String, file: String = "etc/passwd") -> [UInt32: String] {
        var names: [UInt32: String] = [:]
        for entry in entries(FileSystem.readInside(root: rootfs, relative: file)) where entry.count > 2 {
            if let id = UInt32(entry[2]), names[id] == nil { names[id] = entry[0] }
        }
        return names
    }

    /// The file's lines, trimmed of ASCII white space as Go's `strings.TrimSpace` would, each split at its colons;
    /// empty lines left out.
    static func entries(_ bytes: [UInt8]?) -> [[String]] {
        guard let bytes else { return [] }
        let space: Set<UInt8> = [9, 10, 11, 12, 13, 32]
        return bytes.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard let first = line.firstIndex(where: { !space.contains($0) }),
                  let last = line.lastIndex(where: { !space.contains($0) }) else { return nil }
            return line[first...last].split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// A group line's member list, split at its commas.
    static func members(_ field: String) -> [Substring.UTF8View] {
        field.utf8.split(separator: UInt8(ascii: ","))
    }

    /// Names are compared as bytes, as the C library and Go do: "é" written two ways are two users.
    static func same(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }
    static func same(_ a: Substring.UTF8View, _ b: String) -> Bool { a.elementsEqual(b.utf8) }
}
