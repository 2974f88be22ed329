/// A layer entry's name, checked and split into components. Absolute names, `..` and names the
/// kernel cannot hold are refused here, before anything touches the disk.
struct LayerPath: Hashable {
    let components: [String]

    static let maximumLength = 4095
    static let maximumComponentLength = 255

    /// `reason` is nil when the name is acceptable.
    static func parse(_ raw: String) -> (path: LayerPath?, reason: String?) {
        if raw.hasPrefix("/") { return (nil, "is an absolute path") }
        if raw.utf8.count > maximumLength { return (nil, "has a name longer than \(maximumLength) bytes") }
        var components: [String] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { return (nil, "climbs out of the image with \"..\"") }
            if part.utf8.count > maximumComponentLength {
                return (nil, "has a path component longer than \(maximumComponentLength) bytes")
            }
            components.append(String(part))
        }
        return (LayerPath(components: components), nil)
    }

    var isRoot: Bool { components.isEmpty }
    var name: String { components.last ?? "" }
    var parent: LayerPath { LayerPath(components: Array(components.dropLast())) }
    var text: String { components.joined(separator: "/") }

    func appending(_ name: String) -> LayerPath { LayerPath(components: components + [name]) }

    /// Every proper prefix, shortest first (`a`, `a/b` for `a/b/c`).
    var ancestors: [LayerPath] {
        (0..<components.count).map { LayerPath(components: Array(components.prefix($0))) }.filter { !$0.isRoot }
    }
}

/// Names with a meaning in OCI layers.
enum Whiteout {
    static let prefix = ".wh."
    static let opaqueMarker = ".wh..wh..opq"
}
