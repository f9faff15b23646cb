/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket: a root-only AF_UNIX SOCK_SEQPACKET socket that answers cstpctl's
 * IPC_CTL_REQ with a run of STATUS / SESSION / BAN messages ended by DONE, streamed without
 * ever blocking main. Process: main. */
#include "ctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ev.h>

#include "buf.h"
#include "disc.h"
#include "err.h"
#include "ipc.h"
#include "log.h"
#include "mainint.h"
#include "mdtls.h"
#include "mfiles.h"
#include "session.h"
#include "strutil.h"

#define CTL_MAX_CLIENTS 16
#define CTL_IDLE_S	10.0 /* a client that neither asks nor reads for this long is dropped */
#define CTL_BATCH	256  /* messages sent to one client per wake-up: others get their turn */
#define CTL_ACCEPT_MAX	16   /* connections accepted per wake-up */

_Static_assert(sizeof(((struct ipc_ctl_status *)0)->profile_hash) == MANIFEST_SHA1_HEX + 1,
	       "the profile hash travels as mfiles gives it");

/* What the rest of a reply walks over. */
enum ctl_stream {
	STREAM_NONE = 0,
	STREAM_SESSIONS = 1, /* every session whose state is in `mask` */
	STREAM_USER = 2,     /* the sessions of `user` */
	STREAM_BANS = 3,     /* the snapshot in `bans` */
};

struct ctl_ban_item {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} addr;
	int score;
	uint64_t remaining;
};

struct ctl_client {
	bool used;
	bool replying; /* a reply is being sent: no request is read meanwhile */
	int fd;
	ev_io io;
	ev_timer idle;
	uint32_t req_id;
	enum ctl_stream stream;
	unsigned mask; /* STREAM_SESSIONS: 1u << enum session_state */
	struct session_cursor cur;
	char user[IPC_NAME_MAX + 1]; /* STREAM_USER */
	uint32_t user_last;
	struct ctl_ban_item *bans; /* STREAM_BANS: owned */
	size_t n_bans, next_ban;
	size_t n_items; /* items sent in this reply */
	bool has_pending;
	uint16_t pending_type;
	union {
		struct ipc_ctl_status status;
		struct ipc_ctl_session session;
		struct ipc_ctl_ban ban;
		struct ipc_ctl_done done;
	} pending;
	bool done_sent;
	struct ipc_ctl_done done; /* the DONE that ends the reply */
};

static struct {
	bool open;
	int fd;
	ev_io io;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint64_t started; /* monotonic seconds */
	struct ctl_client clients[CTL_MAX_CLIENTS];
} G = { .fd = -1 };

/* --- clients --- */

static void client_free(struct ctl_client *c, const char *why)
{
	if (why)
		log_info("control client closed: %s", why);
	ev_io_stop(M.loop, &c->io);
	ev_timer_stop(M.loop, &c->idle);
	close(c->fd);
	free(c->bans);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void client_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	client_free(w->data, "idle timeout");
}

/* Watch the client for requests (events = EV_READ) or for room to write (EV_WRITE). */
static void client_watch(struct ctl_client *c, int events)
{
	if (ev_is_active(&c->io) && (c->io.events & (EV_READ | EV_WRITE)) == events)
		return;
	ev_io_stop(M.loop, &c->io);
	ev_io_set(&c->io, c->fd, events);
	ev_io_start(M.loop, &c->io);
}

/* Set the DONE that ends the reply: status 0 or a negative ERR_* code, and a message. */
static void set_done(struct ctl_client *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_done(struct ctl_client *c, int status, const char *fmt, ...)
{
	va_list ap;

	c->done.status = (uint32_t)status;
	va_start(ap, fmt);
	vsnprintf(c->done.message, sizeof(c->done.message), fmt, ap);
	va_end(ap);
}

/* --- filling reply messages --- */

static void addr_only(char *dst, size_t n, const char *host_port)
{
	char tmp[IPC_ADDR_MAX + 1];
	char *colon;

	/* real_addr is "1.2.3.4:port" or "[v6]:port"; cstpctl shows the address alone. */
	if (str_copy(tmp, sizeof(tmp), host_port) != 0) {
		dst[0] = '\0';
		return;
	}
	colon = strrchr(tmp, ':');
	if (colon && (tmp[0] == '[' || strchr(tmp, ':') == colon))
		*colon = '\0';
	if (tmp[0] == '[') {
		tmp[strcspn(tmp, "]")] = '\0';
		str_copy(dst, n, tmp + 1);
		return;
	}
	str_copy(dst, n, tmp);
}

static void fill_session(const struct session *s, struct ipc_ctl_session *m)
{
	memset(m, 0, sizeof(*m));
	m->id = s->id;
	m->state = (uint32_t)s->state;
	str_copy(m->user, sizeof(m->user), s->user);
	str_copy(m->group, sizeof(m->group), s->group);
	if (s->has4)
		inet_ntop(AF_INET, &s->addr4, m->addr4, sizeof(m->addr4));
	if (s->has6)
		inet_ntop(AF_INET6, &s->addr6, m->addr6, sizeof(m->addr6));
	addr_only(m->real_addr, sizeof(m->real_addr), s->real_addr);
	str_copy(m->device, sizeof(m->device), s->device);
	str_copy(m->hostname, sizeof(m->hostname), s->hostname);
	str_copy(m->user_agent, sizeof(m->user_agent), s->user_agent);
	if (s->state == SESSION_ACTIVE) {
		str_copy(m->transport, sizeof(m->transport), s->dtls_up ? "DTLS" : "TLS");
		str_copy(m->cipher, sizeof(m->cipher), s->dtls_up ? s->cipher : s->tls_cipher);
	}
	m->since = s->created;
	if (s->state == SESSION_INACTIVE)
		m->inactive_for = mono_s() - s->inactive_since;
	m->bytes_in = s->bytes_in + s->cur_in;
	m->bytes_out = s->bytes_out + s->cur_out;
	m->reconnects = s->reconnects;
	m->last_reason = s->last_reason <= DISC_MAX ? s->last_reason : DISC_NONE;
}

static void count_ban(void *arg, const struct sockaddr *addr, int score, uint64_t remaining)
{
	(void)addr;
	(void)score;
	(void)remaining;
	(*(uint32_t *)arg)++;
}

static void fill_status(struct ipc_ctl_status *st)
{
	char uri[IPC_PATH_MAX + 1];

	memset(st, 0, sizeof(*st));
	st->uptime = mono_s() - G.started;
	st->pid = (uint32_t)getpid();
	st->logins_ok = M.logins_ok;
	st->logins_failed = M.logins_failed;
	st->bytes_in = M.bytes_in;
	st->bytes_out = M.bytes_out;
	st->reconnects_in = M.reconnects_in;
	st->reconnects_ok = M.reconnects_ok;
	st->reconnects_failed = M.reconnects_failed;
	st->sessions_active = (uint32_t)session_count_state(M.sessions, SESSION_ACTIVE);
	st->sessions_inactive = (uint32_t)session_count_state(M.sessions, SESSION_INACTIVE);
	st->sessions_new = (uint32_t)session_count_state(M.sessions, SESSION_NEW);
	/* Every session holds a cookie, so every one of them can reconnect. */
	st->reconnect_capable_active = st->sessions_active;
	st->reconnect_capable_inactive = st->sessions_inactive;
	ban_foreach(M.bans, mono_s(), count_ban, &st->bans);
	st->dtls_dropped = mdtls_dropped();
	str_copy(st->profile, sizeof(st->profile), M.conf->user_profile);
	if (!mfiles_profile_info(uri, sizeof(uri), st->profile_hash))
		st->profile_hash[0] = '\0';
}

static void format_ban_addr(const struct ctl_ban_item *b, char *dst, size_t n)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (b->addr.sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &b->addr.in.sin_addr, a, sizeof(a));
		snprintf(dst, n, "%s", a);
	} else {
		inet_ntop(AF_INET6, &b->addr.in6.sin6_addr, a, sizeof(a));
		snprintf(dst, n, "%s/64", a);
	}
}

/* The next item of the reply into c->pending; false when the walk is over. */
static bool next_item(struct ctl_client *c)
{
	struct session *s = NULL;

	switch (c->stream) {
	case STREAM_NONE:
		return false;
	case STREAM_SESSIONS:
		while ((s = session_next(M.sessions, &c->cur)) != NULL)
			if (c->mask & (1u << s->state))
				break;
		break;
	case STREAM_USER:
		s = session_next_of_user(M.sessions, c->user, &c->user_last);
		break;
	case STREAM_BANS:
		if (c->next_ban >= c->n_bans)
			return false;
		memset(&c->pending.ban, 0, sizeof(c->pending.ban));
		format_ban_addr(&c->bans[c->next_ban], c->pending.ban.addr,
				sizeof(c->pending.ban.addr));
		c->pending.ban.score = (uint32_t)c->bans[c->next_ban].score;
		c->pending.ban.remaining = c->bans[c->next_ban].remaining;
		c->next_ban++;
		c->pending_type = IPC_CTL_BAN;
		return true;
	}
	if (!s)
		return false;
	fill_session(s, &c->pending.session);
	c->pending_type = IPC_CTL_SESSION;
	return true;
}

/* The walk ended: decide the DONE of a lookup that found nothing. */
static void finish_stream(struct ctl_client *c)
{
	if (c->stream == STREAM_USER && c->n_items == 0 && c->done.status == 0)
		set_done(c, ERR_RANGE, "no session of user '%s'", c->user);
	c->stream = STREAM_NONE;
}

static void reply_finished(struct ctl_client *c)
{
	free(c->bans);
	c->bans = NULL;
	c->n_bans = c->next_ban = c->n_items = 0;
	c->replying = false;
	c->done_sent = false;
	memset(&c->done, 0, sizeof(c->done));
	client_watch(c, EV_READ);
}

/* Send as much of the reply as the socket takes now, at most CTL_BATCH messages. False
 * when the client was freed. */
static bool pump(struct ctl_client *c)
{
	for (int i = 0; i < CTL_BATCH; i++) {
		int r;

		if (!c->has_pending) {
			if (next_item(c)) {
				c->has_pending = true;
			} else if (!c->done_sent) {
				finish_stream(c);
				c->pending.done = c->done;
				c->pending_type = IPC_CTL_DONE;
				c->has_pending = true;
				c->done_sent = true;
			} else {
				reply_finished(c);
				return true;
			}
		}
		r = ipc_send(c->fd, c->pending_type, c->req_id, &c->pending, NULL, 0);
		if (r == ERR_SYS && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			client_watch(c, EV_WRITE);
			return true;
		}
		if (r == ERR_SYS) {
			client_free(c, errno == EPIPE ? "peer went away" : "send failed");
			return false;
		}
		if (r != 0)
			log_warn("control socket: dropped one reply item (%s)", err_str(r));
		else if (c->pending_type != IPC_CTL_DONE)
			c->n_items++;
		c->has_pending = false;
		ev_timer_again(M.loop, &c->idle);
	}
	client_watch(c, EV_WRITE); /* more to send: come back on the next loop iteration */
	return true;
}

/* --- commands --- */

typedef void (*ctl_handler)(struct ctl_client *c, const char *arg);

static void cmd_status(struct ctl_client *c, const char *arg)
{
	(void)arg;
	fill_status(&c->pending.status);
	c->pending_type = IPC_CTL_STATUS;
	c->has_pending = true;
}

static void cmd_sessions(struct ctl_client *c, const char *arg)
{
	if (!arg[0] || strcmp(arg, "all") == 0) {
		c->mask = 1u << SESSION_NEW | 1u << SESSION_ACTIVE | 1u << SESSION_INACTIVE;
	} else if (strcmp(arg, "active") == 0) {
		c->mask = 1u << SESSION_ACTIVE;
	} else if (strcmp(arg, "inactive") == 0) {
		c->mask = 1u << SESSION_INACTIVE;
	} else {
		set_done(c, ERR_FORMAT, "unknown session filter (all, active or inactive)");
		return;
	}
	memset(&c->cur, 0, sizeof(c->cur));
	c->stream = STREAM_SESSIONS;
}

static bool arg_user(struct ctl_client *c, const char *arg)
{
	if (!str_is_name(arg, IPC_NAME_MAX)) {
		set_done(c, ERR_FORMAT, "invalid user name");
		return false;
	}
	str_copy(c->user, sizeof(c->user), arg);
	return true;
}

static struct session *arg_session(struct ctl_client *c, const char *arg)
{
	struct session *s;
	long long id;

	if (str_to_ll(arg, 1, UINT32_MAX, &id) != 0) {
		set_done(c, ERR_FORMAT, "invalid session id");
		return NULL;
	}
	s = session_find_id(M.sessions, (uint32_t)id);
	if (!s)
		set_done(c, ERR_RANGE, "no session with id %lld", id);
	return s;
}

static void cmd_user(struct ctl_client *c, const char *arg)
{
	if (!arg_user(c, arg))
		return;
	c->user_last = 0;
	c->stream = STREAM_USER;
}

static void cmd_id(struct ctl_client *c, const char *arg)
{
	struct session *s = arg_session(c, arg);

	if (!s)
		return;
	fill_session(s, &c->pending.session);
	c->pending_type = IPC_CTL_SESSION;
	c->has_pending = true;
}

/* End a session for the admin. A tunnel that is up is told to terminate (its client gets
 * CSTP TERMINATE) and the worker's exit ends the session; anything else ends now. */
static void admin_end(struct session *s)
{
	struct conn *c = s->conn;

	if (s->state == SESSION_ACTIVE && c && c->session == s && c->state == CONN_TUNNEL) {
		struct ipc_terminate t = { DISC_TERMINATED };

		log_notice("control: disconnecting session %u of '%s'", s->id, s->user);
		/* Also ends the session if the worker dies before its BYE. */
		c->bye_reason = DISC_TERMINATED;
		send_to_worker(c, IPC_TERMINATE, 0, &t, NULL, 0);
		return;
	}
	log_notice("control: ending session %u of '%s'", s->id, s->user);
	if (c) {
		/* A CONNECT in progress (connect-script running): the worker goes too. */
		if (c->session == s)
			c->session = NULL;
		s->conn = NULL;
		conn_kill(c, SIGKILL);
		c->state = CONN_CLOSING;
	}
	session_end(s, DISC_TERMINATED);
}

static void cmd_disconnect_user(struct ctl_client *c, const char *arg)
{
	uint32_t last = 0;
	unsigned n = 0;
	struct session *s;

	if (!arg_user(c, arg))
		return;
	/* The cursor holds an id, not a pointer, so ending sessions on the way is safe. */
	while ((s = session_next_of_user(M.sessions, c->user, &last)) != NULL) {
		admin_end(s);
		n++;
	}
	if (!n)
		set_done(c, ERR_RANGE, "no session of user '%s'", c->user);
	else
		set_done(c, 0, "disconnected %u session(s)", n);
}

static void cmd_disconnect_id(struct ctl_client *c, const char *arg)
{
	struct session *s = arg_session(c, arg);

	if (!s)
		return;
	admin_end(s);
	set_done(c, 0, "disconnected 1 session(s)");
}

static void cmd_reload(struct ctl_client *c, const char *arg)
{
	(void)arg;
	/* The reload itself is the SIGHUP handler's job, run from the event loop. */
	if (kill(getpid(), SIGHUP) != 0) {
		set_done(c, ERR_SYS, "cannot signal the server: %s", strerror(errno));
		return;
	}
	log_notice("control: reload requested");
	set_done(c, 0, "reload requested");
}

static void cmd_unban(struct ctl_client *c, const char *arg)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} a;
	char host[IPC_LABEL_MAX + 1];
	size_t n;

	memset(&a, 0, sizeof(a));
	str_copy(host, sizeof(host), arg);
	/* `show ip bans` prints IPv6 entries as a /64: accept that form back. */
	n = strlen(host);
	if (n > 3 && strcmp(host + n - 3, "/64") == 0 && strchr(host, ':'))
		host[n - 3] = '\0';
	if (inet_pton(AF_INET, host, &a.in.sin_addr) == 1) {
		a.in.sin_family = AF_INET;
	} else if (inet_pton(AF_INET6, host, &a.in6.sin6_addr) == 1) {
		a.in6.sin6_family = AF_INET6;
	} else {
		set_done(c, ERR_FORMAT, "invalid IP address");
		return;
	}
	if (!ban_unban(M.bans, &a.sa)) {
		set_done(c, ERR_RANGE, "%s is not banned or scored", host);
		return;
	}
	log_notice("control: %s unbanned", host);
	set_done(c, 0, "unbanned %s", host);
}

static void collect_ban(void *arg, const struct sockaddr *addr, int score, uint64_t remaining)
{
	struct ctl_client *c = arg;
	struct ctl_ban_item *b;

	if (c->n_bans >= ban_count(M.bans))
		return;
	b = &c->bans[c->n_bans++];
	memset(b, 0, sizeof(*b));
	if (addr->sa_family == AF_INET)
		memcpy(&b->addr.in, addr, sizeof(b->addr.in));
	else
		memcpy(&b->addr.in6, addr, sizeof(b->addr.in6));
	b->score = score;
	b->remaining = remaining;
}

static void cmd_bans(struct ctl_client *c, const char *arg)
{
	size_t cap = ban_count(M.bans);

	(void)arg;
	/* ban_foreach has no cursor: take a snapshot (bounded by the table's capacity) and
	 * stream it. */
	if (cap) {
		c->bans = calloc(cap, sizeof(*c->bans));
		if (!c->bans) {
			set_done(c, ERR_NOMEM, "out of memory");
			return;
		}
		ban_foreach(M.bans, mono_s(), collect_ban, c);
	}
	c->stream = STREAM_BANS;
}

/* Argument rules, checked before the handler runs. */
enum ctl_arg { ARG_NONE = 0, ARG_OPTIONAL = 1, ARG_REQUIRED = 2 };

static const struct {
	uint32_t cmd;
	enum ctl_arg arg;
	ctl_handler fn;
} ctl_table[] = {
	{ IPC_CTL_CMD_STATUS, ARG_NONE, cmd_status },
	{ IPC_CTL_CMD_SESSIONS, ARG_OPTIONAL, cmd_sessions },
	{ IPC_CTL_CMD_USER, ARG_REQUIRED, cmd_user },
	{ IPC_CTL_CMD_ID, ARG_REQUIRED, cmd_id },
	{ IPC_CTL_CMD_DISCONNECT_USER, ARG_REQUIRED, cmd_disconnect_user },
	{ IPC_CTL_CMD_DISCONNECT_ID, ARG_REQUIRED, cmd_disconnect_id },
	{ IPC_CTL_CMD_RELOAD, ARG_NONE, cmd_reload },
	{ IPC_CTL_CMD_UNBAN_IP, ARG_REQUIRED, cmd_unban },
	{ IPC_CTL_CMD_BANS, ARG_NONE, cmd_bans },
};

/* Read and check one request, then start its reply. False when the client was freed. */
static bool read_request(struct ctl_client *c)
{
	static uint8_t buf[IPC_MSG_MAX];
	struct ipc_ctl_req req;
	struct ipc_hdr hdr;
	struct buf_rd rd;
	int fds[IPC_MAX_FDS];
	size_t len, nfds, i;
	uint16_t type = 0;
	int r;

	r = ipc_recv(c->fd, buf, sizeof(buf), &len, fds, &nfds);
	if (r == ERR_SYS && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return true;
	for (size_t k = 0; k < nfds; k++)
		close(fds[k]);
	if (r == ERR_PEER_CLOSED || (r == ERR_SYS && errno == ECONNRESET)) {
		client_free(c, NULL);
		return false;
	}
	/* Check the type before decoding: only a request is allowed on this socket. */
	buf_rd_init(&rd, buf, len);
	if (r == 0 && (buf_skip(&rd, 2) != 0 || buf_get_u16(&rd, &type) != 0))
		r = ERR_TRUNCATED;
	if (r == 0 && (nfds || type != IPC_CTL_REQ))
		r = ERR_FORMAT;
	if (r == 0)
		r = ipc_decode(buf, len, &hdr, &req, sizeof(req));
	for (i = 0; r == 0 && i < sizeof(ctl_table) / sizeof(ctl_table[0]); i++)
		if (ctl_table[i].cmd == req.cmd)
			break;
	if (r == 0 && i == sizeof(ctl_table) / sizeof(ctl_table[0]))
		r = ERR_RANGE;
	if (r == 0 && ((ctl_table[i].arg == ARG_NONE && req.arg[0]) ||
		       (ctl_table[i].arg == ARG_REQUIRED && !req.arg[0])))
		r = ERR_FORMAT;
	if (r != 0) {
		log_warn("control socket: bad request (%s): closing", err_str(r));
		client_free(c, NULL);
		return false;
	}
	log_debug("control: command %u", (unsigned)req.cmd);
	ev_timer_again(M.loop, &c->idle);
	c->req_id = hdr.id;
	c->replying = true;
	c->stream = STREAM_NONE;
	c->has_pending = false;
	c->done_sent = false;
	c->n_items = 0;
	memset(&c->done, 0, sizeof(c->done));
	ctl_table[i].fn(c, req.arg);
	return pump(c);
}

static void client_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;

	(void)loop;
	if (c->replying) {
		if (revents & EV_WRITE)
			pump(c);
		return;
	}
	if (revents & EV_READ)
		read_request(c);
}

/* --- the listening socket --- */

static bool peer_is_root(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
		log_warn_sys("control socket: cannot read the peer's credentials");
		return false;
	}
	if (cred.uid != 0) {
		log_warn("control socket: refused a client with uid %u (pid %d)",
			 (unsigned)cred.uid, (int)cred.pid);
		return false;
	}
	return true;
}

static void accept_client(int fd)
{
	struct ctl_client *c = NULL;

	if (!peer_is_root(fd)) {
		struct ipc_ctl_done d = { (uint32_t)ERR_DENIED, "" };

		/* One best-effort datagram on a fresh socket, no request read: cstpctl can say
		 * why instead of "connection closed". */
		str_copy(d.message, sizeof(d.message),
			 "permission denied: the control socket is for root only");
		ipc_send(fd, IPC_CTL_DONE, 0, &d, NULL, 0);
		close(fd);
		return;
	}
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		if (!G.clients[i].used) {
			c = &G.clients[i];
			break;
		}
	if (!c) {
		log_warn("control socket: %d clients already connected: refusing another",
			 CTL_MAX_CLIENTS);
		close(fd);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->fd = fd;
	ev_io_init(&c->io, client_io_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(M.loop, &c->io);
	ev_timer_init(&c->idle, client_idle_cb, 0., CTL_IDLE_S);
	c->idle.data = c;
	ev_timer_again(M.loop, &c->idle);
}

static void listen_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	for (int i = 0; i < CTL_ACCEPT_MAX; i++) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn_sys("control socket: accept");
			if (errno != EINTR && errno != ECONNABORTED)
				return;
			continue;
		}
		accept_client(fd);
	}
}

/* Remove a leftover socket file from an earlier run; anything else at the path is an
 * error rather than something to delete. */
static int remove_stale(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : ERR_SYS;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return ERR_SYS;
	}
	return unlink(path) == 0 ? 0 : ERR_SYS;
}

int ctl_start(void)
{
	struct sockaddr_un sun;
	mode_t old_mask;
	bool bound = false;
	int fd = -1, r = ERR_INTERNAL;

	G.started = mono_s();
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		G.clients[i].fd = -1;
	if (!M.conf->use_occtl)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (str_copy(sun.sun_path, sizeof(sun.sun_path), M.conf->occtl_socket_file) != 0 ||
	    !sun.sun_path[0]) {
		log_err("occtl-socket-file '%s' is empty or too long for a socket path",
			M.conf->occtl_socket_file);
		r = ERR_TOO_LARGE;
		goto out;
	}
	r = ERR_SYS;
	if (remove_stale(sun.sun_path) != 0) {
		log_err_sys("control socket %s: cannot remove the old file", sun.sun_path);
		goto out;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err_sys("control socket");
		goto out;
	}
	/* Root only: the file is created 0600, with no window where its mode is wider. */
	old_mask = umask(0177);
	bound = bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	umask(old_mask);
	if (!bound || chmod(sun.sun_path, 0600) != 0 || listen(fd, CTL_MAX_CLIENTS) != 0) {
		log_err_sys("control socket %s", sun.sun_path);
		goto out;
	}
	str_copy(G.path, sizeof(G.path), sun.sun_path);
	ev_io_init(&G.io, listen_cb, fd, EV_READ);
	ev_io_start(M.loop, &G.io);
	log_notice("control socket at %s", G.path);
	G.fd = fd;
	G.open = true;
	fd = -1;
	r = 0;
out:
	if (fd >= 0) {
		if (bound)
			unlink(sun.sun_path);
		close(fd);
	}
	return r;
}

void ctl_stop(void)
{
	if (!G.open)
		return;
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		if (G.clients[i].used)
			client_free(&G.clients[i], NULL);
	ev_io_stop(M.loop, &G.io);
	close(G.fd);
	G.fd = -1;
	unlink(G.path);
	G.open = false;
}
