import CArchive
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// A source of bytes that libarchive pulls from (for chaining a decompressor into a tar reader).
public protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes; 0 means the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Reads archives with libarchive: tar, ar (for .deb), or the raw decompressed bytes of a single
/// compressed stream. Only the compressions the caller accepts are undone, each by libarchive's built-in
/// decoder, and the input is held to `ArchiveLimits` (expansion and entry count).
public final class ArchiveReader {
    public enum Format: Sendable { case tar, ar, raw }

    let handle: OpaquePointer
    /// Names the input in error messages.
    public let sourceName: String
    let limits: ArchiveLimits
    /// The size of the input, when known before reading (files, bytes in memory).
    private let inputSize: Int64?
    private var callbackBox: SourceBox?
    private var memory: UnsafeMutableRawBufferPointer?
    private var finished = false
    private var entriesRead = 0

    /// Opens a file by path.
    public init(path: String, format: Format, accepting compressions: Set<Decompressor> = Decompressor.anyBuiltIn,
                limits: ArchiveLimits = .standard) throws {
        try ArchiveLibrary.prepare()
        sourceName = path
        self.limits = limits
        var status = stat()
        inputSize = stat(path, &status) == 0 ? Int64(status.st_size) : nil
        handle = try ArchiveReader.makeHandle(format: format, compressions: compressions, name: path)
        if archive_read_open_filename(handle, path, 65536) != ARCHIVE_OK {
            let detail = ArchiveReader.errorText(handle)
            // deinit frees the handle: the object is fully initialised.
            throw ArchiveError.unreadable(source: path, detail: detail)
        }
    }

    /// Reads from bytes held in memory.
    public init(bytes: [UInt8], name: String, format: Format, accepting compressions: Set<Decompressor> = Decompressor.anyBuiltIn,
                limits: ArchiveLimits = .standard) throws {
        try ArchiveLibrary.prepare()
        sourceName = name
        self.limits = limits
        inputSize = Int64(bytes.count)
        handle = try ArchiveReader.makeHandle(format: format, compressions: compressions, name: name)
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0) }
        memory = copy
        if archive_read_open_memory(handle, copy.baseAddress, bytes.count) != ARCHIVE_OK {
            let detail = ArchiveReader.errorText(handle)
            // deinit frees the handle: the object is fully initialised.
            throw ArchiveError.unreadable(source: name, detail: detail)
        }
    }

    /// Reads from a pull source (for example a decompressing, hashing stream, already bounded: this reader
    /// undoes no compression of its own).
    public init(source: any ByteSource, name: String, format: Format, limits: ArchiveLimits = .standard) throws {
        try ArchiveLibrary.prepare()
        sourceName = name
        self.limits = limits
        inputSize = nil
        handle = try ArchiveReader.makeHandle(format: format, compressions: [], name: name)
        let box = SourceBox(source: source)
        callbackBox = box
        let context = Unmanaged.passUnretained(box).toOpaque()
        if archive_read_open(handle, context, nil, sourceReadCallback, nil) != ARCHIVE_OK {
            // The source's own error (a limit, an unreadable blob) says more than libarchive's.
            if let failure = box.failure { throw failure }
            let detail = ArchiveReader.errorText(handle)
            // deinit frees the handle: the object is fully initialised.
            throw ArchiveError.unreadable(source: name, detail: detail)
        }
    }

    /// Opens with a custom libarchive open call.
    init(opening name: String, format: Format, compressions: Set<Decompressor>, limits: ArchiveLimits,
         open: (OpaquePointer) -> Int32) throws {
        try ArchiveLibrary.prepare()
        sourceName = name
        self.limits = limits
        inputSize = nil
        handle = try ArchiveReader.makeHandle(format: format, compressions: compressions, name: name)
        if open(handle) != ARCHIVE_OK {
            let detail = ArchiveReader.errorText(handle)
            // deinit frees the handle: the object is fully initialised.
            throw ArchiveError.unreadable(source: name, detail: detail)
        }
    }

    deinit {
        archive_read_free(handle)
        memory?.deallocate()
    }

    private static func makeHandle(format: Format, compressions: Set<Decompressor>, name: String) throws -> OpaquePointer {
        guard let handle = archive_read_new() else {
            throw ArchiveError.unreadable(source: name, detail: "libarchive could not allocate a reader")
        }
        for decompressor in Decompressor.allCases where compressions.contains(decompressor) && decompressor.register(on: handle) != ARCHIVE_OK {
            archive_read_free(handle)
            throw ArchiveError.decoderMissing(source: name, decoder: decompressor.rawValue)
        }
        switch format {
        case .tar: archive_read_support_format_tar(handle)
        case .ar: archive_read_support_format_ar(handle)
        case .raw: archive_read_support_format_raw(handle)
        }
        return handle
    }

    static func errorText(_ handle: OpaquePointer) -> String {
        archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    /// The next entry's header, or nil at the end of the archive.
    public func nextEntry() throws -> ArchiveEntry? {
        if finished { return nil }
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF {
            finished = true
            return nil
        }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
            throw readFailure()
        }
        entriesRead += 1
        guard entriesRead <= limits.maximumEntries else {
            throw ArchiveError.exceedsLimit(source: sourceName, detail: "it holds more than \(limits.maximumEntries) entries")
        }
        return ArchiveEntry(copying: entry)
    }

    /// Streams the current entry's data in blocks, with each block's offset (sparse files have gaps).
    public func readData(_ body: (UnsafeRawBufferPointer, Int64) throws -> Void) throws {
        var buffer: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let status = archive_read_data_block(handle, &buffer, &size, &offset)
            if status == ARCHIVE_EOF { return }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN else {
                throw readFailure()
            }
            try checkExpansion()
            try body(UnsafeRawBufferPointer(start: buffer, count: size), offset)
        }
    }

    /// The current entry's data as bytes (for small members such as manifests and control files).
    public func readAllData(limit: Int = 64 << 20) throws -> [UInt8] {
        var result: [UInt8] = []
        try readData { block, offset in
            let end = Int(offset) + block.count
            guard end <= limit else {
                throw ArchiveError.unreadable(source: self.sourceName, detail: "member larger than \(limit) bytes")
            }
            if result.count < Int(offset) { result.append(contentsOf: repeatElement(0, count: Int(offset) - result.count)) }
            result.append(contentsOf: block)
        }
        return result
    }

    /// Refuses a stream that has decompressed to more than the limits allow for its compressed size.
    func checkExpansion() throws {
        guard archive_filter_count(handle) > 1 else { return }
        let produced = Int64(archive_filter_bytes(handle, 0))
        let consumed = max(inputSize ?? 0, Int64(archive_filter_bytes(handle, -1)))
        let ceiling = limits.ceiling(forCompressed: consumed)
        guard produced <= ceiling else {
            throw ArchiveError.exceedsLimit(source: sourceName, detail: "it expands to more than \(ceiling) bytes "
                + "from \(consumed) compressed (at most \(limits.expansionRatio)× or \(limits.floorBytes) bytes)")
        }
    }

    /// The pull source's own error when it failed, else libarchive's.
    private func readFailure() -> any Error {
        if let failure = callbackBox?.failure { return failure }
        return ArchiveError.unreadable(source: sourceName, detail: ArchiveReader.errorText(handle))
    }
}

final class SourceBox {
    let source: any ByteSource
    var buffer = [UInt8](repeating: 0, count: 65536)
    var failure: (any Error)?

    init(source: any ByteSource) { self.source = source }
}

private func sourceReadCallback(_ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?,
                                _ output: UnsafeMutablePointer<UnsafeRawPointer?>?) -> la_ssize_t {
    guard let context, let output else { return -1 }
    let box = Unmanaged<SourceBox>.fromOpaque(context).takeUnretainedValue()
    do {
        let count = try box.buffer.withUnsafeMutableBytes { try box.source.read(into: $0) }
        box.buffer.withUnsafeBytes { output.pointee = $0.baseAddress }
        return la_ssize_t(count)
    } catch {
        box.failure = error
        return -1
    }
}

/// Process-wide libarchive set-up: the library is loaded on first use (Sources/CArchive/lazy.c), with a UTF-8
/// locale so that non-ASCII file names round-trip.
public enum ArchiveLibrary {
    /// Why libarchive cannot be loaded (the loader's words), nil when it is loaded.
    public static let unavailableReason: String? = {
        setlocale(LC_CTYPE, "C.UTF-8")
        var message: UnsafePointer<CChar>?
        guard podlab_archive_load(&message) == 0 else { return message.map { String(cString: $0) } ?? "unknown error" }
        return nil
    }()

    /// Loads libarchive, or says why it cannot be.
    public static func prepare() throws {
        if let unavailableReason { throw ArchiveError.libraryMissing(unavailableReason) }
    }

    public static var versionString: String {
        if unavailableReason != nil { return "libarchive (not installed)" }
        return archive_version_string().map { String(cString: $0) } ?? "libarchive"
    }
}

extension ArchiveReader {
    /// Reads from an open descriptor (standard input); the descriptor stays open.
    public convenience init(fd: Int32, name: String, format: Format, accepting compressions: Set<Decompressor> = Decompressor.anyBuiltIn,
                            limits: ArchiveLimits = .standard) throws {
        try self.init(opening: name, format: format, compressions: compressions, limits: limits) { handle in
            archive_read_open_fd(handle, fd, 65536)
        }
    }
}
