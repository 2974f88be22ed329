#ifndef PODLAB_CHILD_COMMON_H
#define PODLAB_CHILD_COMMON_H
/* Shared by the container child and the exec child: only async-signal-safe system calls. */
#define _GNU_SOURCE
#include "cspawn.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Reports a failure to the parent and ends the child. */
__attribute__((noreturn)) void podlab_child_fail(int error_fd, int stage, int error, const char *detail);

/* Drops every capability not in `caps` from the bounding set (needs to run while still root). */
int podlab_drop_bounding(uint64_t caps);

/* Sets the permitted and effective sets to `caps`, inheritable and ambient to none (root in the container only). */
int podlab_set_capabilities(uint64_t caps);

/* Writes "/proc/self/fd/N" without stdio (async-signal-safe). */
void podlab_fd_path(char *buffer, size_t size, int fd);

/* Appends src to buffer (length tracked in *used); returns -1 when it does not fit. */
int podlab_append(char *buffer, size_t size, size_t *used, const char *src);

/* Appends the decimal digits of value (as much as fits). */
void podlab_append_decimal(char *buffer, size_t size, size_t *used, unsigned value);

/* setgroups/setresgid/setresuid to the container user. */
int podlab_become_user(uint32_t uid, uint32_t gid, const uint32_t *groups, size_t count, int may_set_groups);

/* Puts stdio in place, starts a session of its own (`tty`: stdin, a pty, becomes its terminal) and closes
 * every other descriptor but the two kept (-1: none). */
int podlab_setup_stdio(int in, int out, int err, int tty, int keep_fd, int keep_fd2);

/* Every signal to its default disposition, none blocked (before the container's program runs). */
void podlab_reset_signals(void);

/* For exec and pod members (a PID namespace joined or made applies to children only): fork, and wait here for
 * the child, passing signals on and exiting with its status; the child returns and goes on to exec the program.
 * The child's pid is written to report_fd first (-1: none). With outlive_parent the waiter (and so its child)
 * survives a killed monitor, as a container's PID 1 does. */
void podlab_fork_and_wait(int report_fd, int outlive_parent);

/* setns into the namespaces open at fds, in the order given (a user namespace first), closing each; or reports the
 * failure (names[i] for the message) and exits. The caller opened them from a process it verified, so a reused
 * pid can never steer a container into another process's namespaces. */
void podlab_enter_namespaces(const int32_t *fds, const char *const *names, const int *types, int count, int error_fd);

/* Brings up the loopback interface of this process's network namespace (a new one starts with it down). */
int podlab_loopback_up(void);

size_t podlab_strlcpy(char *dest, const char *src, size_t size);

/* clone() with every signal blocked around it: the child starts with them all blocked, so no handler of
 * podlab's (set up by Swift for the parent) can run in it before podlab_reset_signals; the parent's mask is
 * restored at once. */
pid_t podlab_clone_blocked(int (*entry)(void *), void *stack_top, int flags, void *argument);

/* What every container process goes through last, in this order: stdio and session (closing all else),
 * bounding set, user, capabilities (root only), a working directory checked to be inside, no_new_privs,
 * seccomp, no parent-death signal, signals reset, then the sealed exec trampoline, which looks the program up
 * on the PATH in envp and execs it, staying as PID 1 with `init` (so /proc/self/exe is never podlab's file).
 * Never returns. */
struct podlab_final_step {
    int stdin_fd, stdout_fd, stderr_fd, tty;
    uint64_t capabilities;
    uint32_t uid, gid;
    const uint32_t *groups;
    size_t group_count;
    int may_set_groups;
    const char *cwd;
    const struct sock_fprog *seccomp;
    int init;
    char *const *argv;
    char *const *envp;
    int error_fd;
    int trampoline_fd;
    int keep_parent_death;   /* a pod member: its waiting parent's death ends it */
    int pause;               /* the pod's infra: the trampoline holds the namespaces and runs nothing */
};
__attribute__((noreturn)) void podlab_finish_and_exec(const struct podlab_final_step *step);
#endif
