import AsyncHTTPClient
import Foundation
import NIOCore
import PodlabCore
import PodlabRuntime

/// Fetching a page (the `http` check and the `browse` builtin) and showing HTML as text.
public enum WebPage {
    public struct Fetched: Sendable {
        public var status: Int
        public var contentType: String
        public var body: String
    }

    /// GET of `url` (redirects followed), body up to 2 MiB. With a session network, a loopback URL is fetched
    /// inside it (SessionFetch), never on the host's loopback.
    public static func fetch(_ url: String, timeoutSeconds: Int64, session: SessionNetwork? = nil) throws -> Fetched {
        let target = url.contains("://") ? url : "http://\(url)"
        if let session, let parsed = URL(string: target), SessionFetch.isLoopback(parsed) {
            return try SessionFetch.fetch(parsed, session: session, timeoutSeconds: timeoutSeconds, limit: 2 << 20)
        }
        let configuration = HTTPClient.Configuration(redirectConfiguration: .follow(max: 5, allowCycles: false),
                                                     timeout: .init(connect: .seconds(timeoutSeconds), read: .seconds(timeoutSeconds)))
        return try BlockingAsync.run {
            let (response, body) = try await exchange(HTTPClientRequest(url: target), configuration: configuration,
                                                      timeoutSeconds: timeoutSeconds, limit: 2 << 20)
            return Fetched(status: Int(response.status.code), contentType: response.headers["Content-Type"].first ?? "",
                           body: String(decoding: body, as: UTF8.self))
        }
    }

    /// One request on a client of its own, shut down afterwards whatever happens: the response's head and up to
    /// `limit` bytes of its body (more is an error). For the `http` check, `browse` and the class client.
    public static func exchange(_ request: HTTPClientRequest, configuration: HTTPClient.Configuration, timeoutSeconds: Int64,
                                limit: Int) async throws -> (HTTPClientResponse, [UInt8]) {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
            let body = try await response.body.collect(upTo: limit)
            try? await client.shutdown()
            return (response, Array(buffer: body))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// A TLS handshake that failed because the server's certificate did not verify (BoringSSL's reason).
    public static func isUntrustedCertificate(_ error: any Error) -> Bool {
        "\(error)".contains("CERTIFICATE_VERIFY_FAILED")
    }

    public static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("Timeout") || text.contains("timeout") { return "timed out" }
        if isUntrustedCertificate(error) {
            return "this machine does not trust the server's TLS certificate (signed by a CA it does not know, expired, or for another name)"
        }
        return text
    }

    /// The readable text of an HTML page: title, headings and paragraphs on their own lines, no tags,
    /// entities decoded, scripts and styles dropped.
    public static func text(ofHTML html: String) -> String {
        var output = ""
        var index = html.startIndex
        var skipping: String?
        while index < html.endIndex {
            let character = html[index]
            if character == "<", let close = html[index...].firstIndex(of: ">") {
                let tag = html[html.index(after: index)..<close].lowercased()
                let name = String(tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber })
                if let skipped = skipping {
                    if tag.hasPrefix("/") && name == skipped { skipping = nil }
                } else if (name == "script" || name == "style") && !tag.hasPrefix("/") {
                    skipping = name
                } else if ["p", "div", "br", "h1", "h2", "h3", "h4", "li", "title", "tr", "hr", "pre"].contains(name) {
                    if !output.hasSuffix("\n") { output += "\n" }
                    if name.hasPrefix("h") && name.count == 2 && !tag.hasPrefix("/") { output += "# " }
                    if name == "li" && !tag.hasPrefix("/") { output += "• " }
                }
                index = html.index(after: close)
                continue
            }
            if skipping == nil {
                if character == "&", let semicolon = html[index...].prefix(10).firstIndex(of: ";") {
                    let entity = String(html[html.index(after: index)..<semicolon])
                    if let decoded = decode(entity) {
                        output += decoded
                        index = html.index(after: semicolon)
                        continue
                    }
                }
                output.append(character == "\t" ? " " : character)
            }
            index = html.index(after: index)
        }
        return output.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).trimmed() }
            .filter { !$0.isEmpty }
            .joined(separator: "\n")
    }

    static func decode(_ entity: String) -> String? {
        switch entity {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos", "#39": return "'"
        case "nbsp": return " "
        default:
            if entity.hasPrefix("#x"), let value = UInt32(entity.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(value) { return String(scalar) }
            if entity.hasPrefix("#"), let value = UInt32(entity.dropFirst()), let scalar = Unicode.Scalar(value) { return String(scalar) }
            return nil
        }
    }
}

/// The `browse` builtin: journals the visit (lessons check it), then fetches the page.
public enum Browser {
    public static func fetch(_ url: String, storage: String, session: SessionNetwork?) throws -> WebPage.Fetched {
        Journal(storage: storage).record(JournalEvent(type: "tutor", status: "browse", name: url))
        return try WebPage.fetch(url, timeoutSeconds: 5, session: session)
    }

    /// The page, or nil when it could not be fetched.
    public static func open(_ url: String, storage: String, session: SessionNetwork?) -> WebPage.Fetched? {
        try? fetch(url, storage: storage, session: session)
    }

    public static func text(of page: WebPage.Fetched) -> String {
        page.contentType.contains("html") || page.body.contains("<html") ? WebPage.text(ofHTML: page.body) : page.body
    }
}
