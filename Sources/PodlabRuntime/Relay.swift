import CSpawn
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// The descriptors between an attached container and the learner's terminal: pipes for output (and
/// input with -i, relayed by the supervisor), or a pseudo-terminal with -t, the terminal in raw mode while
/// it runs. The learner's terminal itself is never handed to a container.
struct Relay {
    var outFrom: Int32 = -1
    var errFrom: Int32 = -1
    var inFrom: Int32 = -1
    var inTo: Int32 = -1
    /// inTo is the write end of a stdin pipe (closed at the end of stdin), not a pty's master.
    var inPipe = false
    var tty = false
    /// What the container's process gets as its standard input, output and error (-1: /dev/null).
    var childStdin: Int32 = -1
    var childStdout: Int32 = -1
    var childStderr: Int32 = -1
    var childEnds: [Int32] = []
    var saved: [UInt8] = []

    mutating func prepare(tty wantsTTY: Bool, interactive: Bool) throws {
        if wantsTTY {
            var master: Int32 = -1, slave: Int32 = -1
            guard podlab_open_pty(&master, &slave) == 0 else { throw SystemError("open", path: "pseudo-terminal", errno: errno) }
            if isatty(0) == 1 {
                _ = podlab_copy_window_size(0, master)
                saved = [UInt8](repeating: 0, count: podlab_termios_size())
                if saved.withUnsafeMutableBytes({ podlab_set_raw(0, $0.baseAddress, $0.count) }) != 0 { saved = [] }
            }
            tty = true
            outFrom = master
            inTo = master
            inFrom = interactive ? 0 : -1
            childStdin = slave
            childStdout = slave
            childStderr = slave
            childEnds = [slave]
            return
        }
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard podlab_pipe_cloexec(&out) == 0, podlab_pipe_cloexec(&err) == 0 else { throw SystemError("pipe", path: "container output", errno: errno) }
        outFrom = out[0]
        errFrom = err[0]
        childStdout = out[1]
        childStderr = err[1]
        childEnds = [out[1], err[1]]
        if interactive {
            var input: [Int32] = [0, 0]
            guard podlab_pipe_cloexec(&input) == 0 else { throw SystemError("pipe", path: "container input", errno: errno) }
            inFrom = 0
            inTo = input[1]
            inPipe = true
            childStdin = input[0]
            childEnds.append(input[0])
        }
    }

    /// A supervisor spec that relays this attachment (no ports, no log, no readiness: callers add those).
    func superviseSpec(child: pid_t) -> podlab_supervise_spec {
        var spec = podlab_supervise_spec()
        spec.child = child
        spec.userns_fd = -1
        spec.netns_fd = -1
        spec.out_from = outFrom
        spec.out_to = outFrom >= 0 ? 1 : -1
        spec.err_from = errFrom
        spec.err_to = errFrom >= 0 ? 2 : -1
        spec.in_from = inFrom
        spec.in_to = inTo
        spec.in_close = inPipe ? 1 : 0
        spec.winch_from = tty ? 0 : -1
        spec.winch_to = tty ? inTo : -1
        spec.log_fd = -1
        spec.forward_signals = 1
        spec.ready_fd = -1
        return spec
    }

    mutating func closeChildEnds() {
        for fd in childEnds { close(fd) }
        childEnds = []
    }

    func restoreTerminal() {
        if !saved.isEmpty { _ = saved.withUnsafeBytes { podlab_restore_termios(0, $0.baseAddress) } }
    }

    mutating func closeAll() {
        closeChildEnds()
        // The supervisor closes relay sources at their end of file; a master pty or pipe still open goes here.
        for fd in [outFrom, errFrom] where fd >= 0 { close(fd) }
        outFrom = -1
        errFrom = -1
        restoreTerminal()
    }
}
