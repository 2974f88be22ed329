#ifndef PODLAB_CARCHIVE_SHIM_H
#define PODLAB_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/xattr.h>

// libarchive is loaded on first use (lazy.c): 0 when it is there, else -1 with why in *message.
int podlab_archive_load(const char **message);

// Extended attributes for unpacked layer files (not exported by Swift's Glibc module).
static inline int podlab_fsetxattr(int fd, const char *name, const void *value, size_t size) {
    return fsetxattr(fd, name, value, size, 0);
}

static inline long podlab_llistxattr(const char *path, char *names, size_t size) {
    return llistxattr(path, names, size);
}

static inline long podlab_lgetxattr(const char *path, const char *name, void *value, size_t size) {
    return lgetxattr(path, name, value, size);
}

// File-type macros are casts and do not import into Swift; re-export them as values.
static const unsigned int podlab_AE_IFMT = AE_IFMT;
static const unsigned int podlab_AE_IFREG = AE_IFREG;
static const unsigned int podlab_AE_IFLNK = AE_IFLNK;
static const unsigned int podlab_AE_IFSOCK = AE_IFSOCK;
static const unsigned int podlab_AE_IFCHR = AE_IFCHR;
static const unsigned int podlab_AE_IFBLK = AE_IFBLK;
static const unsigned int podlab_AE_IFDIR = AE_IFDIR;
static const unsigned int podlab_AE_IFIFO = AE_IFIFO;
#endif
