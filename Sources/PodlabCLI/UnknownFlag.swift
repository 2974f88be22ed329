import ArgumentParser

/// A flag podlab does not know, said as podman says it. A command that takes the words after its flags as they are
/// (`run IMAGE COMMAND…`, `exec NAME COMMAND…`, `top NAME …`) gets such a flag as its first word from ArgumentParser,
/// which would then be taken for an image or a container name; `refuse` makes it the parse error any other
/// command's unknown flag is. A flag podman has and podlab does not is said to be that, not unknown.
enum UnknownFlag {
    /// `podmanFlags` is built only when there is a flag to name: not on every `run`. `joinable` are the command's
    /// short flags that take a value joined to them (`-p8080:80`): ArgumentParser reads such a value only when it
    /// has no `=` in it, and leaves `-eFOO=1` here.
    static func refuse(before words: [String], podmanFlags: @autoclosure () -> PodmanFlags, joinable: Set<Character> = []) throws {
        guard let word = words.first, word.hasPrefix("-"), word != "-", word != "--" else { return }
        // A long flag up to its "=value"; a short one is its letter (`-la=b` is -l, as podman reads it).
        let flag = word.hasPrefix("--") ? String(word.prefix { $0 != "=" }) : String(word.prefix(2))
        if !word.hasPrefix("--"), let letter = flag.dropFirst().first, joinable.contains(letter), word.count > 2 {
            throw ValidationError("podlab cannot read a value with '=' joined to \(flag) (\(word)) yet: write it as its own word, "
                                  + "\(flag) \(word.dropFirst(2))")
        }
        let known = podmanFlags()
        if known.has(flag) {
            throw ValidationError("podlab does not implement 'podman \(known.command) \(flag)' yet")
        }
        throw ValidationError("unknown option '\(flag)'")
    }

    /// The words after the flags without a `--` that ended them (`run -- IMAGE`, `exec -- NAME ls`), as podman
    /// reads them: ArgumentParser passes that `--` on to a command that takes its words as they are.
    static func afterEnd(_ words: [String]) -> [String] {
        words.first == "--" ? Array(words.dropFirst()) : words
    }

    /// ArgumentParser's "unknown option '--x'" in podman's words: "unknown flag: --x", and for a short one
    /// "unknown shorthand flag: 'x' in -x"; what follows (a "Did you mean" suggestion) is kept. "missing value for
    /// '--x <x>'" is "flag needs an argument: --x". Any other message is returned as it is.
    static func inPodmansWords(_ message: String) -> String {
        // "missing value for '--name <name>'" (or '-h'): podman's "flag needs an argument: --name" ('h' in -h).
        let missing = "missing value for '"
        if message.hasPrefix(missing), let flag = message.dropFirst(missing.count).split(whereSeparator: { $0 == " " || $0 == "'" }).first {
            if flag.hasPrefix("--") { return "flag needs an argument: \(flag)" }
            if let letter = flag.dropFirst().first { return "flag needs an argument: '\(letter)' in \(flag)" }
        }
        let opening = "unknown option '"
        guard message.hasPrefix(opening) else { return message }
        let rest = message.dropFirst(opening.count)
        // The flag ends at the quote before ArgumentParser's suggestion, or at the last quote.
        guard let closing = rest.firstRange(of: "'. Did you mean")?.lowerBound ?? rest.lastIndex(of: "'") else { return message }
        let flag = rest[..<closing]
        let after = rest[rest.index(after: closing)...]
        if flag.hasPrefix("--") { return "unknown flag: \(flag)\(after)" }
        guard flag.hasPrefix("-"), let letter = flag.dropFirst().first else { return message }
        return "unknown shorthand flag: '\(letter)' in \(flag)\(after)"
    }
}

/// The flags podman 4.3.1 has on a command whose words after its flags podlab takes as they are: one podlab lacks
/// is "not implemented yet", never "unknown" (a learner copying a tutorial did not mistype it).
struct PodmanFlags {
    let command: String
    let long: Set<String>
    let short: Set<Character>

    func has(_ flag: String) -> Bool {
        if flag.hasPrefix("--") { return long.contains(String(flag.dropFirst(2))) }
        return flag.dropFirst().first.map { short.contains($0) } ?? false
    }

    /// The flags `podman run` and `podman create` share (podman 4.3.1's common create flags, with their aliases and
    /// the hidden ones it still takes).
    private static let containerFlags: Set<String> = [
        "add-host", "annotation", "arch", "attach", "authfile", "blkio-weight", "blkio-weight-device", "cap-add",
        "cap-drop", "cgroup-conf", "cgroup-parent", "cgroupns", "cgroups", "chrootdirs", "cidfile", "conmon-pidfile",
        "cpu-period", "cpu-quota", "cpu-rt-period", "cpu-rt-runtime", "cpu-shares", "cpus", "cpuset-cpus",
        "cpuset-mems", "device", "device-cgroup-rule", "device-read-bps", "device-read-iops", "device-write-bps",
        "device-write-iops", "disable-content-trust", "dns", "dns-opt", "dns-option", "dns-search", "entrypoint", "env",
        "env-file", "env-host", "env-merge", "expose", "gidmap", "group-add", "health-cmd", "health-interval",
        "health-on-failure", "health-retries", "health-start-period", "health-timeout", "healthcheck-command",
        "healthcheck-interval", "healthcheck-retries", "healthcheck-start-period", "healthcheck-timeout", "hostname",
        "hostuser", "http-proxy", "image-volume", "init", "init-path", "interactive", "ip", "ip6", "ipc",
        "kernel-memory", "label", "label-file", "log-driver", "log-opt", "mac-address", "memory",
        "memory-reservation", "memory-swap", "memory-swappiness", "mount", "name", "net", "network", "network-alias",
        "no-healthcheck", "no-hosts", "oom-kill-disable", "oom-score-adj", "os", "override-arch", "override-os",
        "override-variant", "passwd-entry", "personality", "pid", "pidfile", "pids-limit", "platform", "pod",
        "pod-id-file", "privileged", "publish", "publish-all", "pull", "quiet", "read-only", "read-only-tmpfs",
        "replace", "requires", "restart", "rm", "rootfs", "sdnotify", "seccomp-policy", "secret", "security-opt",
        "shm-size", "stop-signal", "stop-timeout", "subgidname", "subuidname", "sysctl", "systemd", "timeout",
        "tls-verify", "tmpfs", "tty", "tz", "uidmap", "ulimit", "umask", "unsetenv", "unsetenv-all", "user", "userns",
        "uts", "variant", "volume", "volumes-from", "workdir",
    ]

    private static let containerShortFlags: Set<Character> = ["a", "c", "e", "h", "i", "l", "m", "p", "P", "q", "t", "u", "v", "w"]

    /// `podman run` (podman-run(1), 4.3.1): the shared flags and those of a container run at once.
    static let run = PodmanFlags(command: "run", long: containerFlags.union([
        "detach", "detach-keys", "gpus", "passwd", "preserve-fds", "rmi", "sig-proxy",
    ]), short: containerShortFlags.union(["d"]))

    /// `podman create` (podman-create(1), 4.3.1).
    static let create = PodmanFlags(command: "create", long: containerFlags.union(["init-ctr"]), short: containerShortFlags)

    /// `podman exec` (podman-exec(1), 4.3.1).
    static let exec = PodmanFlags(command: "exec", long: [
        "detach", "detach-keys", "env", "env-file", "interactive", "latest", "preserve-fds", "privileged", "tty", "user",
        "workdir",
    ], short: ["d", "e", "i", "l", "t", "u", "w"])

    /// `podman top` (podman-top(1), 4.3.1).
    static let top = PodmanFlags(command: "top", long: ["latest"], short: ["l"])
}
