#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PodlabArchive
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif
import PodlabImages

/// Assembles one fixture image: a single layer from the recipe's packages and files, its config and manifest.
final class ImageAssembler {
    let recipe: Recipe
    let directory: String
    let packagePaths: [String]
    let layout: OCILayout
    let log: (String) -> Void
    let sourceDate: Int64
    var written = Set<String>()
    var buffered: [String: [UInt8]] = [:]
    var versions: [(String, String)] = []

    init(recipe: Recipe, directory: String, packagePaths: [String], layout: OCILayout, log: @escaping (String) -> Void) {
        self.recipe = recipe
        self.directory = directory
        self.packagePaths = packagePaths
        self.layout = layout
        self.log = log
        sourceDate = Int64(JSONCoding.parseTimestamp(recipe.created) ?? 0)
    }

    func assemble() throws -> Descriptor {
        let scratch = "\(layout.path)/tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectory(scratch, mode: 0o700)
        defer { try? FileSystem.removeTree(scratch) }
        let layerFile = "\(scratch)/layer.tar.gz"
        let writer = try ArchiveWriter(path: layerFile, compression: .gzip)
        for item in recipe.directories ?? [] {
            try addDirectory(item.path, mode: Recipe.mode(item.mode, default: 0o755), to: writer)
        }
        for path in packagePaths {
            try addPackage(try DebianPackage(path: path), to: writer)
        }
        for file in recipe.files ?? [] {
            try addFile(file.path, data: try FileSystem.readFile("\(directory)/\(file.source)"),
                        mode: Recipe.mode(file.mode, default: 0o644), to: writer)
        }
        for copy in recipe.copies ?? [] {
            guard let data = buffered[copy.from] else {
                throw FixtureError.recipe(directory, "copy source \(copy.from) is not in any package")
            }
            try addFile(copy.to, data: data, mode: 0o644, to: writer)
        }
        for link in recipe.symlinks ?? [] {
            try addSymlink(link.path, target: link.target, to: writer)
        }
        for program in recipe.programs ?? [] {
            try addFile(program.path, data: try compile(program, scratch: scratch), mode: 0o755, to: writer)
        }
        if let busybox = recipe.busyboxLinks {
            try addBusyboxLinks(busybox, scratch: scratch, to: writer)
        }
        try writer.close()

        let (layerDigest, layerSize) = try layout.adoptBlob(file: layerFile)
        let decompressed = try DecompressingSource(path: layout.blobPath(layerDigest), accepting: [.gzip])
        try decompressed.drain()
        let configBytes = try JSONCoding.encode(makeConfig(diffID: decompressed.digest))
        let configDigest = try layout.writeBlob(configBytes)
        let manifest = Manifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configBytes.count)),
                                layers: [Descriptor(mediaType: MediaType.ociLayerGzip, digest: layerDigest, size: layerSize)])
        let manifestBytes = try JSONCoding.encode(manifest)
        let manifestDigest = try layout.writeBlob(manifestBytes)
        log("fixture: \(recipe.names[0]) \(configDigest.shortHex), layer \(layerSize) bytes compressed, \(decompressed.byteCount) uncompressed")
        return Descriptor(mediaType: MediaType.ociManifest, digest: manifestDigest, size: Int64(manifestBytes.count))
    }

    func makeConfig(diffID: Digest) -> ImageConfig {
        var config = recipe.config
        var labels = config.Labels ?? [:]
        let packageList = versions.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        labels["org.opencontainers.image.title"] = recipe.title
        labels["org.opencontainers.image.description"] = substitute(recipe.description)
        labels["org.opencontainers.image.vendor"] = "podlab offline fixtures"
        if let standIn = recipe.standsInFor { labels["io.podlab.fixture.stands-in-for"] = standIn }
        if !packageList.isEmpty { labels["io.podlab.fixture.debian-packages"] = packageList }
        config.Labels = labels
        let created = JSONCoding.timestamp(Double(sourceDate))
        let origin = packageList.isEmpty ? "podlab's own files" : "\(versions.count) Debian 12 packages and podlab's own files"
        return ImageConfig(created: created, architecture: Platform.host.architecture, os: "linux", config: config,
                           rootfs: RootFS(diffIDs: [diffID]),
                           history: [HistoryEntry(created: created, createdBy: "podlab fixture recipe: \(origin)",
                                                  comment: "offline stand-in built by podlab from fixtures/images")])
    }

    func substitute(_ text: String) -> String {
        var result = text
        for (name, version) in versions {
            result = result.replacing("{version:\(name)}", with: upstreamVersion(version))
        }
        return result
    }

    /// `1.22.1-9+deb12u11` → `1.22.1`; `1:1.35.0-4` → `1.35.0`.
    func upstreamVersion(_ version: String) -> String {
        var text = Substring(version)
        if let colon = text.firstIndex(of: ":") { text = text[text.index(after: colon)...] }
        if let dash = text.lastIndex(of: "-") { text = text[..<dash] }
        return String(text)
    }

    // MARK: - Entries

    func isPruned(_ path: String) -> Bool {
        (recipe.prune ?? []).contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    func isKept(_ path: String, isDirectory: Bool) -> Bool {
        guard let keep = recipe.keep else { return true }
        return keep.contains { path == $0 || (isDirectory && $0.hasPrefix(path + "/")) }
    }

    static func normalize(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    func addParents(of path: String, to writer: ArchiveWriter) throws {
        let parts = path.split(separator: "/")
        guard parts.count > 1 else { return }
        for count in 1..<parts.count {
            let parent = parts.prefix(count).joined(separator: "/")
            if !written.contains(parent) { try addDirectory(parent, mode: 0o755, to: writer) }
        }
    }

    func addDirectory(_ path: String, mode: UInt32, to writer: ArchiveWriter) throws {
        let path = ImageAssembler.normalize(path)
        guard !written.contains(path) else { return }
        try addParents(of: path, to: writer)
        try writer.add(ArchiveEntry(path: path, kind: .directory, permissions: mode, modificationTime: sourceDate))
        written.insert(path)
    }

    func addFile(_ path: String, data: [UInt8], mode: UInt32, to writer: ArchiveWriter) throws {
        let path = ImageAssembler.normalize(path)
        try addParents(of: path, to: writer)
        try writer.add(ArchiveEntry(path: path, kind: .regular, permissions: mode, modificationTime: sourceDate), data: data)
        written.insert(path)
    }

    func addSymlink(_ path: String, target: String, to writer: ArchiveWriter) throws {
        let path = ImageAssembler.normalize(path)
        try addParents(of: path, to: writer)
        try writer.add(ArchiveEntry(path: path, kind: .symlink, permissions: 0o777, modificationTime: sourceDate, linkTarget: target))
        written.insert(path)
    }

    func addPackage(_ package: DebianPackage, to writer: ArchiveWriter) throws {
        versions.append((package.name, package.version))
        let reader = try package.dataReader()
        let wanted = Set((recipe.copies ?? []).map(\.from) + [recipe.busyboxLinks].compactMap { $0 })
        while var entry = try reader.nextEntry() {
            let path = ImageAssembler.normalize(entry.path)
            guard !path.isEmpty, !isPruned(path), isKept(path, isDirectory: entry.kind == .directory) else { continue }
            if written.contains(path) { continue }
            if entry.kind == .hardlink {
                let target = ImageAssembler.normalize(entry.linkTarget ?? "")
                guard written.contains(target) else { continue }
                entry.linkTarget = target
            }
            try addParents(of: path, to: writer)
            entry.path = path
            entry.modificationTime = min(entry.modificationTime, sourceDate)
            entry.modificationNanoseconds = 0
            if wanted.contains(path), entry.kind == .regular {
                let data = try reader.readAllData(limit: 64 << 20)
                buffered[path] = data
                try writer.add(entry, data: data)
            } else {
                try writer.add(entry, copyingDataFrom: reader)
            }
            written.insert(path)
        }
    }

    func compile(_ program: Recipe.Program, scratch: String) throws -> [UInt8] {
        let output = "\(scratch)/program-\(written.count)"
        let compiler = Environment.current["PODLAB_CC"] ?? "clang"
        let result = try Subprocess.run([compiler, "-static", "-Os", "-s", "-Wall", "-o", output, "\(directory)/\(program.source)"])
        guard result.status == 0 else { throw FixtureError.tool("\(compiler) \(program.source)", result.output) }
        return try FileSystem.readFile(output)
    }

    func addBusyboxLinks(_ binaryPath: String, scratch: String, to writer: ArchiveWriter) throws {
        guard let binary = buffered[binaryPath] else { throw FixtureError.recipe(directory, "\(binaryPath) is not in any package") }
        let runnable = "\(scratch)/busybox"
        try FileSystem.writeAtomically(binary, to: runnable, mode: 0o755)
        let result = try Subprocess.run([runnable, "--list-full"])
        guard result.status == 0 else { throw FixtureError.tool("busybox --list-full", result.output) }
        for line in result.output.split(separator: "\n") {
            let path = ImageAssembler.normalize(String(line))
            // The list names busybox itself and an initrd-only /linuxrc: neither gets a link.
            guard !path.isEmpty, path != binaryPath, path != "linuxrc", !written.contains(path) else { continue }
            try addSymlink(path, target: "/" + binaryPath, to: writer)
        }
    }
}
