import CArchive
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes tar archives (POSIX pax, as OCI layers and image archives use) with optional compression.
public final class ArchiveWriter {
    public enum Compression: String, Sendable { case none, gzip, zstd }

    private let handle: OpaquePointer
    private let entry: OpaquePointer
    public let destinationName: String
    private var closed = false

    /// Writes to a file, replacing it. Callers that need atomicity write to a temporary path and rename.
    public init(path: String, compression: Compression) throws {
        try ArchiveLibrary.prepare()
        destinationName = path
        (handle, entry) = try ArchiveWriter.makeHandle(compression: compression, name: path)
        if archive_write_open_filename(handle, path) != ARCHIVE_OK {
            let detail = ArchiveReader.errorText(handle)
            // deinit frees the handle and entry: the object is fully initialised.
            throw ArchiveError.unreadable(source: path, detail: detail)
        }
    }

    /// Writes to an open descriptor (for example standard output); the descriptor stays open.
    public init(fd: Int32, name: String, compression: Compression) throws {
        try ArchiveLibrary.prepare()
        destinationName = name
        (handle, entry) = try ArchiveWriter.makeHandle(compression: compression, name: name)
        if archive_write_open_fd(handle, fd) != ARCHIVE_OK {
            let detail = ArchiveReader.errorText(handle)
            // deinit frees the handle and entry: the object is fully initialised.
            throw ArchiveError.unreadable(source: name, detail: detail)
        }
    }

    deinit {
        if !closed { archive_write_close(handle) }
        archive_entry_free(entry)
        archive_write_free(handle)
    }

    private static func makeHandle(compression: Compression, name: String) throws -> (OpaquePointer, OpaquePointer) {
        guard let handle = archive_write_new(), let entry = archive_entry_new() else {
            throw ArchiveError.unreadable(source: name, detail: "libarchive could not allocate a writer")
        }
        archive_write_set_format_pax_restricted(handle)
        // Pad only to the 512-byte tar record, not libarchive's default 10 KiB block.
        archive_write_set_bytes_per_block(handle, 512)
        archive_write_set_bytes_in_last_block(handle, 1)
        switch compression {
        case .none: archive_write_add_filter_none(handle)
        case .gzip:
            archive_write_add_filter_gzip(handle)
            // No timestamp in the gzip header, so the same content always gives the same digest.
            archive_write_set_filter_option(handle, "gzip", "timestamp", nil)
        case .zstd: archive_write_add_filter_zstd(handle)
        }
        return (handle, entry)
    }

    func writeHeader(_ info: ArchiveEntry) throws {
        archive_entry_clear(entry)
        info.fill(entry)
        if archive_write_header(handle, entry) != ARCHIVE_OK {
            throw ArchiveError.unreadable(source: destinationName, detail: ArchiveReader.errorText(handle))
        }
    }

    func writeData(_ block: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < block.count {
            let written = archive_write_data(handle, block.baseAddress.map { $0 + offset }, block.count - offset)
            if written < 0 { throw ArchiveError.unreadable(source: destinationName, detail: ArchiveReader.errorText(handle)) }
            if written == 0 { break }
            offset += written
        }
    }

    /// Adds an entry with its data (the entry's size is set from the data for regular files).
    public func add(_ info: ArchiveEntry, data: [UInt8] = []) throws {
        var info = info
        if info.kind == .regular { info.size = Int64(data.count) }
        try writeHeader(info)
        if info.kind == .regular {
            try data.withUnsafeBytes { (buffer) in try writeData(buffer) }
        }
    }

    /// Adds a regular-file entry whose data is streamed from a file on disk.
    public func add(_ info: ArchiveEntry, contentsOfFile path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ArchiveError.unreadable(source: path, detail: SystemError.describe(errno))
        }
        var info = info
        info.size = Int64(status.st_size)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveError.unreadable(source: path, detail: SystemError.describe(errno)) }
        defer { Glibc.close(fd) }
        try writeHeader(info)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var remaining = info.size
        while remaining > 0 {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw ArchiveError.unreadable(source: path, detail: "file shrank while being archived") }
            try buffer.withUnsafeBytes { (all) in
                try writeData(UnsafeRawBufferPointer(rebasing: all[0..<min(count, Int(remaining))]))
            }
            remaining -= Int64(count)
        }
    }

    /// Adds an entry, copying its data from the current entry of `reader` (for transcoding archives).
    public func add(_ info: ArchiveEntry, copyingDataFrom reader: ArchiveReader) throws {
        try writeHeader(info)
        guard info.kind == .regular, info.size > 0 else { return }
        var written: Int64 = 0
        try reader.readData { block, offset in
            if offset > written {
                // A sparse hole: write zeros, since pax_restricted stores files densely.
                let zeros = [UInt8](repeating: 0, count: Int(offset - written))
                try zeros.withUnsafeBytes { (buffer) in try self.writeData(buffer) }
                written = offset
            }
            try self.writeData(block)
            written += Int64(block.count)
        }
        if written < info.size {
            let zeros = [UInt8](repeating: 0, count: Int(info.size - written))
            try zeros.withUnsafeBytes { (buffer) in try writeData(buffer) }
        }
    }

    /// Finishes the archive (end-of-archive records, compressor flush).
    public func close() throws {
        guard !closed else { return }
        closed = true
        if archive_write_close(handle) != ARCHIVE_OK {
            throw ArchiveError.unreadable(source: destinationName, detail: ArchiveReader.errorText(handle))
        }
    }
}

extension ArchiveWriter {
    /// Adds a regular file whose `entry.size` bytes come from `source` (which must supply exactly that many).
    public func add(_ info: ArchiveEntry, streamingFrom source: any ByteSource) throws {
        try writeHeader(info)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var remaining = info.size
        while remaining > 0 {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            guard count > 0 else { throw ArchiveError.unreadable(source: info.path, detail: "the data ended \(remaining) bytes early") }
            let usable = min(count, Int(remaining))
            try buffer.withUnsafeBytes { all in try writeData(UnsafeRawBufferPointer(rebasing: all[0..<usable])) }
            remaining -= Int64(usable)
        }
        var extra = [UInt8](repeating: 0, count: 1)
        if try extra.withUnsafeMutableBytes({ try source.read(into: $0) }) > 0 {
            throw ArchiveError.unreadable(source: info.path, detail: "the data is longer than \(info.size) bytes")
        }
    }
}
