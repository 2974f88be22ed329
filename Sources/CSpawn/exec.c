#define _GNU_SOURCE
#include "child_common.h"
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>

static int open_namespace(pid_t pid, const char *name) {
    char path[64], digits[16];
    int count = 0;
    unsigned value = (unsigned)pid;
    do { digits[count++] = (char)('0' + value % 10); value /= 10; } while (value && count < 15);
    size_t used = 0;
    path[0] = '\0';
    podlab_append(path, sizeof(path), &used, "/proc/");
    while (count > 0) { path[used++] = digits[--count]; path[used] = '\0'; }
    podlab_append(path, sizeof(path), &used, "/ns/");
    podlab_append(path, sizeof(path), &used, name);
    return open(path, O_RDONLY | O_CLOEXEC);
}

static int exec_main(void *argument) {
    const struct podlab_exec_spec *spec = argument;
    int efd = spec->error_fd;
    char buffer[4096], detail[240];
    /* Nothing in the container may open this process's /proc entries (its exe is podlab: CVE-2019-5736). */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

    static const char *names[] = { "user", "ipc", "uts", "net", "pid", "mnt" };
    static const int types[] = { CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWNS };
    int fds[6];
    for (int i = 0; i < 6; i++) {
        fds[i] = open_namespace(spec->target_pid, names[i]);
        if (fds[i] < 0) podlab_child_fail(efd, PODLAB_STAGE_SETNS, errno, names[i]);
    }
    for (int i = 0; i < 6; i++) {
        if (setns(fds[i], types[i]) != 0) podlab_child_fail(efd, PODLAB_STAGE_SETNS, errno, names[i]);
        close(fds[i]);
    }
    if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) podlab_child_fail(efd, PODLAB_STAGE_IDS, errno, "setresuid");
    /* Joining a PID namespace takes effect for children: the command runs in a forked child, this
     * process waits for it and passes signals on. */
    podlab_become_init_keeping(efd);
    if (podlab_setup_stdio(spec->stdin_fd, spec->stdout_fd, spec->stderr_fd, spec->tty, efd) != 0)
        podlab_child_fail(efd, PODLAB_STAGE_TTY, errno, "stdio");
    if (podlab_drop_bounding(spec->capabilities) != 0) podlab_child_fail(efd, PODLAB_STAGE_CAPS, errno, "capabilities");
    if (podlab_become_user(spec->uid, spec->gid, NULL, 0, spec->may_set_groups) != 0)
        podlab_child_fail(efd, PODLAB_STAGE_USER, errno, "user");
    if (spec->uid == 0 && podlab_set_capabilities(spec->capabilities) != 0)
        podlab_child_fail(efd, PODLAB_STAGE_CAPS, errno, "capabilities");
    if (chdir(spec->cwd) != 0) podlab_child_fail(efd, PODLAB_STAGE_CWD, errno, spec->cwd);
    if (getcwd(buffer, sizeof(buffer)) == NULL || buffer[0] != '/') podlab_child_fail(efd, PODLAB_STAGE_CWD, ENOENT, spec->cwd);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) podlab_child_fail(efd, PODLAB_STAGE_NO_NEW_PRIVS, errno, "no_new_privs");
    if (spec->seccomp && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, spec->seccomp, 0, 0) != 0)
        podlab_child_fail(efd, PODLAB_STAGE_SECCOMP, errno, "seccomp");
    int stage = podlab_exec_lookup(spec->argv, spec->envp, spec->path_env, detail, sizeof(detail));
    podlab_child_fail(efd, stage, errno, detail);
    return 127;
}

pid_t podlab_clone_exec(const struct podlab_exec_spec *spec, void *stack, size_t stack_size) {
    return clone(exec_main, (char *)stack + stack_size, SIGCHLD, (void *)spec);
}
