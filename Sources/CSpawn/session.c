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

struct holder_args { int lock_fd; int ready_fd; uid_t uid; gid_t gid; };

static int write_text(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t length = (ssize_t)strlen(text);
    ssize_t written = write(fd, text, (size_t)length);
    close(fd);
    return written == length ? 0 : -1;
}

/* Decimal digits of `value` (async-signal-safe). */
static void decimal(char *buffer, size_t size, unsigned value) {
    char digits[16];
    int count = 0;
    do { digits[count++] = (char)('0' + value % 10); value /= 10; } while (value && count < 15);
    size_t used = 0;
    for (int i = count - 1; i >= 0 && used + 1 < size; i--) buffer[used++] = digits[i];
    buffer[used] = '\0';
}

/* "N N 1\n": the learner's own id maps to itself, and no other id exists inside. */
static void id_line(char *buffer, size_t size, unsigned value) {
    char number[16];
    decimal(number, sizeof(number), value);
    size_t used = 0;
    buffer[0] = '\0';
    podlab_append(buffer, size, &used, number);
    podlab_append(buffer, size, &used, " ");
    podlab_append(buffer, size, &used, number);
    podlab_append(buffer, size, &used, " 1\n");
}

/* "failed STEP ERRNO" on the ready pipe (SessionNetwork reads it). */
static void report(int fd, const char *step, int error) {
    char line[96], number[16];
    size_t used = 0;
    line[0] = '\0';
    decimal(number, sizeof(number), (unsigned)error);
    podlab_append(line, sizeof(line), &used, "failed ");
    podlab_append(line, sizeof(line), &used, step);
    podlab_append(line, sizeof(line), &used, " ");
    podlab_append(line, sizeof(line), &used, number);
    (void)!write(fd, line, used);
}

/* The holder: takes the lock (held for as long as it lives), makes the namespaces, brings lo up, says ready
 * ("ready PID") and waits for SIGTERM. Forked twice, so that it is nobody's child to reap. */
static int holder_main(void *argument) {
    const struct holder_args *args = argument;
    pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid != 0) _exit(pid < 0 ? 1 : 0);
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
    step = "stdio";
    if (podlab_setup_stdio(-1, -1, -1, 0, args->lock_fd, args->ready_fd) != 0) goto fail;
    prctl(PR_SET_NAME, "podlab-session", 0, 0, 0);
    podlab_reset_signals();
    char said[32], number[16];
    size_t used = 0;
    said[0] = '\0';
    decimal(number, sizeof(number), (unsigned)syscall(SYS_getpid));
    podlab_append(said, sizeof(said), &used, PODLAB_READY_WORD " ");
    podlab_append(said, sizeof(said), &used, number);
    (void)!write(args->ready_fd, said, used);
    close(args->ready_fd);
    for (;;) pause();
fail:
    report(args->ready_fd, step, errno);
    _exit(1);
}

pid_t podlab_session_start(int lock_fd, int ready_fd) {
    struct holder_args args = { lock_fd, ready_fd, getuid(), getgid() };
    void *stack = mmap(NULL, SESSION_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return -1;
    pid_t pid = podlab_clone_blocked(holder_main, (char *)stack + SESSION_STACK, SIGCHLD, &args);
    int saved = errno;
    int code = pid < 0 ? -1 : podlab_wait_exit_code(pid);
    munmap(stack, SESSION_STACK);
    if (pid < 0) { errno = saved; return -1; }
    if (code != 0) { errno = ECHILD; return -1; }
    return 0;
}

struct socket_args {
    int user_fd, net_fd, reply_fd;
    int udp, connect_only;
    struct sockaddr_in address;
};

/* Enters the session and makes the socket there: bound and listening (TCP) or bound (UDP), or connected. The
 * descriptor goes back over reply_fd with SCM_RIGHTS; on failure, an errno. */
static int socket_main(void *argument) {
    const struct socket_args *args = argument;
    int error = 0;
    if (setns(args->user_fd, CLONE_NEWUSER) != 0 || setns(args->net_fd, CLONE_NEWNET) != 0) {
        error = errno;
    } else {
        int fd = socket(AF_INET, (args->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            error = errno;
        } else if (args->connect_only) {
            if (connect(fd, (const struct sockaddr *)&args->address, sizeof(args->address)) != 0) error = errno;
        } else {
            int yes = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
            if (bind(fd, (const struct sockaddr *)&args->address, sizeof(args->address)) != 0) error = errno;
            else if (!args->udp && listen(fd, 128) != 0) error = errno;
        }
        if (error == 0) {
            char control[CMSG_SPACE(sizeof(int))];
            memset(control, 0, sizeof(control));
            int32_t none = 0;
            struct iovec data = { &none, sizeof(none) };
            struct msghdr message = { .msg_iov = &data, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control) };
            struct cmsghdr *header = CMSG_FIRSTHDR(&message);
            header->cmsg_level = SOL_SOCKET;
            header->cmsg_type = SCM_RIGHTS;
            header->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(header), &fd, sizeof(int));
            if (sendmsg(args->reply_fd, &message, MSG_NOSIGNAL) < 0) _exit(1);
            _exit(0);
        }
    }
    int32_t code = error ? error : EIO;
    (void)!write(args->reply_fd, &code, sizeof(code));
    _exit(0);
}

int podlab_session_socket(int user_fd, int net_fd, const char *ipv4, int port, int udp, int connect_only) {
    struct socket_args args;
    memset(&args, 0, sizeof(args));
    args.user_fd = user_fd;
    args.net_fd = net_fd;
    args.udp = udp;
    args.connect_only = connect_only;
    args.address.sin_family = AF_INET;
    args.address.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, ipv4, &args.address.sin_addr) != 1) { errno = EINVAL; return -1; }
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) != 0) return -1;
    args.reply_fd = pair[1];
    void *stack = mmap(NULL, SESSION_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) { close(pair[0]); close(pair[1]); return -1; }
    pid_t pid = podlab_clone_blocked(socket_main, (char *)stack + SESSION_STACK, SIGCHLD, &args);
    int saved = errno;
    close(pair[1]);
    int result = -1;
    if (pid < 0) {
        errno = saved;
    } else {
        int32_t code = 0;
        char control[CMSG_SPACE(sizeof(int))];
        memset(control, 0, sizeof(control));
        struct iovec data = { &code, sizeof(code) };
        struct msghdr message = { .msg_iov = &data, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control) };
        ssize_t got;
        do { got = recvmsg(pair[0], &message, MSG_CMSG_CLOEXEC); } while (got < 0 && errno == EINTR);
        struct cmsghdr *header = got > 0 ? CMSG_FIRSTHDR(&message) : NULL;
        if (header && header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
            memcpy(&result, CMSG_DATA(header), sizeof(int));
        } else {
            saved = got == (ssize_t)sizeof(code) && code > 0 ? code : EIO;
        }
        podlab_wait_exit_code(pid);
        if (result < 0) errno = saved;
    }
    munmap(stack, SESSION_STACK);
    close(pair[0]);
    return result;
}

struct run_args { int user_fd, net_fd, error_fd; const char *path; char *const *argv; char *const *envp; };

/* A program in the session network (`podlab session exec`): it keeps the caller's terminal and files; inside, it
 * is the learner's own id with no capability left once it execs (as any program an ordinary user runs). */
static int run_main(void *argument) {
    const struct run_args *args = argument;
    if (setns(args->user_fd, CLONE_NEWUSER) != 0 || setns(args->net_fd, CLONE_NEWNET) != 0) {
        podlab_child_fail(args->error_fd, PODLAB_STAGE_SETNS, errno, "session network");
    }
    close(args->user_fd);
    close(args->net_fd);
    podlab_reset_signals();
    execve(args->path, args->argv, args->envp);
    podlab_child_fail(args->error_fd, errno == ENOENT ? PODLAB_STAGE_EXEC_NOT_FOUND : PODLAB_STAGE_EXEC, errno, args->path);
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
