/*
 * podlab's exec trampoline: the last program podlab itself hands to a container process.
 *
 * Every container process (run, exec, build RUN) is a clone of podlab, so until it execs, /proc/self/exe is
 * podlab's binary on the host. An image whose entrypoint is /proc/self/exe (or a script whose interpreter is)
 * would otherwise run that host file inside the container, and could then reopen it for writing (the
 * CVE-2019-5736 class). So the clone does not exec the container's program itself: it execs this small
 * static program out of a sealed memfd (ExecTrampoline.swift), which looks the program up on the container's
 * PATH and execs it. From here on, /proc/self/exe is the sealed memfd, never a host file.
 *
 * Built by Plugins/EmbeddedProgramsPlugin with the toolchain's clang: freestanding, no libc, no interpreter,
 * so it runs in any image (scratch, busybox, musl or glibc) and LD_* variables have nothing to act on.
 *
 * argv: "podlab-exec" ERROR_FD PROGRAM [ARGS...]. ERROR_FD is the parent's error pipe: made close-on-exec
 * here, so it reads end-of-file once the program runs, or a struct podlab_spawn_error when it cannot. PROGRAM
 * is looked up on the PATH of the container's environment. Called "podlab-init" (--init), it stays as the
 * container's PID 1: it forks the program, passes signals on, reaps every child and exits with the program's
 * status, so --init's PID 1 is not podlab either. Called "podlab-pause", it is a pod's infra: it closes every
 * descriptor and waits for SIGTERM, holding the pod's namespaces. Called "podlab-hold" (a learner's session
 * network holder, session.c), it does the same but keeps the descriptor given in place of ERROR_FD (its lock).
 */
#include "cspawn.h"
#include <asm/unistd.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#if defined(__x86_64__)
__asm__(".text\n.global _start\n_start:\n\txor %rbp, %rbp\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall trampoline_main\n\thlt\n");

static long sys4(long number, long a, long b, long c, long d) {
    long result;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return result;
}
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n_start:\n\tmov x0, sp\n\tbl trampoline_main\n");

static long sys4(long number, long a, long b, long c, long d) {
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory", "cc");
    return x0;
}
#else
#error "the exec trampoline supports x86_64 and aarch64"
#endif

static long sys3(long number, long a, long b, long c) { return sys4(number, a, b, c, 0); }

/* The compiler may emit calls to these for struct copies; there is no libc to provide them. */
void *memset(void *destination, int value, unsigned long count) {
    unsigned char *d = destination;
    while (count--) *d++ = (unsigned char)value;
    return destination;
}

void *memcpy(void *destination, const void *source, unsigned long count) {
    unsigned char *d = destination;
    const unsigned char *s = source;
    while (count--) *d++ = *s++;
    return destination;
}

static unsigned long length_of(const char *text) {
    unsigned long length = 0;
    while (text[length]) length++;
    return length;
}

__attribute__((noreturn)) static void exit_with(int code) {
    for (;;) sys3(__NR_exit_group, code, 0, 0);
}

__attribute__((noreturn)) static void fail(int error_fd, int stage, long error, const char *detail) {
    struct podlab_spawn_error report;
    memset(&report, 0, sizeof(report));
    report.stage = stage;
    report.error = (int32_t)error;
    unsigned long length = length_of(detail);
    if (length >= sizeof(report.detail)) length = sizeof(report.detail) - 1;
    memcpy(report.detail, detail, length);
    if (error_fd >= 0) sys3(__NR_write, error_fd, (long)&report, sizeof(report));
    exit_with(127);
}

static int stage_for(long error) {
    if (error == ENOENT || error == ENOTDIR) return PODLAB_STAGE_EXEC_NOT_FOUND;
    if (error == EACCES) return PODLAB_STAGE_EXEC_DENIED;
    return PODLAB_STAGE_EXEC;
}

/* Runs `name` as execvp would: directly when it holds a slash, else from each PATH entry in turn. */
__attribute__((noreturn)) static void run(int error_fd, const char *path, char **argv, char **envp) {
    const char *name = argv[0];
    for (const char *c = name; *c; c++) {
        if (*c != '/') continue;
        long error = -sys3(__NR_execve, (long)name, (long)argv, (long)envp);
        fail(error_fd, stage_for(error), error, name);
    }
    if (!*path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    char candidate[4096];
    unsigned long name_length = length_of(name);
    int denied = 0;
    while (*path) {
        const char *end = path;
        while (*end && *end != ':') end++;
        unsigned long directory_length = (unsigned long)(end - path);
        if (directory_length + name_length + 3 < sizeof(candidate)) {
            unsigned long at = directory_length;
            memcpy(candidate, path, directory_length);
            if (at == 0) candidate[at++] = '.';
            candidate[at++] = '/';
            memcpy(candidate + at, name, name_length + 1);
            long error = -sys3(__NR_execve, (long)candidate, (long)argv, (long)envp);
            if (error == EACCES) denied = 1;
            else if (error != ENOENT && error != ENOTDIR) fail(error_fd, PODLAB_STAGE_EXEC, error, candidate);
        }
        path = *end ? end + 1 : end;
    }
    fail(error_fd, denied ? PODLAB_STAGE_EXEC_DENIED : PODLAB_STAGE_EXEC_NOT_FOUND, denied ? EACCES : ENOENT, name);
}

static int same(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}

/* A pod's infra, or a learner's session network holder: hold the namespaces and run nothing until told to stop.
 * Every descriptor closes (for the infra the error pipe too: end of file tells podlab it is up) but `keep_fd`,
 * the holder's lock, which says for as long as it is held that the holder lives. */
__attribute__((noreturn)) static void pause_until_stopped(int keep_fd) {
    unsigned long all = ~0UL;
    sys4(__NR_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, sizeof(all));
    if (keep_fd > 0) sys3(__NR_close_range, 0, (unsigned)keep_fd - 1, 0);
    sys3(__NR_close_range, keep_fd < 0 ? 0 : (unsigned)keep_fd + 1, ~0U, 0);
    for (;;) {
        siginfo_t info;
        long signal_number = sys4(__NR_rt_sigtimedwait, (long)&all, (long)&info, 0, sizeof(all));
        if (signal_number == SIGTERM || signal_number == SIGINT || signal_number == SIGHUP || signal_number == SIGQUIT) exit_with(0);
        if (signal_number == SIGCHLD) { int status; while (sys4(__NR_wait4, -1, (long)&status, WNOHANG, 0) > 0) {} }
    }
}

static const char *path_of(char **envp) {
    const char *path = "";
    for (char **entry = envp; *entry; entry++) {
        const char *e = *entry;
        if (e[0] == 'P' && e[1] == 'A' && e[2] == 'T' && e[3] == 'H' && e[4] == '=') path = e + 5;
    }
    return path;
}

/* --init: signals stay blocked here and are taken with sigtimedwait, so no handler (and no restorer) is needed. */
__attribute__((noreturn)) static void init(int error_fd, char **argv, char **envp) {
    unsigned long all = ~0UL, none = 0;
    sys4(__NR_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, sizeof(all));
    long child = sys3(__NR_clone, SIGCHLD, 0, 0);
    if (child < 0) fail(error_fd, PODLAB_STAGE_FORK, -child, "init");
    if (child == 0) {
        sys4(__NR_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, sizeof(none));
        run(error_fd, path_of(envp), argv, envp);
    }
    /* The child reports for itself; the waiting init needs no descriptor at all. */
    sys3(__NR_close_range, 0, ~0U, 0);
    static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
    for (;;) {
        siginfo_t info;
        long signal_number = sys4(__NR_rt_sigtimedwait, (long)&all, (long)&info, 0, sizeof(all));
        if (signal_number == SIGCHLD || signal_number == -EINTR) {
            int status = 0;
            long reaped;
            while ((reaped = sys4(__NR_wait4, -1, (long)&status, WNOHANG, 0)) > 0) {
                if (reaped != child) continue;
                int code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
                exit_with(code);
            }
            if (reaped == -ECHILD) exit_with(125);
            continue;
        }
        for (unsigned long i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
            if (signal_number == forwarded[i]) sys3(__NR_kill, child, signal_number, 0);
    }
}

__attribute__((noreturn, used)) void trampoline_main(long *stack) {
    long argc = stack[0];
    char **argv = (char **)(stack + 1);
    char **envp = argv + argc + 1;
    int error_fd = -1;
    const char *digits = argc >= 3 ? argv[1] : "";
    for (const char *c = digits; *c && error_fd < 65536; c++)
        error_fd = *c >= '0' && *c <= '9' ? (error_fd < 0 ? 0 : error_fd * 10) + (*c - '0') : 65536;
    if (argc < 3 || error_fd < 3 || error_fd >= 65536) {
        static const char usage[] = "podlab-exec: podlab's exec trampoline starts container programs; it is not a command\n";
        sys3(__NR_write, 2, (long)usage, sizeof(usage) - 1);
        exit_with(127);
    }
    if (sys3(__NR_fcntl, error_fd, F_SETFD, FD_CLOEXEC) < 0) fail(-1, PODLAB_STAGE_EXEC, EBADF, "error pipe");
    if (same(argv[0], "podlab-pause")) pause_until_stopped(-1);
    if (same(argv[0], "podlab-hold")) {
        /* The session holder (session.c): argv[1] is its lock, not an error pipe, and is kept. */
        static const char name[] = "podlab-session";
        sys3(__NR_prctl, 15 /* PR_SET_NAME */, (long)name, 0);
        pause_until_stopped(error_fd);
    }
    if (same(argv[0], "podlab-init")) init(error_fd, argv + 2, envp);
    run(error_fd, path_of(envp), argv + 2, envp);
}
