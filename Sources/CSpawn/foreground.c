// Runs one command line of the tutor's shell in the foreground of the terminal: its own process group,
// which gets the terminal (so Ctrl-C interrupts it, not the tutor), then the terminal comes back.
#define _GNU_SOURCE
#include "cspawn.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int podlab_run_foreground(const char *path, char *const *argv, char *const *envp, const char *directory,
                          int state_fd, int terminal_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    if (directory) posix_spawn_file_actions_addchdir_np(&actions, directory);
    if (state_fd >= 0) posix_spawn_file_actions_adddup2(&actions, state_fd, 3);
    sigset_t defaults, none;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGQUIT);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGTTOU);
    sigaddset(&defaults, SIGTTIN);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    int status = posix_spawn(&pid, path, &actions, &attributes, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (status != 0) { errno = status; return -1; }

    // The terminal goes to the child's group; SIGTTOU is ignored so that giving it back works.
    struct sigaction ignore = {0}, saved_ttou, saved_int, saved_quit;
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGTTOU, &ignore, &saved_ttou);
    sigaction(SIGINT, &ignore, &saved_int);
    sigaction(SIGQUIT, &ignore, &saved_quit);
    if (terminal_fd >= 0) {
        setpgid(pid, pid);
        tcsetpgrp(terminal_fd, pid);
    }
    int wstatus = 0;
    for (;;) {
        pid_t done = waitpid(pid, &wstatus, WUNTRACED);
        if (done < 0 && errno == EINTR) continue;
        if (done < 0) { wstatus = 255 << 8; break; }
        if (WIFSTOPPED(wstatus)) {
            // No job control here: a stopped line is continued (Ctrl-Z does nothing).
            kill(-pid, SIGCONT);
            continue;
        }
        break;
    }
    if (terminal_fd >= 0) tcsetpgrp(terminal_fd, getpgrp());
    sigaction(SIGTTOU, &saved_ttou, NULL);
    sigaction(SIGINT, &saved_int, NULL);
    sigaction(SIGQUIT, &saved_quit, NULL);
    if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
    return 255;
}
