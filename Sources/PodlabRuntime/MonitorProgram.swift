import CSpawn
import PodlabCore
#if canImport(Glibc)
import Glibc
#endif

/// What a detached container's monitor becomes once its container runs: Sources/MonitorProgram/monitor.c, a small
/// program linked against libc alone, exec'd out of a sealed memfd. It runs the same supervisor loop as an attached
/// `run` (output into the log, published ports, signals passed on) and, once the container has ended, execs podlab
/// again as `podlab-monitor --exited SPEC CODE` for the bookkeeping (ContainerMonitor.finish).
///
/// So what stays beside each running container is about a megabyte of memory, not podlab's Swift runtime and
/// binary (13.7 MB of resident pages per monitor before, measured by bench/class).
enum MonitorProgram {
    /// The signals the supervisor takes from a signalfd: blocked across the exec, so that none sent meanwhile (a
    /// `podman stop` at once) ends the monitor before it listens.
    static let heldSignals: [Int32] = [SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH]

    /// Replaces this process with the monitor program supervising `spec` (its `forwards` pointer is ignored: the
    /// ports come as `forwards`), which then finishes with `podlab-monitor --exited SPEC_PATH CODE`. Returns only when
    /// the kernel refused the exec, with everything as it was, for the caller to supervise in-process instead.
    static func replaceProcess(supervising spec: podlab_supervise_spec, forwards: [podlab_forward], specPath: String) {
        guard let program = try? EmbeddedProgram.seal("podlab-monitor", image: image, purpose: "watches a running container") else { return }
        defer { close(program) }
        // The binary that started this monitor (podlab, or podlab-kube for `kube play`), held open: it answers the
        // bookkeeping even if a package upgrade replaces its file while the container runs.
        let podlab = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
        guard podlab >= 0 else { return }
        defer { close(podlab) }

        let fields: [Int32] = [spec.child, spec.out_from, spec.out_to, spec.err_from, spec.err_to, spec.in_from, spec.in_to,
                               spec.in_close, spec.winch_from, spec.winch_to, spec.log_fd, spec.log_k8s, spec.forward_signals,
                               spec.ready_fd, spec.userns_fd, spec.netns_fd, podlab]
        let ports = forwards.flatMap { [$0.listen_fd, $0.container_port, $0.udp] }
        let arguments = ["podlab-monitor"] + fields.map(String.init) + [String(forwards.count)] + ports.map(String.init)
            + ["--", ContainerMonitor.programName, ContainerMonitor.exitedFlag, specPath]

        // Every descriptor the program uses stays open across the exec; the rest (stores, locks) closes.
        let passed = Set(fields.dropFirst() + forwards.map(\.listen_fd)).filter { $0 > 2 }
        for fd in passed { _ = fcntl(fd, F_SETFD, 0) }
        var held = sigset_t(), previous = sigset_t()
        sigemptyset(&held)
        for signal in heldSignals { sigaddset(&held, signal) }
        sigprocmask(SIG_BLOCK, &held, &previous)

        let strings = CStrings()
        fexecve(program, strings.array(arguments), environ)

        sigprocmask(SIG_SETMASK, &previous, nil)
        for fd in passed { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    }
}
