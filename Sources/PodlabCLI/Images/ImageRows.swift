import PodlabCore
import PodlabImages

/// One line of `podman images`: an image under one of its names (or `<none>`).
struct ImageRow {
    var image: ImageRecord
    var repository: String
    var tag: String

    /// The rows for a set of images, newest first, one per tagged name (podman's rules).
    static func rows(for images: [ImageRecord]) -> [ImageRow] {
        let sorted = images.enumerated().sorted { left, right in
            let a = Int64(left.element.createdOrAdded), b = Int64(right.element.createdOrAdded)
            return a != b ? a > b : left.offset < right.offset
        }.map(\.element)
        var rows: [ImageRow] = []
        for image in sorted {
            let parsed = image.names.compactMap { try? ImageReference(parsing: $0) }
            let tagged = parsed.filter { $0.tag != nil }
            if !tagged.isEmpty {
                rows += tagged.map { ImageRow(image: image, repository: $0.repository, tag: $0.tag ?? "<none>") }
            } else if let first = parsed.first {
                rows.append(ImageRow(image: image, repository: first.repository, tag: "<none>"))
            } else {
                rows.append(ImageRow(image: image, repository: "<none>", tag: "<none>"))
            }
        }
        return rows
    }

    /// Images a `podman images NAME` argument selects: by repository (any tag unless one is given) or id.
    static func matches(_ image: ImageRecord, query: String) -> Bool {
        var hex = query
        if hex.hasPrefix("sha256:") { hex.removeFirst(7) }
        if hex.count >= 3, image.id.hex.hasPrefix(hex) { return true }
        let wanted = ImageReference.shortParts(query)
        for name in image.names {
            guard let reference = try? ImageReference(parsing: name) else { continue }
            if let tag = wanted.tag, reference.tag != tag { continue }
            let repository = reference.repository
            if repository == wanted.path || repository.hasSuffix("/" + wanted.path) { return true }
        }
        return false
    }
}
