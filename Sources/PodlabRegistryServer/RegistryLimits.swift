/// What one registry accepts from its clients: a blob's size and how many uploads may be open at once. A
/// classroom registry is reachable by every learner's machine; neither a mistaken nor a hostile client may
/// fill its disk or its upload directory.
public struct RegistryLimits: Sendable {
    /// The largest blob an upload may grow to (413 beyond, with SIZE_INVALID).
    public var maxUploadBytes: Int64
    /// Uploads started and not yet finished or cancelled (429 beyond, with TOOMANYREQUESTS).
    public var maxOpenUploads: Int

    public init(maxUploadBytes: Int64 = 1 << 30, maxOpenUploads: Int = 64) {
        self.maxUploadBytes = maxUploadBytes
        self.maxOpenUploads = maxOpenUploads
    }

    func tooLarge() -> RegistryFailure {
        RegistryFailure(.sizeInvalid, "this registry accepts layers of up to \(Self.describe(maxUploadBytes)); its owner can raise --max-upload-size",
                        status: 413, wording: "blob too large")
    }

    static func describe(_ bytes: Int64) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}
