/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cstpd-worker: one client connection. Reads its set-up from main, loads the TLS key,
 * drops privileges before the first client byte, then serves HTTP. With --zygote it is
 * the spawner that loads the TLS set-up once and forks workers. Process: worker. */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "auth.h"
#include "authxml.h"
#include "buf.h"
#include "err.h"
#include "files.h"
#include "http.h"
#include "log.h"
#include "secmem.h"
#include "strutil.h"
#include "tunnel.h"

static struct worker W;

/* Wait for one datagram from main until deadline; decode it as `type`. A descriptor that
 * came with it goes to *fd_out when fd_out is given (else it is closed). */
static int ipc_wait_fd(struct worker *w, uint16_t type, uint32_t id, void *msg, size_t size,
		       uint64_t deadline, int *fd_out)
{
	static uint8_t buf[IPC_MSG_MAX];
	struct pollfd p = { .fd = WORKER_IPC_FD, .events = POLLIN };
	struct ipc_hdr hdr;
	size_t len, nfds;
	int fds[IPC_MAX_FDS];
	int r;

	(void)w;
	for (;;) {
		uint64_t now = now_ms();

		if (now >= deadline)
			return ERR_TIMEOUT;
		r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? ERR_TIMEOUT : ERR_SYS;
		r = ipc_recv(WORKER_IPC_FD, buf, sizeof(buf), &len, fds, &nfds);
		if (r == ERR_SYS && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r != 0)
			return r;
		for (size_t i = 0; i < nfds; i++) {
			if (i == 0 && fd_out)
				*fd_out = fds[0];
			else
				close(fds[i]);
		}
		r = ipc_decode(buf, len, &hdr, msg, size);
		secmem_wipe(buf, len);
		if (r == 0 && (hdr.type != type || hdr.id != id))
			r = ERR_FORMAT;
		if (r != 0 && fd_out && *fd_out >= 0) {
			close(*fd_out);
			*fd_out = -1;
		}
		return r;
	}
}

static int ipc_wait(struct worker *w, uint16_t type, uint32_t id, void *msg, size_t size,
		    uint64_t deadline)
{
	return ipc_wait_fd(w, type, id, msg, size, deadline, NULL);
}

int worker_ipc_call(struct worker *w, uint16_t type, void *msg, uint16_t rep_type, void *rep,
		    size_t rep_size)
{
	return worker_ipc_call_fd(w, type, msg, rep_type, rep, rep_size, NULL);
}

int worker_ipc_call_fd(struct worker *w, uint16_t type, void *msg, uint16_t rep_type, void *rep,
		       size_t rep_size, int *fd)
{
	uint32_t id = ++w->ipc_seq;
	int r = ipc_send(WORKER_IPC_FD, type, id, msg, NULL, 0);

	if (fd)
		*fd = -1;
	ipc_wipe(type, msg);
	if (r != 0)
		return r;
	/* Password hashes take time and the pool may be busy: wait up to the login bound. */
	r = ipc_wait_fd(w, rep_type, id, rep, rep_size, w->deadline, fd);
	if (r != 0)
		log_err("no valid answer from main (%s)", err_str(r));
	return r;
}

static void drop_privileges(const struct ipc_worker_init *in)
{
	gid_t gid = (gid_t)in->gid;

	if (in->chroot_dir[0] && (chroot(in->chroot_dir) != 0 || chdir("/") != 0))
		fatal("chroot to %s failed: %s", in->chroot_dir, strerror(errno));
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid((uid_t)in->uid, (uid_t)in->uid, (uid_t)in->uid) != 0)
		fatal("cannot drop privileges to uid %u gid %u: %s", in->uid, in->gid,
		      strerror(errno));
	if (in->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		fatal("privileges could be regained after dropping them");
}

static bool is_tunnel_path(const char *path)
{
	return strcmp(path, "/CSCOSSLC/tunnel") == 0 || strcmp(path, "CSCOSSLC/tunnel") == 0;
}

static int serve_logout_page(struct worker *w)
{
	struct http_resp r = { 0 };

	r.status = 200;
	r.reason = "OK";
	r.content_type = "text/html";
	r.body = "<html><body>Logged out</body></html>\n";
	r.body_len = strlen(r.body);
	return http_send(w, &r);
}

/* One request; *close tells whether the connection ends after it. */
static int route(struct worker *w, bool *close)
{
	const struct http_req *h = &w->http.req;

	*close = h->conn_close;
	switch (h->method) {
	case HTTP_M_POST:
		return auth_handle_post(w, close);
	case HTTP_M_GET:
		if (strcmp(h->path, "/logout") == 0)
			return serve_logout_page(w);
		if (strcmp(h->path, "/") == 0 || strcmp(h->path, "/auth") == 0)
			return auth_handle_get(w, close);
		return files_handle_get(w, close);
	case HTTP_M_CONNECT:
		if (is_tunnel_path(h->path)) {
			*close = true;
			return tunnel_connect(w);
		}
		break;
	default:
		*close = true;
		return http_send_error(w, 405, "Method Not Allowed");
	}
	*close = true;
	return http_send_error(w, 404, "Not Found");
}

static int serve(struct worker *w)
{
	for (unsigned n = 0; n < WORKER_MAX_REQUESTS; n++) {
		bool close = false;
		int r = http_next_request(w);

		if (r != 0)
			return r;
		if (w->http.req.expect_continue) {
			static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

			if ((r = tls_write_all(&w->tls, cont, sizeof(cont) - 1, w->deadline)) != 0)
				return r;
		}
		log_debug("%s %s", w->http.req.method == HTTP_M_POST ? "POST" : "request",
			  w->http.req.path);
		r = route(w, &close);
		if (r != 0 || close)
			return r;
	}
	return 0;
}

/* --- zygote (worker-spawn = zygote) ---
 *
 * Security: every worker forked from one zygote shares its address-space layout (ASLR is
 * per zygote, not per worker) and a copy of its TLS context with the server key (which
 * every worker loaded anyway before dropping privileges). OpenSSL 3 reseeds its random
 * generators in a forked child. The zygote is started by main with posix_spawn and gets
 * only the TLS part of a worker's set-up: it never holds main's secrets (session cookies,
 * passwords, OTP or RADIUS state). It runs as root so that its children can chroot and
 * drop privileges exactly like an exec'd worker. `worker-spawn = exec` keeps the fresh
 * exec per connection. */

#define ZYGOTE_FD 3 /* the socket to main */

/* Forked child: the client socket at 3, its IPC socket at 4, nothing else open; default
 * signal dispositions and an empty mask, a session of its own (as posix_spawn does). */
static void zygote_child(int client, int ipc)
{
	int hc = fcntl(client, F_DUPFD_CLOEXEC, 16);
	int hi = fcntl(ipc, F_DUPFD_CLOEXEC, 16);
	sigset_t none;

	/* The zygote's syslog socket: closed properly, so a later openlog opens a new one
	 * instead of writing to whatever reuses its number. */
	closelog();
	/* dup2 clears close-on-exec on the copies; 3 was the zygote socket: it closes. */
	if (hc < 0 || hi < 0 || dup2(hc, WORKER_CLIENT_FD) < 0 || dup2(hi, WORKER_IPC_FD) < 0)
		_exit(1);
	if (close_range(WORKER_IPC_FD + 1, ~0u, 0) != 0)
		_exit(1);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	log_set_prefix("worker[%d]", (int)getpid());
}

/* Collect every exited child; the zygote never keeps a zombie. */
static void zygote_reap(int sfd)
{
	struct signalfd_siginfo si;
	pid_t pid;
	int st;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (WIFSIGNALED(st))
			log_info("worker %d killed by signal %d", (int)pid, WTERMSIG(st));
		else
			log_debug("worker %d exited with status %d", (int)pid, WEXITSTATUS(st));
	}
}

/* (Re)build the TLS context from main's set-up; a failure ends the zygote (main falls
 * back to exec'd workers, which report the same error). */
static void zygote_configure(struct worker *w, struct ipc_worker_init *zi)
{
	log_init("cstpd-worker", (int)zi->log_level, !(zi->flags & IPC_WF_SYSLOG));
	log_set_prefix("zygote[%d]", (int)getpid());
	if (w->tls.ctx)
		tls_close(&w->tls);
	if (tls_setup(&w->tls, zi) != 0)
		fatal("TLS set-up failed; exiting");
	secmem_wipe(zi->ticket_key, sizeof(zi->ticket_key));
	log_debug("TLS set-up loaded");
}

/* Fork one worker for the descriptors of a spawn request; answer main with its pid.
 * Returns true in the child. */
static bool zygote_spawn(uint32_t id, const struct ipc_spawn_req *rq, const int *fds, int sfd)
{
	struct ipc_spawn_rep rep = { .conn_id = rq->conn_id };
	pid_t pid = fork();
	int r;

	if (pid == 0) {
		close(sfd);
		zygote_child(fds[0], fds[1]);
		return true;
	}
	if (pid < 0)
		rep.error = (uint32_t)errno;
	else
		rep.pid = (uint32_t)pid;
	close(fds[0]);
	close(fds[1]);
	if ((r = ipc_send(ZYGOTE_FD, IPC_SPAWN_REP, id, &rep, NULL, 0)) != 0)
		fatal("cannot answer main: %s", err_str(r));
	return false;
}

/* The type of a datagram, read through its header. */
static uint16_t peek_type(const uint8_t *buf, size_t len)
{
	struct buf_rd rd;
	uint16_t type = 0;

	buf_rd_init(&rd, buf, len);
	if (buf_skip(&rd, 2) != 0 || buf_get_u16(&rd, &type) != 0)
		return 0;
	return type;
}

/* The spawner loop; returns only in a forked worker (with fds 3 and 4 in place). */
static void zygote_run(struct worker *w)
{
	static uint8_t buf[IPC_MSG_MAX];
	static struct ipc_worker_init zi;
	struct ipc_spawn_req rq;
	struct ipc_hdr hdr;
	sigset_t chld;
	bool ready = false;
	int sfd;

	log_set_prefix("zygote[%d]", (int)getpid());
	authxml_global_init();
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		fatal("signalfd: %s", strerror(errno));
	for (;;) {
		struct pollfd p[2] = { { .fd = ZYGOTE_FD, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };
		int fds[IPC_MAX_FDS];
		size_t len, nfds;
		uint16_t type;
		int r;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll: %s", strerror(errno));
		}
		if (p[1].revents)
			zygote_reap(sfd);
		if (!p[0].revents)
			continue;
		r = ipc_recv(ZYGOTE_FD, buf, sizeof(buf), &len, fds, &nfds);
		if (r == ERR_SYS && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r == ERR_PEER_CLOSED)
			exit(0); /* main is gone; running workers go on alone */
		if (r != 0)
			fatal("cannot read from main: %s", err_str(r));
		type = peek_type(buf, len);
		if (type == IPC_ZYGOTE_INIT && nfds == 0) {
			r = ipc_decode(buf, len, &hdr, &zi, sizeof(zi));
			secmem_wipe(buf, len);
			if (r != 0)
				fatal("invalid set-up from main: %s", err_str(r));
			zygote_configure(w, &zi);
			ready = true;
		} else if (type == IPC_SPAWN_REQ && nfds == 2 && ready) {
			r = ipc_decode(buf, len, &hdr, &rq, sizeof(rq));
			if (r != 0)
				fatal("invalid spawn request from main: %s", err_str(r));
			if (zygote_spawn(hdr.id, &rq, fds, sfd))
				return;
		} else {
			fatal("unexpected message 0x%04x (%zu descriptors) from main", type, nfds);
		}
	}
}

static int worker_run(struct worker *w, bool forked)
{
	uint64_t start;
	uint32_t handle;
	int r;

	r = ipc_wait(w, IPC_WORKER_INIT, 0, &w->init, sizeof(w->init), now_ms() + 10000);
	if (r != 0)
		fatal("no valid set-up message from main: %s", err_str(r));
	log_init("cstpd-worker", (int)w->init.log_level, !(w->init.flags & IPC_WF_SYSLOG));
	log_set_prefix("worker[%d] %s", (int)getpid(), w->init.client_addr);
	/* A zygote's child has the zygote's TLS context and libxml2 set-up already. */
	if (!forked && tls_setup(&w->tls, &w->init) != 0)
		return 1;
	secmem_wipe(w->init.ticket_key, sizeof(w->init.ticket_key));
	drop_privileges(&w->init);
	if (!forked)
		authxml_global_init();
	secmem_random(&handle, sizeof(handle));
	snprintf(w->aggauth_handle, sizeof(w->aggauth_handle), "%u", handle);
	start = now_ms();
	r = tls_handshake(&w->tls, WORKER_CLIENT_FD, start + 1000ull * w->init.handshake_timeout);
	if (r != 0) {
		log_info("TLS handshake failed: %s", err_str(r));
		return 1;
	}
	log_debug("TLS established: %s %s", w->tls.version, w->tls.cipher);
	w->deadline = start + 1000ull * w->init.auth_timeout;
	r = serve(w);
	if (r != 0 && r != ERR_PEER_CLOSED)
		log_info("connection ended: %s", err_str(r));
	tls_close(&w->tls);
	return 0;
}

int main(int argc, char **argv)
{
	bool forked = false;
	int r;

	log_init("cstpd-worker", LOG_LVL_NOTICE, true);
	log_set_prefix("worker[%d]", (int)getpid());
	if (argc == 2 && strcmp(argv[1], "--zygote") == 0) {
		zygote_run(&W);
		forked = true;
	}
	r = worker_run(&W, forked);
#if defined(__SANITIZE_ADDRESS__)
	return r; /* let LeakSanitizer look at the worker's heap on the way out */
#else
	/* Nothing left to free for anyone: skipping the libraries' exit-time clean-up saves
	 * a walk over OpenSSL's tables that, in a zygote's child, faults in private copies of
	 * pages it shares with the zygote. */
	fflush(NULL);
	_exit(r);
#endif
}
