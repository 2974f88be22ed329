#ifndef PODLAB_CEDITLINE_SHIM_H
#define PODLAB_CEDITLINE_SHIM_H
#include <stdio.h>
#include <histedit.h>

// el_set and history are variadic: Swift cannot call them, so each use gets a small wrapper.

// Escape sequences in the prompt (colours) are wrapped in \1 … \1 so that libedit does not count them.
static inline void podlab_el_prompt(EditLine *el, char *(*prompt)(EditLine *)) { el_set(el, EL_PROMPT_ESC, prompt, '\1'); }
static inline void podlab_el_editor(EditLine *el, const char *mode) { el_set(el, EL_EDITOR, mode); }
static inline void podlab_el_signal(EditLine *el, int handle) { el_set(el, EL_SIGNAL, handle); }
static inline void podlab_el_history(EditLine *el, History *h) { el_set(el, EL_HIST, history, h); }
static inline void podlab_el_add_function(EditLine *el, const char *name, const char *help,
                                          unsigned char (*function)(EditLine *, int)) {
    el_set(el, EL_ADDFN, name, help, function);
}
static inline void podlab_el_bind(EditLine *el, const char *key, const char *function) {
    el_set(el, EL_BIND, key, function, NULL);
}

static inline History *podlab_history_new(int size) {
    History *h = history_init();
    HistEvent event;
    if (h) {
        history(h, &event, H_SETSIZE, size);
        history(h, &event, H_SETUNIQUE, 1);
    }
    return h;
}
static inline void podlab_history_enter(History *h, const char *line) { HistEvent event; history(h, &event, H_ENTER, line); }
static inline int podlab_history_load(History *h, const char *path) { HistEvent event; return history(h, &event, H_LOAD, path); }
static inline int podlab_history_save(History *h, const char *path) { HistEvent event; return history(h, &event, H_SAVE, path); }

#endif
