import PodlabCore

/// Resolves `--user` / the image's User (`name`, `uid`, `uid:gid`, `name:group`) with the image's own
/// /etc/passwd and /etc/group, as podman does.
public struct ImageUser: Codable, Equatable, Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var groups: [UInt32]
    public var home: String

    public static func resolve(_ spec: String, rootfs: String) throws -> ImageUser {
        // An empty user is root, as in runc: "" and ":" are 0, ":1000" is 0 in group 1000.
        let split = spec.splitOnce(at: ":")
        var parts = [split.before.isEmpty ? "0" : split.before]
        if let group = split.after, !group.isEmpty { parts.append(group) }
        let passwd = entries(FileSystem.readInside(root: rootfs, relative: "etc/passwd"))
        let groupFile = entries(FileSystem.readInside(root: rootfs, relative: "etc/group"))
        var uid: UInt32
        var gid: UInt32 = 0
        var home = "/"
        if let number = UInt32(parts[0]) {
            uid = number
            if let entry = passwd.first(where: { $0.count > 3 && $0[2] == parts[0] }) {
                gid = UInt32(entry[3]) ?? 0
                home = entry.count > 5 ? entry[5] : "/"
            }
        } else if let entry = passwd.first(where: { $0.first == parts[0] }), entry.count > 3,
                  let number = UInt32(entry[2]), let group = UInt32(entry[3]) {
            uid = number
            gid = group
            home = entry.count > 5 ? entry[5] : "/"
        } else {
            throw RuntimeError.invalidOption("unable to find user \(parts[0]): no matching entries in passwd file",
                                             hint: "use a numeric id (-u 1000) or a user the image defines")
        }
        if parts.count == 2 {
            if let number = UInt32(parts[1]) {
                gid = number
            } else if let entry = groupFile.first(where: { $0.first == parts[1] }), entry.count > 2, let number = UInt32(entry[2]) {
                gid = number
            } else {
                throw RuntimeError.invalidOption("unable to find group \(parts[1]): no matching entries in group file", hint: nil)
            }
        }
        let userName = passwd.first(where: { $0.count > 2 && $0[2] == String(uid) })?.first
        var groups: [UInt32] = []
        if let userName {
            for entry in groupFile where entry.count > 3 && entry[3].split(separator: ",").contains(Substring(userName)) {
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

    static func entries(_ bytes: [UInt8]?) -> [[String]] {
        guard let bytes else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map {
            $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        }
    }
}
