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
/// So what stays beside each running container is about 2 MB of resident memory for the program and its port
/// connector, not podlab's Swift runtime and binary (18 MB for the two before; docs/BENCHMARKS.md).
enum MonitorProgram {
    /// The signals the supervisor takes from a signalfd: blocked before the exec and kept blocked through the
    /// program's own exec of podlab at the end, so that one sent meanwhile (a `kill` of the monitor, a hangup)
    /// waits for whoever listens next instead of ending the monitor with its container unrecorded.
    static let heldSignals: [Int32] = [SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH]

    /// Replaces this process with the monitor program supervising `spec` (its `forwards` pointer is ignored: the
    /// ports come as `forwards`), which then finishes with `podlab-monitor --exited SPEC_PATH CODE`. Returns only when
    /// that could not be done (no sealed memfd, no descriptor of podlab's binary, or the kernel refused the exec),
    /// with descriptors and signals as they were, for the caller to supervise in-process instead.
    static func replaceProcess(supervising spec: podlab_supervise_spec, forwards: [podlab_forward], specPath: String) {
        guard let program = try? EmbeddedProgram.seal("podlab-monitor", image: image, purpose: "watches a running container") else { return }
        defer { close(program) }
        // The binary that started this monitor (podlab, or podlab-kube for `kube play`), held by an O_PATH
        // descriptor: it answers the bookkeeping even if a package upgrade renames another file over it meanwhile.
        let podlab = podlab_open_self_exe()
        guard podlab >= 0 else { return }
        defer { close(podlab) }

        // The spec's fields in the order monitor.c reads them; the descriptors among them stay open across the exec,
        // with the listening sockets, and the rest (stores, locks) closes.
        let fields: [(value: Int32, isDescriptor: Bool)] = [
            (spec.child, false), (spec.out_from, true), (spec.out_to, true), (spec.err_from, true), (spec.err_to, true),
            (spec.in_from, true), (spec.in_to, true), (spec.in_close, false), (spec.winch_from, true), (spec.winch_to, true),
            (spec.log_fd, true), (spec.log_k8s, false), (spec.forward_signals, false), (spec.ready_fd, true),
            (spec.userns_fd, true), (spec.netns_fd, true), (podlab, true),
        ]
        let ports = forwards.flatMap { [$0.listen_fd, $0.container_port, $0.udp] }
        let arguments = [ContainerMonitor.programName] + fields.map { String($0.value) } + [String(forwards.count)]
            + ports.map(String.init) + ["--", ContainerMonitor.programName, ContainerMonitor.exitedFlag, specPath]
        let descriptors = fields.filter(\.isDescriptor).map(\.value) + forwards.map(\.listen_fd)
        let passed = Set(descriptors.filter { $0 > 2 }).map { (fd: $0, flags: fcntl($0, F_GETFD)) }
        for descriptor in passed { _ = fcntl(descriptor.fd, F_SETFD, 0) }
        var held = sigset_t(), previous = sigset_t()
        sigemptyset(&held)
        for signal in heldSignals { sigaddset(&held, signal) }
        sigprocmask(SIG_BLOCK, &held, &previous)

        let strings = CStrings()
        withExtendedLifetime(strings) { _ = fexecve(program, strings.array(arguments), environ) }

        sigprocmask(SIG_SETMASK, &previous, nil)
        for descriptor in passed where descriptor.flags >= 0 { _ = fcntl(descriptor.fd, F_SETFD, descriptor.flags) }
    }
}
