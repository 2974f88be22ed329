#ifndef PODLAB_LINEINPUT_H
#define PODLAB_LINEINPUT_H
#include <stdio.h>
#include <histedit.h>

/* Reading a line with libedit so that a Ctrl-C is never lost. SIGINT stays blocked while libedit computes and
 * draws, and is let in only while podlab's read function waits for the terminal (ppoll with the mask that admits
 * it): a Ctrl-C that arrives while libedit draws is delivered at the next wait, instead of being noted by a handler
 * while libedit goes on to block in read() until the next key. */

/* Makes `el` read keys through podlab's read function (UTF-8 decoded here, whatever the locale), and installs the
 * signal handlers libedit would otherwise install (EL_SIGNAL off): SIGINT notes an interruption; SIGWINCH and
 * SIGCONT redraw the line; SIGTSTP, SIGTERM, SIGHUP and SIGQUIT put the terminal back before they stop or end
 * podlab. */
void podlab_line_install(EditLine *el);
/* Around el_gets: clears the note and blocks SIGINT / restores the mask. */
void podlab_line_begin(void);
void podlab_line_end(void);
/* Whether a Ctrl-C ended the last el_gets. */
int podlab_line_interrupted(void);

#endif
