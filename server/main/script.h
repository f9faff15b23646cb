/* SPDX-License-Identifier: GPL-2.0-or-later */
/* connect-script and disconnect-script: started with posix_spawn, their exit reported on
 * main's loop, never waited for inside a callback. Process: main. */
#ifndef CSTPD_MAIN_SCRIPT_H
#define CSTPD_MAIN_SCRIPT_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SCRIPT_ENV_MAX 48
#define SCRIPT_TIMEOUT 30 /* seconds before a script is killed */

/* The environment of one script run, built with script_env_add(). */
struct script_env {
	char *v[SCRIPT_ENV_MAX + 1];
	size_t n;
	char buf[8192];
	size_t used;
};

/* status: the exit status (0 = success), or -1 when it could not run or was killed. */
typedef void (*script_done_cb)(uint64_t token, int status);

void script_init(struct ev_loop *loop);
void script_env_init(struct script_env *e);
/* Add NAME=VALUE (printf-style value); entries that do not fit are dropped and logged. */
void script_env_add(struct script_env *e, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Start `path` with env; cb (may be NULL) gets the result for `token`. 0 or ERR_SYS. */
int script_run(const char *path, struct script_env *e, script_done_cb cb, uint64_t token);
/* A SIGCHLD for pid: 1 when it was a script (its callback has run), else 0. */
int script_child_exited(pid_t pid, int wstatus);
/* Forget the callbacks for `token` (its connection went away). */
void script_cancel(uint64_t token);

#endif
