// Runs one command line of the tutor's shell in the foreground of the terminal: its own process group,
// which gets the terminal (so Ctrl-C interrupts it, not the tutor), then the terminal comes back. Without a
// terminal (`check --run`, a class server's replay) the line stays in the caller's process group, so whatever
// stops that group (timeout(1) at a replay's time limit) stops the line too.
#define _GNU_SOURCE
#include "cspawn.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int podlab_run_foreground(const char *path, char *const *argv, char *const *envp, const char *directory,
                          int state_fd, int terminal_fd) {
    struct podlab_spawn_request request = {
        .path = path, .argv = argv, .envp = envp, .directory = directory,
        .stdin_fd = PODLAB_SPAWN_INHERIT, .stdout_fd = PODLAB_SPAWN_INHERIT, .stderr_fd = PODLAB_SPAWN_INHERIT,
        .pass_fd = state_fd, .new_process_group = terminal_fd >= 0, .default_job_signals = 1,
    };
    pid_t pid = podlab_spawn(&request);
    if (pid < 0) return -1;

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
            kill(terminal_fd >= 0 ? -pid : pid, SIGCONT);
            continue;
        }
        break;
    }
    if (terminal_fd >= 0) tcsetpgrp(terminal_fd, getpgrp());
    sigaction(SIGTTOU, &saved_ttou, NULL);
    sigaction(SIGINT, &saved_int, NULL);
    sigaction(SIGQUIT, &saved_quit, NULL);
    return podlab_wstatus_exit_code(wstatus);
}
