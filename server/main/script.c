/* SPDX-License-Identifier: GPL-2.0-or-later */
/* connect-script and disconnect-script runs. Process: main. */
#include "script.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "err.h"
#include "launch.h"
#include "log.h"

#define SCRIPTS_MAX 1024 /* running at once; more are refused */

struct run {
	pid_t pid;
	uint64_t token;
	script_done_cb cb;
	ev_timer timer;
	struct run *next;
};

static struct ev_loop *g_loop;
static struct run *g_runs;
static size_t g_n;

void script_init(struct ev_loop *loop)
{
	g_loop = loop;
}

void script_env_init(struct script_env *e)
{
	e->n = 0;
	e->used = 0;
	e->v[0] = NULL;
}

void script_env_add(struct script_env *e, const char *name, const char *fmt, ...)
{
	size_t room = sizeof(e->buf) - e->used;
	va_list ap;
	int n, m;

	if (e->n >= SCRIPT_ENV_MAX)
		goto full;
	n = snprintf(e->buf + e->used, room, "%s=", name);
	if (n < 0 || (size_t)n >= room)
		goto full;
	va_start(ap, fmt);
	m = vsnprintf(e->buf + e->used + n, room - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)(n + m) >= room)
		goto full;
	e->v[e->n++] = e->buf + e->used;
	e->v[e->n] = NULL;
	e->used += (size_t)(n + m) + 1;
	return;
full:
	log_warn("script environment full: %s left out", name);
}

static void unlink_run(struct run *r)
{
	struct run **pp = &g_runs;

	while (*pp && *pp != r)
		pp = &(*pp)->next;
	if (*pp)
		*pp = r->next;
	g_n--;
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct run *r = w->data;

	(void)loop;
	(void)revents;
	log_warn("script %d ran longer than %d s: killing it", (int)r->pid, SCRIPT_TIMEOUT);
	kill(r->pid, SIGKILL); /* the exit arrives through SIGCHLD */
}

int script_run(const char *path, struct script_env *e, script_done_cb cb, uint64_t token)
{
	char *argv[] = { (char *)path, NULL };
	struct run *r;

	if (g_n >= SCRIPTS_MAX) {
		log_warn("too many scripts running: %s not started", path);
		return ERR_SYS;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return ERR_NOMEM;
	r->pid = spawn_program_env(path, argv, e->v, NULL, 0);
	if (r->pid < 0) {
		log_err_sys("cannot run script %s", path);
		free(r);
		return ERR_SYS;
	}
	r->token = token;
	r->cb = cb;
	ev_timer_init(&r->timer, timeout_cb, SCRIPT_TIMEOUT, 0.);
	r->timer.data = r;
	ev_timer_start(g_loop, &r->timer);
	r->next = g_runs;
	g_runs = r;
	g_n++;
	return 0;
}

int script_child_exited(pid_t pid, int wstatus)
{
	struct run *r;

	for (r = g_runs; r; r = r->next)
		if (r->pid == pid)
			break;
	if (!r)
		return 0;
	ev_timer_stop(g_loop, &r->timer);
	unlink_run(r);
	if (r->cb)
		r->cb(r->token, WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
	free(r);
	return 1;
}

void script_cancel(uint64_t token)
{
	for (struct run *r = g_runs; r; r = r->next)
		if (r->token == token)
			r->cb = NULL;
}
