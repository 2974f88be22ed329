import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// Host sockets for published ports, opened before the container starts so that a busy port is an
/// error up front.
public enum PortListener {
    /// Parses `-p [ip:][hostPort]:containerPort[/tcp|udp]`. Without a host port (`-p 80`, `-p :80`) or with
    /// host port 0, the system picks a free one when the container starts, as podman does (`podman port` tells).
    public static func parse(_ text: String) throws -> PortMapping {
        var body = Substring(text)
        var proto = "tcp"
        if let slash = body.lastIndex(of: "/") {
            proto = String(body[body.index(after: slash)...]).lowercased()
            body = body[..<slash]
            guard proto == "tcp" || proto == "udp" else { throw RuntimeError.invalidPort(text) }
        }
        var parts = body.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var address = "127.0.0.1"
        if parts.count == 3 {
            address = parts.removeFirst()
            if address.hasPrefix("[") && address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
            if address.isEmpty { address = "0.0.0.0" }
        }
        guard (1...2).contains(parts.count), let container = UInt16(parts[parts.count - 1]), container > 0 else {
            throw RuntimeError.invalidPort(text)
        }
        let host = parts.count == 2 && !parts[0].isEmpty ? UInt16(parts[0]) : 0
        guard let host else { throw RuntimeError.invalidPort(text) }
        var probe = in_addr()
        guard inet_pton(AF_INET, address, &probe) == 1 else {
            throw RuntimeError.invalidOption("invalid IP address \"\(address)\" in -p \(text)", hint: "use an IPv4 address such as 127.0.0.1 or 0.0.0.0")
        }
        return PortMapping(hostAddress: address, hostPort: host, containerPort: container, proto: proto)
    }

    /// Opens and binds the host socket for a mapping (listening, for TCP).
    public static func open(_ mapping: PortMapping) throws -> Int32 {
        let udp = mapping.proto == "udp"
        let fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", path: mapping.description, errno: errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = mapping.hostPort.bigEndian
        inet_pton(AF_INET, mapping.hostAddress, &address.sin_addr)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound != 0 || (!udp && listen(fd, 128) != 0) {
            let code = errno
            close(fd)
            throw RuntimeError.portInUse("\(mapping.hostAddress):\(mapping.hostPort)", errno: code)
        }
        return fd
    }

    /// The mapping as bound: a host port of 0 becomes the port the system chose.
    public static func bound(_ mapping: PortMapping, fd: Int32) -> PortMapping {
        guard mapping.hostPort == 0 else { return mapping }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard status == 0 else { return mapping }
        var result = mapping
        result.hostPort = UInt16(bigEndian: address.sin_port)
        return result
    }
}
