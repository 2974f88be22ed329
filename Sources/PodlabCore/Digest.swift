import Crypto

/// A content digest as OCI writes it: `sha256:<64 lowercase hex>`. Only sha256 is produced;
/// sha512 is accepted when parsing so that foreign manifests can be named in errors.
public struct Digest: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let algorithm: String
    public let hex: String

    public init(algorithm: String, hex: String) throws(DigestError) {
        let expected: Int
        switch algorithm {
        case "sha256": expected = 64
        case "sha512": expected = 128
        default: throw DigestError.unsupported("\(algorithm):\(hex)")
        }
        guard hex.utf8.count == expected, hex.utf8.allSatisfy(Digest.isLowerHex) else {
            throw DigestError.malformed("\(algorithm):\(hex)")
        }
        self.algorithm = algorithm
        self.hex = hex
    }

    public init(parsing text: String) throws(DigestError) {
        guard let colon = text.firstIndex(of: ":") else { throw DigestError.malformed(text) }
        try self.init(algorithm: String(text[..<colon]), hex: String(text[text.index(after: colon)...]))
    }

    /// The sha256 digest of some bytes.
    public static func sha256<Bytes: Sequence>(of bytes: Bytes) -> Digest where Bytes.Element == UInt8 {
        var hasher = SHA256Hasher()
        hasher.update(Array(bytes))
        return hasher.finalize()
    }

    public var description: String { "\(algorithm):\(hex)" }
    /// The 12-hex form podman shows in tables.
    public var shortHex: String { String(hex.prefix(12)) }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }
}

public enum DigestError: LearnerFacingError, Equatable {
    case malformed(String)
    case unsupported(String)
    case mismatch(expected: Digest, actual: Digest, what: String)
    case sizeMismatch(expected: Int64, actual: Int64, what: String)

    public var message: String {
        switch self {
        case .malformed(let text): return "invalid digest \"\(text)\": expected sha256: and 64 lowercase hex digits"
        case .unsupported(let text): return "unsupported digest algorithm in \"\(text)\""
        case .mismatch(let expected, let actual, let what):
            return "digest mismatch for \(what): expected \(expected), got \(actual)"
        case .sizeMismatch(let expected, let actual, let what):
            return "size mismatch for \(what): expected \(expected) bytes, got \(actual)"
        }
    }

    public var hint: String? {
        switch self {
        case .mismatch, .sizeMismatch:
            return "the content is corrupt or was tampered with; nothing was stored. Fetch or export it again"
        default: return nil
        }
    }

    public var exitStatus: Int32 { ExitStatus.engineError }
}

/// Incremental SHA-256 over streamed content.
public struct SHA256Hasher {
    private var state = SHA256()
    public private(set) var byteCount: Int64 = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        state.update(bufferPointer: bytes)
        byteCount += Int64(bytes.count)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public func finalize() -> Digest {
        let hex = state.finalize().map { byte in
            let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
        // A SHA-256 result is always 64 lowercase hex digits.
        return Digest(unchecked: "sha256", hex: hex)
    }
}

extension Digest {
    init(unchecked algorithm: String, hex: String) {
        self.algorithm = algorithm
        self.hex = hex
    }
}
