/// Linux capabilities by name, and the set podman gives a container by default.
public enum Capabilities {
    public static let names: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
        "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    /// podman 4.3.1's default set (containers.conf as Debian ships it).
    public static let podmanDefault: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",
        "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
    ]

    /// `net_admin`, `NET_ADMIN` and `CAP_NET_ADMIN` all name the same capability; nil if none does.
    public static func normalise(_ name: String) -> String? {
        let upper = name.uppercased()
        let full = upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
        return names.contains(full) ? full : nil
    }

    /// The set after `--cap-add` and `--cap-drop` (either may say ALL).
    public static func resolve(add: [String], drop: [String]) throws -> [String] {
        var set = Set(podmanDefault)
        for name in drop {
            if name.uppercased() == "ALL" { set.removeAll(); continue }
            guard let capability = normalise(name) else { throw unknown(name) }
            set.remove(capability)
        }
        for name in add {
            if name.uppercased() == "ALL" { set.formUnion(names); continue }
            guard let capability = normalise(name) else { throw unknown(name) }
            set.insert(capability)
        }
        return set.sorted()
    }

    static func unknown(_ name: String) -> RuntimeError {
        .invalidOption("unknown capability \"\(name)\"", hint: "capability names look like NET_ADMIN or CAP_NET_ADMIN (see 'man capabilities')")
    }

    /// The bit mask the C side applies.
    public static func mask(_ set: [String]) -> UInt64 {
        var mask: UInt64 = 0
        for name in set {
            if let index = names.firstIndex(of: name) { mask |= 1 << UInt64(index) }
        }
        return mask
    }
}
