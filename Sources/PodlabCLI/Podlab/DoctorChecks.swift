import CSpawn
import PodlabArchive
import PodlabCore
import PodlabRuntime
#if canImport(Glibc)
import Glibc
#endif

/// One thing `podlab doctor` looked at.
struct DoctorFinding: Sendable {
    enum Status: String, Sendable { case ok, warning, failed }
    var id: String
    var status: Status
    /// What was found, and the fix for it (both in the learner's language; `fix` nil when nothing needs doing).
    var message: String
    var fix: String?
}

/// What this machine allows for containers, each check measured here and now (a namespace is really made, a real
/// container really runs), with the exact fix for each failure.
struct DoctorChecks {
    let text: DoctorText
    var port: UInt16 = 8080
    var environment = Environment.current

    func all() -> [DoctorFinding] {
        [environmentKind(), userNamespaces(), subordinateIDs(), runtimeDirectory(), seccomp(), cgroups(), archiveLibrary(), locale(),
         portFree(), containersRun()]
    }

    static func read(_ path: String) -> String? {
        (try? FileSystem.readFile(path)).map { String(decoding: $0, as: UTF8.self).trimmed() }
    }

    /// Inside a container or WSL, user namespaces often are not offered at all.
    func environmentKind() -> DoctorFinding {
        let version = Self.read("/proc/version") ?? ""
        if version.lowercased().contains("microsoft") { return DoctorFinding(id: "environment", status: .warning, message: text.wsl, fix: text.wslFix) }
        if FileSystem.exists("/run/.containerenv") || FileSystem.exists("/.dockerenv") {
            return DoctorFinding(id: "environment", status: .warning, message: text.inContainer, fix: text.inContainerFix)
        }
        return DoctorFinding(id: "environment", status: .ok, message: text.ordinaryMachine, fix: nil)
    }

    /// Creates a user namespace for real (with mount, PID, UTS, IPC and network ones, as a container does).
    func userNamespaces() -> DoctorFinding {
        let error = podlab_probe_container_namespaces()
        if error == 0 { return DoctorFinding(id: "user-namespaces", status: .ok, message: text.namespacesOK, fix: nil) }
        let described = SystemError.describe(error)
        if Self.read("/proc/sys/user/max_user_namespaces") == "0" {
            return DoctorFinding(id: "user-namespaces", status: .failed, message: text.namespacesRefused(described, "user.max_user_namespaces = 0"),
                                 fix: "sudo sysctl -w user.max_user_namespaces=15000; echo user.max_user_namespaces=15000 | sudo tee /etc/sysctl.d/90-podlab.conf")
        }
        if Self.read("/proc/sys/kernel/unprivileged_userns_clone") == "0" {
            return DoctorFinding(id: "user-namespaces", status: .failed, message: text.namespacesRefused(described, "kernel.unprivileged_userns_clone = 0"),
                                 fix: "sudo sysctl -w kernel.unprivileged_userns_clone=1; echo kernel.unprivileged_userns_clone=1 | sudo tee /etc/sysctl.d/90-podlab.conf")
        }
        if Self.read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1" {
            return DoctorFinding(id: "user-namespaces", status: .failed,
                                 message: text.namespacesRefused(described, "kernel.apparmor_restrict_unprivileged_userns = 1"),
                                 fix: text.apparmorFix)
        }
        return DoctorFinding(id: "user-namespaces", status: .failed, message: text.namespacesRefused(described, nil), fix: text.namespacesFix)
    }

    /// /etc/subuid and /etc/subgid ranges and newuidmap: images that switch users need more than one id.
    func subordinateIDs() -> DoctorFinding {
        guard !Locations.isRoot else { return DoctorFinding(id: "subordinate-ids", status: .ok, message: text.rootIDs, fix: nil) }
        let mapping = IDMapping.current()
        if mapping.usesHelpers {
            let count = mapping.ranges.dropFirst().map(\.count).reduce(0, +)
            return DoctorFinding(id: "subordinate-ids", status: .ok, message: text.subordinateOK(count), fix: nil)
        }
        let name = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? String(geteuid())
        let helpers = FileSystem.exists("/usr/bin/newuidmap") ? "" : "sudo apt install uidmap; "
        return DoctorFinding(id: "subordinate-ids", status: .warning, message: text.singleID,
                             fix: "\(helpers)sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 \(name)")
    }

    func runtimeDirectory() -> DoctorFinding {
        let runtime = Locations.current(environment: environment).runtime
        do {
            try PrivateDirectory.ensure(runtime)
            return DoctorFinding(id: "runtime-directory", status: .ok, message: text.runtimeOK(runtime), fix: nil)
        } catch {
            let failure = error as? any LearnerFacingError
            return DoctorFinding(id: "runtime-directory", status: .failed, message: failure?.message ?? "\(error)",
                                 fix: failure?.hint ?? text.runtimeFix)
        }
    }

    func seccomp() -> DoctorFinding {
        guard FileSystem.exists("/proc/sys/kernel/seccomp/actions_avail") else {
            return DoctorFinding(id: "seccomp", status: .failed, message: text.seccompMissing, fix: text.seccompFix)
        }
        return DoctorFinding(id: "seccomp", status: .ok, message: text.seccompOK, fix: nil)
    }

    /// libarchive is loaded on first use, so a machine without it shows up here rather than at the first pull.
    func archiveLibrary() -> DoctorFinding {
        guard let reason = ArchiveLibrary.unavailableReason else {
            return DoctorFinding(id: "libarchive", status: .ok, message: text.archiveOK(ArchiveLibrary.versionString), fix: nil)
        }
        return DoctorFinding(id: "libarchive", status: .failed, message: text.archiveMissing(reason), fix: text.archiveFix)
    }

    func cgroups() -> DoctorFinding {
        guard let reason = CgroupLimits.unavailableReason() else {
            return DoctorFinding(id: "cgroups", status: .ok, message: text.cgroupsOK, fix: nil)
        }
        return DoctorFinding(id: "cgroups", status: .warning, message: text.cgroupsMissing(reason), fix: text.cgroupsFix)
    }

    func locale() -> DoctorFinding {
        setlocale(LC_CTYPE, "")
        let codeset = nl_langinfo(nl_item(CODESET)).map { String(cString: $0) } ?? ""
        if codeset == "UTF-8" { return DoctorFinding(id: "locale", status: .ok, message: text.localeOK, fix: nil) }
        return DoctorFinding(id: "locale", status: .warning, message: text.localeMissing(codeset), fix: text.localeFix)
    }

    func portFree() -> DoctorFinding {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { if fd >= 0 { close(fd) } }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if fd >= 0 && bound == 0 { return DoctorFinding(id: "port", status: .ok, message: text.portFree(port), fix: nil) }
        return DoctorFinding(id: "port", status: .warning, message: text.portBusy(port), fix: text.portFix(port))
    }

    /// The proof: hello-world from podlab's offline images runs in a store of its own, which is removed afterwards.
    func containersRun() -> DoctorFinding {
        guard let podlab = Installation.program("podlab") else {
            return DoctorFinding(id: "containers", status: .failed, message: text.noEngine, fix: text.reinstallFix)
        }
        let scratch: String
        do { scratch = try FileSystem.makeTemporaryDirectory("podlab-doctor") } catch {
            return DoctorFinding(id: "containers", status: .failed, message: error.message, fix: nil)
        }
        chmod(scratch, 0o711)  // as root, the containers' root passes through to the store
        var variables = environment
        variables["PODLAB_ROOT"] = "\(scratch)/store"
        variables["PODLAB_RUNROOT"] = "\(scratch)/run"
        variables["PODLAB_NO_COMMAND_JOURNAL"] = "1"
        let entries = variables.map { "\($0.key)=\($0.value)" }
        // podlab's own rm removes what the container left (as root, files of its ids); the pull started the scratch
        // store's sandbox registry, which would otherwise serve an empty directory for half an hour; then the store.
        defer {
            _ = try? Subprocess.run([podlab, "podman", "rm", "-f", "doctor-probe"], environment: entries)
            _ = try? Subprocess.run([podlab, "registry", "stop"], environment: entries)
            try? FileSystem.removeTree(scratch)
        }
        let arguments = [podlab, "podman", "run", "--name", "doctor-probe", "docker.io/library/hello-world:latest"]
        guard let result = try? Subprocess.run(arguments, environment: entries) else {
            return DoctorFinding(id: "containers", status: .failed, message: text.noEngine, fix: text.reinstallFix)
        }
        guard result.status == 0, result.output.contains("Hello from podlab!") else {
            let last = result.output.split(separator: "\n").last { $0.hasPrefix("Error:") }.map(String.init) ?? result.output.trimmed()
            return DoctorFinding(id: "containers", status: .failed, message: text.containerFailed(last), fix: text.containerFix)
        }
        let containers = FileSystem.list("\(scratch)/store/containers").filter { $0.count == 64 }
        let copied = containers.contains { FileSystem.isDirectory("\(scratch)/store/containers/\($0)/rootfs") }
        if copied { return DoctorFinding(id: "containers", status: .warning, message: text.noOverlay, fix: text.overlayFix) }
        return DoctorFinding(id: "containers", status: .ok, message: text.containersOK, fix: nil)
    }
}
