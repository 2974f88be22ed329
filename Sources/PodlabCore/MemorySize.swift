/// A memory size as podman's `--memory` takes it: bytes, or a whole number with `b`, `k`/`kb`, `m`/`mb` or
/// `g`/`gb` (any case). One reading for the engine's limits and the class server's replay bounds.
public enum MemorySize {
    static let units: [(suffix: String, factor: Int64)] = [
        ("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30), ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("b", 1),
    ]

    /// The size in bytes; nil for anything else: no number, zero or less, a fraction, another unit, or more bytes
    /// than 64 bits hold (`99999999999999g` is refused, never wrapped or trapped).
    public static func bytes(_ text: String) -> Int64? {
        let lower = text.lowercased().trimmed()
        let (number, factor) = units.first { lower.hasSuffix($0.suffix) }.map { (lower.dropLast($0.suffix.count), $0.factor) }
            ?? (Substring(lower), 1)
        guard let value = Int64(number), value > 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }
}
