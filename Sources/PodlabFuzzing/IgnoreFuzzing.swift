import PodlabBuild

/// A build context's `.containerignore` (the input up to its first NUL byte) and a path in the context (the rest):
/// no crash and no hang whatever the patterns, a path left out or not whichever way it is written (`./p`, `p/`,
/// `x/../p`), and lines added after the file's own are lines of their own: `**` then leaves out every path, and a
/// `!**` after it keeps every path again.
enum IgnoreFuzzing {
    static func check(_ bytes: [UInt8]) -> FuzzFinding? {
        let cut = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let text = String(decoding: bytes[..<cut], as: UTF8.self)
        let path = cut < bytes.endIndex ? String(decoding: bytes[(cut + 1)...], as: UTF8.self) : "app/main.swift"
        guard let rules = try? IgnoreRules(text: text) else { return nil }
        let excluded = rules.excludes(path)
        for spelling in ["./" + path, path + "/", "x/../" + path, ".//" + path] where rules.excludes(spelling) != excluded {
            return FuzzFinding("\(path.debugDescription) is \(excluded ? "" : "not ")left out, \(spelling.debugDescription) is the opposite")
        }
        // A path that names nothing once its `..` are taken back (`a/..`) is the context itself, which no rule leaves out.
        var depth = 0
        for component in path.utf8.split(separator: UInt8(ascii: "/")) where !component.elementsEqual(".".utf8) {
            depth = component.elementsEqual("..".utf8) ? max(0, depth - 1) : depth + 1
        }
        guard depth > 0 else { return nil }
        guard let all = try? IgnoreRules(text: text + "\n**\n"), all.excludes(path) else {
            return FuzzFinding("a ** line after the file's own does not leave out \(path.debugDescription)")
        }
        guard let none = try? IgnoreRules(text: text + "\n**\n!**\n"), !none.excludes(path) else {
            return FuzzFinding("a !** line after ** does not keep \(path.debugDescription)")
        }
        return nil
    }
}
