/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The zygote (worker-spawn = zygote): one `cstpd-worker --zygote` that forks a worker per
 * connection, its restarts, and signalling its workers through pidfds. Process: main. */
#ifndef CSTPD_MAIN_ZYGOTE_H
#define CSTPD_MAIN_ZYGOTE_H

#include <stdbool.h>
#include <sys/types.h>

struct conn;

#define ZYGOTE_BACKOFF_MAX 60.0	 /* seconds between restarts of a zygote that keeps dying */
#define ZYGOTE_STABLE_MS   10000 /* a zygote that lived this long is restarted at once */

/* At start-up (M.loop and M.conf set): prepare the restart timer and start the zygote when
 * worker-spawn = zygote. A failure is logged; workers are exec'd meanwhile. */
void zygote_init(void);
/* After a reload installed M.conf: send the zygote the new set-up, or start or stop it as
 * worker-spawn now says. Never blocks. */
void zygote_reload(void);
/* At shutdown: no more restarts; the zygote gets SIGTERM and its socket is closed. */
void zygote_stop(void);
/* True while a zygote runs and takes requests. */
bool zygote_running(void);

/* Ask the zygote for a worker for c (its client socket c->fd and the worker's end wfd,
 * both still the caller's). 0 with c->zygote set and c->pid -1 until the reply, which
 * sends the worker its set-up; else a negative ERR_* (the caller exec's one). No blocking. */
int zygote_request(struct conn *c, int wfd);
/* Handle the replies the zygote has queued (bounded per call): connections get their
 * worker's pid, pidfd and set-up, or are freed when no worker could be started. */
void zygote_drain(void);
/* A SIGCHLD for pid with wait status st: true when pid was the zygote (it is restarted
 * after a back-off), else false. */
bool zygote_child_exited(pid_t pid, int st);

/* Send sig to c's zygote-forked worker through its pidfd (by pid on kernels without
 * pidfds); nothing when the worker is known to be gone or its pid is not known yet. */
void zygote_signal(struct conn *c, int sig);

#endif
