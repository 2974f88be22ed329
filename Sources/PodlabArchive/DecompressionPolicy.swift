import CArchive

/// The compressions podlab lets libarchive undo. Each is libarchive's built-in decoder; a libarchive
/// without one would fall back to running an external program (`zstd -d`, `lrzip -d`), which podlab
/// refuses: data from an image never chooses a program to run.
public enum Decompressor: String, Sendable, CaseIterable {
    case gzip, zstd, xz, bzip2

    /// What an image archive, a build context's tarball or a Debian package may use.
    public static let anyBuiltIn: Set<Decompressor> = Set(allCases)

    /// Registers the built-in decoder; ARCHIVE_WARN from libarchive means "only through an external program".
    func register(on handle: OpaquePointer) -> Int32 {
        switch self {
        case .gzip: return archive_read_support_filter_gzip(handle)
        case .zstd: return archive_read_support_filter_zstd(handle)
        case .xz: return archive_read_support_filter_xz(handle)
        case .bzip2: return archive_read_support_filter_bzip2(handle)
        }
    }
}

/// Bounds on what one archive may expand to, so that a small hostile download cannot fill the disk or
/// the inode table (a decompression bomb): the uncompressed bytes may be at most `expansionRatio` times
/// the compressed ones or `floorBytes`, whichever is larger, and there may be at most `maximumEntries` entries.
public struct ArchiveLimits: Sendable, Equatable {
    public var expansionRatio: Int64
    public var floorBytes: Int64
    public var maximumEntries: Int

    public init(expansionRatio: Int64, floorBytes: Int64, maximumEntries: Int) {
        self.expansionRatio = expansionRatio
        self.floorBytes = floorBytes
        self.maximumEntries = maximumEntries
    }

    /// Real layers expand 2–10×; a file of zeros up to 512 MiB still fits under the floor. The largest
    /// distribution images hold a few hundred thousand files.
    public static let standard = ArchiveLimits(expansionRatio: 100, floorBytes: 512 << 20, maximumEntries: 1_000_000)

    /// The most uncompressed bytes allowed for `compressed` bytes of input.
    public func ceiling(forCompressed compressed: Int64) -> Int64 {
        let (scaled, overflow) = max(compressed, 0).multipliedReportingOverflow(by: expansionRatio)
        return overflow ? Int64.max : max(floorBytes, scaled)
    }
}
