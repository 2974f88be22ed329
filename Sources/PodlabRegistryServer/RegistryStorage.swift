import PodlabCore
import PodlabDistribution
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// The registry's files. Content lives once in `blobs/sha256/<hex>`; a repository is a directory under
/// `repositories/` holding links: `_layers/<hex>` (blobs pushed to it), `_manifests/revisions/<hex>` (its
/// manifests; the file holds the media type) and `_manifests/tags/<tag>` (the digest it points to).
/// Every file gets its name by rename after it is complete, so concurrent pushes and a kill at any moment
/// leave either the old state or the new, plus scratch files under `uploads/` that a restart sweeps.
public struct RegistryStorage: Sendable {
    public let root: String

    public init(root: String) throws {
        self.root = root
        for directory in [root, "\(root)/blobs", "\(root)/blobs/sha256", "\(root)/repositories", "\(root)/uploads"] {
            try FileSystem.createDirectory(directory, mode: 0o755)
        }
    }

    // MARK: Blobs

    public func blobPath(_ digest: Digest) -> String { "\(root)/blobs/\(digest.algorithm)/\(digest.hex)" }

    func repositoryPath(_ repository: String) -> String { "\(root)/repositories/\(repository)" }

    func layerLink(_ repository: String, _ digest: Digest) -> String {
        "\(repositoryPath(repository))/_layers/\(digest.hex)"
    }

    /// The size of a blob the repository may serve, or nil when it has none by that digest.
    public func blobSize(_ repository: String, _ digest: Digest) -> Int64? {
        guard FileSystem.exists(layerLink(repository, digest)) || FileSystem.exists(revisionLink(repository, digest)) else { return nil }
        var info = stat()
        guard stat(blobPath(digest), &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// Makes a stored blob part of a repository (after an upload, a cross-repository mount or seeding).
    public func link(_ digest: Digest, into repository: String) throws {
        let link = layerLink(repository, digest)
        if FileSystem.exists(link) { return }
        try FileSystem.createDirectory("\(repositoryPath(repository))/_layers")
        try FileSystem.writeAtomically([], to: link)
    }

    /// Removes a blob from a repository (the content stays while other repositories link it).
    public func unlinkBlob(_ digest: Digest, from repository: String) throws {
        guard unlink(layerLink(repository, digest)) == 0 else { throw RegistryFailure(.blobUnknown, digest.description) }
    }

    /// Moves a complete, verified scratch file into the content store.
    func publishBlob(_ file: String, as digest: Digest) throws {
        let destination = blobPath(digest)
        if FileSystem.exists(destination) {
            unlink(file)
            return
        }
        guard rename(file, destination) == 0 else { throw SystemError("store blob", path: destination, errno: errno) }
        FileSystem.syncDirectory(of: destination)
    }

    /// Stores bytes held in memory (manifests, seeded configs).
    @discardableResult
    public func putBlob(_ bytes: [UInt8]) throws -> Digest {
        let digest = Digest.sha256(of: bytes)
        if FileSystem.exists(blobPath(digest)) { return digest }
        let scratch = scratchPath()
        do {
            try FileSystem.writeAtomically(bytes, to: scratch)
            try publishBlob(scratch, as: digest)
        } catch {
            unlink(scratch)
            throw error
        }
        return digest
    }

    /// A new file name for content being written (swept by `sweepAbandonedUploads` if its writer dies).
    func scratchPath() -> String {
        "\(root)/uploads/put-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }

    // MARK: Manifests and tags

    func revisionLink(_ repository: String, _ digest: Digest) -> String {
        "\(repositoryPath(repository))/_manifests/revisions/\(digest.hex)"
    }

    func tagPath(_ repository: String, _ tag: String) -> String {
        "\(repositoryPath(repository))/_manifests/tags/\(tag)"
    }

    /// The digest a reference names in a repository, or nil.
    public func resolve(_ repository: String, _ reference: ManifestReference) -> Digest? {
        switch reference {
        case .digest(let digest):
            return FileSystem.exists(revisionLink(repository, digest)) ? digest : nil
        case .tag(let tag):
            guard let bytes = try? FileSystem.readFile(tagPath(repository, tag)),
                  let digest = try? Digest(parsing: String(decoding: bytes, as: UTF8.self).trimmed()) else { return nil }
            return FileSystem.exists(revisionLink(repository, digest)) ? digest : nil
        }
    }

    /// A manifest's bytes, media type and digest.
    public func manifest(_ repository: String, _ reference: ManifestReference) throws -> (bytes: [UInt8], mediaType: String, digest: Digest) {
        guard let digest = resolve(repository, reference) else {
            throw RegistryFailure(.manifestUnknown, "\(repository):\(reference)")
        }
        let bytes = try FileSystem.readFile(blobPath(digest))
        guard Digest.sha256(of: bytes) == digest else {
            throw RegistryFailure(.manifestUnknown, "the stored manifest \(digest) is damaged")
        }
        let mediaType = (try? FileSystem.readFile(revisionLink(repository, digest))).map { String(decoding: $0, as: UTF8.self).trimmed() } ?? ""
        return (bytes, mediaType.isEmpty ? MediaType.ociManifest : mediaType, digest)
    }

    /// Stores a manifest after checking it parses and that everything it references is in the repository.
    public func putManifest(_ repository: String, _ reference: ManifestReference, bytes: [UInt8], contentType: String?) throws -> Digest {
        let digest = Digest.sha256(of: bytes)
        if case .digest(let named) = reference, named != digest {
            throw RegistryFailure(.digestInvalid, "the manifest's digest is \(digest), the URL says \(named)")
        }
        let mediaType: String
        do {
            mediaType = try ManifestCheck.validate(bytes, contentType: contentType) { child, isManifest in
                isManifest ? FileSystem.exists(revisionLink(repository, child)) : blobSize(repository, child) != nil
            }
        } catch .invalid(let why) {
            throw RegistryFailure(.manifestInvalid, why)
        } catch .missing(let digest) {
            throw RegistryFailure(.manifestBlobUnknown, digest.description)
        }
        try putBlob(bytes)
        try FileSystem.createDirectory("\(repositoryPath(repository))/_manifests/revisions")
        try FileSystem.writeAtomically(Array(mediaType.utf8), to: revisionLink(repository, digest))
        if case .tag(let tag) = reference {
            try FileSystem.createDirectory("\(repositoryPath(repository))/_manifests/tags")
            try FileSystem.writeAtomically(Array(digest.description.utf8), to: tagPath(repository, tag))
        }
        return digest
    }

    /// Deletes a manifest by digest (with every tag naming it), or one tag.
    public func deleteManifest(_ repository: String, _ reference: ManifestReference) throws {
        guard let digest = resolve(repository, reference) else {
            throw RegistryFailure(.manifestUnknown, "\(repository):\(reference)")
        }
        if case .tag(let tag) = reference {
            unlink(tagPath(repository, tag))
            return
        }
        for tag in tags(repository) where resolve(repository, .tag(tag)) == digest {
            unlink(tagPath(repository, tag))
        }
        unlink(revisionLink(repository, digest))
    }

    public func tags(_ repository: String) -> [String] {
        FileSystem.list("\(repositoryPath(repository))/_manifests/tags")
            .filter { RegistryNames.isValidTag($0) && !$0.contains(".tmp-") && resolve(repository, .tag($0)) != nil }
            .sorted()
    }

    public func repositoryExists(_ repository: String) -> Bool {
        FileSystem.isDirectory("\(repositoryPath(repository))/_manifests")
            || FileSystem.isDirectory("\(repositoryPath(repository))/_layers")
    }

    /// Every repository with at least one manifest, sorted.
    public func repositories() -> [String] {
        var found: [String] = []
        func walk(_ relative: String, depth: Int) {
            guard depth < 16 else { return }
            let path = relative.isEmpty ? "\(root)/repositories" : "\(root)/repositories/\(relative)"
            for name in FileSystem.list(path) where !name.hasPrefix("_") {
                let child = relative.isEmpty ? name : "\(relative)/\(name)"
                guard FileSystem.isDirectory("\(path)/\(name)") else { continue }
                if !FileSystem.list("\(path)/\(name)/_manifests/revisions").isEmpty { found.append(child) }
                walk(child, depth: depth + 1)
            }
        }
        walk("", depth: 0)
        return found.sorted()
    }
}
