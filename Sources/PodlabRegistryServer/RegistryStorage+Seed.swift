import PodlabCore
import PodlabDistribution
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

extension RegistryStorage {
    /// Puts every named image of an OCI layout into the registry (the sandbox's start: the tutorial's
    /// images under their Docker Hub names). `place` maps a ref name to a repository and tag, or nil to
    /// skip it. `seeded.json` remembers which manifest each tag was seeded with: a tag still pointing there
    /// follows a newer layout (an upgraded podlab's fixed image), a tag pointing anywhere else is a
    /// learner's own push and stays. Blobs are hard-linked when the layout is on the same file system,
    /// copied otherwise.
    @discardableResult
    public func seed(from layout: OCILayout, place: (String) -> (repository: String, tag: String)?) throws -> [String] {
        let before = seedRecord()
        var record = before
        var seeded: [String] = []
        for entry in try layout.entries() {
            guard let refName = entry.refName, let (repository, tag) = place(refName),
                  RegistryNames.isValidRepository(repository), RegistryNames.isValidTag(tag) else { continue }
            let key = "\(repository):\(tag)"
            if let current = resolve(repository, .tag(tag)) {
                if current == entry.manifestDigest { record[key] = current }
                if current == entry.manifestDigest || current != before[key] { continue }
            }
            let manifest = try JSONCoding.decode(Manifest.self, from: entry.manifestBytes, what: "manifest of \(refName)")
            for blob in [manifest.config] + manifest.layers {
                try importBlob(layout.blobPath(blob.digest), digest: blob.digest)
                try link(blob.digest, into: repository)
            }
            record[key] = try putManifest(repository, .tag(tag), bytes: entry.manifestBytes, contentType: manifest.mediaType)
            seeded.append(key)
        }
        if record != before {
            try FileSystem.writeAtomically(try JSONCoding.encode(record, pretty: true), to: seedRecordPath)
        }
        return seeded
    }

    var seedRecordPath: String { "\(root)/seeded.json" }

    /// Which manifest each tag was last seeded with; empty when nothing was recorded (or the file is unreadable:
    /// then no tag is taken for a seeded one, and none is replaced).
    func seedRecord() -> [String: Digest] {
        guard let bytes = try? FileSystem.readFile(seedRecordPath) else { return [:] }
        return (try? JSONCoding.decode([String: Digest].self, from: bytes, what: "seeded.json")) ?? [:]
    }

    /// Adds a file that is named by its digest already (a layout's blob), verifying it on the way.
    func importBlob(_ source: String, digest: Digest) throws {
        if FileSystem.exists(blobPath(digest)) { return }
        let scratch = scratchPath()
        if Glibc.link(source, scratch) != 0 {
            let bytes = try FileSystem.readFile(source)
            try FileSystem.writeAtomically(bytes, to: scratch)
        }
        let (actual, _) = try BlobStore.hash(file: scratch)
        guard actual == digest else {
            unlink(scratch)
            throw RegistryServerError("the seed blob \(source) does not match its digest \(digest)", hint: "rebuild the fixtures: make fixtures")
        }
        try publishBlob(scratch, as: digest)
    }
}
