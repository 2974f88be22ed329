import CArchive
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// The decompressed bytes of a (possibly gzip/zstd/xz-compressed) file, hashed as they pass:
/// feeding this into a tar reader gives the layer's entries and its diff id in one pass.
public final class DecompressingSource: ByteSource {
    private let raw: ArchiveReader
    private var hasher = SHA256Hasher()
    private var exhausted = false
    private var started = false

    /// `compressions` are those the blob's media type names; an uncompressed stream is always accepted.
    public init(path: String, accepting compressions: Set<Decompressor>, limits: ArchiveLimits = .standard) throws {
        raw = try ArchiveReader(path: path, format: .raw, accepting: compressions, limits: limits)
    }

    public init(bytes: [UInt8], name: String, accepting compressions: Set<Decompressor>, limits: ArchiveLimits = .standard) throws {
        raw = try ArchiveReader(bytes: bytes, name: name, format: .raw, accepting: compressions, limits: limits)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if exhausted { return 0 }
        if !started {
            started = true
            // The raw format presents the whole stream as one entry.
            if try raw.nextEntry() == nil {
                exhausted = true
                return 0
            }
        }
        let count = try raw.readData(into: buffer)
        if count == 0 {
            exhausted = true
            return 0
        }
        hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        return count
    }

    /// Reads whatever the consumer left unread (tar padding after the end marker) so the hash covers it all.
    public func drain() throws {
        var scratch = [UInt8](repeating: 0, count: 65536)
        while try scratch.withUnsafeMutableBytes({ try read(into: $0) }) > 0 {}
    }

    /// The sha256 of every decompressed byte read so far, and how many there were.
    public var digest: Digest { hasher.finalize() }
    public var byteCount: Int64 { hasher.byteCount }
}

extension ArchiveReader {
    /// Writes the current entry's data into an open file at the entry's offsets (sparse holes stay holes).
    public func writeData(to fd: Int32, path: String) throws {
        try readData { block, offset in
            var done = 0
            while done < block.count {
                let count = pwrite(fd, block.baseAddress.map { $0 + done }, block.count - done, off_t(offset) + off_t(done))
                if count < 0 {
                    if errno == EINTR { continue }
                    throw SystemError("write", path: path, errno: errno)
                }
                done += count
            }
        }
    }

    /// Reads the current entry's data sequentially into `buffer`; 0 at its end.
    func readData(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = archive_read_data(handle, buffer.baseAddress, buffer.count)
        if count < 0 {
            throw ArchiveError.unreadable(source: sourceName, detail: ArchiveReader.errorText(handle))
        }
        try checkExpansion()
        return count
    }
}
