import Foundation
import PodlabCore
import PodlabTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `podlab doctor` on this machine, as root and as the unprivileged test user, and with each condition it can be
/// made to see here turned off (a busy port, a planted run-time directory, no UTF-8 locale, a user without
/// subordinate ids).
struct DoctorTests {
    let directory = TemporaryDirectory("podlab-doctor")

    func doctor(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ProcessResult {
        var environment = ProcessInfo.processInfo.environment
        environment["PODLAB_FIXTURES"] = BuildProducts.fixtures
        environment["PODLAB_RUNROOT"] = directory.file("run")
        for (key, value) in extra { environment[key] = value }
        return try TestProcess.run([BuildProducts.podlab, "doctor"] + arguments, environment: environment)
    }

    static func statuses(_ json: String) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let checks = object?["checks"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: checks.compactMap { check in
            (check["id"] as? String).map { ($0, check["status"] as? String ?? "") }
        })
    }

    @Test func everythingContainersNeedHoldsHere() throws {
        let text = try doctor(["--lang", "en"])
        #expect(text.status == 0, "\(text)")
        #expect(!text.stdout.contains("✘") && text.stdout.contains("✔ containers: hello-world really ran"), "\(text.stdout)")
        #expect(text.stdout.hasSuffix("Verdict: containers can run here.\n"))
        let json = try doctor(["--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["canRunContainers"] as? Bool == true)
        let statuses = try Self.statuses(json.stdout)
        #expect(Set(statuses.keys) == ["environment", "user-namespaces", "subordinate-ids", "runtime-directory", "seccomp", "cgroups",
                                        "libarchive", "locale", "port", "containers"])
        #expect(statuses["user-namespaces"] == "ok" && statuses["containers"] == "ok")
        let chinese = try doctor([], environment: ["LANG": "zh_CN.UTF-8", "LC_ALL": ""])
        #expect(chinese.stdout.hasPrefix("podlab doctor：这台机器能为容器做什么\n") && chinese.stdout.hasSuffix("结论：可以运行容器。\n"), "\(chinese)")
    }

    @Test func aBusyPortIsNamedWithWhoToAsk() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = UInt16(bigEndian: address.sin_port)
        let result = try doctor(["--lang", "en", "--port", String(port)])
        #expect(result.status == 0, "a busy port is a warning: \(result)")
        #expect(result.stdout.contains("! port \(port): in use, the nginx lesson's -p \(port):80 will fail\n    fix: find who holds it: ss -ltnp 'sport = :\(port)'"),
                "\(result.stdout)")
    }

    @Test func aPlantedRunTimeDirectoryFails() throws {
        let planted = directory.file("planted")
        try FileSystem.createDirectory(planted, mode: 0o777)
        chown(planted, 65534, 65534)
        let result = try doctor(["--lang", "en", "--format", "json"], environment: ["PODLAB_RUNROOT": planted])
        #expect(result.status == 1, "\(result)")
        #expect(try Self.statuses(result.stdout)["runtime-directory"] == "failed")
        #expect(result.stdout.contains("belongs to uid 65534"), "\(result.stdout)")
    }

    /// Inside a user namespace whose user.max_user_namespaces is 0 (that sysctl is per namespace), no container can
    /// start: doctor says which sysctl and how to raise it, and exits 1.
    @Test func refusedUserNamespacesAreTracedToTheirSysctl() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PODLAB_FIXTURES"] = BuildProducts.fixtures
        environment["PODLAB_RUNROOT"] = directory.file("run")
        let script = "echo 0 > /proc/sys/user/max_user_namespaces && exec \"$0\" doctor --lang en --format json"
        let result = try TestProcess.run(["unshare", "--user", "--map-root-user", "sh", "-c", script, BuildProducts.podlab], environment: environment)
        #expect(result.status == 1, "\(result)")
        let statuses = try Self.statuses(result.stdout)
        #expect(statuses["user-namespaces"] == "failed" && statuses["containers"] == "failed", "\(result.stdout)")
        #expect(result.stdout.contains("because user.max_user_namespaces = 0")
                && result.stdout.contains("sudo sysctl -w user.max_user_namespaces=15000"), "\(result.stdout)")
        // Control: the same namespace without the sysctl lowered makes user namespaces.
        let control = try TestProcess.run(["unshare", "--user", "--map-root-user", BuildProducts.podlab, "doctor", "--format", "json"], environment: environment)
        #expect(try Self.statuses(control.stdout)["user-namespaces"] == "ok", "\(control)")
    }

    @Test func withoutAUTF8LocaleChineseMayGarble() throws {
        let result = try doctor(["--lang", "en"], environment: ["LANG": "C", "LC_ALL": "C", "LC_CTYPE": "C"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("! locale: not UTF-8 (ANSI_X3.4-1968)") && result.stdout.contains("fix: export LANG=C.UTF-8"), "\(result.stdout)")
    }

    @Test func withoutRootAndWithoutSubordinateIDs() throws {
        guard let user = try RootlessUser.prepare() else { return }
        let rootless = try user.podlab(["doctor", "--lang", "en", "--format", "json"])
        #expect(rootless.status == 0, "\(rootless)")
        #expect(try Self.statuses(rootless.stdout)["subordinate-ids"] == "ok", "the test user has /etc/subuid ranges")
        #expect(try Self.statuses(rootless.stdout)["containers"] == "ok")
        guard geteuid() == 0 else { return }
        // nobody has no /etc/subuid range: one id, said plainly, and hello-world (which runs as root) still runs.
        let home = directory.file("nobody")
        try FileSystem.createDirectory(home, mode: 0o700)
        chown(home, 65534, 65534)
        chmod(directory.path, 0o755)
        let single = try TestProcess.run(["runuser", "-u", "nobody", "--", "env", "-i", "HOME=\(home)", "XDG_RUNTIME_DIR=\(home)",
                                          "PODLAB_FIXTURES=\(user.directory.file("fixtures"))", "PATH=/usr/bin:/bin",
                                          user.directory.file("podlab"), "doctor", "--lang", "en"])
        #expect(single.stdout.contains("! user ids: no /etc/subuid range or no newuidmap, so containers get one user id"), "\(single)")
        #expect(single.stdout.contains("sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 nobody"))
        #expect(single.stdout.contains("✔ containers: hello-world really ran"), "\(single)")
    }
}
