#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where podlab keeps things, following podman: root uses /var/lib and /run, an ordinary user the
/// XDG directories. `--root`/`--runroot` (or PODLAB_ROOT/PODLAB_RUNROOT) override both; PODLAB_CONFIG the config directory.
public struct Locations: Sendable, Equatable {
    /// Persistent storage: blobs, images, layers, containers, the journal.
    public var storage: String
    /// Per-boot state: sockets, the sandbox registry's address, container runtime state.
    public var runtime: String
    /// User configuration (sandbox or online mode, registry mapping).
    public var config: String

    public init(storage: String, runtime: String, config: String) {
        self.storage = storage
        self.runtime = runtime
        self.config = config
    }

    public static var isRoot: Bool { geteuid() == 0 }

    /// The home directory of this process's account (passwd), if it has one.
    static var accountHome: String? {
        guard let entry = getpwuid(geteuid()), let directory = entry.pointee.pw_dir else { return nil }
        let path = String(cString: directory)
        return path.hasPrefix("/") && path != "/" ? path : nil
    }

    /// The defaults for the current user, with environment overrides applied.
    public static func current(environment: [String: String] = Environment.current) -> Locations {
        var result: Locations
        if isRoot {
            result = Locations(storage: "/var/lib/podlab", runtime: "/run/podlab", config: "/etc/podlab")
        } else {
            // Without HOME, the account's home directory; never a directory every user shares.
            let home = environment["HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? accountHome ?? "/tmp/podlab-home-\(geteuid())"
            let data = environment["XDG_DATA_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home + "/.local/share"
            let config = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home + "/.config"
            // Without XDG_RUNTIME_DIR, /tmp/podlab-run-UID itself, which PrivateDirectory checks before use.
            let runtime = environment["XDG_RUNTIME_DIR"].flatMap { $0.hasPrefix("/") ? $0 + "/podlab" : nil }
                ?? "/tmp/podlab-run-\(geteuid())"
            result = Locations(storage: data + "/podlab", runtime: runtime, config: config + "/podlab")
        }
        if let root = environment["PODLAB_ROOT"], !root.isEmpty { result.storage = root }
        if let runroot = environment["PODLAB_RUNROOT"], !runroot.isEmpty { result.runtime = runroot }
        if let config = environment["PODLAB_CONFIG"], !config.isEmpty { result.config = config }
        return result
    }
}

/// The process environment as a dictionary (read once per call).
public enum Environment {
    /// Built from the bytes of `environ` (split at the first `=`): every command reads it at start-up, and splitting
    /// each entry as Swift characters cost about 6,000 instructions an entry.
    public static var current: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            if let equals = strchr(entry, 0x3D) {
                let key = UnsafeRawBufferPointer(start: entry, count: entry.distance(to: equals))
                result[String(decoding: key, as: UTF8.self)] = String(cString: equals + 1)
            }
            pointer += 1
        }
        return result
    }
}

/// The host ids that container ids 0…65535 become when podlab runs as root: far above every user's,
/// so that root in a container is never root (or anyone else) on the host.
public enum IDRange {
    public static let rootOffset: Int64 = 1_000_000_000
    public static let rootCount: Int64 = 65536
}
