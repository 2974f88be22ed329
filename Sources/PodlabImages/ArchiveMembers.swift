import PodlabArchive
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// The members of an image archive, unpacked into a private directory under generated names.
/// Member names are only ever used as keys, never as paths, so no member can land outside it.
final class ArchiveMembers: BlobSource {
    let directory: String
    private(set) var files: [String: String] = [:]
    private var links: [String: String] = [:]

    /// Reads the whole tar (any compression) from `reader` into `directory`.
    init(reader: ArchiveReader, directory: String) throws {
        self.directory = directory
        try FileSystem.createDirectory(directory, mode: 0o700)
        var counter = 0
        while let entry = try reader.nextEntry() {
            let key = ArchiveMembers.normalize(entry.path)
            switch entry.kind {
            case .regular:
                counter += 1
                let file = "\(directory)/member-\(counter)"
                try ArchiveMembers.write(reader: reader, to: file)
                files[key] = file
            case .symlink:
                // docker save links duplicate layers: `<id>/layer.tar -> ../<other>/layer.tar`.
                links[key] = ArchiveMembers.symlinkTarget(of: key, pointingAt: entry.linkTarget ?? "")
            case .hardlink:
                links[key] = ArchiveMembers.normalize(entry.linkTarget ?? "")
            default:
                continue
            }
        }
    }

    /// The file holding member `name`, following archive-internal links.
    func path(of name: String) -> String? {
        var key = ArchiveMembers.normalize(name)
        for _ in 0..<8 {
            if let file = files[key] { return file }
            guard let next = links[key] else { return nil }
            key = next
        }
        return nil
    }

    func contains(_ name: String) -> Bool { path(of: name) != nil }

    func read(_ name: String, limit: Int = 4 << 20) throws -> [UInt8] {
        guard let file = path(of: name) else { throw ImageError.malformed("archive", "it has no \(name)") }
        var info = stat()
        if stat(file, &info) == 0 && Int(info.st_size) > limit { throw ImageError.malformed("archive", "\(name) is too large") }
        return try FileSystem.readFile(file)
    }

    /// OCI layouts inside the archive keep blobs under blobs/<algorithm>/<hex>.
    func file(for descriptor: Descriptor) throws -> String {
        let name = "blobs/\(descriptor.digest.algorithm)/\(descriptor.digest.hex)"
        guard let file = path(of: name) else { throw ImageError.malformed("archive", "blob \(descriptor.digest) is missing") }
        return file
    }

    /// `./a//b/../c` → `a/c`; `..` never climbs above the archive's top. Split at `/` bytes, as tar names are bytes
    /// (a `/` followed by a combining mark is one Swift Character).
    static func normalize(_ path: String) -> String {
        var parts: [Substring.UTF8View] = []
        for part in path.utf8.split(separator: UInt8(ascii: "/")) {
            if part.elementsEqual(".".utf8) { continue }
            if part.elementsEqual("..".utf8) { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return String(decoding: Array(parts.joined(separator: "/".utf8)), as: UTF8.self)
    }

    /// The member a symbolic link named `key` points at: its target read from the link's own directory.
    static func symlinkTarget(of key: String, pointingAt target: String) -> String {
        guard let slash = key.utf8.lastIndex(of: UInt8(ascii: "/")) else { return normalize(target) }
        return normalize(String(decoding: key.utf8[..<slash], as: UTF8.self) + "/" + target)
    }

    static func write(reader: ArchiveReader, to file: String) throws {
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError("create", path: file, errno: errno) }
        defer { close(fd) }
        try reader.writeData(to: fd, path: file)
    }
}

/// Files of a docker-archive: each named member is a blob, found through a digest-to-member table.
struct DockerArchiveBlobs: BlobSource {
    let members: ArchiveMembers
    var byDigest: [Digest: String]

    func file(for descriptor: Descriptor) throws -> String {
        guard let name = byDigest[descriptor.digest], let file = members.path(of: name) else {
            throw ImageError.malformed("docker-archive", "\(descriptor.digest) is missing")
        }
        return file
    }
}
