#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to stdout (the tutor interleaves its own lines with the children's output).
enum Terminal {
    static func write(_ text: String, fd: Int32 = 1) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
        bytes.removeAll()
    }
}
