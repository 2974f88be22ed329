import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Sizes and durations in the words podman uses (go-units: decimal units, 3 significant digits).
package enum HumanFormat {
    package static func size(_ bytes: Int64) -> String {
        let (value, unit) = decimal(Double(bytes))
        return "\(significant(value, digits: 3)) \(unit)"
    }

    /// `bytes` in the largest decimal unit (go-units: B, kB, MB …) that keeps the number below 1000.
    static func decimal(_ bytes: Double) -> (value: Double, unit: String) {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = bytes
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return (value, units[unit])
    }

    /// `%.3g` as C and Go print it (trailing zeros dropped).
    static func significant(_ value: Double, digits: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([Int32(digits), value]) { vsnprintf(&buffer, buffer.count, "%.*g", $0) }
        return String(cString: buffer)
    }

    /// `%.Nf`, as Go's fmt prints it.
    static func fixed(_ value: Double, digits: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([Int32(digits), value]) { vsnprintf(&buffer, buffer.count, "%.*f", $0) }
        return String(cString: buffer)
    }

    /// A size as podman's `stats` prints it: 4 significant digits, decimal units, no space (`2.355MB`, `516B`).
    static func compactSize(_ bytes: UInt64) -> String {
        let (value, unit) = decimal(Double(bytes))
        return significant(value, digits: 4) + unit
    }

    /// Go's `time.Duration` text: `0s`, `880ns`, `1.5µs`, `88.908827ms`, `5.854183537s`, `1m6.5s`, `2h0m0s`.
    static func goDuration(nanoseconds: Int64) -> String {
        guard nanoseconds != 0 else { return "0s" }
        let sign = nanoseconds < 0 ? "-" : ""
        let value = nanoseconds.magnitude
        func decimal(_ number: UInt64, _ divisor: UInt64) -> String {
            var text = String(number / divisor)
            guard divisor > 1 else { return text }
            var fraction = String(number % divisor)
            let width = String(divisor).count - 1
            fraction = String(repeating: "0", count: width - fraction.count) + fraction
            while fraction.last == "0" { fraction.removeLast() }
            if !fraction.isEmpty { text += "." + fraction }
            return text
        }
        if value < 1_000 { return sign + "\(value)ns" }
        if value < 1_000_000 { return sign + decimal(value, 1_000) + "µs" }
        if value < 1_000_000_000 { return sign + decimal(value, 1_000_000) + "ms" }
        let hours = value / 3_600_000_000_000
        let minutes = value / 60_000_000_000 % 60
        var text = sign
        if hours > 0 { text += "\(hours)h" }
        if hours > 0 || minutes > 0 { text += "\(minutes)m" }
        return text + decimal(value % 60_000_000_000, 1_000_000_000) + "s"
    }

    /// "Less than a second", "5 minutes", "About an hour", "3 days", "2 weeks"…
    static func duration(seconds elapsed: Double) -> String {
        let seconds = Int(elapsed)
        if seconds < 1 { return "Less than a second" }
        if seconds == 1 { return "1 second" }
        if seconds < 60 { return "\(seconds) seconds" }
        let minutes = Int(elapsed / 60)
        if minutes == 1 { return "About a minute" }
        if minutes < 60 { return "\(minutes) minutes" }
        let hours = Int(elapsed / 3600 + 0.5)
        if hours == 1 { return "About an hour" }
        if hours < 48 { return "\(hours) hours" }
        if hours < 24 * 7 * 2 { return "\(hours / 24) days" }
        if hours < 24 * 30 * 2 { return "\(hours / 24 / 7) weeks" }
        if hours < 24 * 365 * 2 { return "\(hours / 24 / 30) months" }
        return "\(Int(elapsed / 3600) / 24 / 365) years"
    }

    static func ago(_ time: Double, now: Double = WallClock.now()) -> String {
        duration(seconds: max(0, now - time)) + " ago"
    }

}
