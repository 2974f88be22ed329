#if canImport(Glibc)
import Glibc
#endif

/// For an insecure registry (`--tls-verify=false`, `insecure = true`): does it answer plain HTTP?
/// podman tries HTTPS and falls back to HTTP; asking the plain question first gives the same answer
/// without waiting out a failed TLS handshake (which the HTTP client retries until its timeout).
enum PlainHTTPProbe {
    /// `host` is `name[:port]`; without a port, plain HTTP's 80 is asked (where the fallback would go).
    static func speaksPlainHTTP(host: String, timeoutSeconds: Int = 2) -> Bool {
        let (name, port) = split(host)
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, port, &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let answer = ask(current.pointee, timeoutSeconds: timeoutSeconds) { return answer }
            entry = current.pointee.ai_next
        }
        return false
    }

    static func ask(_ address: addrinfo, timeoutSeconds: Int) -> Bool? {
        let fd = socket(address.ai_family, address.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), address.ai_protocol)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, address.ai_addr, address.ai_addrlen) == 0 else { return nil }
        let request = "GET /v2/ HTTP/1.0\r\n\r\n"
        guard request.withCString({ send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }) > 0 else { return false }
        // "HTTP/1.1 200" or "HTTP/1.1 401" from a registry; a TLS port answers a plain request with 400.
        let wanted = 12
        var buffer = [UInt8](repeating: 0, count: wanted)
        var got = 0
        while got < wanted {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress.map { $0 + got }, wanted - got, 0) }
            if count <= 0 { break }
            got += count
        }
        let status = String(decoding: buffer[0..<got], as: UTF8.self)
        return status.hasPrefix("HTTP/") && (status.hasSuffix(" 200") || status.hasSuffix(" 401"))
    }

    static func split(_ host: String) -> (String, String) {
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
            let name = String(host[host.index(after: host.startIndex)..<end])
            let rest = host[host.index(after: end)...]
            return (name, rest.hasPrefix(":") ? String(rest.dropFirst()) : "80")
        }
        if let colon = host.lastIndex(of: ":") {
            return (String(host[..<colon]), String(host[host.index(after: colon)...]))
        }
        return (host, "80")
    }
}
