// podlab's one way to start a program (helpers, podlab-net, the monitor, the sandbox registry, the tutor's
// command lines): posix_spawn with the descriptors, session and signal state the caller asks for.
// Containers are not started here: they are cloned into new namespaces by container.c.
#define _GNU_SOURCE
#include "cspawn.h"
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void add_stream(posix_spawn_file_actions_t *actions, int fd, int target) {
    if (fd == PODLAB_SPAWN_NULL) {
        posix_spawn_file_actions_addopen(actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0);
    } else if (fd >= 0) {
        posix_spawn_file_actions_adddup2(actions, fd, target);
    }
}

pid_t podlab_spawn(const struct podlab_spawn_request *request) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    if (request->directory) posix_spawn_file_actions_addchdir_np(&actions, request->directory);
    add_stream(&actions, request->stdin_fd, 0);
    add_stream(&actions, request->stdout_fd, 1);
    add_stream(&actions, request->stderr_fd, 2);
    if (request->pass_fd >= 0) posix_spawn_file_actions_adddup2(&actions, request->pass_fd, 3);
    if (request->close_others) posix_spawn_file_actions_addclosefrom_np(&actions, request->pass_fd >= 0 ? 4 : 3);

    short flags = POSIX_SPAWN_SETSIGMASK;
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);   /* whatever this thread blocks, the program blocks nothing */
    if (request->new_session) flags |= POSIX_SPAWN_SETSID;
    if (request->new_process_group) {
        posix_spawnattr_setpgroup(&attributes, 0);
        flags |= POSIX_SPAWN_SETPGROUP;
    }
    if (request->default_job_signals) {
        sigset_t defaults;
        sigemptyset(&defaults);
        int job[] = { SIGINT, SIGQUIT, SIGPIPE, SIGTTOU, SIGTTIN };
        for (size_t i = 0; i < sizeof(job) / sizeof(job[0]); i++) sigaddset(&defaults, job[i]);
        posix_spawnattr_setsigdefault(&attributes, &defaults);
        flags |= POSIX_SPAWN_SETSIGDEF;
    }
    posix_spawnattr_setflags(&attributes, flags);

    pid_t pid = -1;
    int status = request->search_path
        ? posix_spawnp(&pid, request->path, &actions, &attributes, request->argv, request->envp)
        : posix_spawn(&pid, request->path, &actions, &attributes, request->argv, request->envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (status != 0) { errno = status; return -1; }
    return pid;
}

/* The "Threads:" line of /proc/self/status; 0 when it cannot be read (then no fork). */
static int thread_count(void) {
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char text[4096];
    ssize_t length = read(fd, text, sizeof text - 1);
    close(fd);
    if (length <= 0) return 0;
    text[length] = 0;
    const char *line = strstr(text, "\nThreads:");
    return line ? atoi(line + 9) : 0;
}

pid_t podlab_fork_detached(int pass_fd, const char *name) {
    if (pass_fd < 3) { errno = EINVAL; return -1; }
    if (thread_count() != 1) { errno = EBUSY; return -1; }
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) return -1;
    pid_t pid = fork();
    if (pid != 0) {
        close(null);
        return pid;
    }
    /* The child: only system calls until it is set up, then back to the caller. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int number = 1; number < NSIG; number++) {
        struct sigaction current;
        if (sigaction(number, NULL, &current) != 0) continue;
        if (current.sa_handler != SIG_IGN && current.sa_handler != SIG_DFL) signal(number, SIG_DFL);
    }
    if (setsid() < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 || dup2(pass_fd, 3) < 0) _exit(125);
    for (int fd = 0; fd <= 3; fd++) fcntl(fd, F_SETFD, 0);
    syscall(SYS_close_range, 4, ~0U, 0);
    prctl(PR_SET_NAME, name, 0, 0, 0);
    return 0;
}

int podlab_wait_exit_code(pid_t pid) {
    int status = 0;
    for (;;) {
        if (waitpid(pid, &status, 0) == pid) return podlab_wstatus_exit_code(status);
        if (errno != EINTR) return -1;
    }
}

int podlab_wstatus_exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 255;
}
