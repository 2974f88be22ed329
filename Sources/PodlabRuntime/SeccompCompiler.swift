import CSeccomp
import CSpawn
import PodlabCore
import PodlabImages
#if canImport(Glibc)
import Glibc
#endif

/// Turns a seccomp profile into the BPF program the container's first process installs just before exec.
/// Built with libseccomp in the parent; the child only calls prctl with it.
public enum SeccompCompiler {
    /// The classic-BPF program (an array of 8-byte `sock_filter` instructions).
    public static func compile(_ profile: SeccompProfile, capabilities: Set<String>) throws -> [UInt8] {
        guard let defaultAction = action(profile.defaultAction, errno: profile.defaultErrnoRet) else {
            throw RuntimeError.invalidOption("seccomp profile: unknown default action \(profile.defaultAction)", hint: nil)
        }
        guard let context = seccomp_init(defaultAction) else {
            throw RuntimeError.cannotRun("libseccomp could not start a filter", hint: nil)
        }
        defer { seccomp_release(context) }
        let architecture = Platform.host.architecture
        for rule in profile.syscalls ?? [] where rule.applies(capabilities: capabilities, architecture: architecture) {
            guard let ruleAction = action(rule.action, errno: rule.errnoRet) else {
                throw RuntimeError.invalidOption("seccomp profile: unknown action \(rule.action)", hint: nil)
            }
            if ruleAction == defaultAction { continue }
            var comparisons: [scmp_arg_cmp] = []
            for argument in rule.args ?? [] {
                guard let op = comparison(argument.op) else {
                    throw RuntimeError.invalidOption("seccomp profile: unknown comparison \(argument.op)", hint: nil)
                }
                comparisons.append(scmp_arg_cmp(arg: argument.index, op: op, datum_a: argument.value, datum_b: argument.valueTwo ?? 0))
            }
            for name in (rule.names ?? []) + (rule.name.map { [$0] } ?? []) {
                let number = seccomp_syscall_resolve_name(name)
                if number < 0 { continue }  // not a syscall of this architecture
                let status = comparisons.withUnsafeBufferPointer {
                    seccomp_rule_add_array(context, ruleAction, number, UInt32($0.count), $0.baseAddress)
                }
                if status != 0 && status != -EEXIST {
                    throw RuntimeError.invalidOption("seccomp profile: rule for \(name) refused by libseccomp (\(SystemError.describe(-status)))", hint: nil)
                }
            }
        }
        let fd = podlab_memfd("podlab-seccomp")
        guard fd >= 0 else { throw SystemError("create", path: "memfd", errno: errno) }
        defer { close(fd) }
        let status = seccomp_export_bpf(context, fd)
        guard status == 0 else { throw RuntimeError.cannotRun("libseccomp could not export the filter (\(SystemError.describe(-status)))", hint: nil) }
        lseek(fd, 0, SEEK_SET)
        let program = try FileSystem.readAll(fd: fd, path: "seccomp program")
        guard !program.isEmpty, program.count % 8 == 0 else { throw RuntimeError.cannotRun("libseccomp exported an empty filter", hint: nil) }
        return program
    }

    /// The program for podlab's default profile or a profile file, from a cache of compiled programs in
    /// `directory` (compiling takes milliseconds; every `podman run` needs one). Keyed on the profile's
    /// identity, the capabilities and libseccomp's version.
    public static func program(profilePath: String?, capabilities: Set<String>, cacheDirectory: String) throws -> [UInt8] {
        let identity: String
        if let profilePath {
            identity = "file:" + Digest.sha256(of: try FileSystem.readFile(profilePath)).hex
        } else {
            identity = "podlab-default:\(SeccompProfile.defaultVersion)"
        }
        let version = seccomp_version().map { "\($0.pointee.major).\($0.pointee.minor).\($0.pointee.micro)" } ?? "?"
        let key = Digest.sha256(of: Array("\(identity)|\(capabilities.sorted().joined(separator: ","))|\(version)|\(Platform.host.architecture)".utf8)).hex
        let cached = "\(cacheDirectory)/\(key).bpf"
        _ = try? FileSystem.createDirectory(cacheDirectory, mode: 0o700)
        // Only a directory of our own that nobody else can write is trusted with security programs.
        var info = stat()
        let trusted = lstat(cacheDirectory, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR && info.st_uid == geteuid()
            && (info.st_mode & 0o022) == 0
        if trusted, let bytes = try? FileSystem.readFile(cached), !bytes.isEmpty, bytes.count % 8 == 0 { return bytes }
        let profile = try profilePath.map { try SeccompProfile.load(path: $0) } ?? SeccompProfile.podlabDefault
        let program = try compile(profile, capabilities: capabilities)
        if trusted { try? FileSystem.writeAtomically(program, to: cached, mode: 0o600) }
        return program
    }

    /// The program a container's process installs: none with seccomp=unconfined, podlab's default or the
    /// settings' profile file otherwise; capability-gated rules count the capabilities only for root.
    static func program(for settings: ContainerSettings, uid: UInt32, cacheDirectory: String) throws -> [UInt8] {
        guard settings.seccomp != "unconfined" else { return [] }
        return try program(profilePath: settings.seccomp, capabilities: Set(uid == 0 ? settings.capabilities : []),
                           cacheDirectory: cacheDirectory)
    }

    static func action(_ name: String, errno code: UInt32?) -> UInt32? {
        switch name {
        case "SCMP_ACT_ALLOW": return podlab_scmp_act_allow()
        case "SCMP_ACT_ERRNO": return podlab_scmp_act_errno(code ?? UInt32(EPERM))
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return podlab_scmp_act_kill_thread()
        case "SCMP_ACT_KILL_PROCESS": return podlab_scmp_act_kill_process()
        case "SCMP_ACT_TRAP": return podlab_scmp_act_trap()
        case "SCMP_ACT_LOG": return podlab_scmp_act_log()
        default: return nil
        }
    }

    static func comparison(_ name: String) -> scmp_compare? {
        switch name {
        case "SCMP_CMP_NE": return SCMP_CMP_NE
        case "SCMP_CMP_LT": return SCMP_CMP_LT
        case "SCMP_CMP_LE": return SCMP_CMP_LE
        case "SCMP_CMP_EQ": return SCMP_CMP_EQ
        case "SCMP_CMP_GE": return SCMP_CMP_GE
        case "SCMP_CMP_GT": return SCMP_CMP_GT
        case "SCMP_CMP_MASKED_EQ": return SCMP_CMP_MASKED_EQ
        default: return nil
        }
    }
}
