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

/// Builds the offline fixture images from their recipes into one OCI layout. Debian packages are fetched
/// with `apt-get download` into a cache (never installed), unpacked with podlab's own libarchive code and
/// written as one gzip layer per image. An image is rebuilt only when its recipe, its files or its
/// packages change, so a second run with nothing changed does no work.
public struct FixtureBuilder {
    public let recipesDirectory: String
    public let layoutPath: String
    public let debCache: String
    public var log: (String) -> Void

    /// Bump when the way images are assembled changes, so cached images are rebuilt.
    static let builderVersion = "1"

    public init(recipesDirectory: String, layoutPath: String, debCache: String, log: @escaping (String) -> Void = { _ in }) {
        self.recipesDirectory = recipesDirectory
        self.layoutPath = layoutPath
        self.debCache = debCache
        self.log = log
    }

    struct Built: Codable {
        var key: String
        var manifest: Descriptor
        var names: [String]
    }

    /// Builds every recipe that changed; returns the names now in the layout.
    @discardableResult
    public func build(force: Bool = false) throws -> [String] {
        let layout = OCILayout(path: layoutPath)
        try layout.create()
        let lock = try FileLock(path: "\(layoutPath)/.build.lock")
        try lock.lock(.exclusive)
        defer { lock.unlock() }
        let statePath = "\(layoutPath)/built.json"
        var state: [String: Built] = [:]
        if !force, FileSystem.exists(statePath) {
            state = (try? JSONDecoder().decode([String: Built].self, from: Data(try FileSystem.readFile(statePath)))) ?? [:]
        }
        let recipeNames = FileSystem.list(recipesDirectory).filter { FileSystem.exists("\(recipesDirectory)/\($0)/recipe.json") }
        guard !recipeNames.isEmpty else { throw FixtureError.recipe(recipesDirectory, "no */recipe.json found") }
        var next: [String: Built] = [:]
        for name in recipeNames {
            let directory = "\(recipesDirectory)/\(name)"
            let recipeBytes = try FileSystem.readFile("\(directory)/recipe.json")
            let recipe: Recipe
            do { recipe = try JSONDecoder().decode(Recipe.self, from: Data(recipeBytes)) } catch {
                throw FixtureError.recipe("\(directory)/recipe.json", "\(error)")
            }
            let packages = try (recipe.debs ?? []).map { try fetch($0) }
            let key = try inputKey(recipeBytes: recipeBytes, recipe: recipe, directory: directory, packages: packages)
            if let previous = state[name], previous.key == key, FileSystem.exists(layout.blobPath(previous.manifest.digest)) {
                log("fixture \(name): up to date")
                next[name] = previous
                continue
            }
            log("fixture \(name): building \(recipe.names.joined(separator: ", "))")
            let assembler = ImageAssembler(recipe: recipe, directory: directory, packagePaths: packages, layout: layout, log: log)
            next[name] = Built(key: key, manifest: try assembler.assemble(), names: recipe.names)
        }
        var descriptors: [Descriptor] = []
        for name in next.keys.sorted() {
            guard let built = next[name] else { continue }
            for imageName in built.names {
                var descriptor = built.manifest
                descriptor.annotations = [OCILayout.refNameAnnotation: imageName]
                descriptors.append(descriptor)
            }
        }
        try layout.writeIndex(ImageIndex(manifests: descriptors))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try FileSystem.writeAtomically(Array(try encoder.encode(next)), to: statePath)
        removeUnreferencedBlobs(layout: layout, keep: Set(next.values.map(\.manifest.digest)))
        return descriptors.compactMap { $0.annotations?[OCILayout.refNameAnnotation] }
    }

    /// The cached .deb for a package, downloading it when the cache has none.
    func fetch(_ package: String) throws -> String {
        try FileSystem.createDirectory(debCache)
        if let cached = cachedDeb(package) { return cached }
        log("fixture: apt-get download \(package)")
        let result = try Subprocess.run(["apt-get", "download", "-q", package], in: debCache)
        guard result.status == 0, let downloaded = cachedDeb(package) else {
            throw FixtureError.download(package, result.output.trimmed())
        }
        return downloaded
    }

    func cachedDeb(_ package: String) -> String? {
        let matches = FileSystem.list(debCache).filter { $0.hasPrefix(package + "_") && $0.hasSuffix(".deb") }
        return matches.last.map { "\(debCache)/\($0)" }
    }

    func inputKey(recipeBytes: [UInt8], recipe: Recipe, directory: String, packages: [String]) throws -> String {
        var material = Array("podlab-fixture-\(FixtureBuilder.builderVersion)\n".utf8) + recipeBytes
        let sources = (recipe.files ?? []).map(\.source) + (recipe.programs ?? []).map(\.source)
        for source in sources.sorted() {
            material += Array("\nfile \(source)\n".utf8) + (try FileSystem.readFile("\(directory)/\(source)"))
        }
        for package in packages {
            material += Array("\ndeb \(FileSystem.baseName(of: package))".utf8)
        }
        return Digest.sha256(of: material).description
    }

    /// Drops blobs of images that are no longer built (old versions of a recipe).
    func removeUnreferencedBlobs(layout: OCILayout, keep manifests: Set<Digest>) {
        var wanted = manifests
        for digest in manifests {
            guard let bytes = try? FileSystem.readFile(layout.blobPath(digest)),
                  let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(bytes)) else { continue }
            wanted.insert(manifest.config.digest)
            for layer in manifest.layers { wanted.insert(layer.digest) }
        }
        for hex in FileSystem.list("\(layoutPath)/blobs/sha256") {
            guard let digest = try? Digest(algorithm: "sha256", hex: hex), !wanted.contains(digest) else { continue }
            unlink(layout.blobPath(digest))
        }
    }
}
