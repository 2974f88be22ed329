#define _GNU_SOURCE
#include "cspawn.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <linux/openat2.h>
#include <sys/vfs.h>
#include <sched.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <unistd.h>

int podlab_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int podlab_pidfd_send_signal(int pidfd, int signal_number) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal_number, NULL, 0);
}

int podlab_wait_pidfd(int pidfd, int timeout_ms) {
    struct pollfd p = { pidfd, POLLIN, 0 };
    for (;;) {
        int ready = poll(&p, 1, timeout_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return -1;
        return ready > 0 ? 1 : 0;
    }
}

int podlab_thread_count(void) {
    DIR *dir = opendir("/proc/self/task");
    if (!dir) return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) if (entry->d_name[0] != '.') count++;
    closedir(dir);
    return count;
}

int podlab_open_pty(int *master, int *slave) {
    if (openpty(master, slave, NULL, NULL, NULL) != 0) return -1;
    fcntl(*master, F_SETFD, FD_CLOEXEC);
    fcntl(*slave, F_SETFD, FD_CLOEXEC);
    return 0;
}

size_t podlab_termios_size(void) { return sizeof(struct termios); }

int podlab_set_raw(int fd, void *saved, size_t saved_size) {
    struct termios attributes;
    if (saved_size < sizeof(attributes) || tcgetattr(fd, &attributes) != 0) return -1;
    memcpy(saved, &attributes, sizeof(attributes));
    cfmakeraw(&attributes);
    return tcsetattr(fd, TCSANOW, &attributes);
}

int podlab_restore_termios(int fd, const void *saved) {
    return tcsetattr(fd, TCSANOW, (const struct termios *)saved);
}

int podlab_copy_window_size(int from_fd, int to_fd) {
    struct winsize size;
    if (ioctl(from_fd, TIOCGWINSZ, &size) != 0) return -1;
    return ioctl(to_fd, TIOCSWINSZ, &size);
}

int podlab_memfd(const char *name) {
    return (int)syscall(SYS_memfd_create, name, 1u /* MFD_CLOEXEC */);
}

int podlab_sealed_executable(const char *name, const void *bytes, size_t size) {
    unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
    /* MFD_EXEC (Linux 6.3+) asks for an executable memfd where vm.memfd_noexec = 1 would make it
     * non-executable; older kernels do not know the flag (EINVAL) and make every memfd executable. */
    int fd = (int)syscall(SYS_memfd_create, name, flags | 0x0010u /* MFD_EXEC */);
    if (fd < 0 && errno == EINVAL) fd = (int)syscall(SYS_memfd_create, name, flags);
    if (fd < 0) return -1;
    const char *cursor = bytes;
    size_t left = size;
    while (left > 0) {
        ssize_t written = write(fd, cursor, left);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) { int saved = errno; close(fd); errno = saved ? saved : EIO; return -1; }
        cursor += written;
        left -= (size_t)written;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int podlab_open_self_exe(void) {
    return open("/proc/self/exe", O_PATH | O_CLOEXEC);
}

int podlab_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

/* Opens `path` as if `root_fd` were "/": every component, "..", and every symlink in the image stays inside
 * (openat2 RESOLVE_IN_ROOT, checked by the kernel, so a container swapping a directory for a symlink meanwhile
 * cannot move it), and no /proc magic link is followed. */
int podlab_open_in_root(int root_fd, const char *path, int flags, unsigned int mode) {
    struct open_how how;
    memset(&how, 0, sizeof(how));
    how.flags = (unsigned long long)(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
}

/* The file system type (statfs f_type) of `fd`, or -1. */
long podlab_file_system_type(int fd) {
    struct statfs info;
    if (fstatfs(fd, &info) != 0) return -1;
    return (long)info.f_type;
}

/* This thread's file-system ids (setfsuid/setfsgid), for creating files as a container's root. */
void podlab_set_file_ids(uid_t uid, gid_t gid) {
    setfsgid(gid);
    setfsuid(uid);
}

static int probe_child(void *argument) {
    (void)argument;
    return 0;
}

/* Whether this process may make the namespaces in `flags` (CLONE_NEWUSER, …): a child is cloned into them and
 * ends at once. 0 when it could, else the errno clone gave. */
int podlab_probe_namespaces(int flags) {
    size_t size = 64 * 1024;
    void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return errno;
    pid_t pid = clone(probe_child, (char *)stack + size, flags | SIGCHLD, NULL);
    int error = pid < 0 ? errno : 0;
    if (pid > 0) {
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    }
    munmap(stack, size);
    return error;
}

/* podlab_probe_namespaces with the namespaces a container gets: user, mount, PID, UTS, IPC, network. */
int podlab_probe_container_namespaces(void) {
    return podlab_probe_namespaces(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET);
}
