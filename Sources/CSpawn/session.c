#define _GNU_SOURCE
#include "child_common.h"
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>

/*
 * A learner's session network (SessionNetwork.swift): a user namespace of the learner's own holding a network
 * namespace with only a loopback interface. Published ports are bound there, so forty learners on one lab
 * server can each publish 8080, and no learner reaches another's. podlab itself stays in the host's
 * namespaces; only sockets are made inside (by a short-lived child) and handed back.
 */

#define SESSION_STACK (64 * 1024)

struct holder_args { int lock_fd; int ready_fd; int commit_fd; int commit_write_fd; int trampoline_fd; uid_t uid; gid_t gid; };

static int write_text(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t length = (ssize_t)strlen(text);
    ssize_t written = write(fd, text, (size_t)length);
    close(fd);
    return written == length ? 0 : -1;
}

/* "N N 1\n": the learner's own id maps to itself, and no other id exists inside. */
static void id_line(char *buffer, size_t size, unsigned value) {
    size_t used = 0;
    buffer[0] = '\0';
    podlab_append_decimal(buffer, size, &used, value);
    podlab_append(buffer, size, &used, " ");
    podlab_append_decimal(buffer, size, &used, value);
    podlab_append(buffer, size, &used, " 1\n");
}

/* ReadyPipe's words: "ready\tPID", or "failed\tERRNO\tSTEP" (for this child the status field is the errno). */
static void say(int fd, const char *word, unsigned number, const char *step) {
    char line[96];
    size_t used = 0;
    line[0] = '\0';
    podlab_append(line, sizeof(line), &used, word);
    podlab_append(line, sizeof(line), &used, "\t");
    podlab_append_decimal(line, sizeof(line), &used, number);
    if (step) {
        podlab_append(line, sizeof(line), &used, "\t");
        podlab_append(line, sizeof(line), &used, step);
    }
    (void)!write(fd, line, used);
}

/* The holder: takes the lock (held for as long as it lives), makes the namespaces, brings lo up, says ready
 * ("ready\tPID") and waits for the starter's commit byte, which comes once the starter has recorded it: end of
 * file instead (the starter failed or was killed) ends it, so no holder outlives an unfinished start. Then it
 * closes everything but the lock and waits for SIGTERM, as the sealed trampoline ("podlab-hold"). Forked twice:
 * it is reparented to init (or a subreaper), never left for podlab to reap. */
static int holder_main(void *argument) {
    const struct holder_args *args = argument;
    pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) {
        say(args->ready_fd, "failed", (unsigned)errno, "fork");
        _exit(1);
    }
    if (pid != 0) _exit(0);
    close(args->commit_write_fd);   /* the starter's end only: its closing (or death) is the end of file */
    const char *step = "lock";
    if (flock(args->lock_fd, LOCK_EX | LOCK_NB) != 0) goto fail;
    step = "unshare";
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) goto fail;
    char line[48];
    step = "setgroups";
    if (write_text("/proc/self/setgroups", "deny") != 0) goto fail;
    step = "uid_map";
    id_line(line, sizeof(line), args->uid);
    if (write_text("/proc/self/uid_map", line) != 0) goto fail;
    step = "gid_map";
    id_line(line, sizeof(line), args->gid);
    if (write_text("/proc/self/gid_map", line) != 0) goto fail;
    step = "loopback";
    if (podlab_loopback_up() != 0) goto fail;
    step = "chdir";
    if (chdir("/") != 0) goto fail;
    say(args->ready_fd, PODLAB_READY_WORD, (unsigned)syscall(SYS_getpid), NULL);
    close(args->ready_fd);
    char commit;
    ssize_t got;
    do { got = read(args->commit_fd, &commit, 1); } while (got < 0 && errno == EINTR);
    if (got != 1) _exit(1);
    close(args->commit_fd);
    if (podlab_setup_stdio(-1, -1, -1, 0, args->lock_fd, args->trampoline_fd) != 0) _exit(1);
    /* Hold on as the sealed trampoline ("podlab-hold LOCK_FD"): a fresh image of a few pages instead of this copy
     * of podlab's memory (which may hold what the starting command read, such as registry credentials). */
    if (args->trampoline_fd >= 0 && fcntl(args->lock_fd, F_SETFD, 0) == 0) {
        char digits[16];
        size_t used = 0;
        podlab_append_decimal(digits, sizeof(digits), &used, (unsigned)args->lock_fd);
        digits[used] = '\0';
        char *argv[] = { "podlab-hold", digits, "session", NULL };
        char *envp[] = { NULL };
        syscall(SYS_execveat, args->trampoline_fd, "", argv, envp, AT_EMPTY_PATH);
    }
    prctl(PR_SET_NAME, "podlab-session", 0, 0, 0);
    podlab_reset_signals();
    for (;;) pause();
fail:
    say(args->ready_fd, "failed", (unsigned)errno, step);
    _exit(1);
}

int podlab_session_start(int lock_fd, int ready_fd, int commit_fd, int commit_write_fd, int trampoline_fd) {
    struct holder_args args = { lock_fd, ready_fd, commit_fd, commit_write_fd, trampoline_fd, geteuid(), getegid() };
    void *stack = mmap(NULL, SESSION_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return -1;
    pid_t pid = podlab_clone_blocked(holder_main, (char *)stack + SESSION_STACK, SIGCHLD, &args);
    int saved = errno;
    if (pid >= 0) podlab_wait_exit_code(pid);   /* the holder reports its failures on ready_fd, as the fork's */
    munmap(stack, SESSION_STACK);
    if (pid < 0) { errno = saved; return -1; }
    return 0;
}

/* The reply of a child that made a socket inside the session: on failure, where and why. */
struct socket_reply { int32_t entered; int32_t error; };

struct socket_args {
    int user_fd, net_fd, reply_fd;
    int udp, connect_only;
    struct sockaddr_in address;
};

static void reply_failure(int fd, int entered, int error) {
    struct socket_reply reply = { entered, error ? error : EIO };
    (void)!send(fd, &reply, sizeof(reply), MSG_NOSIGNAL);
}

/* Enters the session and makes the socket there: bound and listening (TCP) or bound (UDP), or connected. The
 * descriptor goes back over reply_fd (SOCK_SEQPACKET: the parent sees end of file if this child dies) with
 * SCM_RIGHTS; on failure, a socket_reply. */
static int socket_main(void *argument) {
    const struct socket_args *args = argument;
    if (setns(args->user_fd, CLONE_NEWUSER) != 0 || setns(args->net_fd, CLONE_NEWNET) != 0) {
        reply_failure(args->reply_fd, 0, errno);
        _exit(0);
    }
    int fd = socket(AF_INET, (args->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        reply_failure(args->reply_fd, 1, errno);
        _exit(0);
    }
    if (args->connect_only) {
        if (connect(fd, (const struct sockaddr *)&args->address, sizeof(args->address)) != 0) {
            reply_failure(args->reply_fd, 1, errno);
            _exit(0);
        }
    } else {
        int yes = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        if (bind(fd, (const struct sockaddr *)&args->address, sizeof(args->address)) != 0 ||
            (!args->udp && listen(fd, 128) != 0)) {
            reply_failure(args->reply_fd, 1, errno);
            _exit(0);
        }
    }
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof(control));
    struct socket_reply none = { 1, 0 };
    struct iovec data = { &none, sizeof(none) };
    struct msghdr message = { .msg_iov = &data, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control) };
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof(int));
    if (sendmsg(args->reply_fd, &message, MSG_NOSIGNAL) < 0) reply_failure(args->reply_fd, 1, errno);
    _exit(0);
}

int podlab_session_socket(int user_fd, int net_fd, const char *ipv4, int port, int udp, int connect_only, int *entered) {
    *entered = 0;
    struct socket_args args;
    memset(&args, 0, sizeof(args));
    args.user_fd = user_fd;
    args.net_fd = net_fd;
    args.udp = udp;
    args.connect_only = connect_only;
    args.address.sin_family = AF_INET;
    args.address.sin_port = htons((uint16_t)port);
    if (port < 0 || port > 65535 || inet_pton(AF_INET, ipv4, &args.address.sin_addr) != 1) { errno = EINVAL; return -1; }
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return -1;
    args.reply_fd = pair[1];
    void *stack = mmap(NULL, SESSION_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) { close(pair[0]); close(pair[1]); return -1; }
    pid_t pid = podlab_clone_blocked(socket_main, (char *)stack + SESSION_STACK, SIGCHLD, &args);
    int saved = errno;
    close(pair[1]);
    int result = -1;
    if (pid >= 0) {
        struct socket_reply reply = { 0, 0 };
        char control[CMSG_SPACE(sizeof(int))];
        memset(control, 0, sizeof(control));
        struct iovec data = { &reply, sizeof(reply) };
        struct msghdr message = { .msg_iov = &data, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control) };
        ssize_t got;
        do { got = recvmsg(pair[0], &message, MSG_CMSG_CLOEXEC); } while (got < 0 && errno == EINTR);
        struct cmsghdr *header = got > 0 ? CMSG_FIRSTHDR(&message) : NULL;
        if (header && header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
            memcpy(&result, CMSG_DATA(header), sizeof(int));
            *entered = 1;
        } else if (got == (ssize_t)sizeof(reply)) {
            *entered = reply.entered;
            saved = reply.error;
        } else {
            saved = EIO;   /* the child ended without a word */
        }
        podlab_wait_exit_code(pid);
    }
    munmap(stack, SESSION_STACK);
    close(pair[0]);
    if (result < 0) errno = saved;
    return result;
}

struct run_args { int user_fd, net_fd, error_fd; const char *path; char *const *argv; char *const *envp; };

/* A program in the session network (`podlab session exec`): it keeps the caller's terminal, files and id. An
 * ordinary user has no capability left once it execs; root stays root of the session's own namespaces. */
static int run_main(void *argument) {
    const struct run_args *args = argument;
    if (setns(args->user_fd, CLONE_NEWUSER) != 0 || setns(args->net_fd, CLONE_NEWNET) != 0) {
        podlab_child_fail(args->error_fd, PODLAB_STAGE_SETNS, errno, "session network");
    }
    close(args->user_fd);
    close(args->net_fd);
    podlab_reset_signals();
    execve(args->path, args->argv, args->envp);
    int stage = errno == ENOENT ? PODLAB_STAGE_EXEC_NOT_FOUND : errno == EACCES ? PODLAB_STAGE_EXEC_DENIED : PODLAB_STAGE_EXEC;
    podlab_child_fail(args->error_fd, stage, errno, args->path);
}

pid_t podlab_session_run(int user_fd, int net_fd, int error_fd, const char *path, char *const *argv, char *const *envp) {
    struct run_args args = { user_fd, net_fd, error_fd, path, argv, envp };
    void *stack = mmap(NULL, SESSION_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return -1;
    pid_t pid = podlab_clone_blocked(run_main, (char *)stack + SESSION_STACK, SIGCHLD | CLONE_VFORK, &args);
    int saved = errno;
    munmap(stack, SESSION_STACK);
    errno = saved;
    return pid;
}
