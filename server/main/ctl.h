/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket that cstpctl talks to: status, sessions, disconnects, reload, bans.
 * Process: main. */
#ifndef CSTPD_MAIN_CTL_H
#define CSTPD_MAIN_CTL_H

/* Open the control socket at occtl-socket-file (when use-occtl is true) and watch it on
 * M.loop. Call once, after the listeners. 0, or ERR_SYS / ERR_TOO_LARGE (path too long)
 * after logging why. Does not block. */
int ctl_start(void);
/* Close every control client and the socket, and remove the socket file. A no-op when
 * ctl_start() did not open it. */
void ctl_stop(void);

#endif
