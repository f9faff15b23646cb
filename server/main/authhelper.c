/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The auth helper pool (main side) and the helper process loop. Process: main, helper. */
#include "authhelper.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "confload.h"
#include "err.h"
#include "launch.h"
#include "log.h"
#include "otp.h"
#include "passwd.h"
#include "radius.h"
#include "secmem.h"
#include "strutil.h"

#define HELPERS_MAX	16
#define PASSWD_FILE_MAX (16u << 20)
#define MSG_UNAVAILABLE "Authentication service unavailable."

struct pending {
	uint64_t token;
	uint16_t type; /* IPC_HELPER_AUTH_REQ or IPC_HELPER_ACCT_REQ */
	unsigned tries;
	union {
		struct ipc_helper_auth_req auth;
		struct ipc_helper_acct_req acct;
	} u;
};

struct ring {
	struct pending **q;
	size_t cap, head, count;
};

struct helper {
	pid_t pid;
	int fd;
	ev_io io;
	struct pending *cur; /* the request being served, or NULL */
	uint32_t seq;
};

static struct {
	struct ev_loop *loop;
	char self[4096];
	authhelper_cb cb;
	unsigned n;
	struct helper h[HELPERS_MAX];
	struct ring auth, acct;
	bool stopping; /* no more login callbacks */
} P;

static void helper_read_cb(struct ev_loop *loop, ev_io *w, int revents);

static void pending_free(struct pending *p)
{
	if (!p)
		return;
	secmem_wipe(p, sizeof(*p));
	free(p);
}

static bool ring_push(struct ring *r, struct pending *p)
{
	if (r->count >= r->cap)
		return false;
	r->q[(r->head + r->count++) % r->cap] = p;
	return true;
}

static struct pending *ring_pop(struct ring *r)
{
	struct pending *p;

	if (!r->count)
		return NULL;
	p = r->q[r->head];
	r->q[r->head] = NULL;
	r->head = (r->head + 1) % r->cap;
	r->count--;
	return p;
}

static void answer_unavailable(uint64_t token, const char *why)
{
	struct ipc_helper_auth_rep rep;

	if (P.stopping)
		return;
	memset(&rep, 0, sizeof(rep));
	rep.status = IPC_AUTH_UNAVAILABLE;
	str_copy(rep.message, sizeof(rep.message), why);
	P.cb(token, &rep);
}

static int helper_spawn(struct helper *h)
{
	char level[8];
	/* The helper logs like main: same level, same destination. */
	char *argv[] = { P.self, (char *)"--auth-helper", level,
			 (char *)(log_is_stderr() ? "stderr" : "syslog"), NULL };
	int sv[2];

	snprintf(level, sizeof(level), "%d", log_get_level());
	h->pid = -1;
	h->fd = -1;
	h->cur = NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return ERR_SYS;
	h->pid = spawn_program(P.self, argv, &sv[1], 1);
	close(sv[1]);
	if (h->pid < 0) {
		log_err_sys("cannot start auth helper %s", P.self);
		close(sv[0]);
		return ERR_SYS;
	}
	h->fd = sv[0];
	ev_io_init(&h->io, helper_read_cb, h->fd, EV_READ);
	h->io.data = h;
	ev_io_start(P.loop, &h->io);
	log_debug("auth helper started, pid %d", (int)h->pid);
	return 0;
}

/* A request that could not be served: a login is answered "unavailable", an accounting
 * record gets one more try on another helper. */
static void give_up(struct pending *p, const char *why)
{
	if (p->type == IPC_HELPER_AUTH_REQ) {
		answer_unavailable(p->token, MSG_UNAVAILABLE);
	} else if (++p->tries < 2 && ring_push(&P.acct, p)) {
		return;
	} else {
		log_warn("accounting record of session %s lost: %s", p->u.acct.acct_session_id,
			 why);
	}
	pending_free(p);
}

/* The next request helper i may take: logins first; the first of several helpers keeps
 * clear of accounting. */
static struct pending *next_for(unsigned i)
{
	struct pending *p = P.stopping ? NULL : ring_pop(&P.auth);

	if (!p && (i > 0 || P.n == 1))
		p = ring_pop(&P.acct);
	return p;
}

static void dispatch(void)
{
	for (unsigned i = 0; i < P.n; i++) {
		struct helper *h = &P.h[i];
		struct pending *p;

		if (h->cur || h->fd < 0)
			continue;
		if (!(p = next_for(i)))
			continue;
		h->cur = p;
		if (ipc_send(h->fd, p->type, ++h->seq, &p->u, NULL, 0) != 0) {
			log_err_sys("cannot send to auth helper %d", (int)h->pid);
			h->cur = NULL;
			give_up(p, "helper unreachable");
		}
	}
}

static struct pending *pending_new(uint16_t type)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (p)
		p->type = type;
	return p;
}

void authhelper_submit(uint64_t token, struct ipc_helper_auth_req *req)
{
	struct pending *p = P.auth.count < P.auth.cap ? pending_new(IPC_HELPER_AUTH_REQ) : NULL;

	if (!p) {
		secmem_wipe(req, sizeof(*req));
		log_warn("auth queue full (%zu requests): refusing a login", P.auth.count);
		answer_unavailable(token, "Server busy, try again later.");
		return;
	}
	p->token = token;
	p->u.auth = *req;
	secmem_wipe(req, sizeof(*req));
	ring_push(&P.auth, p);
	dispatch();
}

void authhelper_submit_acct(const struct ipc_helper_acct_req *req)
{
	struct pending *p = P.acct.count < P.acct.cap ? pending_new(IPC_HELPER_ACCT_REQ) : NULL;

	if (!p) {
		log_warn("accounting queue full (%zu records): record of session %s dropped",
			 P.acct.count, req->acct_session_id);
		return;
	}
	p->u.acct = *req;
	ring_push(&P.acct, p);
	dispatch();
}

static void helper_down(struct helper *h)
{
	struct pending *p = h->cur;

	if (h->fd >= 0) {
		ev_io_stop(P.loop, &h->io);
		close(h->fd);
		h->fd = -1;
	}
	h->cur = NULL;
	if (p)
		give_up(p, "the auth helper died");
}

/* Read one reply of helper h. false when the helper is broken (it is then killed). */
static bool helper_read(struct helper *h)
{
	static uint8_t buf[IPC_MSG_MAX];
	union {
		struct ipc_helper_auth_rep auth;
		struct ipc_helper_acct_rep acct;
	} rep;
	struct pending *p = h->cur;
	uint16_t want =
		p && p->type == IPC_HELPER_ACCT_REQ ? IPC_HELPER_ACCT_REP : IPC_HELPER_AUTH_REP;
	struct ipc_hdr hdr;
	size_t len, nfds;
	int r;

	r = ipc_recv(h->fd, buf, sizeof(buf), &len, NULL, &nfds);
	if (r == ERR_SYS && (errno == EAGAIN || errno == EINTR))
		return true;
	if (r == 0)
		r = ipc_decode(buf, len, &hdr, &rep, ipc_msg_size(want));
	if (r == 0 && (!p || hdr.type != want || hdr.id != h->seq))
		r = ERR_FORMAT;
	if (r != 0) {
		log_err("auth helper %d: bad or no reply (%s); restarting it", (int)h->pid,
			err_str(r));
		kill(h->pid, SIGKILL);
		helper_down(h);
		return false;
	}
	h->cur = NULL;
	if (p->type == IPC_HELPER_AUTH_REQ && !P.stopping)
		P.cb(p->token, &rep.auth);
	else if (p->type == IPC_HELPER_ACCT_REQ && !rep.acct.ok)
		log_debug("accounting record of session %s not acknowledged",
			  p->u.acct.acct_session_id);
	pending_free(p);
	return true;
}

static void helper_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	helper_read(w->data);
	dispatch();
}

static int ring_init(struct ring *r, size_t cap)
{
	r->q = calloc(cap, sizeof(*r->q));
	r->cap = cap;
	r->head = r->count = 0;
	return r->q ? 0 : ERR_NOMEM;
}

static void ring_clear(struct ring *r)
{
	struct pending *p;

	while ((p = ring_pop(r)) != NULL)
		pending_free(p);
	free(r->q);
	r->q = NULL;
	r->cap = 0;
}

int authhelper_start(struct ev_loop *loop, const char *self, unsigned n, authhelper_cb cb)
{
	P.loop = loop;
	P.cb = cb;
	P.n = n > HELPERS_MAX ? HELPERS_MAX : n ? n : 1;
	if (str_copy(P.self, sizeof(P.self), self) != 0)
		return ERR_TOO_LARGE;
	if (ring_init(&P.auth, AUTHHELPER_QUEUE_MAX) != 0 ||
	    ring_init(&P.acct, AUTHHELPER_ACCT_MAX) != 0)
		return ERR_NOMEM;
	for (unsigned i = 0; i < P.n; i++)
		if (helper_spawn(&P.h[i]) != 0)
			return ERR_SYS;
	return 0;
}

int authhelper_child_exited(pid_t pid)
{
	for (unsigned i = 0; i < P.n; i++) {
		struct helper *h = &P.h[i];

		if (h->pid != pid)
			continue;
		log_warn("auth helper %d exited; restarting it", (int)pid);
		helper_down(h);
		h->pid = -1;
		if (helper_spawn(h) == 0)
			dispatch();
		return 1;
	}
	return 0;
}

static bool acct_in_flight(void)
{
	if (P.acct.count)
		return true;
	for (unsigned i = 0; i < P.n; i++)
		if (P.h[i].cur && P.h[i].fd >= 0)
			return true;
	return false;
}

/* Shutdown only: main's loop has ended, so wait here (bounded) for the helpers to send
 * the accounting records still queued, above all the Stop records. */
static void drain_acct(void)
{
	uint64_t deadline = now_ms() + AUTHHELPER_DRAIN_MS;
	size_t before = P.acct.count;

	/* Every helper takes accounting now: no logins are coming. */
	while (acct_in_flight()) {
		struct pollfd pf[HELPERS_MAX];
		struct helper *who[HELPERS_MAX];
		uint64_t now = now_ms();
		nfds_t k = 0;

		for (unsigned i = 0; i < P.n; i++) {
			struct helper *h = &P.h[i];
			struct pending *p;

			if (h->fd < 0)
				continue;
			if (!h->cur && (p = ring_pop(&P.acct)) != NULL) {
				h->cur = p;
				if (ipc_send(h->fd, p->type, ++h->seq, &p->u, NULL, 0) != 0) {
					h->cur = NULL;
					pending_free(p);
					continue;
				}
			}
			if (h->cur) {
				pf[k].fd = h->fd;
				pf[k].events = POLLIN;
				who[k++] = h;
			}
		}
		if (!k || now >= deadline)
			break;
		if (poll(pf, k, (int)(deadline - now)) < 0 && errno != EINTR)
			break;
		for (nfds_t i = 0; i < k; i++)
			if (pf[i].revents)
				helper_read(who[i]);
	}
	if (acct_in_flight())
		log_warn("shutdown: accounting records still unsent after %d ms (%zu queued)",
			 AUTHHELPER_DRAIN_MS, P.acct.count);
	else if (before)
		log_info("shutdown: %zu queued accounting records sent", before);
}

void authhelper_stop(void)
{
	P.stopping = true;
	if (P.auth.q) {
		struct pending *p;

		while ((p = ring_pop(&P.auth)) != NULL)
			pending_free(p);
	}
	if (P.acct.q)
		drain_acct();
	for (unsigned i = 0; i < P.n; i++) {
		struct helper *h = &P.h[i];

		if (h->pid > 0)
			kill(h->pid, SIGTERM);
		if (h->cur && h->cur->type == IPC_HELPER_AUTH_REQ) {
			pending_free(h->cur);
			h->cur = NULL;
		}
		helper_down(h);
		h->pid = -1;
	}
	ring_clear(&P.auth);
	ring_clear(&P.acct);
}

/* --- the helper process --- */

static void unavailable(struct ipc_helper_auth_rep *rep)
{
	rep->status = IPC_AUTH_UNAVAILABLE;
	str_copy(rep->message, sizeof(rep->message), MSG_UNAVAILABLE);
}

static void check_password(const struct ipc_helper_auth_req *req, struct ipc_helper_auth_rep *rep)
{
	struct passwd_entry e;
	unsigned n_bad = 0;
	char *data = NULL;
	size_t len;
	int r;

	rep->status = IPC_AUTH_FAILED;
	str_copy(rep->message, sizeof(rep->message), "Login failed.");
	r = confload_read_file(req->passwd_file, PASSWD_FILE_MAX, &data, &len);
	if (r != 0) {
		log_err_sys("cannot read password file %s", req->passwd_file);
		unavailable(rep);
		return;
	}
	r = passwd_find(data, len, req->username, &e, &n_bad);
	if (n_bad)
		log_warn("password file %s: %u malformed lines skipped", req->passwd_file, n_bad);
	secmem_wipe(data, len);
	free(data);
	if (r != 0) {
		/* Spend the time of a real check so unknown users are not revealed. */
		static struct passwd_entry dummy;

		if (!dummy.hash[0])
			passwd_hash_new("cstpd-timing-dummy", "yescrypt", dummy.hash,
					sizeof(dummy.hash));
		passwd_verify(&dummy, req->password);
		return;
	}
	if (passwd_verify(&e, req->password) != 0)
		return;
	rep->status = IPC_AUTH_OK;
	rep->message[0] = '\0';
	for (size_t i = 0; i < e.n_groups && i < IPC_GROUPS_MAX; i++)
		str_copy(rep->groups[rep->n_groups++], sizeof(rep->groups[0]), e.groups[i]);
	secmem_wipe(&e, sizeof(e));
}

static void check_otp(const struct ipc_helper_auth_req *req, struct ipc_helper_auth_rep *rep)
{
	bool replayed = false;
	int r = otp_authenticate(req->config, req->username, req->password, time(NULL), &replayed);

	if (r == 0) {
		rep->status = IPC_AUTH_OK;
		return;
	}
	if (r == ERR_DENIED) {
		rep->status = IPC_AUTH_FAILED;
		str_copy(rep->message, sizeof(rep->message),
			 replayed ? "This code was already used." : "Login failed.");
		log_notice("one-time code of '%s' refused%s", req->username,
			   replayed ? ": already used (replay)" : "");
		return;
	}
	unavailable(rep);
}

static void serve_auth(int fd, uint32_t id, struct ipc_helper_auth_req *req)
{
	struct ipc_helper_auth_rep rep;

	memset(&rep, 0, sizeof(rep));
	switch (req->method) {
	case IPC_HM_PASSWD:
		check_password(req, &rep);
		break;
	case IPC_HM_OTP:
		check_otp(req, &rep);
		break;
	case IPC_HM_RADIUS:
		radius_auth(req, &rep);
		break;
	default:
		unavailable(&rep);
		break;
	}
	ipc_wipe(IPC_HELPER_AUTH_REQ, req);
	if (ipc_send(fd, IPC_HELPER_AUTH_REP, id, &rep, NULL, 0) != 0)
		log_err_sys("cannot answer main");
}

static void serve_acct(int fd, uint32_t id, const struct ipc_helper_acct_req *req)
{
	struct ipc_helper_acct_rep rep = { 0 };

	rep.ok = radius_acct(req) == 0;
	if (ipc_send(fd, IPC_HELPER_ACCT_REP, id, &rep, NULL, 0) != 0)
		log_err_sys("cannot answer main");
}

static uint16_t peek_type(const uint8_t *buf, size_t len)
{
	struct buf_rd rd;
	uint16_t t = 0;

	buf_rd_init(&rd, buf, len);
	if (buf_skip(&rd, 2) != 0 || buf_get_u16(&rd, &t) != 0)
		return 0;
	return t;
}

int authhelper_main(int fd)
{
	static uint8_t buf[IPC_MSG_MAX];

	log_set_prefix("auth-helper[%d]", (int)getpid());
	/* main stops us with SIGTERM after the last accounting record; ^C goes to main. */
	signal(SIGINT, SIG_IGN);
	for (;;) {
		union {
			struct ipc_helper_auth_req auth;
			struct ipc_helper_acct_req acct;
		} req;
		struct ipc_hdr hdr;
		size_t len, nfds;
		uint16_t type;
		int r;

		r = ipc_recv(fd, buf, sizeof(buf), &len, NULL, &nfds);
		if (r == ERR_PEER_CLOSED)
			return 0;
		type = r == 0 ? peek_type(buf, len) : 0;
		if (r == 0 && type != IPC_HELPER_AUTH_REQ && type != IPC_HELPER_ACCT_REQ)
			r = ERR_FORMAT;
		if (r == 0)
			r = ipc_decode(buf, len, &hdr, &req, ipc_msg_size(type));
		secmem_wipe(buf, len);
		if (r != 0) {
			log_err("bad request from main: %s", err_str(r));
			return 1;
		}
		if (type == IPC_HELPER_AUTH_REQ)
			serve_auth(fd, hdr.id, &req.auth);
		else
			serve_acct(fd, hdr.id, &req.acct);
	}
}
