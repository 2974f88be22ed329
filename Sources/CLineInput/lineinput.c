// See include/lineinput.h.
#define _GNU_SOURCE
#include "lineinput.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

static volatile sig_atomic_t interrupted = 0;
/* The terminal opened a second time, non-blocking: after ppoll says a key is there, a Ctrl-C can still make the
 * terminal drop it (ISIG flushes the input) before read() runs; a blocking read would then wait, with SIGINT
 * blocked, until the next key. Its own open file description, so fd 0 (shared with the commands) keeps its flags. */
static int key_fd = 0;
static sigset_t outside_mask;   /* the mask before podlab_line_begin */
static sigset_t waiting_mask;   /* the same without SIGINT: what ppoll waits with */

static pthread_t reader;                  /* the thread in el_gets */
static volatile sig_atomic_t reading = 0;

/* SIGINT is process-directed: while the reader blocks it, the kernel hands it to another thread (the Swift
 * runtime's, an HTTP client's). That thread passes it on to the reader, where it stays pending until the reader
 * waits in ppoll. */
static void note_interrupt(int signo) {
    interrupted = 1;
    if (reading && !pthread_equal(pthread_self(), reader)) pthread_kill(reader, signo);
}

/* One key: waits (SIGINT admitted) until the terminal has a byte, then decodes one UTF-8 character. Returns 1 with
 * the character, 0 at end of file, -1 with errno EINTR after a Ctrl-C. */
static int read_key(EditLine *el, wchar_t *out) {
    (void)el;
    unsigned int value = 0;
    int needed = 0;
    for (;;) {
        if (interrupted) { errno = EINTR; return -1; }
        struct pollfd terminal = { .fd = key_fd, .events = POLLIN, .revents = 0 };
        int ready = ppoll(&terminal, 1, NULL, &waiting_mask);
        if (ready < 0) {
            if (errno == EINTR) continue;   /* the loop's head tells a Ctrl-C from SIGWINCH */
            return -1;
        }
        unsigned char byte = 0;
        ssize_t got = read(key_fd, &byte, 1);
        if (got == 0) return 0;
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;   /* flushed by a ^C meanwhile */
            return -1;
        }
        if (needed == 0) {
            if (byte < 0x80) { *out = (wchar_t)byte; return 1; }
            if ((byte & 0xe0) == 0xc0) { value = byte & 0x1f; needed = 1; }
            else if ((byte & 0xf0) == 0xe0) { value = byte & 0x0f; needed = 2; }
            else if ((byte & 0xf8) == 0xf0) { value = byte & 0x07; needed = 3; }
            else { *out = (wchar_t)0xfffd; return 1; }   /* a stray continuation byte */
            continue;
        }
        if ((byte & 0xc0) != 0x80) { *out = (wchar_t)0xfffd; return 1; }   /* a character cut short */
        value = (value << 6) | (byte & 0x3f);
        if (--needed == 0) { *out = (wchar_t)value; return 1; }
    }
}

void podlab_line_install(EditLine *el) {
    int fd = open("/proc/self/fd/0", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0) key_fd = fd;
    el_wset(el, EL_GETCFN, read_key);
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = note_interrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
}

void podlab_line_begin(void) {
    interrupted = 0;
    reader = pthread_self();
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &outside_mask);
    waiting_mask = outside_mask;
    sigdelset(&waiting_mask, SIGINT);
    reading = 1;
}

void podlab_line_end(void) {
    reading = 0;
    pthread_sigmask(SIG_SETMASK, &outside_mask, NULL);
}

int podlab_line_interrupted(void) {
    return interrupted;
}
