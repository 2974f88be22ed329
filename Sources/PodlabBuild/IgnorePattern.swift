/// One ignore-file pattern, compiled to a small automaton over Unicode scalars and matched against a whole path by
/// following every way through it at once: time in proportion to pattern × path, never exponential, whatever
/// run of `*` a hostile pattern holds.
struct IgnorePattern: Sendable {
    enum Token: Sendable, Equatable {
        case literal(Unicode.Scalar)
        /// `?`: one scalar but `/`.
        case one
        /// `*`: any run within one component.
        case star
        /// `**` at the end: anything at all.
        case anything
        /// `**` (or `**/`) before more pattern: nothing, or anything that ends in `/`. Two states: the way in
        /// (which may skip the whole) and the run inside.
        case directoriesEntry
        case directoriesRun
        /// `[...]`: one scalar in (or, negated, not in) the ranges.
        case set(negated: Bool, ranges: [ClosedRange<UInt32>])
    }

    struct Failure: Error {
        let reason: String
    }

    let tokens: [Token]

    init(_ pattern: String) throws(Failure) {
        var tokens: [Token] = []
        var scalars = pattern.unicodeScalars[...]
        while let scalar = scalars.popFirst() {
            switch scalar {
            case "*":
                guard scalars.first == "*" else { tokens.append(.star); continue }
                scalars.removeFirst()
                if scalars.first == "/" { scalars.removeFirst() }
                tokens += scalars.isEmpty ? [.anything] : [.directoriesEntry, .directoriesRun]
            case "?":
                tokens.append(.one)
            case "\\":
                guard let quoted = scalars.popFirst() else { throw Failure(reason: "ends in a \\ that quotes nothing") }
                tokens.append(.literal(quoted))
            case "[":
                tokens.append(try Self.set(&scalars))
            default:
                tokens.append(.literal(scalar))
            }
        }
        self.tokens = tokens
    }

    /// The class after a `[`, up to its `]`: `^` first negates, `a-z` is a range, a `]` first is itself, `\` quotes.
    static func set(_ scalars: inout Substring.UnicodeScalarView) throws(Failure) -> Token {
        let negated = scalars.first == "^"
        if negated { scalars.removeFirst() }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while true {
            guard var low = scalars.popFirst() else { throw Failure(reason: "has a [ without its ]") }
            if low == "]" && !first { break }
            first = false
            if low == "\\" {
                guard let quoted = scalars.popFirst() else { throw Failure(reason: "has a [ without its ]") }
                low = quoted
            }
            var high = low
            if scalars.first == "-", let after = scalars.dropFirst().first, after != "]" {
                scalars.removeFirst(2)
                high = after
                if high == "\\" {
                    guard let quoted = scalars.popFirst() else { throw Failure(reason: "has a [ without its ]") }
                    high = quoted
                }
                guard low.value <= high.value else { throw Failure(reason: "has a range \(low)-\(high) that runs backwards") }
            }
            ranges.append(low.value...high.value)
        }
        return .set(negated: negated, ranges: ranges)
    }

    /// Whether the pattern matches the whole of `path`.
    func matches(_ path: [Unicode.Scalar]) -> Bool {
        var current = [Bool](repeating: false, count: tokens.count + 1)
        current[0] = true
        close(&current)
        for scalar in path {
            var next = [Bool](repeating: false, count: tokens.count + 1)
            var any = false
            for index in tokens.indices where current[index] {
                switch tokens[index] {
                case .literal(let wanted): if scalar == wanted { next[index + 1] = true }
                case .one: if scalar != "/" { next[index + 1] = true }
                case .star: if scalar != "/" { next[index] = true }
                case .anything: next[index] = true
                case .directoriesEntry: break
                case .directoriesRun:
                    next[index] = true
                    if scalar == "/" { next[index + 1] = true }
                case .set(let negated, let ranges):
                    if ranges.contains(where: { $0.contains(scalar.value) }) != negated { next[index + 1] = true }
                }
            }
            close(&next)
            for state in next where state { any = true; break }
            guard any else { return false }
            current = next
        }
        return current[tokens.count]
    }

    /// Adds the states reachable without reading: past a `*` or a final `**` (they may match nothing), and from the
    /// way into a `**/` both into its run and past it.
    func close(_ states: inout [Bool]) {
        for index in tokens.indices where states[index] {
            switch tokens[index] {
            case .star, .anything: states[index + 1] = true
            case .directoriesEntry:
                states[index + 1] = true
                states[index + 2] = true
            default: break
            }
        }
    }
}
