#define _GNU_SOURCE
#include "child_common.h"
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>

/* Builds "<rootfs><path>" into buffer; returns buffer or NULL when it does not fit. */
static const char *join(char *buffer, size_t size, const char *rootfs, const char *path) {
    size_t a = strlen(rootfs), b = strlen(path);
    if (a + b + 1 > size) return NULL;
    memcpy(buffer, rootfs, a);
    memcpy(buffer + a, path, b + 1);
    return buffer;
}

/* Opens (creating what is missing) the mount point `path` inside the directory `root_fd`, never following a
 * symlink, and returns an O_PATH descriptor: mounts then go to /proc/self/fd/N, immune to symlink games. */
static int open_mount_point(int root_fd, const char *path, int directory) {
    char component[256];
    int current = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
    const char *cursor = path;
    while (*cursor == '/') cursor++;
    while (*cursor) {
        const char *end = cursor;
        while (*end && *end != '/') end++;
        size_t length = (size_t)(end - cursor);
        while (*end == '/') end++;
        if (length == 0 || length >= sizeof(component)) { close(current); errno = ENAMETOOLONG; return -1; }
        memcpy(component, cursor, length);
        component[length] = '\0';
        if (strcmp(component, "..") == 0 || strcmp(component, ".") == 0) { close(current); errno = EINVAL; return -1; }
        int last = *end == '\0';
        int next;
        if (last && !directory) {
            next = openat(current, component, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            if (next < 0 && errno == ENOENT) {
                int created = openat(current, component, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (created >= 0) close(created);
                next = openat(current, component, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            }
        } else {
            next = openat(current, component, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (next < 0 && errno == ENOENT) {
                mkdirat(current, component, 0755);
                next = openat(current, component, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            }
        }
        close(current);
        if (next < 0) return -1;
        current = next;
        cursor = end;
    }
    return current;
}


static int bind_into(int root_fd, const char *source, const char *target, int directory, int read_only) {
    char proc_path[64];
    int fd = open_mount_point(root_fd, target, directory);
    if (fd < 0) return -1;
    podlab_fd_path(proc_path, sizeof(proc_path), fd);
    int status = mount(source, proc_path, NULL, MS_BIND | MS_REC, NULL);
    int saved = errno;
    close(fd);
    if (status == 0 && read_only) {
        /* The old descriptor names the directory under the new mount: open the mount itself to remount it. */
        fd = open_mount_point(root_fd, target, directory);
        if (fd < 0) return -1;
        podlab_fd_path(proc_path, sizeof(proc_path), fd);
        status = mount(NULL, proc_path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL);
        saved = errno;
        close(fd);
    }
    errno = saved;
    return status;
}

static int mount_into(int root_fd, const char *target, const char *type, unsigned long flags, const char *data) {
    char proc_path[64];
    int fd = open_mount_point(root_fd, target, 1);
    if (fd < 0) return -1;
    podlab_fd_path(proc_path, sizeof(proc_path), fd);
    int status = mount(type, proc_path, type, flags, data);
    int saved = errno;
    close(fd);
    errno = saved;
    return status;
}

static int setup_dev(int root_fd, int error_fd, int tty) {
    if (mount_into(root_fd, "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") != 0) return -1;
    /* /dev/tty only with a pty of the container's own (-t), where it names that pty: without one there is
     * no terminal to reach, and the learner's never is. */
    static const char *devices[] = { "null", "zero", "full", "random", "urandom", "tty" };
    size_t device_count = sizeof(devices) / sizeof(devices[0]) - (tty ? 0 : 1);
    char path[64];
    for (size_t i = 0; i < device_count; i++) {
        size_t used = 0;
        path[0] = '\0';
        podlab_append(path, sizeof(path), &used, "/dev/");
        podlab_append(path, sizeof(path), &used, devices[i]);
        /* Device nodes cannot be made in a user namespace: bind the host's, which behave the same. */
        if (bind_into(root_fd, path, path, 0, 0) != 0) podlab_child_fail(error_fd, PODLAB_STAGE_DEV, errno, path);
    }
    if (mount_into(root_fd, "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") != 0) return -1;
    if (mount_into(root_fd, "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") != 0) return -1;
    if (mount_into(root_fd, "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
        /* Not every kernel lets a user namespace mount mqueue: the directory stays empty. */
    }
    int dev = openat(root_fd, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dev < 0) return -1;
    symlinkat("pts/ptmx", dev, "ptmx");
    symlinkat("/proc/self/fd", dev, "fd");
    symlinkat("/proc/self/fd/0", dev, "stdin");
    symlinkat("/proc/self/fd/1", dev, "stdout");
    symlinkat("/proc/self/fd/2", dev, "stderr");
    symlinkat("/proc/kcore", dev, "core");
    close(dev);
    return 0;
}


/* A pod member: join the infra's user namespace first (the others belong to it), then its network, UTS and IPC
 * namespaces; unshare a mount namespace of our own and fork PID 1 of a new PID namespace, which returns here
 * and goes on as the container. This process stays as its waiter and reports its pid. */
static const char *const pod_namespace_names[PODLAB_POD_NAMESPACES] = { "user", "net", "uts", "ipc" };
static const int pod_namespace_types[PODLAB_POD_NAMESPACES] = { CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWUTS, CLONE_NEWIPC };

const char *podlab_pod_namespace(int index) {
    return index >= 0 && index < PODLAB_POD_NAMESPACES ? pod_namespace_names[index] : NULL;
}

static void join_pod(const struct podlab_container_spec *spec, int efd) {
    podlab_enter_namespaces(spec->pod_namespace_fds, pod_namespace_names, pod_namespace_types, PODLAB_POD_NAMESPACES, efd);
    if (unshare(CLONE_NEWNS | CLONE_NEWPID) != 0) podlab_child_fail(efd, PODLAB_STAGE_SETNS, errno, "mount and PID namespaces");
    podlab_fork_and_wait(spec->pid_report_fd, 1);
    /* The container's PID 1 now: it ends with its waiter, which (as any container) outlives a killed monitor. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
}

static int container_main(void *argument) {
    const struct podlab_container_spec *spec = argument;
    int efd = spec->error_fd;
    char buffer[4096];

    /* A parent that dies while we set up takes us with it (cleared again just before the program runs), and
     * its end of the sync pipe is closed here, so that its death is an end of file, never a wait forever. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (spec->sync_parent_fd >= 0) close(spec->sync_parent_fd);
    /* Wait until the parent has written our uid/gid maps (or, for a pod member, put us in the cgroup). */
    char byte;
    if (read(spec->sync_fd, &byte, 1) != 1) podlab_child_fail(efd, PODLAB_STAGE_SYNC, errno, "sync");
    close(spec->sync_fd);
    if (spec->join_pod) {
        join_pod(spec, efd);
    } else if (spec->pid_report_fd >= 0) {
        close(spec->pid_report_fd);
    }
    if (syscall(SYS_setresgid, 0, 0, 0) != 0 || syscall(SYS_setresuid, 0, 0, 0) != 0) podlab_child_fail(efd, PODLAB_STAGE_IDS, errno, "setresuid");

    /* A pod member shares the pod's hostname and network, which the infra set up. */
    if (!spec->join_pod && spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) != 0)
        podlab_child_fail(efd, PODLAB_STAGE_HOSTNAME, errno, spec->hostname);
    if (!spec->join_pod && spec->new_network && podlab_loopback_up() != 0) podlab_child_fail(efd, PODLAB_STAGE_NETWORK, errno, "lo");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) podlab_child_fail(efd, PODLAB_STAGE_MOUNT_PRIVATE, errno, "/");

    if (spec->overlay_lower) {
        size_t used = 0;
        buffer[0] = '\0';
        if (podlab_append(buffer, sizeof(buffer), &used, "lowerdir=") || podlab_append(buffer, sizeof(buffer), &used, spec->overlay_lower) ||
            podlab_append(buffer, sizeof(buffer), &used, ",upperdir=") || podlab_append(buffer, sizeof(buffer), &used, spec->overlay_upper) ||
            podlab_append(buffer, sizeof(buffer), &used, ",workdir=") || podlab_append(buffer, sizeof(buffer), &used, spec->overlay_work) ||
            podlab_append(buffer, sizeof(buffer), &used, ",userxattr"))
            podlab_child_fail(efd, PODLAB_STAGE_ROOTFS, ENAMETOOLONG, "overlay");
        if (mount("overlay", spec->rootfs, "overlay", MS_NODEV, buffer) != 0) podlab_child_fail(efd, PODLAB_STAGE_ROOTFS, errno, "overlay");
    } else if (mount(spec->rootfs, spec->rootfs, NULL, MS_BIND | MS_REC, NULL) != 0) {
        podlab_child_fail(efd, PODLAB_STAGE_ROOTFS, errno, spec->rootfs);
    }
    int root_fd = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) podlab_child_fail(efd, PODLAB_STAGE_ROOTFS, errno, spec->rootfs);

    if (mount_into(root_fd, "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) podlab_child_fail(efd, PODLAB_STAGE_PROC, errno, "/proc");
    if (setup_dev(root_fd, efd, spec->tty) != 0) podlab_child_fail(efd, PODLAB_STAGE_DEV, errno, "/dev");
    if (spec->new_network || spec->join_pod) {
        if (mount_into(root_fd, "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) != 0)
            podlab_child_fail(efd, PODLAB_STAGE_SYS, errno, "/sys");
    } else if (bind_into(root_fd, "/sys", "/sys", 1, 1) != 0) {
        podlab_child_fail(efd, PODLAB_STAGE_SYS, errno, "/sys");
    }
    for (size_t i = 0; i < spec->volume_count; i++) {
        const struct podlab_volume *volume = &spec->volumes[i];
        if (bind_into(root_fd, volume->source, volume->target, volume->is_directory, volume->read_only) != 0)
            podlab_child_fail(efd, PODLAB_STAGE_VOLUME, errno, volume->target);
    }

    /* pivot_root into the root file system and drop the old root entirely. */
    if (fchdir(root_fd) != 0) podlab_child_fail(efd, PODLAB_STAGE_PIVOT, errno, spec->rootfs);
    close(root_fd);
    if (syscall(SYS_pivot_root, ".", ".") != 0) podlab_child_fail(efd, PODLAB_STAGE_PIVOT, errno, "pivot_root");
    if (umount2(".", MNT_DETACH) != 0) podlab_child_fail(efd, PODLAB_STAGE_PIVOT, errno, "old root");
    if (chdir("/") != 0) podlab_child_fail(efd, PODLAB_STAGE_PIVOT, errno, "/");

    int slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    for (const char *const *path = spec->masked_paths; path && *path; path++) {
        struct stat info;
        if (lstat(*path, &info) != 0) continue;
        int status = S_ISDIR(info.st_mode)
            ? mount("tmpfs", *path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0")
            : mount("/dev/null", *path, NULL, MS_BIND, NULL);
        if (status != 0) podlab_child_fail(efd, PODLAB_STAGE_MASK, errno, *path);
    }
    for (const char *const *path = spec->read_only_paths; path && *path; path++) {
        struct stat info;
        if (lstat(*path, &info) != 0) continue;
        if (mount(*path, *path, NULL, MS_BIND | MS_REC, NULL) != 0 ||
            mount(NULL, *path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
            podlab_child_fail(efd, PODLAB_STAGE_READONLY, errno, *path);
    }
    if (spec->read_only_rootfs && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0)
        podlab_child_fail(efd, PODLAB_STAGE_READONLY, errno, "/");
    if (slash >= 0) close(slash);

    struct podlab_final_step step = {
        spec->stdin_fd, spec->stdout_fd, spec->stderr_fd, spec->tty, spec->capabilities, spec->uid, spec->gid,
        spec->groups, spec->group_count, spec->may_set_groups, spec->cwd, spec->seccomp, spec->init,
        spec->argv, spec->envp, efd, spec->trampoline_fd, spec->join_pod, spec->pause,
    };
    podlab_finish_and_exec(&step);
}

pid_t podlab_clone_container(const struct podlab_container_spec *spec, void *stack, size_t stack_size) {
    int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
    if (spec->new_network) flags |= CLONE_NEWNET;
    if (spec->join_pod) flags = SIGCHLD;
    return podlab_clone_blocked(container_main, (char *)stack + stack_size, flags, (void *)spec);
}
