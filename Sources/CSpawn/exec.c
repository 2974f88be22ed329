#define _GNU_SOURCE
#include "child_common.h"
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* The mount namespace last: entering it sets this process's root to the container's. */
static const char *const exec_namespace_names[PODLAB_EXEC_NAMESPACES] = { "user", "ipc", "uts", "net", "pid", "mnt" };
static const int exec_namespace_types[PODLAB_EXEC_NAMESPACES] = { CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWNS };

const char *podlab_exec_namespace(int index) {
    return index >= 0 && index < PODLAB_EXEC_NAMESPACES ? exec_namespace_names[index] : NULL;
}

static int exec_main(void *argument) {
    const struct podlab_exec_spec *spec = argument;
    int efd = spec->error_fd;
    /* Nothing in the container may open this process's /proc entries (its exe is podlab: CVE-2019-5736). */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

    /* "0" moves the writer itself; everything it forks stays in the container's cgroups. */
    for (int i = 0; i < PODLAB_EXEC_CGROUPS; i++) {
        int fd = spec->cgroup_procs_fds[i];
        if (fd < 0) continue;
        if (write(fd, "0", 1) != 1) podlab_child_fail(efd, PODLAB_STAGE_CGROUP, errno, "cgroup.procs");
        close(fd);
    }
    podlab_enter_namespaces(spec->namespace_fds, exec_namespace_names, exec_namespace_types, PODLAB_EXEC_NAMESPACES, efd);
    if (syscall(SYS_setresgid, 0, 0, 0) != 0 || syscall(SYS_setresuid, 0, 0, 0) != 0) podlab_child_fail(efd, PODLAB_STAGE_IDS, errno, "setresuid");
    /* Joining a PID namespace takes effect for children: the command runs in a forked child, this
     * process waits for it and passes signals on. */
    podlab_fork_and_wait(-1, 0);
    struct podlab_final_step step = {
        spec->stdin_fd, spec->stdout_fd, spec->stderr_fd, spec->tty, spec->capabilities, spec->uid, spec->gid,
        NULL, 0, spec->may_set_groups, spec->cwd, spec->seccomp, 0, spec->argv, spec->envp, efd, spec->trampoline_fd, 0, 0,
    };
    podlab_finish_and_exec(&step);
}

pid_t podlab_clone_exec(const struct podlab_exec_spec *spec, void *stack, size_t stack_size) {
    return podlab_clone_blocked(exec_main, (char *)stack + stack_size, SIGCHLD, (void *)spec);
}
