import PodlabCore

/// Everything that can go wrong reading, writing or applying an archive.
public enum ArchiveError: LearnerFacingError, Equatable {
    /// libarchive could not read or write the data (corrupt, truncated, not an archive).
    case unreadable(source: String, detail: String)
    /// A layer entry that would reach outside the target, or is otherwise unsafe: nothing of the layer is kept.
    case refused(layer: String, entry: String, reason: String)
    /// A file-system operation failed while applying.
    case io(layer: String, entry: String, detail: String)
    /// A `.deb` without the parts a package has.
    case notADebianPackage(String)
    /// libarchive.so.13 could not be loaded (podlab loads it on first use).
    case libraryMissing(String)
    /// This libarchive would undo the compression only by running an external program, which podlab refuses.
    case decoderMissing(source: String, decoder: String)
    /// Input that expands beyond `ArchiveLimits` (a decompression bomb, or far too many entries).
    case exceedsLimit(source: String, detail: String)

    public var message: String {
        switch self {
        case .unreadable(let source, let detail):
            return "reading \(source): \(detail)"
        case .refused(let layer, let entry, let reason):
            return "refusing layer \(layer): entry \"\(entry)\" \(reason)"
        case .io(let layer, let entry, let detail):
            return "applying layer \(layer): entry \"\(entry)\": \(detail)"
        case .notADebianPackage(let path):
            return "\(path) is not a Debian package (no data.tar member)"
        case .exceedsLimit(let source, let detail):
            return "refusing \(source): \(detail)"
        case .libraryMissing(let detail):
            return "podlab cannot load libarchive, which reads and writes images: \(detail)"
        case .decoderMissing(let source, let decoder):
            return "reading \(source): this machine's \(ArchiveLibrary.versionString) has no built-in \(decoder) decoder, "
                + "and podlab runs no external decompressor"
        }
    }

    public var hint: String? {
        switch self {
        case .unreadable: return "the file is damaged or not an archive podlab reads (tar, tar.gz, tar.zst, tar.xz)"
        case .refused: return "the image is unsafe or damaged; nothing from it was unpacked. Use an image from a source you trust"
        case .io: return nil
        case .notADebianPackage: return "download it again with apt-get download"
        case .libraryMissing: return "install it: sudo apt install libarchive13"
        case .decoderMissing: return "podlab needs Debian's build of libarchive, which has gzip, zstd, xz and bzip2 built in: sudo apt install libarchive13"
        case .exceedsLimit:
            return "podlab stops unpacking what grows far beyond its download (a decompression bomb); nothing of it was kept. "
                + "Use an image or archive from a source you trust"
        }
    }

    public var exitStatus: Int32 { ExitStatus.engineError }
}
