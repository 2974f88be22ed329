/// `podlab doctor`'s words, in Chinese and English.
struct DoctorText: Sendable {
    let chinese: Bool

    init(language: String?, environment: [String: String]) {
        if let language { chinese = language.hasPrefix("zh"); return }
        let chosen = environment["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["LANGUAGE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["LANG"] ?? ""
        chinese = chosen.hasPrefix("zh")
    }

    func pick(_ zh: String, _ en: String) -> String { chinese ? zh : en }

    var title: String { pick("podlab doctor：这台机器能为容器做什么", "podlab doctor: what this machine allows for containers") }
    var fixLabel: String { pick("解决办法", "fix") }
    var verdictOK: String { pick("结论：可以运行容器。", "Verdict: containers can run here.") }
    var verdictFailed: String { pick("结论：还不能运行容器，请先按上面标 ✘ 的解决办法处理。", "Verdict: containers cannot run here yet; apply the fixes marked ✘ above first.") }

    var ordinaryMachine: String { pick("普通的 Linux 机器（不在容器或 WSL 里）", "an ordinary Linux machine (not inside a container or WSL)") }
    var wsl: String { pick("运行在 WSL 中：WSL 2 支持用户命名空间，WSL 1 不支持", "running under WSL: WSL 2 has user namespaces, WSL 1 has none") }
    var wslFix: String { pick("在 PowerShell 中运行 wsl --set-version <发行版> 2", "in PowerShell: wsl --set-version <distribution> 2") }
    var inContainer: String { pick("运行在一个容器里：外层容器常常不允许再创建命名空间", "running inside a container: the outer one often forbids new namespaces") }
    var inContainerFix: String { pick("在真实机器或虚拟机上运行 podlab，或让外层容器允许用户命名空间（例如 podman run --security-opt seccomp=unconfined）", "run podlab on a real machine or VM, or let the outer container allow user namespaces (e.g. podman run --security-opt seccomp=unconfined)") }

    var namespacesOK: String { pick("用户命名空间：可以创建（连同挂载、PID、UTS、IPC、网络命名空间）", "user namespaces: can be created (with mount, PID, UTS, IPC and network ones)") }
    func namespacesRefused(_ error: String, _ cause: String?) -> String {
        let because = cause.map { pick("，原因：\($0)", ", because \($0)") } ?? ""
        return pick("用户命名空间：内核拒绝创建（\(error)）\(because)", "user namespaces: the kernel refused to create one (\(error))\(because)")
    }
    var apparmorFix: String { pick("安装 podlab 的 AppArmor 配置：sudo apparmor_parser -r /etc/apparmor.d/podlab（随 podlab 软件包安装）", "load podlab's AppArmor profile: sudo apparmor_parser -r /etc/apparmor.d/podlab (installed by the podlab package)") }
    var namespacesFix: String { pick("检查 sysctl user.max_user_namespaces 和 kernel.unprivileged_userns_clone，或以 root 运行", "check the sysctls user.max_user_namespaces and kernel.unprivileged_userns_clone, or run as root") }

    var rootIDs: String { pick("用户 ID：以 root 运行，容器使用 1000000000 起的 ID", "user ids: running as root, containers use ids from 1,000,000,000") }
    func subordinateOK(_ count: UInt32) -> String { pick("用户 ID：/etc/subuid 和 /etc/subgid 提供了 \(count) 个额外 ID（newuidmap 可用）", "user ids: /etc/subuid and /etc/subgid give \(count) more ids (newuidmap present)") }
    var singleID: String { pick("用户 ID：没有 /etc/subuid 范围或 newuidmap，容器里只有一个用户 ID；以 root 运行的镜像照常工作，切换用户的镜像（例如 nginx 的工作进程）会失败", "user ids: no /etc/subuid range or no newuidmap, so containers get one user id; images running as root work, images that switch users (nginx's workers) fail") }

    func runtimeOK(_ path: String) -> String { pick("运行时目录：\(path) 属于你，权限 0700", "run-time directory: \(path) is yours, mode 0700") }
    var runtimeFix: String { pick("设置 XDG_RUNTIME_DIR 为属于你的 0700 目录（登录会话通常会设置好）", "set XDG_RUNTIME_DIR to a 0700 directory of yours (a login session sets it)") }

    func archiveOK(_ version: String) -> String { pick("libarchive：可以加载（\(version)），用于读写镜像", "libarchive: loads (\(version)), for reading and writing images") }
    func archiveMissing(_ reason: String) -> String { pick("libarchive：无法加载（\(reason)）：拉取、加载、保存、构建镜像都做不了", "libarchive: cannot be loaded (\(reason)): no pull, load, save or build") }
    var archiveFix: String { pick("sudo apt install libarchive13", "sudo apt install libarchive13") }

    var seccompOK: String { pick("seccomp：内核支持", "seccomp: supported by the kernel") }
    var seccompMissing: String { pick("seccomp：内核不支持（没有 /proc/sys/kernel/seccomp）", "seccomp: not supported by this kernel (no /proc/sys/kernel/seccomp)") }
    var seccompFix: String { pick("使用带 CONFIG_SECCOMP_FILTER 的内核（Debian、Ubuntu、deepin 的内核都带）", "use a kernel built with CONFIG_SECCOMP_FILTER (Debian's, Ubuntu's and deepin's are)") }

    var cgroupsOK: String { pick("cgroup：可以设置 --memory 和 --pids-limit", "cgroups: --memory and --pids-limit can be applied") }
    func cgroupsMissing(_ reason: String) -> String { pick("cgroup：\(reason)；--memory 和 --pids-limit 不会生效，其余一切正常", "cgroups: \(reason); --memory and --pids-limit are not applied, everything else works") }
    var cgroupsFix: String { pick("需要限制资源时以 root 运行，或使用 systemd 委派的 cgroup（systemd-run --user --scope -p Delegate=yes podlab …）", "to limit resources run as root, or in a delegated cgroup (systemd-run --user --scope -p Delegate=yes podlab …)") }

    var localeOK: String { pick("语言环境：UTF-8，可以输入中文", "locale: UTF-8, Chinese input works") }
    func localeMissing(_ codeset: String) -> String { pick("语言环境：不是 UTF-8（\(codeset.isEmpty ? "未设置" : codeset)）；podlab 的引导式 shell 仍能输入中文，但容器和其他程序可能显示乱码", "locale: not UTF-8 (\(codeset.isEmpty ? "unset" : codeset)); podlab's guided shell still takes Chinese, other programs may garble it") }
    var localeFix: String { pick("export LANG=C.UTF-8（或 sudo apt install locales && sudo dpkg-reconfigure locales 选择 zh_CN.UTF-8）", "export LANG=C.UTF-8 (or sudo apt install locales && sudo dpkg-reconfigure locales and pick zh_CN.UTF-8)") }

    func portFree(_ port: UInt16) -> String { pick("端口 \(port)：空闲，nginx 课程可以用它", "port \(port): free for the nginx lesson") }
    func portBusy(_ port: UInt16) -> String { pick("端口 \(port)：已被占用，nginx 课程的 -p \(port):80 会失败", "port \(port): in use, the nginx lesson's -p \(port):80 will fail") }
    func portFix(_ port: UInt16) -> String { pick("找出占用者：ss -ltnp 'sport = :\(port)'，停止它；或在课程中换一个端口，例如 -p 8081:80", "find who holds it: ss -ltnp 'sport = :\(port)', and stop it; or use another port in the lesson, e.g. -p 8081:80") }

    var containersOK: String { pick("容器：hello-world 在临时存储里真实运行成功（overlay 可用）", "containers: hello-world really ran, in a scratch store (overlay mounts work)") }
    var noOverlay: String { pick("容器：可以运行，但内核不允许在用户命名空间里挂载 overlay，每个容器会先复制一份镜像（启动慢一些，结果相同）", "containers: they run, but the kernel refuses overlay mounts in a user namespace, so each container starts from a private copy of its image (slower to start, same result)") }
    var overlayFix: String { pick("使用 5.11 以上的内核（Debian 12、Ubuntu 22.04、deepin 23 都满足）", "use a kernel of 5.11 or later (Debian 12, Ubuntu 22.04 and deepin 23 have one)") }
    func containerFailed(_ detail: String) -> String { pick("容器：hello-world 没能运行：\(detail)", "containers: hello-world did not run: \(detail)") }
    var containerFix: String { pick("先解决上面标 ✘ 的问题；仍失败时运行 podlab podman run --rm hello-world 查看完整错误", "fix what is marked ✘ above first; if it still fails, podlab podman run --rm hello-world shows the whole error") }
    var noEngine: String { pick("容器：找不到 podlab 程序本身", "containers: podlab's own program was not found") }
    var reinstallFix: String { pick("重新安装：sudo apt install --reinstall ./podlab_*.deb", "reinstall it: sudo apt install --reinstall ./podlab_*.deb") }
}
