/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The auth helper pool (main side) and the helper process loop. Process: main, helper. */
#include "authhelper.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "confload.h"
#include "err.h"
#include "launch.h"
#include "log.h"
#include "passwd.h"
#include "secmem.h"
#include "strutil.h"

#define HELPERS_MAX	16
#define PASSWD_FILE_MAX (16u << 20)

struct pending {
	uint64_t token;
	struct ipc_helper_auth_req req;
};

struct helper {
	pid_t pid;
	int fd;
	ev_io io;
	bool busy;
	uint64_t token; /* of the request being served */
	uint32_t seq;
};

static struct {
	struct ev_loop *loop;
	char self[4096];
	authhelper_cb cb;
	unsigned n;
	struct helper h[HELPERS_MAX];
	struct pending *queue; /* ring */
	size_t head, count;
} P;

static void helper_read_cb(struct ev_loop *loop, ev_io *w, int revents);

static void answer_unavailable(uint64_t token, const char *why)
{
	struct ipc_helper_auth_rep rep;

	memset(&rep, 0, sizeof(rep));
	rep.status = IPC_AUTH_UNAVAILABLE;
	str_copy(rep.message, sizeof(rep.message), why);
	P.cb(token, &rep);
}

static int helper_spawn(struct helper *h)
{
	char *argv[] = { P.self, (char *)"--auth-helper", NULL };
	int sv[2];

	h->pid = -1;
	h->fd = -1;
	h->busy = false;
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

static void dispatch(void)
{
	for (unsigned i = 0; i < P.n && P.count; i++) {
		struct helper *h = &P.h[i];
		struct pending *p;

		if (h->busy || h->fd < 0)
			continue;
		p = &P.queue[P.head];
		P.head = (P.head + 1) % AUTHHELPER_QUEUE_MAX;
		P.count--;
		h->token = p->token;
		h->busy = true;
		if (ipc_send(h->fd, IPC_HELPER_AUTH_REQ, ++h->seq, &p->req, NULL, 0) != 0) {
			log_err_sys("cannot send to auth helper %d", (int)h->pid);
			h->busy = false;
			answer_unavailable(p->token, "Authentication service unavailable.");
		}
		secmem_wipe(&p->req, sizeof(p->req));
	}
}

void authhelper_submit(uint64_t token, struct ipc_helper_auth_req *req)
{
	struct pending *p;

	if (P.count >= AUTHHELPER_QUEUE_MAX) {
		secmem_wipe(req, sizeof(*req));
		log_warn("auth queue full (%u requests): refusing a login", AUTHHELPER_QUEUE_MAX);
		answer_unavailable(token, "Server busy, try again later.");
		return;
	}
	p = &P.queue[(P.head + P.count) % AUTHHELPER_QUEUE_MAX];
	p->token = token;
	p->req = *req;
	secmem_wipe(req, sizeof(*req));
	P.count++;
	dispatch();
}

static void helper_down(struct helper *h)
{
	if (h->fd >= 0) {
		ev_io_stop(P.loop, &h->io);
		close(h->fd);
		h->fd = -1;
	}
	if (h->busy) {
		h->busy = false;
		answer_unavailable(h->token, "Authentication service unavailable.");
	}
}

static void helper_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct helper *h = w->data;
	static uint8_t buf[IPC_MSG_MAX];
	struct ipc_helper_auth_rep rep;
	struct ipc_hdr hdr;
	size_t len, nfds;
	int r;

	(void)loop;
	(void)revents;
	r = ipc_recv(h->fd, buf, sizeof(buf), &len, NULL, &nfds);
	if (r == ERR_SYS && (errno == EAGAIN || errno == EINTR))
		return;
	if (r == 0)
		r = ipc_decode(buf, len, &hdr, &rep, sizeof(rep));
	if (r == 0 && (hdr.type != IPC_HELPER_AUTH_REP || !h->busy || hdr.id != h->seq))
		r = ERR_FORMAT;
	if (r != 0) {
		log_err("auth helper %d: bad or no reply (%s); restarting it", (int)h->pid,
			err_str(r));
		kill(h->pid, SIGKILL);
		helper_down(h);
		return;
	}
	h->busy = false;
	P.cb(h->token, &rep);
	dispatch();
}

int authhelper_start(struct ev_loop *loop, const char *self, unsigned n, authhelper_cb cb)
{
	P.loop = loop;
	P.cb = cb;
	P.n = n > HELPERS_MAX ? HELPERS_MAX : n ? n : 1;
	if (str_copy(P.self, sizeof(P.self), self) != 0)
		return ERR_TOO_LARGE;
	P.queue = calloc(AUTHHELPER_QUEUE_MAX, sizeof(*P.queue));
	if (!P.queue)
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

void authhelper_stop(void)
{
	for (unsigned i = 0; i < P.n; i++) {
		struct helper *h = &P.h[i];

		if (h->pid > 0)
			kill(h->pid, SIGTERM);
		h->busy = false;
		helper_down(h);
		h->pid = -1;
	}
	if (P.queue) {
		secmem_wipe(P.queue, AUTHHELPER_QUEUE_MAX * sizeof(*P.queue));
		free(P.queue);
		P.queue = NULL;
	}
	P.count = 0;
}

/* --- the helper process --- */

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
		rep->status = IPC_AUTH_UNAVAILABLE;
		str_copy(rep->message, sizeof(rep->message), "Authentication service unavailable.");
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

int authhelper_main(int fd)
{
	static uint8_t buf[IPC_MSG_MAX];

	log_set_prefix("auth-helper[%d]", (int)getpid());
	for (;;) {
		struct ipc_helper_auth_req req;
		struct ipc_helper_auth_rep rep;
		struct ipc_hdr hdr;
		size_t len, nfds;
		int r;

		r = ipc_recv(fd, buf, sizeof(buf), &len, NULL, &nfds);
		if (r == ERR_PEER_CLOSED)
			return 0;
		if (r == 0)
			r = ipc_decode(buf, len, &hdr, &req, sizeof(req));
		if (r == 0 && hdr.type != IPC_HELPER_AUTH_REQ)
			r = ERR_FORMAT;
		if (r != 0) {
			log_err("bad request from main: %s", err_str(r));
			return 1;
		}
		memset(&rep, 0, sizeof(rep));
		check_password(&req, &rep);
		ipc_wipe(IPC_HELPER_AUTH_REQ, &req);
		if (ipc_send(fd, IPC_HELPER_AUTH_REP, hdr.id, &rep, NULL, 0) != 0) {
			log_err_sys("cannot answer main");
			return 1;
		}
	}
}
