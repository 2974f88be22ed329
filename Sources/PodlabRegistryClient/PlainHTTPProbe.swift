#if canImport(Glibc)
import Glibc
#endif

/// For an insecure registry (`--tls-verify=false`, `insecure = true`): does it answer plain HTTP?
/// podman tries HTTPS and falls back to HTTP; asking the plain question first gives the same answer
/// without waiting out a failed TLS handshake (which the HTTP client retries until its timeout).
enum PlainHTTPProbe {
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
        var buffer = [UInt8](repeating: 0, count: 5)
        var got = 0
        while got < 5 {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress.map { $0 + got }, 5 - got, 0) }
            if count <= 0 { break }
            got += count
        }
        return got == 5 && buffer == Array("HTTP/".utf8)
    }

    static func split(_ host: String) -> (String, String) {
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
            let name = String(host[host.index(after: host.startIndex)..<end])
            let rest = host[host.index(after: end)...]
            return (name, rest.hasPrefix(":") ? String(rest.dropFirst()) : "443")
        }
        if let colon = host.lastIndex(of: ":") {
            return (String(host[..<colon]), String(host[host.index(after: colon)...]))
        }
        return (host, "443")
    }
}
