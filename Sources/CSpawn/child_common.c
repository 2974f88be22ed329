#define _GNU_SOURCE
#include "child_common.h"
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <net/if.h>

size_t podlab_strlcpy(char *dest, const char *src, size_t size) {
    size_t length = 0;
    if (src == NULL) src = "";
    while (src[length] != '\0') length++;
    if (size > 0) {
        size_t copy = length < size - 1 ? length : size - 1;
        memcpy(dest, src, copy);
        dest[copy] = '\0';
    }
    return length;
}

void podlab_child_fail(int error_fd, int stage, int error, const char *detail) {
    struct podlab_spawn_error report;
    memset(&report, 0, sizeof(report));
    report.stage = stage;
    report.error = error;
    podlab_strlcpy(report.detail, detail, sizeof(report.detail));
    if (error_fd >= 0) {
        ssize_t ignored = write(error_fd, &report, sizeof(report));
        (void)ignored;
    }
    _exit(127);
}

int podlab_drop_bounding(uint64_t caps) {
    for (int cap = 0; cap <= 63; cap++) {
        if (caps & (1ULL << cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return -1;
    }
    return 0;
}

void podlab_append_decimal(char *buffer, size_t size, size_t *used, unsigned value) {
    char digits[16];
    int count = 0;
    do { digits[count++] = (char)('0' + value % 10); value /= 10; } while (value && count < 15);
    while (count > 0 && *used + 1 < size) { buffer[(*used)++] = digits[--count]; buffer[*used] = '\0'; }
}

void podlab_fd_path(char *buffer, size_t size, int fd) {
    size_t used = 0;
    buffer[0] = '\0';
    podlab_append(buffer, size, &used, "/proc/self/fd/");
    podlab_append_decimal(buffer, size, &used, (unsigned)fd);
}

int podlab_append(char *buffer, size_t size, size_t *used, const char *src) {
    size_t length = strlen(src);
    if (*used + length + 1 > size) return -1;
    memcpy(buffer + *used, src, length + 1);
    *used += length;
    return 0;
}

int podlab_set_capabilities(uint64_t caps) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    /* Effective and permitted only: inheritable and ambient stay empty, as podman/crun since CVE-2022-29162
     * (a file capability could otherwise raise what an unprivileged program in the container holds). */
    data[0].effective = data[0].permitted = (uint32_t)(caps & 0xffffffffu);
    data[1].effective = data[1].permitted = (uint32_t)(caps >> 32);
    if (syscall(SYS_capset, &header, data) != 0) return -1;
    return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

int podlab_become_user(uint32_t uid, uint32_t gid, const uint32_t *groups, size_t count, int may_set_groups) {
    /* Raw system calls: glibc's wrappers would try to tell the parent's other threads (which this clone
     * does not have) to change ids too. */
    if (may_set_groups) {
        if (syscall(SYS_setgroups, count, (const gid_t *)groups) != 0) return -1;
    }
    if (syscall(SYS_setresgid, gid, gid, gid) != 0) return -1;
    if (syscall(SYS_setresuid, uid, uid, uid) != 0) return -1;
    return 0;
}

pid_t podlab_clone_blocked(int (*entry)(void *), void *stack_top, int flags, void *argument) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = clone(entry, stack_top, flags, argument);
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return pid;
}

/* Closes every descriptor from 3 up except `a` and `b` (either may be -1). */
static void close_all_but(int a, int b) {
    int low = a < b ? a : b, high = a < b ? b : a;
    unsigned from = 3;
    int kept[2] = { low, high };
    for (int i = 0; i < 2; i++) {
        if (kept[i] < (int)from) continue;
        if (kept[i] > (int)from) syscall(SYS_close_range, from, (unsigned)kept[i] - 1, 0u);
        from = (unsigned)kept[i] + 1;
    }
    syscall(SYS_close_range, from, ~0u, 0u);
}

int podlab_setup_stdio(int in, int out, int err, int tty, int keep_fd, int keep_fd2) {
    int null_fd = -1;
    if (in < 0 || out < 0 || err < 0) {
        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0) return -1;
    }
    int wanted[3] = { in >= 0 ? in : null_fd, out >= 0 ? out : null_fd, err >= 0 ? err : null_fd };
    /* Move the sources above 2 first so that dup2 never clobbers one we still need. */
    for (int i = 0; i < 3; i++) {
        if (wanted[i] <= 2) {
            int moved = fcntl(wanted[i], F_DUPFD_CLOEXEC, 3);
            if (moved < 0) return -1;
            wanted[i] = moved;
        }
    }
    if ((keep_fd >= 0 && keep_fd <= 2) || (keep_fd2 >= 0 && keep_fd2 <= 2)) return -1;
    for (int i = 0; i < 3; i++) {
        if (dup2(wanted[i], i) < 0) return -1;
    }
    /* Always a session of its own: a container never shares the learner's terminal session or process
     * group (no TIOCSTI into the learner's shell, no kill(0) of podlab). Only its own pty becomes its
     * controlling terminal. */
    if (setsid() < 0) return -1;
    if (tty && ioctl(0, TIOCSCTTY, 0) != 0) return -1;
    /* Every inherited descriptor goes, so nothing of the host stays reachable (CVE-2024-21626). */
    close_all_but(keep_fd, keep_fd2);
    return 0;
}

void podlab_reset_signals(void) {
    /* Whatever podlab ignored or blocked, the container's program starts with every signal at its default
     * and none blocked (execve keeps ignored signals ignored, and keeps the mask). */
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = SIG_DFL;
    for (int signal_number = 1; signal_number < NSIG; signal_number++) {
        if (signal_number == SIGKILL || signal_number == SIGSTOP) continue;
        sigaction(signal_number, &action, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static volatile pid_t init_child = 0;

static void forward_signal(int signal_number) {
    if (init_child > 0) kill(init_child, signal_number);
}

static void reap_and_exit(pid_t child);

void podlab_fork_and_wait(int report_fd, int outlive_parent) {
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    /* This process is podlab's binary and stays alive beside the container: nothing there may open its /proc
     * entries (its environment, its memory, its exe: the CVE-2019-5736 class). Set before the fork, so that
     * no moment exists in which the child could look (exec makes the child dumpable again). */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    pid_t child = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (child < 0) _exit(125);
    if (child == 0) {
        if (report_fd >= 0) close(report_fd);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return; /* the caller goes on to exec the program */
    }
    if (report_fd >= 0) {
        int32_t value = (int32_t)child;
        ssize_t ignored = write(report_fd, &value, sizeof(value));
        (void)ignored;
    }
    if (outlive_parent) prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    init_child = child;
    reap_and_exit(child);
}

void podlab_enter_namespaces(const int32_t *fds, const char *const *names, const int *types, int count, int error_fd) {
    for (int i = 0; i < count; i++) {
        if (setns(fds[i], types[i]) != 0) podlab_child_fail(error_fd, PODLAB_STAGE_SETNS, errno, names[i]);
        close(fds[i]);
    }
}

static void reap_and_exit(pid_t child) {
    sigset_t all, old;
    sigfillset(&all);
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = forward_signal;
    int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
    for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++) sigaction(forwarded[i], &action, NULL);
    sigprocmask(SIG_UNBLOCK, &all, &old);
    /* Close everything: the waiting parent needs nothing but its child. For exec this includes our copy
     * of the error pipe, so the caller hears only from the child (a report, or EOF when it exec'd). */
    syscall(SYS_close_range, 0u, ~0u, 0u);
    int status = 0;
    for (;;) {
        /* Learn of an exit without reaping: while the child is a zombie its pid stays its own, so a signal
         * forwarded meanwhile cannot reach another process. Signals stop being forwarded before it is reaped. */
        siginfo_t info;
        memset(&info, 0, sizeof(info));
        if (waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) != 0) {
            if (errno == ECHILD) _exit(125);
            continue;
        }
        if (info.si_pid == child) {
            sigprocmask(SIG_BLOCK, &all, NULL);
            init_child = 0;
            if (waitpid(child, &status, 0) == child) break;
            _exit(125);
        }
        waitpid(info.si_pid, NULL, 0);
    }
    _exit(podlab_wstatus_exit_code(status));
}

/* Execs the sealed trampoline as "podlab-exec ERROR_FD ARGV..." ("podlab-init …" to stay as --init's PID 1):
 * the error pipe stays open across this exec only (the trampoline makes it close-on-exec again); the memfd
 * itself is close-on-exec. */
__attribute__((noreturn)) static void exec_trampoline(const struct podlab_final_step *step) {
    int efd = step->error_fd;
    size_t count = 0;
    while (step->argv[count]) count++;
    if (count == 0 || count > 32768) podlab_child_fail(efd, PODLAB_STAGE_EXEC, E2BIG, "command");
    char digits[16], *cursor = digits + sizeof(digits) - 1;
    *cursor = '\0';
    unsigned value = (unsigned)efd;
    do { *--cursor = (char)('0' + value % 10); value /= 10; } while (value && cursor > digits);
    char *arguments[count + 3];
    arguments[0] = step->pause ? "podlab-pause" : step->init ? "podlab-init" : "podlab-exec";
    arguments[1] = cursor;
    for (size_t i = 0; i <= count; i++) arguments[2 + i] = step->argv[i];
    if (fcntl(efd, F_SETFD, 0) != 0) podlab_child_fail(efd, PODLAB_STAGE_EXEC, errno, "error pipe");
    syscall(SYS_execveat, step->trampoline_fd, "", arguments, step->envp, AT_EMPTY_PATH);
    podlab_child_fail(efd, PODLAB_STAGE_EXEC, errno, "podlab's exec trampoline");
}

void podlab_finish_and_exec(const struct podlab_final_step *step) {
    int efd = step->error_fd;
    char buffer[4096];
    if (podlab_setup_stdio(step->stdin_fd, step->stdout_fd, step->stderr_fd, step->tty, efd, step->trampoline_fd) != 0)
        podlab_child_fail(efd, PODLAB_STAGE_TTY, errno, "stdio");
    if (podlab_drop_bounding(step->capabilities) != 0) podlab_child_fail(efd, PODLAB_STAGE_CAPS, errno, "capabilities");
    if (podlab_become_user(step->uid, step->gid, step->groups, step->group_count, step->may_set_groups) != 0)
        podlab_child_fail(efd, PODLAB_STAGE_USER, errno, "user");
    /* Root in the container gets the kept capabilities; another user keeps none (as podman). */
    if (step->uid == 0 && podlab_set_capabilities(step->capabilities) != 0)
        podlab_child_fail(efd, PODLAB_STAGE_CAPS, errno, "capabilities");
    /* The working directory must be inside the container: a path through a leaked descriptor is not. */
    if (chdir(step->cwd) != 0) podlab_child_fail(efd, PODLAB_STAGE_CWD, errno, step->cwd);
    if (getcwd(buffer, sizeof(buffer)) == NULL || buffer[0] != '/') podlab_child_fail(efd, PODLAB_STAGE_CWD, ENOENT, step->cwd);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) podlab_child_fail(efd, PODLAB_STAGE_NO_NEW_PRIVS, errno, "no_new_privs");
    if (step->seccomp && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, step->seccomp, 0, 0) != 0)
        podlab_child_fail(efd, PODLAB_STAGE_SECCOMP, errno, "seccomp");
    /* The parent was alive while we set up; the program (and --init's PID 1) outlives a killed monitor. A pod
     * member's parent is its waiter, not the monitor: the member ends with it. */
    if (!step->keep_parent_death) prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    podlab_reset_signals();
    exec_trampoline(step);
}

/* A new network namespace starts with its loopback interface down. */
int podlab_loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq request;
    memset(&request, 0, sizeof(request));
    podlab_strlcpy(request.ifr_name, "lo", sizeof(request.ifr_name));
    int status = ioctl(fd, SIOCGIFFLAGS, &request);
    if (status == 0) {
        request.ifr_flags |= IFF_UP | IFF_RUNNING;
        status = ioctl(fd, SIOCSIFFLAGS, &request);
    }
    close(fd);
    return status;
}
