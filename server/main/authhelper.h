/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Auth helper processes: slow authentication work (password hashes, OTP file updates,
 * RADIUS round trips, accounting records) runs in a small pool of privileged helper
 * processes so main's event loop never waits on it. Process: main (the pool) and the
 * helper itself (authhelper_main). */
#ifndef CSTPD_MAIN_AUTHHELPER_H
#define CSTPD_MAIN_AUTHHELPER_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

#define AUTHHELPER_QUEUE_MAX 4096 /* pending logins beyond this are refused at once */
#define AUTHHELPER_ACCT_MAX  8192 /* pending accounting records beyond this are dropped */
#define AUTHHELPER_DRAIN_MS  3000 /* at shutdown, how long queued accounting may take */

/* Called on main's loop with the result for `token` (rep->status UNAVAILABLE when the
 * queue is full or a helper died). */
typedef void (*authhelper_cb)(uint64_t token, const struct ipc_helper_auth_rep *rep);

/* Start n helpers (`self` is cstpd's path, run as `self --auth-helper`). 0 or ERR_SYS. */
int authhelper_start(struct ev_loop *loop, const char *self, unsigned n, authhelper_cb cb);
/* Queue a request; the answer arrives through the callback (possibly before this returns
 * when it is refused). The request's secrets are wiped. Never blocks. */
void authhelper_submit(uint64_t token, struct ipc_helper_auth_req *req);
/* Queue an accounting record. With several helpers the first one never takes accounting,
 * so a dead accounting server cannot hold up logins. A full queue drops the record (logged).
 * Never blocks. */
void authhelper_submit_acct(const struct ipc_helper_acct_req *req);
/* A SIGCHLD for pid: returns 1 when pid was a helper (it is restarted), else 0. */
int authhelper_child_exited(pid_t pid);
/* Stop all helpers: queued logins are dropped, queued accounting records still go out
 * (waiting at most AUTHHELPER_DRAIN_MS, blocking: only for shutdown), then SIGTERM. */
void authhelper_stop(void);

/* The helper process: serve requests on fd until it closes. Returns the exit status. */
int authhelper_main(int fd);

#endif
