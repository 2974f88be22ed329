import PodlabCore
import PodlabDistribution
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// Blob uploads in progress: `uploads/<uuid>/repository` names the repository, `uploads/<uuid>/data`
/// grows with each chunk. Finishing one hashes the data, checks the digest the client named and renames
/// the file into the content store, so no blob is ever visible before it is complete and verified.
extension RegistryStorage {
    func uploadPath(_ id: String) -> String { "\(root)/uploads/\(id)" }

    /// A new upload session for `repository`; returns its id.
    public func startUpload(_ repository: String) throws -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        let hex = bytes.map { String($0, radix: 16).leftPadded(2) }.joined()
        let id = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
            .joined(separator: "-")
        try FileSystem.createDirectory(uploadPath(id), mode: 0o700)
        try FileSystem.writeAtomically([], to: "\(uploadPath(id))/data")
        try FileSystem.writeAtomically(Array(repository.utf8), to: "\(uploadPath(id))/repository")
        return id
    }

    /// The data file of an upload that belongs to `repository`, and its current size.
    public func upload(_ id: String, of repository: String) throws -> (path: String, size: Int64) {
        guard Self.isUploadID(id),
              let owner = try? FileSystem.readFile("\(uploadPath(id))/repository"),
              String(decoding: owner, as: UTF8.self) == repository else {
            throw RegistryFailure(.blobUploadUnknown, id)
        }
        let path = "\(uploadPath(id))/data"
        var info = stat()
        guard stat(path, &info) == 0 else { throw RegistryFailure(.blobUploadUnknown, id) }
        return (path, Int64(info.st_size))
    }

    /// Completes an upload: the data must hash to `digest`; it becomes a blob of `repository`.
    public func finishUpload(_ id: String, of repository: String, digest: Digest) throws -> Int64 {
        let (path, _) = try upload(id, of: repository)
        // Moved out first, so that a PATCH racing this PUT cannot change what was hashed.
        let taken = scratchPath()
        guard rename(path, taken) == 0 else { throw RegistryFailure(.blobUploadUnknown, id) }
        let (actual, size) = try BlobStore.hash(file: taken)
        guard actual == digest else {
            try? FileSystem.removeTree(uploadPath(id))
            unlink(taken)
            throw RegistryFailure(.digestInvalid, "the uploaded content is \(actual), the client said \(digest)")
        }
        try publishBlob(taken, as: digest)
        try link(digest, into: repository)
        try? FileSystem.removeTree(uploadPath(id))
        return size
    }

    public func cancelUpload(_ id: String, of repository: String) throws {
        _ = try upload(id, of: repository)
        try FileSystem.removeTree(uploadPath(id))
    }

    /// Removes uploads nobody touched for a day and scratch files of processes that died (run at start).
    public func sweepAbandonedUploads(olderThan seconds: Int = 86_400) {
        let now = time(nil)
        for name in FileSystem.list("\(root)/uploads") {
            let path = "\(root)/uploads/\(name)"
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let age = Int(now - info.st_mtim.tv_sec)
            if name.hasPrefix("put-") ? age > 3600 : age > seconds {
                try? FileSystem.removeTree(path)
            }
        }
    }

    /// Uploads started and not yet finished or cancelled.
    public func openUploadCount() -> Int {
        FileSystem.list("\(root)/uploads").filter(Self.isUploadID).count
    }

    static func isUploadID(_ id: String) -> Bool {
        id.count == 36 && id.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || $0 == 45 }
    }
}
