#define _GNU_SOURCE
#include "child_common.h"
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/*
 * Removing a rootless container's files: some belong to ids from the user's /etc/subuid range (written by
 * non-root users inside the container), which the user cannot delete directly. This child enters a new
 * user namespace with the container's mapping (the parent writes it) and deletes the tree as its root.
 */

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int remove_contents(int dir_fd, int depth) {
    if (depth > 256) return -1;
    char buffer[4096];
    int failed = 0;
    for (;;) {
        long count = syscall(SYS_getdents64, dir_fd, buffer, sizeof(buffer));
        if (count <= 0) break;
        int removed_any = 0;
        for (long offset = 0; offset < count;) {
            struct linux_dirent64 *entry = (struct linux_dirent64 *)(buffer + offset);
            offset += entry->d_reclen;
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
            if (unlinkat(dir_fd, entry->d_name, 0) == 0) { removed_any = 1; continue; }
            int child = openat(dir_fd, entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (child < 0) { failed = 1; continue; }
            fchmod(child, 0700);
            if (remove_contents(child, depth + 1) != 0) failed = 1;
            close(child);
            if (unlinkat(dir_fd, entry->d_name, AT_REMOVEDIR) == 0) removed_any = 1; else failed = 1;
        }
        if (removed_any) lseek(dir_fd, 0, SEEK_SET);
        else if (failed) break;
    }
    return failed ? -1 : 0;
}

struct remove_args { const char *path; int sync_fd; };

static int remove_main(void *argument) {
    const struct remove_args *args = argument;
    char byte;
    if (read(args->sync_fd, &byte, 1) != 1) _exit(2);
    if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) _exit(3);
    int fd = open(args->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) _exit(errno == ENOENT ? 0 : 4);
    int status = remove_contents(fd, 0);
    close(fd);
    _exit(status == 0 ? 0 : 5);
}

pid_t podlab_clone_remove(const char *path, int sync_fd, void *stack, size_t stack_size) {
    static struct remove_args args;
    args.path = path;
    args.sync_fd = sync_fd;
    return podlab_clone_blocked(remove_main, (char *)stack + stack_size, CLONE_NEWUSER | SIGCHLD, &args);
}
