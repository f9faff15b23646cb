/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The zygote (worker-spawn = zygote): starting and restarting it, its set-up, asking it for
 * workers, and signalling the workers it forked through pidfds. Process: main.
 *
 * One `cstpd-worker --zygote`, started like any worker (posix_spawn, nothing of main's
 * state), loads OpenSSL, the certificate chain, the key and the client-certificate CA/CRL
 * once and forks a worker per connection (IPC_SPAWN_REQ -> IPC_SPAWN_REP). It gets only
 * the TLS part of a worker's set-up, never main's secrets (cookies, passwords). Workers
 * forked from it share its address-space layout and TLS key (each loaded the key anyway);
 * `worker-spawn = exec` keeps a fresh exec per connection. Those workers are the zygote's
 * children, not main's: their end is their IPC socket closing, and the zygote reaps them.
 * If the zygote dies, main restarts it (sooner or later, by how long it lived) and exec's
 * workers meanwhile.
 *
 * Signalling those workers. A pid names a process only until it is reaped, and the zygote,
 * not main, reaps them: killing by pid could hit an unrelated process that got the pid of
 * a worker that had just ended. So main signals a zygote worker only through a pidfd,
 * which stays bound to the process it was opened for, opened when the zygote's reply
 * brings the pid. The worker may have ended and been reaped before that, so the pidfd is
 * checked to name the worker, this way:
 *  - main sends the worker its set-up (IPC_WORKER_INIT) only after the check. Until then
 *    the worker runs nothing but the zygote's code waiting for it: it has read no client
 *    byte, forks nothing and hands its IPC socket to no one. It ends early only on a
 *    signal from elsewhere, a set-up timeout, or its socket closing (then it exits).
 *  - Only the worker holds its end of the IPC socket: main closes its copy once the
 *    request is sent, the zygote its copies right after the fork, before it replies.
 *  - A process's descriptors are closed before it can be reaped.
 * So if, after pidfd_open(pid), the worker's end is still open, the worker had not been
 * reaped when the pidfd was opened: the pid was still its own and the pidfd is its.
 * A closed end, or ESRCH from pidfd_open, means the worker is gone: main drops the pidfd
 * and never signals that pid; the connection ends when its socket's end is read.
 * (SO_PEERCRED cannot do this check: on a socketpair it names the creator, main.)
 * Kernels without pidfds (before 5.3, or a sandbox refusing the call) fall back to kill()
 * by pid after the same socket check; only the moment between that check and the kill
 * stays open there. */
#include "zygote.h"
#include "mainint.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ev.h>

#include "conf.h"
#include "err.h"
#include "ipc.h"
#include "launch.h"
#include "log.h"
#include "secmem.h"
#include "strutil.h"

static struct {
	pid_t pid; /* -1 = none */
	int fd;	   /* main's end of its socket, -1 = none */
	ev_io io;
	ev_timer restart;
	uint64_t started_ms;
	double backoff;
} Z = { .pid = -1, .fd = -1 };

static bool no_pidfd; /* pidfd_open is refused here: workers are signalled by pid */

static int start(void);

/* --- pidfds --- */

static int sys_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static int sys_pidfd_send_signal(int pidfd, int sig)
{
#ifdef SYS_pidfd_send_signal
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
#else
	(void)pidfd;
	(void)sig;
	errno = ENOSYS;
	return -1;
#endif
}

/* Whether the other end of an IPC socket is closed (1) or still open (0), without reading
 * from it; ERR_SYS when poll fails. */
static int peer_closed(int ipc)
{
	struct pollfd p = { .fd = ipc, .events = POLLRDHUP };
	int n;

	do
		n = poll(&p, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ERR_SYS;
	return (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)) ? 1 : 0;
}

/* Open the pidfd of c's worker (c->pid from the reply) and check that it is the worker's
 * (see the top of the file). 0 with c->pidfd set; or 0 with c->pidfd -1 and *gone when the
 * worker has ended, or without *gone when pidfds are refused; ERR_SYS (logged) else. */
static int worker_pidfd(struct conn *c, bool *gone)
{
	int fd, r;

	*gone = false;
	fd = sys_pidfd_open(c->pid);
	if (fd < 0 && errno == ESRCH) {
		*gone = true; /* ended and reaped already */
		return 0;
	}
	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
		if (!no_pidfd)
			log_warn_sys("no pidfd for zygote workers: they are signalled by pid");
		no_pidfd = true;
		return 0;
	}
	if (fd < 0) {
		log_err_sys("%s: cannot open a pidfd for worker %d", c->peer_str, (int)c->pid);
		return ERR_SYS;
	}
	r = peer_closed(c->ipc);
	if (r < 0)
		log_err_sys("%s: cannot poll the socket of worker %d", c->peer_str, (int)c->pid);
	if (r != 0) {
		close(fd);
		*gone = r > 0;
		return r > 0 ? 0 : r;
	}
	c->pidfd = fd;
	return 0;
}

void zygote_signal(struct conn *c, int sig)
{
	if (c->pidfd >= 0) {
		if (sys_pidfd_send_signal(c->pidfd, sig) != 0 && errno != ESRCH)
			log_warn_sys("%s: cannot signal worker %d", c->peer_str, (int)c->pid);
		return;
	}
	/* Without pidfds: a worker that still holds its socket is not reaped, so the pid is
	 * still its own. Else the worker is gone (c->pidfd is -1 then) or not known yet. */
	if (no_pidfd && c->pid > 0 && c->ipc >= 0 && peer_closed(c->ipc) == 0)
		kill(c->pid, sig);
}

/* --- the zygote process --- */

static void restart_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (Z.fd < 0 && !M.stopping && M.conf->worker_spawn == CONF_SPAWN_ZYGOTE)
		start();
}

/* Close the zygote's socket; kill it unless reaped (its pid is -1 then). */
static void zygote_close(int sig)
{
	if (Z.fd >= 0) {
		ev_io_stop(M.loop, &Z.io);
		close(Z.fd);
		Z.fd = -1;
	}
	if (Z.pid > 0)
		kill(Z.pid, sig); /* main's own child, not reaped yet: the pid is still its own */
	Z.pid = -1;
}

/* The zygote is gone or unusable: exec workers until a new one runs. */
static void zygote_lost(const char *why)
{
	log_err("zygote lost (%s): workers are exec'd until it is restarted", why);
	zygote_close(SIGKILL);
	if (M.stopping || M.conf->worker_spawn != CONF_SPAWN_ZYGOTE)
		return;
	/* One that dies right after its start (a bad key) is retried less and less often. */
	if (now_ms() - Z.started_ms >= ZYGOTE_STABLE_MS)
		Z.backoff = 0.;
	else if (Z.backoff < 1.)
		Z.backoff = 1.;
	else if (Z.backoff * 2 < ZYGOTE_BACKOFF_MAX)
		Z.backoff *= 2;
	else
		Z.backoff = ZYGOTE_BACKOFF_MAX;
	ev_timer_stop(M.loop, &Z.restart);
	ev_timer_set(&Z.restart, Z.backoff, 0.);
	ev_timer_start(M.loop, &Z.restart);
}

/* Send the zygote the TLS set-up of the current configuration (at start and reload). */
static void send_zygote_init(void)
{
	struct ipc_worker_init in;
	int r;

	fill_worker_init(NULL, &in);
	r = ipc_send(Z.fd, IPC_ZYGOTE_INIT, 0, &in, NULL, 0);
	ipc_wipe(IPC_ZYGOTE_INIT, &in);
	if (r != 0)
		zygote_lost("cannot send it the set-up");
}

/* A forked worker's own set-up; the ticket key is in the zygote's TLS context already. */
static int send_worker_init(struct conn *c)
{
	struct ipc_worker_init init;

	fill_worker_init(c, &init);
	secmem_wipe(init.ticket_key, sizeof(init.ticket_key));
	return send_to_worker(c, IPC_WORKER_INIT, 0, &init, NULL, 0);
}

/* A worker the zygote forked (or could not): give its connection the pid and a checked
 * pidfd, then the worker its set-up. */
static void spawned(const struct ipc_spawn_rep *rep)
{
	struct conn *c = conn_by_id(rep->conn_id);
	pid_t pid = (pid_t)rep->pid;
	bool gone;

	if (rep->error || pid <= 0) {
		log_err("zygote could not start a worker: %s",
			rep->error ? strerror((int)rep->error) : "no pid");
		if (c && c->zygote && c->pid <= 0)
			conn_free(c, "cannot start a worker");
		return;
	}
	if (!c || !c->zygote || c->pid > 0) {
		/* Its connection ended first and closed its end of the worker's socket: the
		 * worker, still waiting for its set-up, reads that end and exits. */
		log_debug("zygote worker %d has no connection waiting for it", (int)pid);
		return;
	}
	c->pid = pid;
	if (worker_pidfd(c, &gone) != 0) {
		conn_free(c, "its worker cannot be signalled safely");
		return;
	}
	if (gone) {
		log_debug("%s: worker %d ended before its set-up", c->peer_str, (int)pid);
	} else {
		log_debug("%s: worker %d started by the zygote", c->peer_str, (int)pid);
		if (c->state & CONN_CLOSING)
			zygote_signal(c, SIGKILL);
		else if (send_worker_init(c) != 0) {
			conn_free(c, "cannot start a worker");
			return;
		}
	}
	/* Reading was held back while the pid was unknown (worker_read_cb). */
	if (!ev_is_active(&c->io))
		ev_io_start(M.loop, &c->io);
}

void zygote_drain(void)
{
	static uint8_t buf[256];
	struct ipc_spawn_rep rep;
	struct ipc_hdr hdr;
	int fds[IPC_MAX_FDS];
	size_t len, nfds;

	for (int i = 0; i < 256 && Z.fd >= 0; i++) {
		int r = ipc_recv(Z.fd, buf, sizeof(buf), &len, fds, &nfds);

		if (r == ERR_SYS && errno == EINTR)
			continue;
		if (r == ERR_SYS && errno == EAGAIN)
			return;
		for (size_t k = 0; k < nfds; k++)
			close(fds[k]);
		if (r == ERR_PEER_CLOSED || (r == ERR_SYS && errno == ECONNRESET)) {
			zygote_lost("its socket closed");
			return;
		}
		if (r == 0 && nfds == 0)
			r = ipc_decode(buf, len, &hdr, &rep, sizeof(rep));
		else if (r == 0)
			r = ERR_FORMAT;
		if (r == 0 && hdr.type != IPC_SPAWN_REP)
			r = ERR_FORMAT;
		if (r != 0) {
			zygote_lost(err_str(r));
			return;
		}
		spawned(&rep);
	}
}

static void read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	zygote_drain();
}

static int start(void)
{
	char arg[] = "--zygote";
	char *argv[] = { M.worker_path, arg, NULL };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		log_err_sys("socketpair");
		return ERR_SYS;
	}
	Z.pid = spawn_program(M.worker_path, argv, &sv[1], 1);
	close(sv[1]);
	if (Z.pid < 0) {
		log_err_sys("cannot start the zygote %s", M.worker_path);
		close(sv[0]);
		Z.pid = -1;
		return ERR_SYS;
	}
	Z.fd = sv[0];
	fcntl(Z.fd, F_SETFL, O_NONBLOCK);
	ev_io_init(&Z.io, read_cb, Z.fd, EV_READ);
	ev_io_start(M.loop, &Z.io);
	Z.started_ms = now_ms();
	log_info("zygote %d started", (int)Z.pid);
	send_zygote_init();
	return 0;
}

/* --- the API --- */

void zygote_init(void)
{
	ev_timer_init(&Z.restart, restart_cb, 0., 0.);
	if (M.conf->worker_spawn == CONF_SPAWN_ZYGOTE && start() != 0)
		log_warn("no zygote: workers are exec'd");
}

void zygote_reload(void)
{
	bool want = M.conf->worker_spawn == CONF_SPAWN_ZYGOTE;

	if (want && Z.fd >= 0)
		send_zygote_init();
	else if (want && !ev_is_active(&Z.restart))
		start();
	else if (!want && Z.fd >= 0)
		zygote_close(SIGTERM);
}

void zygote_stop(void)
{
	ev_timer_stop(M.loop, &Z.restart);
	zygote_close(SIGTERM);
}

bool zygote_running(void)
{
	return Z.fd >= 0;
}

int zygote_request(struct conn *c, int wfd)
{
	struct ipc_spawn_req rq = { .conn_id = c->id };
	int fds[2] = { c->fd, wfd };
	int r = ipc_send(Z.fd, IPC_SPAWN_REQ, 0, &rq, fds, 2);

	if (r != 0) {
		bool busy = r == ERR_SYS && errno == EAGAIN;

		log_warn("%s: cannot ask the zygote for a worker (%s): exec'ing one", c->peer_str,
			 busy ? "its queue is full" : err_str(r));
		if (!busy)
			zygote_lost("cannot send to it");
		return r;
	}
	c->zygote = true;
	c->pid = -1;
	return 0;
}

bool zygote_child_exited(pid_t pid, int st)
{
	if (pid <= 0 || pid != Z.pid)
		return false;
	Z.pid = -1; /* reaped */
	if (WIFSIGNALED(st))
		log_err("zygote %d killed by signal %d", (int)pid, WTERMSIG(st));
	else
		log_err("zygote %d exited with status %d", (int)pid, WEXITSTATUS(st));
	zygote_lost("it exited");
	return true;
}
