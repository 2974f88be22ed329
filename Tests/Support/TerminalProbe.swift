import Foundation

/// A Python probe that tries to open /dev/tty and to push "touch MARKER" into the terminal with TIOCSTI on every
/// standard descriptor and on /dev/tty; it prints what happened to each (e.g. `open-ENOENT sti0-ENOTTY …`). Before
/// containers had sessions of their own, /dev/tty opened the learner's terminal and the typing worked.
public enum TerminalProbe {
    /// The image the probe runs in (it has python3).
    public static let image = "docker.io/donaldsebleung/linuxdeepin-apricot:v20.8-compatible"
    /// What the probe prints inside a podlab container: no terminal anywhere.
    public static let containedResult = "probe: open-ENOENT sti0-ENOTTY sti1-ENOTTY sti2-ENOTTY"

    public static func script(marker: String) -> String {
        """
        import errno, fcntl, os, termios
        results = []
        descriptors = [0, 1, 2]
        try:
            descriptors.append(os.open("/dev/tty", os.O_RDWR)); results.append("open-ok")
        except OSError as e:
            results.append("open-" + errno.errorcode[e.errno])
        for fd in descriptors:
            try:
                for c in b"touch \(marker)\\n":
                    fcntl.ioctl(fd, termios.TIOCSTI, bytes([c]))
                results.append("sti%d-ok" % fd)
            except OSError as e:
                results.append("sti%d-%s" % (fd, errno.errorcode[e.errno]))
        print("probe:", " ".join(results))
        """
    }

    /// Whether this kernel lets a process push input into its terminal at all (dev.tty.legacy_tiocsti).
    public static var kernelAllowsTIOCSTI: Bool {
        (try? String(contentsOfFile: "/proc/sys/dev/tty/legacy_tiocsti", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) != "0"
    }
}
