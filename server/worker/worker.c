/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cstpd-worker: one client connection. Reads its set-up from main, loads the TLS key,
 * drops privileges before the first client byte, then serves HTTP. Process: worker. */
#include "worker.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth.h"
#include "authxml.h"
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

int main(int argc, char **argv)
{
	struct worker *w = &W;
	uint64_t start;
	uint32_t handle;
	int r;

	(void)argc;
	(void)argv;
	log_init("cstpd-worker", LOG_LVL_NOTICE, true);
	log_set_prefix("worker[%d]", (int)getpid());
	r = ipc_wait(w, IPC_WORKER_INIT, 0, &w->init, sizeof(w->init), now_ms() + 10000);
	if (r != 0)
		fatal("no valid set-up message from main: %s", err_str(r));
	log_init("cstpd-worker", (int)w->init.log_level, !(w->init.flags & IPC_WF_SYSLOG));
	log_set_prefix("worker[%d] %s", (int)getpid(), w->init.client_addr);
	if (tls_setup(&w->tls, &w->init) != 0)
		return 1;
	secmem_wipe(w->init.ticket_key, sizeof(w->init.ticket_key));
	drop_privileges(&w->init);
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
