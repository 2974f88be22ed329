/// podlab's default profile: podman 4.3.1's (containers/common 0.50) allow-list, made stricter where a
/// learner is safer for it — no new user namespaces (clone/unshare with CLONE_NEWUSER), no clone3 (its
/// flags cannot be inspected; libc falls back to clone), and no keyctl, add_key, request_key, ptrace or
/// reboot. Everything not listed fails with ENOSYS, as in podman.
extension SeccompProfile {
    /// Change whenever the default profile below changes: compiled programs are cached under it.
    static let defaultVersion = 1
    static let eperm: UInt32 = 1
    static let enosys: UInt32 = 38
    static let cloneNewUser: UInt64 = 0x1000_0000

    static let deniedAlways = [
        "bdflush", "io_pgetevents", "kexec_file_load", "kexec_load", "migrate_pages", "move_pages", "nfsservctl", "nice",
        "oldfstat", "oldlstat", "oldolduname", "oldstat", "olduname", "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
        "sgetmask", "ssetmask", "swapcontext", "swapoff", "swapon", "sysfs", "uselib", "userfaultfd", "ustat", "vm86", "vm86old",
        "vmsplice",
        // podlab's additions (podman allows these):
        "keyctl", "add_key", "request_key", "ptrace", "reboot", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
    ]

    static let allowedAlways = """
        _llseek _newselect accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32 clock_adjtime \
        clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64 close \
        close_range connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait \
        epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 \
        fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr \
        flistxattr flock fork fremovexattr fsconfig fsetxattr fsmount fsopen fspick fstat fstat64 fstatat64 fstatfs fstatfs64 fsync \
        ftruncate ftruncate64 futex futex_time64 futimesat get_mempolicy get_robust_list get_thread_area getcpu getcwd getdents \
        getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp \
        getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit getrusage getsid getsockname \
        getsockopt gettid gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch \
        io_cancel io_destroy io_getevents io_setup io_submit ioctl ioprio_get ioprio_set ipc kill landlock_add_rule \
        landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat listen listxattr llistxattr \
        lremovexattr lseek lsetxattr lstat lstat64 madvise mbind membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod \
        mknodat mlock mlock2 mlockall mmap mmap2 mount mount_setattr move_mount mprotect mq_getsetattr mq_notify mq_open \
        mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync \
        munlock munlockall munmap name_to_handle_at nanosleep newfstatat open open_tree openat openat2 pause pidfd_open \
        pidfd_send_signal pipe pipe2 pivot_root pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv \
        preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead readdir readlink \
        readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2 \
        restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend \
        rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min sched_getaffinity \
        sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity \
        sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64 \
        send sendfile sendfile64 sendmmsg sendmsg sendto set_mempolicy set_robust_list set_thread_area set_tid_address setfsgid \
        setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 \
        setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit setsid setsockopt setuid setuid32 setxattr shmat \
        shmctl shmdt shmget shutdown sigaction sigaltstack signal signalfd signalfd4 sigpending sigprocmask sigreturn sigsuspend \
        socketcall socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs syscall sysinfo \
        syslog tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime \
        timer_settime64 timerfd timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill \
        truncate truncate64 ugetrlimit umask umount umount2 uname unlink unlinkat utime utimensat utimensat_time64 utimes vfork \
        wait4 waitid waitpid write writev arch_prctl modify_ldt
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    /// Syscalls allowed only with a capability (EPERM without it).
    static let byCapability: [(String, [String])] = [
        ("CAP_DAC_READ_SEARCH", ["open_by_handle_at"]),
        ("CAP_SYS_ADMIN", ["bpf", "fanotify_init", "lookup_dcookie", "perf_event_open", "quotactl", "setdomainname", "sethostname", "setns"]),
        ("CAP_SYS_CHROOT", ["chroot"]),
        ("CAP_SYS_MODULE", ["delete_module", "finit_module", "init_module", "query_module"]),
        ("CAP_SYS_PACCT", ["acct"]),
        ("CAP_SYS_PTRACE", ["kcmp", "process_madvise"]),
        ("CAP_SYS_RAWIO", ["ioperm", "iopl"]),
        ("CAP_SYS_TIME", ["clock_settime", "clock_settime64", "settimeofday", "stime"]),
        ("CAP_SYS_TTY_CONFIG", ["vhangup"]),
    ]

    public static var podlabDefault: SeccompProfile {
        var rules: [Rule] = [Rule(deniedAlways, "SCMP_ACT_ERRNO", errno: eperm), Rule(allowedAlways, "SCMP_ACT_ALLOW")]
        for value: UInt64 in [0, 8, 0x20000, 0x20008, 0xffff_ffff] {
            rules.append(Rule(["personality"], "SCMP_ACT_ALLOW", args: [Argument(index: 0, value: value, valueTwo: nil, op: "SCMP_CMP_EQ")]))
        }
        // clone and unshare: anything but a new user namespace.
        let withoutNewUser = [Argument(index: 0, value: cloneNewUser, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ")]
        let withNewUser = [Argument(index: 0, value: cloneNewUser, valueTwo: cloneNewUser, op: "SCMP_CMP_MASKED_EQ")]
        rules.append(Rule(["clone", "unshare"], "SCMP_ACT_ALLOW", args: withoutNewUser))
        rules.append(Rule(["clone", "unshare"], "SCMP_ACT_ERRNO", errno: eperm, args: withNewUser))
        rules.append(Rule(["clone3"], "SCMP_ACT_ERRNO", errno: enosys))
        for (capability, names) in byCapability {
            rules.append(Rule(names, "SCMP_ACT_ALLOW", includes: Filter(caps: [capability])))
            rules.append(Rule(names, "SCMP_ACT_ERRNO", errno: eperm, excludes: Filter(caps: [capability])))
        }
        // socket: everything but netlink audit without CAP_AUDIT_WRITE (EINVAL, as podman).
        rules.append(Rule(["socket"], "SCMP_ACT_ALLOW", includes: Filter(caps: ["CAP_AUDIT_WRITE"])))
        rules.append(Rule(["socket"], "SCMP_ACT_ALLOW", args: [Argument(index: 2, value: 9, valueTwo: nil, op: "SCMP_CMP_NE")],
                          excludes: Filter(caps: ["CAP_AUDIT_WRITE"])))
        rules.append(Rule(["socket"], "SCMP_ACT_ALLOW", args: [Argument(index: 0, value: 16, valueTwo: nil, op: "SCMP_CMP_NE")],
                          excludes: Filter(caps: ["CAP_AUDIT_WRITE"])))
        rules.append(Rule(["socket"], "SCMP_ACT_ERRNO", errno: 22,
                          args: [Argument(index: 0, value: 16, valueTwo: nil, op: "SCMP_CMP_EQ"), Argument(index: 2, value: 9, valueTwo: nil, op: "SCMP_CMP_EQ")],
                          excludes: Filter(caps: ["CAP_AUDIT_WRITE"])))
        return SeccompProfile(defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: enosys, syscalls: rules)
    }
}
