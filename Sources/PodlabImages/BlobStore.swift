import PodlabArchive
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Content-addressed blobs (`blobs/sha256/<hex>`). Every blob is verified against its digest before it
/// gets its name, and is written to a temporary file first, so a name always holds exactly its content.
public struct BlobStore: Sendable {
    public let root: String
    let temporary: String

    public init(root: String, temporary: String) {
        self.root = root
        self.temporary = temporary
    }

    public func path(for digest: Digest) -> String { "\(root)/\(digest.algorithm)/\(digest.hex)" }

    public func contains(_ digest: Digest) -> Bool { FileSystem.exists(path(for: digest)) }

    /// Reads a blob, checking that its content still matches its name.
    public func read(_ digest: Digest) throws -> [UInt8] {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path(for: digest)) } catch {
            if error.errno == ENOENT { throw ImageError.malformed("image store", "blob \(digest) is missing") }
            throw error
        }
        let actual = Digest.sha256(of: bytes)
        guard actual == digest else { throw DigestError.mismatch(expected: digest, actual: actual, what: "stored blob") }
        return bytes
    }

    /// Stores bytes under their digest, returning the digest.
    @discardableResult
    public func put(_ bytes: [UInt8], expected: Digest? = nil, what: String = "blob") throws -> Digest {
        let digest = Digest.sha256(of: bytes)
        if let expected, expected != digest { throw DigestError.mismatch(expected: expected, actual: digest, what: what) }
        if contains(digest) { return digest }
        try FileSystem.createDirectory("\(root)/sha256")
        let scratch = try makeTemporaryPath()
        do {
            try FileSystem.writeAtomically(bytes, to: scratch)
            try publish(scratch, as: digest)
        } catch {
            unlink(scratch)
            throw error
        }
        return digest
    }

    /// Moves a verified temporary file into place as `digest` (keeping an existing copy if one appeared).
    public func publish(_ temporaryFile: String, as digest: Digest) throws {
        try FileSystem.createDirectory("\(root)/\(digest.algorithm)")
        let destination = path(for: digest)
        if rename(temporaryFile, destination) != 0 {
            throw SystemError("store blob", path: destination, errno: errno)
        }
        FileSystem.syncDirectory(of: destination)
    }

    /// Copies a file into the store while hashing it; refuses it unless digest and size match.
    public func ingest(file source: String, expected: Descriptor, what: String) throws {
        if contains(expected.digest) { return }
        let scratch = try makeTemporaryPath()
        do {
            let (digest, size) = try BlobStore.copyHashing(from: source, to: scratch)
            guard size == expected.size else {
                throw DigestError.sizeMismatch(expected: expected.size, actual: size, what: what)
            }
            guard digest == expected.digest else {
                throw DigestError.mismatch(expected: expected.digest, actual: digest, what: what)
            }
            try publish(scratch, as: digest)
        } catch {
            unlink(scratch)
            throw error
        }
    }

    /// Stores a file that is already complete in the store's temporary area, naming it by its content.
    public func adopt(temporaryFile: String) throws -> (digest: Digest, size: Int64) {
        let (digest, size) = try BlobStore.hash(file: temporaryFile)
        if contains(digest) {
            unlink(temporaryFile)
        } else {
            try publish(temporaryFile, as: digest)
        }
        return (digest, size)
    }

    public func remove(_ digest: Digest) {
        unlink(path(for: digest))
    }

    /// Every stored digest (for garbage collection).
    public func all() -> [Digest] {
        FileSystem.list("\(root)/sha256").compactMap { try? Digest(algorithm: "sha256", hex: $0) }
    }

    func makeTemporaryPath() throws -> String {
        try FileSystem.createDirectory(temporary)
        return "\(temporary)/blob-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }

    /// Hashes a file's content.
    public static func hash(file path: String) throws -> (Digest, Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("read", path: path, errno: errno) }
        defer { close(fd) }
        var hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path: path, errno: errno)
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return (hasher.finalize(), hasher.byteCount)
    }

    /// Copies `source` to a new file `destination` (fsynced), returning the content's digest and size.
    static func copyHashing(from source: String, to destination: String) throws -> (Digest, Int64) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw SystemError("read", path: source, errno: errno) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw SystemError("create", path: destination, errno: errno) }
        defer { close(output) }
        var hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path: source, errno: errno)
            }
            if count == 0 { break }
            try buffer.withUnsafeBytes { all in
                let slice = UnsafeRawBufferPointer(rebasing: all[0..<count])
                hasher.update(slice)
                try FileSystem.writeAll(fd: output, slice, path: destination)
            }
        }
        if fsync(output) != 0 { throw SystemError("sync", path: destination, errno: errno) }
        return (hasher.finalize(), hasher.byteCount)
    }
}
