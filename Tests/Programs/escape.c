/* Escape attempts run inside a podlab container by the tests. Each prints what happened and exits 0
 * when the attempt was refused (the expected outcome) or 1 when it succeeded (an escape). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int refused(const char *what, long result) {
    if (result < 0) {
        printf("%s: refused (%s)\n", what, strerror(errno));
        return 0;
    }
    printf("%s: SUCCEEDED\n", what);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    const char *test = argv[1];
    if (!strcmp(test, "mount")) return refused("mount tmpfs", mount("none", "/mnt", "tmpfs", 0, NULL));
    if (!strcmp(test, "userns")) return refused("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
    if (!strcmp(test, "mountns")) return refused("unshare(CLONE_NEWNS)", unshare(CLONE_NEWNS));
    if (!strcmp(test, "keyctl")) return refused("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
    if (!strcmp(test, "ptrace")) return refused("ptrace attach to pid 1", syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, 1, 0, 0));
    if (!strcmp(test, "open_by_handle_at")) {
        char handle[128] = {0};
        return refused("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, handle, O_RDONLY));
    }
    if (!strcmp(test, "kexec_load")) return refused("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
    if (!strcmp(test, "bpf")) {
        char attributes[128] = {0};
        return refused("bpf", syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attributes, sizeof(attributes)));
    }
    if (!strcmp(test, "reboot")) return refused("reboot", syscall(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc /* POWER_OFF */, NULL));
    if (!strcmp(test, "init_module")) return refused("init_module", syscall(SYS_init_module, NULL, 0, ""));
    if (!strcmp(test, "finit_module")) return refused("finit_module", syscall(SYS_finit_module, 0, "", 0));
    if (!strcmp(test, "proc-sys")) {
        int fd = open("/proc/sys/kernel/hostname", O_WRONLY);
        long result = fd < 0 ? -1 : write(fd, "pwned", 5);
        return refused("write /proc/sys/kernel/hostname", result);
    }
    if (!strcmp(test, "sysfs")) {
        int fd = open("/sys/kernel/uevent_helper", O_WRONLY);
        if (fd < 0) fd = open("/sys/class/net/lo/mtu", O_WRONLY);
        long result = fd < 0 ? -1 : write(fd, "1500", 4);
        return refused("write to /sys", result);
    }
    if (!strcmp(test, "sysrq")) {
        int fd = open("/proc/sysrq-trigger", O_WRONLY);
        return refused("open /proc/sysrq-trigger for writing", fd);
    }
    if (!strcmp(test, "chroot")) {
        /* The classic: chroot into a subdirectory while keeping a handle outside, then climb. */
        mkdir("/tmp/jail", 0755);
        int outside = open("/", O_RDONLY | O_DIRECTORY);
        if (chroot("/tmp/jail") != 0) { printf("chroot: refused (%s)\n", strerror(errno)); return 0; }
        if (fchdir(outside) != 0) return 2;
        for (int i = 0; i < 64; i++) { if (chdir("..") != 0) break; }
        chroot(".");
        /* Now at the top we can reach: it must still be the container's root, which has no host files. */
        struct stat info;
        int host_marker = stat(argc > 2 ? argv[2] : "/etc/podlab-host-marker", &info) == 0;
        printf("chroot climb: %s\n", host_marker ? "reached the HOST" : "still inside the container");
        return host_marker ? 1 : 0;
    }
    if (!strcmp(test, "exe")) {
        int fd = open("/proc/self/exe", O_WRONLY);
        return refused("open /proc/self/exe for writing", fd);
    }
    fprintf(stderr, "unknown test %s\n", test);
    return 2;
}
