#ifndef PODLAB_CSPAWN_H
#define PODLAB_CSPAWN_H
/*
 * The one place in podlab that forks. Everything the child needs is prepared by the parent (Swift):
 * strings, arrays, the seccomp BPF program, the stack. The child side of clone() runs only system calls
 * (async-signal-safe), so it is safe to clone from a multithreaded Swift process.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>

/* Where a failure in the child happened (sent to the parent over the error pipe). */
enum podlab_stage {
    PODLAB_STAGE_SYNC = 1, PODLAB_STAGE_IDS, PODLAB_STAGE_HOSTNAME, PODLAB_STAGE_MOUNT_PRIVATE, PODLAB_STAGE_ROOTFS,
    PODLAB_STAGE_PROC, PODLAB_STAGE_DEV, PODLAB_STAGE_SYS, PODLAB_STAGE_VOLUME, PODLAB_STAGE_PIVOT, PODLAB_STAGE_MASK,
    PODLAB_STAGE_READONLY, PODLAB_STAGE_USER, PODLAB_STAGE_CAPS, PODLAB_STAGE_CWD, PODLAB_STAGE_NO_NEW_PRIVS,
    PODLAB_STAGE_SECCOMP, PODLAB_STAGE_EXEC_NOT_FOUND, PODLAB_STAGE_EXEC_DENIED, PODLAB_STAGE_EXEC, PODLAB_STAGE_TTY,
    PODLAB_STAGE_SETNS, PODLAB_STAGE_FORK, PODLAB_STAGE_NETWORK, PODLAB_STAGE_CGROUP
};

struct podlab_spawn_error {
    int32_t stage;
    int32_t error;     /* errno */
    char detail[240];  /* a path or name, for the message */
};

struct podlab_volume {
    const char *source;      /* host path */
    const char *target;      /* absolute path inside the container */
    int32_t read_only;
    int32_t is_directory;    /* create a directory (else an empty file) as the mount point */
};

/* The namespaces a pod member shares with its infra and those `exec` enters, in the order of pod_namespace_fds and
 * namespace_fds (the user namespace first: the others belong to it), named as in /proc/PID/ns. The one place that
 * order is written: the caller opens the descriptors by these names (NULL past the end). */
#define PODLAB_POD_NAMESPACES 4
#define PODLAB_EXEC_NAMESPACES 6
const char *podlab_pod_namespace(int index);
const char *podlab_exec_namespace(int index);

struct podlab_container_spec {
    /* process */
    char *const *argv;               /* NULL-terminated */
    char *const *envp;               /* NULL-terminated */
    const char *cwd;
    uint32_t uid, gid;
    const uint32_t *groups;
    size_t group_count;
    int32_t may_set_groups;          /* 0 when setgroups is denied (rootless without an ID range) */
    const char *hostname;
    int32_t stdin_fd, stdout_fd, stderr_fd;   /* already open in the parent; -1 for /dev/null */
    int32_t tty;                     /* stdin_fd is a pty slave: new session, controlling terminal */
    int32_t init;                    /* run a small init as PID 1 that reaps and forwards signals */
    /* namespaces */
    int32_t new_network;             /* 0: share the host's network namespace */
    /* filesystem */
    const char *rootfs;              /* mount point (overlay) or prepared directory */
    const char *overlay_lower;       /* non-NULL: mount overlay lower/upper/work at rootfs */
    const char *overlay_upper;
    const char *overlay_work;
    const struct podlab_volume *volumes;
    size_t volume_count;
    int32_t read_only_rootfs;
    const char *const *masked_paths; /* NULL-terminated */
    const char *const *read_only_paths; /* NULL-terminated */
    /* security */
    uint64_t capabilities;           /* bit N = capability N kept in every set */
    const struct sock_fprog *seccomp;/* NULL: unconfined */
    /* synchronisation */
    int32_t sync_fd;                 /* the child reads one byte once its ID maps are written */
    int32_t sync_parent_fd;          /* the parent's (writing) end, which the child closes first */
    int32_t error_fd;                /* close-on-exec: EOF means execve succeeded */
    int32_t trampoline_fd;           /* the sealed exec trampoline (ExecTrampoline.swift), exec'd last */
    /* pods */
    int32_t join_pod;                /* 1: enter the pod infra's user, net, UTS and IPC namespaces (pod_namespace_fds,
                                      * in that order, opened by the caller from a process it verified) instead of
                                      * making new ones; a waiting process then forks the container's PID 1 into a
                                      * new PID namespace and writes its pid to pid_report_fd */
    int32_t pod_namespace_fds[PODLAB_POD_NAMESPACES];
    int32_t pid_report_fd;
    int32_t pause;                   /* the pod's infra: hold the namespaces, run nothing (the trampoline pauses) */
};

/* Clones the container's first process into new user, mount, PID, UTS, IPC (and network) namespaces.
 * Returns the child's pid (in the caller's PID namespace) or -1 with errno set. */
pid_t podlab_clone_container(const struct podlab_container_spec *spec, void *stack, size_t stack_size);

/* `exec` into a running container: first joins the container's cgroups (each of cgroup_procs_fds that is not -1
 * is a `cgroup.procs` file opened for writing), so the command is held to the container's memory and process
 * limits; then enters its user, IPC, UTS, net, PID and mount namespaces (namespace_fds, in that order, opened by
 * the caller from the container's verified process), then runs argv with the container's root, the given ids,
 * capabilities and seccomp program. */
#define PODLAB_EXEC_CGROUPS 2
struct podlab_exec_spec {
    int32_t cgroup_procs_fds[PODLAB_EXEC_CGROUPS];
    int32_t namespace_fds[PODLAB_EXEC_NAMESPACES];
    char *const *argv;
    char *const *envp;               /* its PATH is where the trampoline looks argv[0] up */
    const char *cwd;
    uint32_t uid, gid;
    int32_t may_set_groups;
    int32_t stdin_fd, stdout_fd, stderr_fd;
    int32_t tty;
    uint64_t capabilities;
    const struct sock_fprog *seccomp;
    int32_t error_fd;
    int32_t trampoline_fd;
};
pid_t podlab_clone_exec(const struct podlab_exec_spec *spec, void *stack, size_t stack_size);

/* A published port: connections to listen_fd (on the host) are forwarded to container_port inside. */
struct podlab_forward {
    int32_t listen_fd;
    int32_t container_port;
    int32_t udp;
};

struct podlab_supervise_spec {
    pid_t child;
    const struct podlab_forward *forwards;
    size_t forward_count;
    int32_t userns_fd;           /* joined before connecting into the container (-1: not needed) */
    int32_t netns_fd;            /* -1: the container shares the host network */
    int32_t out_from, out_to;    /* relay container stdout → out_to (and log_fd); -1 when unused */
    int32_t err_from, err_to;
    int32_t in_from, in_to;      /* relay stdin to a pty (run -it) or a pipe (run -i); -1 when unused */
    int32_t in_close;            /* close in_to when in_from ends (a pipe: the container sees end of file) */
    int32_t winch_from, winch_to;/* copy the window size from → to on SIGWINCH; -1 when unused */
    int32_t log_fd;              /* -1: no log */
    int32_t log_k8s;             /* write the log as podman's k8s-file lines: "TIME stdout|stderr F|P text" */
    int32_t forward_signals;     /* pass SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2 on to the child */
    int32_t ready_fd;            /* PODLAB_READY_WORD written once listening (-1: none), then closed */
};

/* Relays output and published ports until the child exits; returns its wait status, or -1 when it had no memory to
 * watch with (the child is then killed and reaped: never left running unwatched). */
int podlab_supervise(const struct podlab_supervise_spec *spec);

/* Small helpers Swift cannot call directly. */
int podlab_pidfd_open(pid_t pid);
int podlab_wait_pidfd(int pidfd, int timeout_ms);   /* 1: exited, 0: timeout, -1: error */
int podlab_pidfd_send_signal(int pidfd, int signal_number);  /* 0, or -1 with errno (ESRCH: it has exited) */
int podlab_thread_count(void);
int podlab_open_pty(int *master, int *slave);
int podlab_set_raw(int fd, void *saved, size_t saved_size);
int podlab_restore_termios(int fd, const void *saved);
size_t podlab_termios_size(void);
int podlab_copy_window_size(int from_fd, int to_fd);
int podlab_memfd(const char *name);
/* A close-on-exec memfd holding `bytes`, executable, sealed against writing, growing and shrinking. */
int podlab_sealed_executable(const char *name, const void *bytes, size_t size);
/* A close-on-exec O_PATH descriptor of this process's own binary (/proc/self/exe), to execveat later; -1 on failure. */
int podlab_open_self_exe(void);
int podlab_pipe_cloexec(int fds[2]);
/* openat2(root_fd, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): `path` resolved with root_fd as its "/". */
int podlab_open_in_root(int root_fd, const char *path, int flags, unsigned int mode);
/* statfs(2)'s f_type of `fd`, or -1. */
long podlab_file_system_type(int fd);
/* This thread's file-system ids (setfsuid, setfsgid). */
void podlab_set_file_ids(uid_t uid, gid_t gid);
/* 0 when this process may create the namespaces in `flags` (a child is cloned into them and ends), else errno. */
int podlab_probe_namespaces(int flags);
int podlab_probe_container_namespaces(void);

/// Runs a program in its own process group in the foreground of `terminal_fd` (-1: not a terminal, and then in
/// the caller's process group, so that what stops the caller's group stops it), in
/// `directory`, with `state_fd` as its fd 3 (-1: none); SIGINT/SIGQUIT reach it, not the caller. Returns
/// its exit status (128+signal when killed), or -1 with errno when it could not start.
int podlab_run_foreground(const char *path, char *const *argv, char *const *envp, const char *directory,
                          int state_fd, int terminal_fd);

/* How podlab starts a program (spawn.c): every helper, podlab-net, the monitor, the sandbox registry. */
#define PODLAB_SPAWN_INHERIT (-1)
#define PODLAB_SPAWN_NULL (-2)
struct podlab_spawn_request {
    const char *path;            /* the program; looked up on PATH when search_path */
    char *const *argv;
    char *const *envp;
    const char *directory;       /* NULL: this process's */
    int32_t search_path;
    int32_t stdin_fd, stdout_fd, stderr_fd;   /* a descriptor, PODLAB_SPAWN_INHERIT or PODLAB_SPAWN_NULL */
    int32_t pass_fd;             /* becomes the program's fd 3 (-1: none) */
    int32_t close_others;        /* close every other descriptor (nothing of ours stays open in a long-lived child) */
    int32_t new_session;         /* setsid: no controlling terminal, not in our process group */
    int32_t new_process_group;   /* its own group (the tutor gives it the terminal) */
    int32_t default_job_signals; /* SIGINT, SIGQUIT, SIGPIPE, SIGTTOU, SIGTTIN back to their defaults */
};
/* Returns the pid, or -1 with errno. The program starts with no signal blocked. */
pid_t podlab_spawn(const struct podlab_spawn_request *request);
/* A copy of this process as a detached child, as podlab_spawn's detached options leave a program but without
 * the exec (the container monitor starts warm, ~5 ms sooner): in a session of its own, stdio on /dev/null,
 * pass_fd as its descriptor 3 and no other open, no signal blocked, handled signals back to their defaults,
 * named `name` in ps. Only from a single-threaded process: with other threads, a lock one of them holds would
 * stay locked in the child forever, so it returns -1 with EBUSY and the caller spawns instead. Returns the
 * child's pid in the parent, 0 in the child, -1 with errno on failure. */
pid_t podlab_fork_detached(int pass_fd, const char *name);
/* Waits for `pid` (through EINTR); its exit code, or -1 with errno. */
int podlab_wait_exit_code(pid_t pid);
/* The one decoder of a wait status: the exit code, 128+signal when killed, 255 otherwise. */
int podlab_wstatus_exit_code(int status);
/* What a detached child writes on its ready pipe once it serves ("ready\tDETAIL", see ReadyPipe.swift). */
#define PODLAB_READY_WORD "ready"

/* A learner's session network (session.c): a user namespace of the caller's own holding a network namespace with
 * only loopback, in which published ports are bound. podlab_session_start forks the holder (twice: it is
 * reparented to init, not left to the caller to reap), which takes an exclusive flock on lock_fd for as long as
 * it lives, makes the namespaces and writes "ready\tPID" (or "failed\tERRNO\tSTEP") to ready_fd, closing it;
 * then it waits for one byte on commit_fd, which the caller writes to commit_write_fd once it has recorded the
 * holder, and ends at end of file instead. Committed, it holds on as the sealed exec trampoline `trampoline_fd`
 * ("podlab-hold", keeping only the lock), or as itself where that is -1 or the exec fails. Returns 0 once the
 * holder is on its way, or -1 with errno. */
int podlab_session_start(int lock_fd, int ready_fd, int commit_fd, int commit_write_fd, int trampoline_fd);
/* A socket made inside the session whose namespaces user_fd/net_fd are (opened from its verified holder): bound to
 * ipv4:port and listening (TCP), bound (UDP), or with connect_only connected there. Returns it (close-on-exec),
 * or -1 with errno; *entered says whether the child got into the session (else errno is setns's). */
int podlab_session_socket(int user_fd, int net_fd, const char *ipv4, int port, int udp, int connect_only, int *entered);
/* Runs `path` (absolute) inside the session, with the caller's terminal and files; returns its pid once it has
 * exec'd or failed (then a podlab_spawn_error on error_fd, close-on-exec), or -1 with errno. */
pid_t podlab_session_run(int user_fd, int net_fd, int error_fd, const char *path, char *const *argv, char *const *envp);

/* Deletes the contents of `path` as root of a new user namespace whose maps the parent writes. */
pid_t podlab_clone_remove(const char *path, int sync_fd, void *stack, size_t stack_size);

#endif
