import Crypto
import PodlabCore
import PodlabImages
import PodlabTutor

/// A report's seal: HMAC-SHA256 over its canonical JSON (sorted keys, no signature) with the account's key, which
/// the class server derives from a secret of its own and the account's name and hands to that account only (at
/// `class join`). A report edited after podlab wrote it, or someone else's with the name changed, no longer
/// matches. It does not stop a learner who takes their own key out of `class.json` and signs what they like: the
/// replay is what checks that the commands do what the lesson asks.
public enum SubmissionSignature {
    static let scheme = "hmac-sha256:"

    /// The key `username` signs with: HMAC-SHA256(server secret, "podlab class signing key" NUL username).
    public static func accountKey(secret: [UInt8], username: String) -> [UInt8] {
        let label = Array("podlab class signing key".utf8) + [0] + Array(username.utf8)
        return Array(HMAC<SHA256>.authenticationCode(for: label, using: SymmetricKey(data: secret)))
    }

    /// `submission` with its signature set.
    public static func signed(_ submission: Submission, key: [UInt8]) throws -> Submission {
        var copy = submission
        copy.signature = scheme + Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: try canonical(submission), using: SymmetricKey(data: key))))
        return copy
    }

    /// Whether the signature is the one `key` makes for this content (compared in constant time).
    public static func isValid(_ submission: Submission, key: [UInt8]) -> Bool {
        guard let signature = submission.signature, signature.hasPrefix(scheme),
              let code = Hex.decode(String(signature.dropFirst(scheme.count))), code.count == 32,
              let content = try? canonical(submission) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: content, using: SymmetricKey(data: key))
    }

    static func canonical(_ submission: Submission) throws -> [UInt8] {
        var unsigned = submission
        unsigned.signature = nil
        return try JSONCoding.encode(unsigned)
    }
}

/// Lowercase hexadecimal, for keys and signatures in JSON.
public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count / 2)
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let high = value(characters[index]), let low = value(characters[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    static func value(_ character: UInt8) -> UInt8? {
        switch character {
        case 0x30...0x39: return character - 0x30
        case 0x61...0x66: return character - 0x61 + 10
        default: return nil
        }
    }
}
