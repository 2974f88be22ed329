// libarchive, loaded on first use. Most podlab commands (ps, images, inspect, the container monitor) never
// read an archive, and loading libarchive with what it links (libxml2, ICU, five compressors) costs every
// process about 2 ms, a quarter of `podman ps`. So podlab does not link it: each libarchive function podlab
// calls is defined here, hidden, and forwards to the real one, looked up once in libarchive.so.13.
#include "carchive.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PODLAB_LIBARCHIVE_SONAME "libarchive.so.13"

static void *library;
static char load_failure[512];

int podlab_archive_load(const char **message) {
    void *handle = __atomic_load_n(&library, __ATOMIC_ACQUIRE);
    if (handle == NULL) {
        handle = dlopen(PODLAB_LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) {
            const char *reason = dlerror();
            snprintf(load_failure, sizeof load_failure, "%s", reason ? reason : "cannot load " PODLAB_LIBARCHIVE_SONAME);
            if (message) *message = load_failure;
            return -1;
        }
        void *expected = NULL;
        // Another thread may have loaded it meanwhile: dlopen counts references, so drop ours.
        if (!__atomic_compare_exchange_n(&library, &expected, handle, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            dlclose(handle);
        }
    }
    return 0;
}

// Reached only when a function is called before podlab_archive_load succeeded (ArchiveLibrary.prepare()
// reports that case as an error first), or when this libarchive lacks a function: no way to go on.
static void *resolve(const char *name) {
    const char *message = NULL;
    if (podlab_archive_load(&message) != 0) {
        dprintf(2, "Error: podlab cannot load %s: %s\nHint: install it: sudo apt install libarchive13\n",
                PODLAB_LIBARCHIVE_SONAME, message);
        _exit(125);
    }
    void *function = dlsym(__atomic_load_n(&library, __ATOMIC_ACQUIRE), name);
    if (function == NULL) {
        dprintf(2, "Error: %s has no %s (podlab needs libarchive 3.3 or later)\n", PODLAB_LIBARCHIVE_SONAME, name);
        _exit(125);
    }
    return function;
}

// The real function behind a forwarder, looked up once (a data race on `slot` only repeats the lookup).
static void *cached(void **slot, const char *name) {
    void *function = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (function == NULL) {
        function = resolve(name);
        __atomic_store_n(slot, function, __ATOMIC_RELEASE);
    }
    return function;
}

#define HIDDEN __attribute__((visibility("hidden")))
#define FORWARD(type, name, parameters, arguments) \
    HIDDEN type name parameters { static void *real; return ((type (*) parameters) cached(&real, #name)) arguments; }
#define FORWARD_VOID(name, parameters, arguments) \
    HIDDEN void name parameters { static void *real; ((void (*) parameters) cached(&real, #name)) arguments; }

typedef struct archive A;
typedef struct archive_entry E;

FORWARD(int, archive_version_number, (void), ())
FORWARD(const char *, archive_version_string, (void), ())
FORWARD(const char *, archive_error_string, (A *a), (a))
FORWARD(la_int64_t, archive_filter_bytes, (A *a, int n), (a, n))
FORWARD(int, archive_filter_count, (A *a), (a))

FORWARD(A *, archive_read_new, (void), ())
FORWARD(int, archive_read_free, (A *a), (a))
FORWARD(int, archive_read_support_filter_gzip, (A *a), (a))
FORWARD(int, archive_read_support_filter_zstd, (A *a), (a))
FORWARD(int, archive_read_support_filter_xz, (A *a), (a))
FORWARD(int, archive_read_support_filter_bzip2, (A *a), (a))
FORWARD(int, archive_read_support_format_tar, (A *a), (a))
FORWARD(int, archive_read_support_format_ar, (A *a), (a))
FORWARD(int, archive_read_support_format_raw, (A *a), (a))
FORWARD(int, archive_read_open, (A *a, void *data, archive_open_callback *open, archive_read_callback *read,
                                 archive_close_callback *close), (a, data, open, read, close))
FORWARD(int, archive_read_open_filename, (A *a, const char *name, size_t block), (a, name, block))
FORWARD(int, archive_read_open_memory, (A *a, const void *bytes, size_t size), (a, bytes, size))
FORWARD(int, archive_read_open_fd, (A *a, int fd, size_t block), (a, fd, block))
FORWARD(int, archive_read_next_header, (A *a, E **entry), (a, entry))
FORWARD(la_ssize_t, archive_read_data, (A *a, void *buffer, size_t size), (a, buffer, size))
FORWARD(int, archive_read_data_block, (A *a, const void **buffer, size_t *size, la_int64_t *offset), (a, buffer, size, offset))

FORWARD(A *, archive_write_new, (void), ())
FORWARD(int, archive_write_free, (A *a), (a))
FORWARD(int, archive_write_close, (A *a), (a))
FORWARD(int, archive_write_set_format_pax_restricted, (A *a), (a))
FORWARD(int, archive_write_add_filter_none, (A *a), (a))
FORWARD(int, archive_write_add_filter_gzip, (A *a), (a))
FORWARD(int, archive_write_add_filter_zstd, (A *a), (a))
FORWARD(int, archive_write_set_filter_option, (A *a, const char *m, const char *o, const char *v), (a, m, o, v))
FORWARD(int, archive_write_set_bytes_per_block, (A *a, int bytes), (a, bytes))
FORWARD(int, archive_write_set_bytes_in_last_block, (A *a, int bytes), (a, bytes))
FORWARD(int, archive_write_open_filename, (A *a, const char *name), (a, name))
FORWARD(int, archive_write_open_fd, (A *a, int fd), (a, fd))
FORWARD(int, archive_write_header, (A *a, E *entry), (a, entry))
FORWARD(la_ssize_t, archive_write_data, (A *a, const void *bytes, size_t size), (a, bytes, size))

FORWARD(E *, archive_entry_new, (void), ())
FORWARD(E *, archive_entry_clear, (E *e), (e))
FORWARD(const char *, archive_entry_pathname, (E *e), (e))
FORWARD(const char *, archive_entry_hardlink, (E *e), (e))
FORWARD(const char *, archive_entry_symlink, (E *e), (e))
FORWARD(__LA_MODE_T, archive_entry_filetype, (E *e), (e))
FORWARD(__LA_MODE_T, archive_entry_perm, (E *e), (e))
FORWARD(la_int64_t, archive_entry_uid, (E *e), (e))
FORWARD(la_int64_t, archive_entry_gid, (E *e), (e))
FORWARD(la_int64_t, archive_entry_size, (E *e), (e))
FORWARD(time_t, archive_entry_mtime, (E *e), (e))
FORWARD(long, archive_entry_mtime_nsec, (E *e), (e))
FORWARD(dev_t, archive_entry_rdevmajor, (E *e), (e))
FORWARD(dev_t, archive_entry_rdevminor, (E *e), (e))
FORWARD(int, archive_entry_xattr_reset, (E *e), (e))
FORWARD(int, archive_entry_xattr_next, (E *e, const char **name, const void **value, size_t *size), (e, name, value, size))

// The setters return nothing.
FORWARD_VOID(archive_entry_free, (E *e), (e))
FORWARD_VOID(archive_entry_set_pathname, (E *e, const char *name), (e, name))
FORWARD_VOID(archive_entry_set_hardlink, (E *e, const char *name), (e, name))
FORWARD_VOID(archive_entry_set_symlink, (E *e, const char *name), (e, name))
FORWARD_VOID(archive_entry_set_filetype, (E *e, unsigned int type), (e, type))
FORWARD_VOID(archive_entry_set_perm, (E *e, __LA_MODE_T mode), (e, mode))
FORWARD_VOID(archive_entry_set_uid, (E *e, la_int64_t id), (e, id))
FORWARD_VOID(archive_entry_set_gid, (E *e, la_int64_t id), (e, id))
FORWARD_VOID(archive_entry_set_size, (E *e, la_int64_t size), (e, size))
FORWARD_VOID(archive_entry_set_mtime, (E *e, time_t seconds, long nanoseconds), (e, seconds, nanoseconds))
FORWARD_VOID(archive_entry_set_rdevmajor, (E *e, dev_t major), (e, major))
FORWARD_VOID(archive_entry_set_rdevminor, (E *e, dev_t minor), (e, minor))
FORWARD_VOID(archive_entry_xattr_add_entry, (E *e, const char *name, const void *value, size_t size), (e, name, value, size))
