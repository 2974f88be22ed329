import Foundation
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 over plain sockets to 127.0.0.1, so that hundreds of requests can be in flight from one thread.
public enum RawHTTP {
    public struct Answer: CustomStringConvertible {
        public var status: Int?
        public var text: String
        /// What follows the head (the server sends whole bodies, not chunks, for the requests tests make).
        public var body: String { text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? "" }
        public func header(_ name: String) -> String? {
            text.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
        public var description: String { text }
    }

    /// Connects and sends the request (and body); returns the socket, or nil when it could not.
    public static func send(port: UInt16, _ head: String, body: [UInt8] = []) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); return nil }
        let bytes = Array(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            // The server may answer (413) and stop reading before the body is all sent: that is not our failure.
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { break }
            sent += count
        }
        return fd
    }

    /// Reads the whole answer (the server closes: `Connection: close`) and returns it.
    public static func read(_ fd: Int32) -> Answer {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        let text = String(decoding: data, as: UTF8.self)
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
        return Answer(status: status, text: text)
    }

    public static func status(_ fd: Int32) -> Int? { read(fd).status }

    public static func exchange(port: UInt16, _ head: String, body: [UInt8] = []) -> Answer {
        guard let fd = send(port: port, head, body: body) else { return Answer(status: nil, text: "could not connect") }
        defer { close(fd) }
        return read(fd)
    }
}
