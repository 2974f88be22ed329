#if canImport(Glibc)
import Glibc
#endif

/// Small string helpers, so that modules on the hot path need no Foundation.
extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines (or the given characters).
    public func trimmed(_ characters: Set<Character> = [" ", "\t", "\n", "\r"]) -> String {
        guard let first = firstIndex(where: { !characters.contains($0) }),
              let last = lastIndex(where: { !characters.contains($0) }) else { return "" }
        return String(self[first...last])
    }

    /// The text before and after the first `separator`; `nil` after it when there is none.
    /// Unlike `split(separator:maxSplits:)` it keeps empty pieces, so `"=x"` is `("", "x")`
    /// and `"="` is `("", "")`: callers can refuse an empty key instead of indexing a missing one.
    public func splitOnce(at separator: Character) -> (before: String, after: String?) {
        guard let index = firstIndex(of: separator) else { return (String(self), nil) }
        return (String(self[..<index]), String(self[self.index(after: index)...]))
    }
}

extension String {
    /// The text with `fill` in front up to `width` characters (`"7".leftPadded(2)` is `"07"`).
    public func leftPadded(_ width: Int, with fill: Character = "0") -> String {
        count >= width ? self : String(repeating: fill, count: width - count) + self
    }
}

/// The wall-clock time in seconds since 1970 (what the journal, progress and "5 seconds ago" count in).
public enum WallClock {
    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
