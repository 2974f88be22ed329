#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// JSON as podlab writes it: keys sorted, so that the same value always has the same digest.
public enum JSONCoding {
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws(ImageError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw .malformed(what, JSONCoding.explain(error))
        } catch {
            throw .malformed(what, "\(error)")
        }
    }

    static func explain(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing \"\(key.stringValue)\"" + location(context)
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "unexpected value" + location(context) + ": " + context.debugDescription
        case .dataCorrupted(let context):
            return context.debugDescription + location(context)
        @unknown default:
            return "\(error)"
        }
    }

    static func location(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.isEmpty ? "" : " at \(path)"
    }

    /// An RFC 3339 timestamp as Go writes them (UTC, seconds, optional fraction).
    public static func timestamp(_ seconds: Double) -> String {
        timestamp(seconds, nanoseconds: false)
    }

    /// RFC 3339 with nanoseconds, as buildah writes an image's creation time.
    public static func preciseTimestamp(_ seconds: Double) -> String {
        timestamp(seconds, nanoseconds: true)
    }

    static func timestamp(_ seconds: Double, nanoseconds: Bool) -> String {
        let whole = Int(seconds.rounded(.down))
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))\(nanoseconds ? "." + pad(Int32(((seconds - Double(whole)) * 1e9).rounded(.down)), 9) : "")Z"
    }

    /// Parses RFC 3339 timestamps (`2023-06-01T10:20:30.123456789Z`, `+08:00` offsets) into Unix seconds.
    public static func parseTimestamp(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            var scale = 0.1
            index += 1
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            guard index + 6 <= bytes.count, let hours = number((index + 1)..<(index + 3)),
                  let minutes = number((index + 4)..<(index + 6)) else { return nil }
            offset = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Double(timegm(&parts) - offset) + fraction
    }
}
