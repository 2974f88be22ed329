/*
 * podlab's container monitor, while the container runs: a small C program (libc only) that a detached
 * container's monitor execs once the container has started, so that what stays beside each running container
 * is about 2 MB of resident memory instead of podlab's Swift runtime and binary (#16's 40-learner sizing).
 *
 * The Swift monitor (`podlab-monitor SPEC`, ContainerMonitor.swift) prepares and starts the container, records
 * it running, then execs this program out of a sealed memfd (MonitorProgram.swift). It keeps the pid, so the
 * container stays its child and `state.monitorPid` stays true. It relays the container's output into the log and
 * forwards published ports (podlab_supervise, the same loop an attached `run` uses in-process), and when the
 * container has ended it execs podlab again, from the descriptor of the binary that started it, as
 * `podlab-monitor --exited SPEC CODE` for the bookkeeping (the exit in containers.json, --rm, the journal).
 *
 * Built by Plugins/EmbeddedProgramsPlugin with the toolchain's clang, linked only against the host's libc.
 * What it holds while the container runs: the relay, log and port descriptors, an O_PATH descriptor of
 * podlab's binary (nothing can be read or written through it), and a port connector (forked, in the container's user and network namespaces) that keeps
 * only its channel.
 *
 * argv: podlab-monitor CHILD OUT_FROM OUT_TO ERR_FROM ERR_TO IN_FROM IN_TO IN_CLOSE WINCH_FROM WINCH_TO LOG_FD
 *       LOG_K8S FORWARD_SIGNALS READY_FD USERNS_FD NETNS_FD PODLAB_FD FORWARDS [LISTEN_FD PORT UDP]... -- ARGV...
 * The numbers are podlab_supervise_spec's fields (-1: unused); FORWARDS triples follow; ARGV (its first element
 * the program name) is exec'd from PODLAB_FD with the container's exit code appended.
 */
#define _GNU_SOURCE
#include "cspawn.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define FIELD_COUNT 17
#define MAX_FORWARDS 4096

/* Once its pid is read: a container this program cannot watch is not left running unwatched. */
static pid_t watched = 0;

__attribute__((noreturn)) static void usage(void) {
    static const char text[] = "podlab-monitor: podlab starts this program beside a detached container; it is not a command\n";
    ssize_t ignored = write(2, text, sizeof(text) - 1);
    (void)ignored;
    if (watched > 0) {
        kill(watched, SIGKILL);
        while (waitpid(watched, NULL, 0) < 0 && errno == EINTR) {}
    }
    _exit(125);
}

static int32_t number(const char *text, long lowest, long highest) {
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < lowest || value > highest) usage();
    return (int32_t)value;
}

int main(int argc, char **argv) {
    prctl(PR_SET_NAME, "podlab-monitor", 0, 0, 0);
    if (argc < 2 + FIELD_COUNT) usage();
    int32_t field[FIELD_COUNT];
    for (int i = 0; i < FIELD_COUNT; i++) {
        field[i] = number(argv[1 + i], i == 0 ? 1 : -1, i == 0 ? INT_MAX : 65535);
        if (i == 0) watched = field[0];
    }
    int at = 1 + FIELD_COUNT;
    int32_t count = number(argv[at++], 0, MAX_FORWARDS);
    if (argc < at + 3 * count + 2) usage();
    struct podlab_forward forwards[count + 1];
    for (int32_t i = 0; i < count; i++) {
        forwards[i].listen_fd = number(argv[at++], 0, 65535);
        forwards[i].container_port = number(argv[at++], 1, 65535);
        forwards[i].udp = number(argv[at++], 0, 1);
    }
    if (strcmp(argv[at++], "--") != 0) usage();
    char **finish = argv + at;
    int finish_count = argc - at;
    int podlab_fd = field[16];
    if (podlab_fd < 0) usage();

    struct podlab_supervise_spec spec;
    memset(&spec, 0, sizeof(spec));
    spec.child = field[0];
    spec.out_from = field[1]; spec.out_to = field[2];
    spec.err_from = field[3]; spec.err_to = field[4];
    spec.in_from = field[5]; spec.in_to = field[6]; spec.in_close = field[7];
    spec.winch_from = field[8]; spec.winch_to = field[9];
    spec.log_fd = field[10]; spec.log_k8s = field[11];
    spec.forward_signals = field[12];
    spec.ready_fd = field[13];
    spec.userns_fd = field[14]; spec.netns_fd = field[15];
    spec.forwards = forwards;
    spec.forward_count = (size_t)count;

    /* The container has ended (reaped: a status of -1 means it was ended for want of memory to watch it). */
    int status = podlab_supervise(&spec);
    int code = status < 0 ? 125 : podlab_wstatus_exit_code(status);

    /* The bookkeeping is podlab's: nothing of the container's stays open in it. The signals podlab blocked before
     * the first exec stay blocked through this one, so a late SIGTERM cannot end it before the exit is recorded. */
    char digits[16];
    snprintf(digits, sizeof(digits), "%d", code);
    char *arguments[finish_count + 2];
    for (int i = 0; i < finish_count; i++) arguments[i] = finish[i];
    arguments[finish_count] = digits;
    arguments[finish_count + 1] = NULL;
    if (podlab_fd != 3) {
        if (dup2(podlab_fd, 3) < 0) _exit(code);
        podlab_fd = 3;
    }
    syscall(SYS_close_range, 4u, ~0u, 0u);
    fcntl(podlab_fd, F_SETFD, FD_CLOEXEC);
    syscall(SYS_execveat, podlab_fd, "", arguments, environ, AT_EMPTY_PATH);
    /* podlab could not be run: the record stays `running` until the next command sees the container gone and
     * shows it exited, without its exit code; --rm and the journal's "died" are lost. */
    _exit(code);
}
