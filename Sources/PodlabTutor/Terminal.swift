import PodlabCore

/// Unbuffered writes to stdout (the tutor interleaves its own lines with the children's output).
public enum Terminal {
    public static func write(_ text: String, fd: Int32 = 1) {
        Array(text.utf8).withUnsafeBytes { try? FileSystem.writeAll(fd: fd, $0, path: fd == 2 ? "stderr" : "stdout") }
    }
}
