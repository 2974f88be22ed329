import PodlabCore

/// A `WWW-Authenticate` challenge: `Basic realm="…"` or `Bearer realm="…",service="…",scope="…"`.
public struct AuthChallenge: Equatable, Sendable {
    public var scheme: String
    public var parameters: [String: String]

    public init(scheme: String, parameters: [String: String]) {
        self.scheme = scheme
        self.parameters = parameters
    }

    public var isBearer: Bool { scheme.lowercased() == "bearer" }
    public var isBasic: Bool { scheme.lowercased() == "basic" }
    public var realm: String? { parameters["realm"] }
    public var service: String? { parameters["service"] }

    /// Parses one challenge header value; nil when it is not one. Read by Unicode scalars, as a header is bytes:
    /// a combining mark after `"` or `=` must not hide them (grapheme clusters would).
    public init?(header: String) {
        var rest = header.unicodeScalars[...].drop { $0 == " " }
        let scheme = rest.prefix { $0 != " " }
        guard !scheme.isEmpty else { return nil }
        rest = rest.dropFirst(scheme.count)
        var parameters: [String: String] = [:]
        while true {
            rest = rest.drop { $0 == " " || $0 == "," }
            if rest.isEmpty { break }
            let key = rest.prefix { $0 != "=" && $0 != " " && $0 != "," }
            rest = rest.dropFirst(key.count)
            guard rest.first == "=" else { if key.isEmpty { return nil }; continue }
            rest = rest.dropFirst()
            var value = String.UnicodeScalarView()
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let scalar = rest.first {
                    rest = rest.dropFirst()
                    if escaped { value.append(scalar); escaped = false; continue }
                    if scalar == "\\" { escaped = true; continue }
                    if scalar == "\"" { break }
                    value.append(scalar)
                }
            } else {
                let token = rest.prefix { $0 != "," }
                rest = rest.dropFirst(token.count)
                value.append(contentsOf: token)
                while value.last == " " { value.removeLast() }
            }
            parameters[String(key).lowercased()] = String(value)
        }
        self.init(scheme: String(scheme), parameters: parameters)
    }

    /// The header value a server sends.
    public var headerValue: String {
        let pairs = parameters.keys.sorted().map { key -> String in
            // By scalars, as it is read: `\` before a combining mark is one grapheme cluster, not a `\`.
            var value = String.UnicodeScalarView()
            for scalar in parameters[key, default: ""].unicodeScalars {
                if scalar == "\\" || scalar == "\"" { value.append("\\") }
                value.append(scalar)
            }
            return "\(key)=\"\(String(value))\""
        }
        return ([scheme] + [pairs.joined(separator: ",")]).joined(separator: " ")
    }
}
