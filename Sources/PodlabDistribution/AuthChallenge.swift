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

    /// Parses one challenge header value; nil when it is not one.
    public init?(header: String) {
        var rest = Substring(header).drop { $0 == " " }
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
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped { value.append(character); escaped = false; continue }
                    if character == "\\" { escaped = true; continue }
                    if character == "\"" { break }
                    value.append(character)
                }
            } else {
                value = String(rest.prefix { $0 != "," })
                rest = rest.dropFirst(value.count)
                value = value.trimmed([" "])
            }
            parameters[key.lowercased()] = value
        }
        self.init(scheme: String(scheme), parameters: parameters)
    }

    /// The header value a server sends.
    public var headerValue: String {
        let pairs = parameters.keys.sorted().map { key -> String in
            let value = parameters[key, default: ""].replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
            return "\(key)=\"\(value)\""
        }
        return ([scheme] + [pairs.joined(separator: ",")]).joined(separator: " ")
    }
}
