// See include/lineinput.h.
#define _GNU_SOURCE
#include "lineinput.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

static volatile sig_atomic_t interrupted = 0;
static volatile sig_atomic_t continued = 0;   /* back from a stop: the terminal and the line need drawing again */
static volatile sig_atomic_t resized = 0;
/* The terminal opened a second time, non-blocking: after ppoll says a key is there, a Ctrl-C can still make the
 * terminal drop it (ISIG flushes the input) before read() runs; a blocking read would then wait, with SIGINT
 * blocked, until the next key. Its own open file description, so fd 0 (shared with the commands) keeps its flags. */
static int key_fd = 0;
static sigset_t outside_mask;   /* the mask before podlab_line_begin */
static sigset_t waiting_mask;   /* the same without SIGINT: what ppoll waits with */

static pthread_t reader;                  /* the thread in el_gets */
static volatile sig_atomic_t reading = 0;
/* The terminal as it was before el_gets made it raw: put back before podlab stops or ends on a signal. */
static struct termios cooked;
static volatile sig_atomic_t have_cooked = 0;

/* Signals are process-directed: the kernel hands them to any thread that does not block them (the Swift
 * runtime's, an HTTP client's). Such a thread passes them on to the reader, where SIGINT stays pending until the
 * reader waits in ppoll, and the others end that wait. */
static void wake_reader(int signo) {
    if (reading && !pthread_equal(pthread_self(), reader)) pthread_kill(reader, signo);
}

static void note_interrupt(int signo) {
    interrupted = 1;
    wake_reader(signo);
}

static void note_resize(int signo) {
    resized = 1;
    wake_reader(signo);
}

static void note_continue(int signo) {
    continued = 1;
    wake_reader(signo);
}

static void handle(int signo, void (*handler)(int), int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = handler;
    action.sa_flags = flags;
    sigemptyset(&action.sa_mask);
    sigaction(signo, &action, NULL);
}

/* The terminal back as the learner's shell left it (when a line is being edited), then `signo` with its default
 * action: a stop until continued, or the end of podlab. */
static void restore_and_raise(int signo, int when) {
    if (reading && have_cooked) tcsetattr(key_fd, when, &cooked);
    signal(signo, SIG_DFL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, signo);
    pthread_sigmask(SIG_UNBLOCK, &only, NULL);
    raise(signo);
}

/* Ctrl-Z while a line is edited: the terminal goes back to how the learner's shell left it, podlab stops, and
 * when it is continued the reader makes the terminal raw again and redraws the line. */
static void stop_politely(int signo) {
    int saved = errno;
    restore_and_raise(signo, TCSADRAIN);  /* stops here until continued */
    handle(signo, stop_politely, SA_RESTART);
    continued = 1;
    wake_reader(SIGCONT);
    errno = saved;
}

/* SIGTERM, SIGHUP, SIGQUIT while a line is edited: the terminal is put back, then the signal does what it would. */
static void end_politely(int signo) {
    restore_and_raise(signo, TCSANOW);
}

/* A Ctrl-C that came while this thread was busy (drawing the last key, SIGINT blocked) stays pending, and ppoll
 * delivers it only when no key is there: with keys typed after it already waiting, ppoll answers "ready" and keeps
 * the signal blocked, so those keys would go into the line the Ctrl-C drops. Taken here first; true when it was. */
static int take_pending_interrupt(void) {
    sigset_t pending;
    if (sigpending(&pending) != 0 || !sigismember(&pending, SIGINT)) return 0;
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, SIGINT);
    const struct timespec now = { 0, 0 };
    if (sigtimedwait(&only, NULL, &now) != SIGINT) return 0;
    interrupted = 1;
    return 1;
}

/* One key: waits (SIGINT admitted) until the terminal has a byte, then decodes one UTF-8 character. Returns 1 with
 * the character, 0 at end of file, -1 with errno EINTR after a Ctrl-C. */
static int read_key(EditLine *el, wchar_t *out) {
    unsigned int value = 0;
    int needed = 0;
    for (;;) {
        if (interrupted) { errno = EINTR; return -1; }
        if (continued) {
            continued = 0;
            /* libedit still takes the terminal for raw: told it is cooked first, it makes it raw again. */
            el_set(el, EL_PREP_TERM, 0);
            el_set(el, EL_PREP_TERM, 1);
            el_set(el, EL_REFRESH);
        }
        if (resized) {
            resized = 0;
            el_resize(el);   /* as libedit's own handler did: the next key draws with the new width */
        }
        struct pollfd terminal = { .fd = key_fd, .events = POLLIN, .revents = 0 };
        int ready = ppoll(&terminal, 1, NULL, &waiting_mask);
        if (ready < 0) {
            if (errno == EINTR) continue;   /* the loop's head tells a Ctrl-C from a resize or a continue */
            return -1;
        }
        if (take_pending_interrupt()) continue;
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
    /* podlab owns these signals, not libedit (EL_SIGNAL stays off): libedit's handlers replace the process's own
     * while it reads, run on whichever thread the kernel picks, and send the signal again to the whole process
     * group (kill(0, …)), the learner's shell included when podlab is not a job of its own. */
    handle(SIGINT, note_interrupt, 0);
    handle(SIGWINCH, note_resize, SA_RESTART);
    handle(SIGCONT, note_continue, SA_RESTART);
    handle(SIGTSTP, stop_politely, SA_RESTART);
    handle(SIGTERM, end_politely, 0);
    handle(SIGHUP, end_politely, 0);
    handle(SIGQUIT, end_politely, 0);
}

void podlab_line_begin(void) {
    interrupted = 0;
    continued = 0;
    have_cooked = tcgetattr(key_fd, &cooked) == 0;
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
