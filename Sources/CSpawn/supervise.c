#define _GNU_SOURCE
#include "cspawn.h"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/uio.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/*
 * The supervisor: waits for the container's first process, relays its output (to the terminal and the
 * log) and forwards published ports. Connections into the container's network namespace are opened by
 * a small connector process that joined the container's user and network namespaces; it hands each
 * connected socket back over a socketpair (SCM_RIGHTS), so the supervisor itself stays on the host.
 */

#define MAX_CONNECTIONS 256
#define MAX_UDP_CLIENTS 64
#define BUFFER_SIZE 65536

struct pipe_buffer { char *data; size_t length, offset; int closed; };

struct connection {
    int host_fd, container_fd;
    struct pipe_buffer to_container, to_host;
};

struct udp_client {
    int forward;                 /* index into forwards */
    struct sockaddr_storage address;
    socklen_t address_length;
    int container_fd;
};

/* The connector: joins the namespaces, then answers "port/udp" requests with a connected socket. */
static void connector_main(int channel, int userns_fd, int netns_fd) {
    if (userns_fd >= 0 && setns(userns_fd, CLONE_NEWUSER) != 0) _exit(1);
    if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) != 0) _exit(1);
    /* Keep nothing of the supervisor's but the channel (move it to 3, close the rest). */
    if (channel != 3) {
        if (dup2(channel, 3) < 0) _exit(1);
        channel = 3;
    }
    syscall(SYS_close_range, 4u, ~0u, 0u);
    for (;;) {
        int32_t request[2];
        ssize_t got = recv(channel, request, sizeof(request), 0);
        if (got != sizeof(request)) _exit(0);
        int fd = socket(AF_INET, (request[1] ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        int32_t error = 0;
        if (fd >= 0) {
            struct sockaddr_in address;
            memset(&address, 0, sizeof(address));
            address.sin_family = AF_INET;
            address.sin_port = htons((uint16_t)request[0]);
            address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) { error = errno; close(fd); fd = -1; }
        } else {
            error = errno;
        }
        struct msghdr message;
        struct iovec vector = { &error, sizeof(error) };
        char control[CMSG_SPACE(sizeof(int))];
        memset(&message, 0, sizeof(message));
        memset(control, 0, sizeof(control));
        message.msg_iov = &vector;
        message.msg_iovlen = 1;
        if (fd >= 0) {
            message.msg_control = control;
            message.msg_controllen = sizeof(control);
            struct cmsghdr *header = CMSG_FIRSTHDR(&message);
            header->cmsg_level = SOL_SOCKET;
            header->cmsg_type = SCM_RIGHTS;
            header->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(header), &fd, sizeof(int));
        }
        if (sendmsg(channel, &message, 0) < 0) _exit(0);
        if (fd >= 0) close(fd);
    }
}

static int request_socket(int channel, int port, int udp) {
    int32_t request[2] = { port, udp };
    if (send(channel, request, sizeof(request), 0) != sizeof(request)) return -1;
    int32_t error = 0;
    struct msghdr message;
    struct iovec vector = { &error, sizeof(error) };
    char control[CMSG_SPACE(sizeof(int))];
    memset(&message, 0, sizeof(message));
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    if (recvmsg(channel, &message, MSG_CMSG_CLOEXEC) <= 0) return -1;
    if (error != 0) { errno = error; return -1; }
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    if (header == NULL || header->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(header), sizeof(int));
    return fd;
}

static void set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void write_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t written = write(fd, data, length);
        if (written < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) { struct pollfd p = { fd, POLLOUT, 0 }; poll(&p, 1, 1000); continue; }
            return;
        }
        data += written;
        length -= (size_t)written;
    }
}

/* Copies what is available from a relay source to its destination and the log; returns 0 at EOF. */
/* A log stream in podman's k8s-file format: each line as "2026-11-29T10:04:18.971203781Z stdout F text";
 * a line still being written is kept until its newline, or logged as P (partial) at the end. */
struct log_stream {
    const char *name;
    char pending[BUFFER_SIZE];
    size_t length;
};

static void log_line(int log_fd, const char *stream, const char *tag, const char *text, size_t length) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm parts;
    gmtime_r(&now.tv_sec, &parts);
    char prefix[96];
    int size = snprintf(prefix, sizeof(prefix), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ %s %s ", parts.tm_year + 1900, parts.tm_mon + 1,
                        parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, now.tv_nsec, stream, tag);
    if (size <= 0) return;
    struct iovec pieces[3] = { { prefix, (size_t)size }, { (void *)text, length }, { "\n", 1 } };
    ssize_t ignored = writev(log_fd, pieces, 3);
    (void)ignored;
}

static void log_chunk(int log_fd, struct log_stream *stream, const char *data, size_t length, int final) {
    for (size_t i = 0; i < length; i++) {
        char c = data[i];
        if (c == '\n') {
            log_line(log_fd, stream->name, "F", stream->pending, stream->length);
            stream->length = 0;
        } else {
            if (stream->length == sizeof(stream->pending)) {
                log_line(log_fd, stream->name, "P", stream->pending, stream->length);
                stream->length = 0;
            }
            stream->pending[stream->length++] = c;
        }
    }
    if (final && stream->length > 0) {
        log_line(log_fd, stream->name, "P", stream->pending, stream->length);
        stream->length = 0;
    }
}

static int relay_once(int from, int to, int log_fd, struct log_stream *stream, char *buffer) {
    ssize_t got = read(from, buffer, BUFFER_SIZE);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
    if (got <= 0) {
        if (stream && log_fd >= 0) log_chunk(log_fd, stream, buffer, 0, 1);
        return 0;
    }
    if (to >= 0) write_all(to, buffer, (size_t)got);
    if (log_fd >= 0) {
        if (stream) log_chunk(log_fd, stream, buffer, (size_t)got, 0);
        else write_all(log_fd, buffer, (size_t)got);
    }
    return 1;
}

static int pump(int from, int to, struct pipe_buffer *buffer) {
    if (buffer->length == buffer->offset && !buffer->closed) {
        ssize_t got = read(from, buffer->data, BUFFER_SIZE);
        if (got == 0) { buffer->closed = 1; shutdown(to, SHUT_WR); }
        else if (got < 0) { if (errno != EAGAIN && errno != EINTR) return -1; }
        else { buffer->length = (size_t)got; buffer->offset = 0; }
    }
    if (buffer->offset < buffer->length) {
        ssize_t written = write(to, buffer->data + buffer->offset, buffer->length - buffer->offset);
        if (written < 0) { if (errno != EAGAIN && errno != EINTR) return -1; }
        else buffer->offset += (size_t)written;
    }
    return 0;
}

static void close_connection(struct connection *c) {
    close(c->host_fd);
    close(c->container_fd);
    free(c->to_container.data);
    free(c->to_host.data);
    memset(c, 0, sizeof(*c));
    c->host_fd = c->container_fd = -1;
}

int podlab_supervise(const struct podlab_supervise_spec *spec) {
    sigset_t mask, old;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
    if (spec->forward_signals)
        for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++) sigaddset(&mask, forwarded[i]);
    if (spec->winch_from >= 0) sigaddset(&mask, SIGWINCH);
    sigprocmask(SIG_BLOCK, &mask, &old);
    /* A container that closed its stdin makes our write fail with EPIPE, not end us. */
    struct sigaction ignore_pipe, saved_pipe;
    memset(&ignore_pipe, 0, sizeof(ignore_pipe));
    ignore_pipe.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore_pipe, &saved_pipe);
    int signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

    struct connection *connections = calloc(MAX_CONNECTIONS, sizeof(struct connection));
    struct udp_client *clients = calloc(MAX_UDP_CLIENTS, sizeof(struct udp_client));
    char *buffer = malloc(BUFFER_SIZE);
    size_t capacity = 5 + spec->forward_count + MAX_CONNECTIONS * 2 + MAX_UDP_CLIENTS;
    struct pollfd *fds = calloc(capacity, sizeof(struct pollfd));
    struct log_stream *out_stream = spec->log_k8s ? calloc(1, sizeof(struct log_stream)) : NULL;
    struct log_stream *err_stream = spec->log_k8s ? calloc(1, sizeof(struct log_stream)) : NULL;
    if (!connections || !clients || !buffer || !fds || (spec->log_k8s && (!out_stream || !err_stream))) {
        /* Nothing to watch it with: the container is not left running unwatched. It ends before anyone hears it
         * is ready, and -1 says why. */
        kill(spec->child, SIGKILL);
        while (waitpid(spec->child, NULL, 0) < 0 && errno == EINTR) {}
        free(out_stream); free(err_stream);
        free(connections); free(clients); free(buffer); free(fds);
        close(signal_fd);
        sigaction(SIGPIPE, &saved_pipe, NULL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return -1;
    }
    /* The container runs and its ports are bound: tell whoever waits (before forking, so that the
     * connector does not inherit the descriptor and keep the waiter waiting). */
    if (spec->ready_fd >= 0) {
        write_all(spec->ready_fd, PODLAB_READY_WORD, sizeof(PODLAB_READY_WORD) - 1);
        close(spec->ready_fd);
    }
    int channel = -1;
    pid_t connector = -1;
    if (spec->forward_count > 0) {
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == 0) {
            connector = fork();
            if (connector == 0) {
                close(pair[0]);
                connector_main(pair[1], spec->userns_fd, spec->netns_fd);
                _exit(0);
            }
            close(pair[1]);
            channel = pair[0];
        }
    }

    for (int i = 0; i < MAX_CONNECTIONS; i++) connections[i].host_fd = connections[i].container_fd = -1;
    for (int i = 0; i < MAX_UDP_CLIENTS; i++) clients[i].container_fd = -1;
    for (size_t i = 0; i < spec->forward_count; i++) set_nonblocking(spec->forwards[i].listen_fd);

    int out_from = spec->out_from, err_from = spec->err_from, in_from = spec->in_from, in_to = spec->in_to;
    if (out_stream) out_stream->name = "stdout";
    if (err_stream) err_stream->name = "stderr";
    int status = -1, exited = 0;
    /* The child may have ended before SIGCHLD was blocked (its signal then went nowhere): look once now;
     * any later end leaves a SIGCHLD pending for the signalfd. */
    if (waitpid(spec->child, &status, WNOHANG) == spec->child) exited = 1;
    while (!exited || out_from >= 0 || err_from >= 0) {
        size_t count = 0;
        fds[count++] = (struct pollfd){ signal_fd, POLLIN, 0 };
        size_t out_index = count; fds[count++] = (struct pollfd){ out_from, POLLIN, 0 };
        size_t err_index = count; fds[count++] = (struct pollfd){ err_from, POLLIN, 0 };
        size_t in_index = count; fds[count++] = (struct pollfd){ exited ? -1 : in_from, POLLIN, 0 };
        size_t listen_base = count;
        for (size_t i = 0; i < spec->forward_count; i++) fds[count++] = (struct pollfd){ exited ? -1 : spec->forwards[i].listen_fd, POLLIN, 0 };
        size_t connection_base = count;
        for (int i = 0; i < MAX_CONNECTIONS; i++) {
            struct connection *c = &connections[i];
            short host_events = 0, container_events = 0;
            if (c->host_fd >= 0) {
                if (!c->to_container.closed && c->to_container.offset == c->to_container.length) host_events |= POLLIN;
                if (c->to_host.offset < c->to_host.length) host_events |= POLLOUT;
                if (!c->to_host.closed && c->to_host.offset == c->to_host.length) container_events |= POLLIN;
                if (c->to_container.offset < c->to_container.length) container_events |= POLLOUT;
            }
            fds[count++] = (struct pollfd){ c->host_fd, host_events, 0 };
            fds[count++] = (struct pollfd){ c->container_fd, container_events, 0 };
        }
        size_t client_base = count;
        for (int i = 0; i < MAX_UDP_CLIENTS; i++) fds[count++] = (struct pollfd){ clients[i].container_fd, POLLIN, 0 };

        /* After the child has gone, drain output for a moment and stop. */
        int ready = poll(fds, count, exited ? 200 : -1);
        if (ready < 0 && errno != EINTR) break;
        if (ready == 0 && exited) break;

        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo info;
            while (read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
                if ((int)info.ssi_signo == SIGWINCH) {
                    podlab_copy_window_size(spec->winch_from, spec->winch_to);
                } else if ((int)info.ssi_signo == SIGCHLD) {
                    int child_status;
                    pid_t reaped;
                    while ((reaped = waitpid(-1, &child_status, WNOHANG)) > 0) {
                        if (reaped == spec->child) { status = child_status; exited = 1; }
                    }
                } else if (!exited) {
                    /* Sent by someone (podman stop, kill) or by the terminal (Ctrl-C): pass it on. The container
                     * has a session of its own, so nothing else brings it the terminal's signals. Only while the
                     * child is unreaped: once reaped, its pid may be another process's. */
                    kill(spec->child, (int)info.ssi_signo);
                }
            }
        }
        if (out_from >= 0 && (fds[out_index].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (!relay_once(out_from, spec->out_to, spec->log_fd, out_stream, buffer)) out_from = -1; /* the caller owns and closes it */
        }
        if (in_from >= 0 && (fds[in_index].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (!relay_once(in_from, in_to, -1, NULL, buffer)) {
                in_from = -1;
                if (spec->in_close && in_to >= 0) { close(in_to); in_to = -1; }
            }
        }
        if (err_from >= 0 && (fds[err_index].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (!relay_once(err_from, spec->err_to, spec->log_fd, err_stream, buffer)) err_from = -1;
        }
        for (size_t i = 0; i < spec->forward_count; i++) {
            if (!(fds[listen_base + i].revents & POLLIN) || channel < 0) continue;
            const struct podlab_forward *forward = &spec->forwards[i];
            if (forward->udp) {
                struct sockaddr_storage from;
                socklen_t from_length = sizeof(from);
                ssize_t got = recvfrom(forward->listen_fd, buffer, BUFFER_SIZE, 0, (struct sockaddr *)&from, &from_length);
                if (got < 0) continue;
                int slot = -1;
                for (int k = 0; k < MAX_UDP_CLIENTS; k++) {
                    if (clients[k].container_fd >= 0 && clients[k].forward == (int)i && clients[k].address_length == from_length &&
                        memcmp(&clients[k].address, &from, from_length) == 0) { slot = k; break; }
                }
                if (slot < 0) {
                    for (int k = 0; k < MAX_UDP_CLIENTS; k++) if (clients[k].container_fd < 0) { slot = k; break; }
                    if (slot < 0) continue;
                    int fd = request_socket(channel, forward->container_port, 1);
                    if (fd < 0) continue;
                    set_nonblocking(fd);
                    clients[slot] = (struct udp_client){ (int)i, from, from_length, fd };
                }
                ssize_t ignored = send(clients[slot].container_fd, buffer, (size_t)got, 0);
                (void)ignored;
                continue;
            }
            int accepted = accept4(forward->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (accepted < 0) continue;
            int inside = request_socket(channel, forward->container_port, 0);
            int slot = -1;
            for (int k = 0; k < MAX_CONNECTIONS; k++) if (connections[k].host_fd < 0) { slot = k; break; }
            if (inside < 0 || slot < 0) { close(accepted); if (inside >= 0) close(inside); continue; }
            set_nonblocking(inside);
            struct connection *c = &connections[slot];
            c->host_fd = accepted;
            c->container_fd = inside;
            c->to_container = (struct pipe_buffer){ malloc(BUFFER_SIZE), 0, 0, 0 };
            c->to_host = (struct pipe_buffer){ malloc(BUFFER_SIZE), 0, 0, 0 };
            if (!c->to_container.data || !c->to_host.data) close_connection(c);
        }
        for (int i = 0; i < MAX_CONNECTIONS; i++) {
            struct connection *c = &connections[i];
            if (c->host_fd < 0) continue;
            short host = fds[connection_base + 2 * i].revents, inside = fds[connection_base + 2 * i + 1].revents;
            if (!host && !inside) continue;
            if (pump(c->host_fd, c->container_fd, &c->to_container) < 0 || pump(c->container_fd, c->host_fd, &c->to_host) < 0 ||
                (c->to_container.closed && c->to_host.closed && c->to_container.offset == c->to_container.length &&
                 c->to_host.offset == c->to_host.length)) {
                close_connection(c);
            }
        }
        for (int i = 0; i < MAX_UDP_CLIENTS; i++) {
            if (clients[i].container_fd < 0 || !(fds[client_base + i].revents & POLLIN)) continue;
            ssize_t got = recv(clients[i].container_fd, buffer, BUFFER_SIZE, 0);
            if (got < 0) continue;
            ssize_t ignored = sendto(spec->forwards[clients[i].forward].listen_fd, buffer, (size_t)got, 0,
                                     (struct sockaddr *)&clients[i].address, clients[i].address_length);
            (void)ignored;
        }
    }
    for (int i = 0; i < MAX_CONNECTIONS; i++) if (connections[i].host_fd >= 0) close_connection(&connections[i]);
    for (int i = 0; i < MAX_UDP_CLIENTS; i++) if (clients[i].container_fd >= 0) close(clients[i].container_fd);
    if (channel >= 0) close(channel);
    if (connector > 0) { kill(connector, SIGKILL); waitpid(connector, NULL, 0); }
    if (!exited) {
        /* poll failed: still wait for the child so that its status is not lost. */
        while (waitpid(spec->child, &status, 0) < 0 && errno == EINTR) {}
    }
    if (out_stream && out_from >= 0) log_chunk(spec->log_fd, out_stream, buffer, 0, 1);
    if (err_stream && err_from >= 0) log_chunk(spec->log_fd, err_stream, buffer, 0, 1);
    free(out_stream); free(err_stream);
    free(connections); free(clients); free(buffer); free(fds);
    close(signal_fd);
    if (spec->in_close && in_to >= 0) close(in_to);
    sigaction(SIGPIPE, &saved_pipe, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return status;
}
