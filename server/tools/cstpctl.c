/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cstpctl: ask a running cstpd over its control socket for its status, sessions and bans,
 * and disconnect sessions, unban addresses or request a reload. Process: the cstpctl tool
 * (run by root). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "disc.h"
#include "err.h"
#include "ipc.h"
#include "strutil.h"

#define DEFAULT_SOCKET	"/var/run/cstpd.socket" /* occtl-socket-file's default */
#define REPLY_TIMEOUT_S 30	   /* main never blocks: silence this long is a fault */
#define ITEMS_MAX	(1u << 20) /* far above any real session or ban count */
#define REQ_ID		1

enum exit_code { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2 };

/* How a reply is shown. */
enum view {
	VIEW_STATUS = 1,
	VIEW_TABLE = 2,	 /* sessions, one line each */
	VIEW_DETAIL = 3, /* sessions, one block each (a list) */
	VIEW_ONE = 4,	 /* exactly one session (an object in JSON) */
	VIEW_BANS = 5,
	VIEW_ACTION = 6,
};

struct request {
	uint32_t cmd; /* enum ipc_ctl_cmd */
	char arg[IPC_LABEL_MAX + 1];
	enum view view;
};

struct reply {
	bool have_status;
	struct ipc_ctl_status status;
	struct ipc_ctl_session *sessions;
	size_t n_sessions, cap_sessions;
	struct ipc_ctl_ban *bans;
	size_t n_bans, cap_bans;
	struct ipc_ctl_done done;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cstpctl [-s SOCKET] [--json] COMMAND...\n"
		"  -s, --socket SOCKET  control socket (default $CSTPD_SOCKET, else " DEFAULT_SOCKET
		")\n"
		"  -j, --json           print one JSON document\n"
		"commands:\n"
		"  show status                          server status and counters\n"
		"  show users                           sessions with a tunnel up\n"
		"  show sessions [all|active|inactive]  sessions (default all)\n"
		"  show user NAME                       the sessions of a user, in detail\n"
		"  show id ID                           one session, in detail\n"
		"  show ip bans                         banned addresses\n"
		"  disconnect user NAME                 end every session of a user\n"
		"  disconnect id ID                     end one session\n"
		"  unban ip ADDR                        forget an address's ban and score\n"
		"  reload                               reload the configuration (SIGHUP)\n"
		"  help                                 this text\n");
}

/* --- command line --- */

static bool word_is(char **w, int n, int i, const char *s)
{
	return i < n && strcmp(w[i], s) == 0;
}

/* Map the command words to a request. False on a usage error. */
static bool parse_words(char **w, int n, struct request *rq)
{
	const char *arg = "";

	memset(rq, 0, sizeof(*rq));
	if (n == 2 && word_is(w, n, 0, "show") && word_is(w, n, 1, "status")) {
		rq->cmd = IPC_CTL_CMD_STATUS, rq->view = VIEW_STATUS;
	} else if (n == 2 && word_is(w, n, 0, "show") && word_is(w, n, 1, "users")) {
		rq->cmd = IPC_CTL_CMD_SESSIONS, rq->view = VIEW_TABLE, arg = "active";
	} else if ((n == 2 || n == 3) && word_is(w, n, 0, "show") && word_is(w, n, 1, "sessions")) {
		rq->cmd = IPC_CTL_CMD_SESSIONS, rq->view = VIEW_TABLE, arg = n == 3 ? w[2] : "all";
		if (strcmp(arg, "all") && strcmp(arg, "active") && strcmp(arg, "inactive"))
			return false;
	} else if (n == 3 && word_is(w, n, 0, "show") && word_is(w, n, 1, "user")) {
		rq->cmd = IPC_CTL_CMD_USER, rq->view = VIEW_DETAIL, arg = w[2];
	} else if (n == 3 && word_is(w, n, 0, "show") && word_is(w, n, 1, "id")) {
		rq->cmd = IPC_CTL_CMD_ID, rq->view = VIEW_ONE, arg = w[2];
	} else if (n == 3 && word_is(w, n, 0, "show") && word_is(w, n, 1, "ip") &&
		   word_is(w, n, 2, "bans")) {
		rq->cmd = IPC_CTL_CMD_BANS, rq->view = VIEW_BANS;
	} else if (n == 3 && word_is(w, n, 0, "disconnect") && word_is(w, n, 1, "user")) {
		rq->cmd = IPC_CTL_CMD_DISCONNECT_USER, rq->view = VIEW_ACTION, arg = w[2];
	} else if (n == 3 && word_is(w, n, 0, "disconnect") && word_is(w, n, 1, "id")) {
		rq->cmd = IPC_CTL_CMD_DISCONNECT_ID, rq->view = VIEW_ACTION, arg = w[2];
	} else if (n == 3 && word_is(w, n, 0, "unban") && word_is(w, n, 1, "ip")) {
		rq->cmd = IPC_CTL_CMD_UNBAN_IP, rq->view = VIEW_ACTION, arg = w[2];
	} else if (n == 1 && word_is(w, n, 0, "reload")) {
		rq->cmd = IPC_CTL_CMD_RELOAD, rq->view = VIEW_ACTION;
	} else {
		return false;
	}
	if (str_copy(rq->arg, sizeof(rq->arg), arg) != 0) {
		fprintf(stderr, "cstpctl: argument too long (at most %d bytes)\n", IPC_LABEL_MAX);
		return false;
	}
	return true;
}

/* --- talking to the server --- */

static int connect_socket(const char *path, int *out)
{
	struct sockaddr_un sun;
	struct timeval tv = { REPLY_TIMEOUT_S, 0 };
	int fd = -1, r = ERR_INTERNAL;

	*out = -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (str_copy(sun.sun_path, sizeof(sun.sun_path), path) != 0) {
		errno = ENAMETOOLONG;
		r = ERR_SYS;
		goto out;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		r = ERR_SYS;
		goto out;
	}
	*out = fd;
	fd = -1;
	r = 0;
out:
	if (fd >= 0) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return r;
}

/* Append one item to a growing array of at most ITEMS_MAX elements. */
static int push_item(void **arr, size_t *n, size_t *cap, size_t size, const void *item)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *p;

		if (*n >= ITEMS_MAX)
			return ERR_TOO_LARGE;
		p = realloc(*arr, ncap * size);
		if (!p)
			return ERR_NOMEM;
		*arr = p;
		*cap = ncap;
	}
	memcpy((char *)*arr + *n * size, item, size);
	(*n)++;
	return 0;
}

/* Which item type may come before DONE for this command (0: none). */
static uint16_t item_type(uint32_t cmd)
{
	switch (cmd) {
	case IPC_CTL_CMD_STATUS:
		return IPC_CTL_STATUS;
	case IPC_CTL_CMD_SESSIONS:
	case IPC_CTL_CMD_USER:
	case IPC_CTL_CMD_ID:
		return IPC_CTL_SESSION;
	case IPC_CTL_CMD_BANS:
		return IPC_CTL_BAN;
	default:
		return 0;
	}
}

/* Take one received datagram; *done set on DONE. ERR_FORMAT on anything unexpected. */
static int take_message(const struct request *rq, const uint8_t *buf, size_t len, struct reply *rp,
			bool *done)
{
	union {
		struct ipc_ctl_status status;
		struct ipc_ctl_session session;
		struct ipc_ctl_ban ban;
		struct ipc_ctl_done done;
	} m;
	struct ipc_hdr hdr;
	struct buf_rd rd;
	uint16_t type;
	size_t size;
	int r;

	buf_rd_init(&rd, buf, len);
	if ((r = buf_skip(&rd, 2)) != 0 || (r = buf_get_u16(&rd, &type)) != 0)
		return r;
	if (type != IPC_CTL_DONE && type != item_type(rq->cmd))
		return ERR_FORMAT;
	size = ipc_msg_size(type);
	if (size == 0 || size > sizeof(m))
		return ERR_FORMAT;
	if ((r = ipc_decode(buf, len, &hdr, &m, size)) != 0)
		return r;
	/* id 0: main refused the connection before reading the request (not root). */
	if (hdr.id != REQ_ID && !(type == IPC_CTL_DONE && hdr.id == 0 && m.done.status != 0))
		return ERR_FORMAT;
	switch (type) {
	case IPC_CTL_DONE:
		rp->done = m.done;
		*done = true;
		return 0;
	case IPC_CTL_STATUS:
		if (rp->have_status)
			return ERR_FORMAT;
		rp->status = m.status;
		rp->have_status = true;
		return 0;
	case IPC_CTL_SESSION:
		if (rq->cmd == IPC_CTL_CMD_ID && rp->n_sessions)
			return ERR_FORMAT;
		return push_item((void **)&rp->sessions, &rp->n_sessions, &rp->cap_sessions,
				 sizeof(m.session), &m.session);
	case IPC_CTL_BAN:
		return push_item((void **)&rp->bans, &rp->n_bans, &rp->cap_bans, sizeof(m.ban),
				 &m.ban);
	}
	return ERR_FORMAT;
}

/* Send the request and collect the reply up to DONE. On failure, *why says what failed. */
static int run_request(const char *path, const struct request *rq, struct reply *rp,
		       const char **why)
{
	static uint8_t buf[IPC_MSG_MAX];
	struct ipc_ctl_req req;
	bool done = false, reset_seen = false;
	int fd = -1, r = ERR_INTERNAL;

	*why = "";
	memset(&req, 0, sizeof(req));
	req.cmd = rq->cmd;
	str_copy(req.arg, sizeof(req.arg), rq->arg);
	if ((r = connect_socket(path, &fd)) != 0) {
		*why = "cannot connect to";
		goto out;
	}
	if ((r = ipc_send(fd, IPC_CTL_REQ, REQ_ID, &req, NULL, 0)) != 0) {
		/* A refusal may already wait in the socket: read it rather than EPIPE. */
		if (r != ERR_SYS || (errno != EPIPE && errno != ECONNRESET)) {
			*why = "cannot send the request to";
			goto out;
		}
	}
	while (!done) {
		int fds[IPC_MAX_FDS];
		size_t len, nfds;

		r = ipc_recv(fd, buf, sizeof(buf), &len, fds, &nfds);
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		if (r == ERR_SYS && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			r = ERR_TIMEOUT;
			*why = "no answer in time from";
			goto out;
		}
		/* A server that closes with our request unread makes the next recv fail with
		 * ECONNRESET even though its last message (a refusal) still waits: read on. */
		if (r == ERR_SYS && errno == ECONNRESET && !reset_seen) {
			reset_seen = true;
			continue;
		}
		if (r == ERR_PEER_CLOSED || (r == ERR_SYS && errno == ECONNRESET)) {
			r = ERR_PEER_CLOSED;
			*why = "connection closed before the reply ended by";
			goto out;
		}
		if (r == 0 && nfds)
			r = ERR_FORMAT;
		if (r == 0)
			r = take_message(rq, buf, len, rp, &done);
		if (r != 0) {
			*why = "bad reply from";
			goto out;
		}
	}
	if (rq->cmd == IPC_CTL_CMD_STATUS && rp->done.status == 0 && !rp->have_status) {
		r = ERR_FORMAT;
		*why = "no status in the reply from";
		goto out;
	}
	r = 0;
out:
	if (fd >= 0) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return r;
}

static int cmp_session(const void *a, const void *b)
{
	const struct ipc_ctl_session *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* --- JSON --- */

/* Write s as a JSON string: quotes, backslashes and control characters escaped, valid
 * UTF-8 passed through, any other byte replaced by U+FFFD. */
static void json_str(FILE *f, const char *s)
{
	struct buf_rd rd;
	uint8_t c;

	buf_rd_init(&rd, s, strlen(s));
	fputc('"', f);
	while (buf_get_u8(&rd, &c) == 0) {
		uint8_t b[4] = { c, 0, 0, 0 };
		uint32_t cp;
		size_t n, i;

		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
			continue;
		}
		if (c < 0x80) {
			if (c == '\n')
				fputs("\\n", f);
			else if (c == '\t')
				fputs("\\t", f);
			else if (c == '\r')
				fputs("\\r", f);
			else if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
			continue;
		}
		/* Lead byte: sequence length and its payload bits. */
		if (c >= 0xc2 && c <= 0xdf)
			n = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4, cp = c & 0x07;
		else
			n = 0, cp = 0;
		for (i = 1; i < n; i++) {
			if (buf_peek_at(&rd, i - 1, &b[i]) != 0 || (b[i] & 0xc0) != 0x80)
				break;
			cp = cp << 6 | (b[i] & 0x3f);
		}
		/* Reject truncated sequences, overlong forms, surrogates and > U+10FFFF. */
		if (n == 0 || i != n || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
			fputs("\\ufffd", f);
			continue;
		}
		fwrite(b, 1, n, f);
		buf_skip(&rd, n - 1);
	}
	fputc('"', f);
}

/* A tiny writer for pretty-printed JSON: tracks nesting and where commas go. */
struct jw {
	FILE *f;
	int depth;
	bool first[8];
};

static void jw_indent(struct jw *j)
{
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Start a value: a comma and a new line unless it is the first in its container. */
static void jw_sep(struct jw *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->f);
		j->first[j->depth] = false;
		jw_indent(j);
	}
	if (key) {
		json_str(j->f, key);
		fputs(": ", j->f);
	}
}

static void jw_open(struct jw *j, const char *key, char bracket)
{
	jw_sep(j, key);
	fputc(bracket, j->f);
	if (j->depth < 7)
		j->depth++;
	j->first[j->depth] = true;
}

static void jw_close(struct jw *j, char bracket)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		jw_indent(j);
	fputc(bracket, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

static void jw_str(struct jw *j, const char *key, const char *v)
{
	jw_sep(j, key);
	json_str(j->f, v);
}

static void jw_num(struct jw *j, const char *key, uint64_t v)
{
	jw_sep(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

static void jw_bool(struct jw *j, const char *key, bool v)
{
	jw_sep(j, key);
	fputs(v ? "true" : "false", j->f);
}

/* --- shared formatting --- */

static const char *state_str(uint32_t st)
{
	/* enum session_state of the server: 0 new, 1 active, 2 inactive. */
	static const char *const names[] = { "new", "active", "inactive" };

	return st < 3 ? names[st] : "unknown";
}

static void iso_time(uint64_t t, char *dst, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(dst, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(dst, n, "?");
}

static void duration(uint64_t s, char *dst, size_t n)
{
	unsigned long long d = s / 86400;

	if (d)
		snprintf(dst, n, "%llud %02u:%02u:%02u", d, (unsigned)(s % 86400 / 3600),
			 (unsigned)(s % 3600 / 60), (unsigned)(s % 60));
	else
		snprintf(dst, n, "%02u:%02u:%02u", (unsigned)(s / 3600), (unsigned)(s % 3600 / 60),
			 (unsigned)(s % 60));
}

static void human_bytes(uint64_t b, char *dst, size_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)b;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0]))
		v /= 1024, u++;
	if (u == 0)
		snprintf(dst, n, "%llu B", (unsigned long long)b);
	else
		snprintf(dst, n, "%.1f %s", v, units[u]);
}

/* A copy of a server string fit for a terminal: control characters become '?'. */
static const char *tty(const char *s, char *dst, size_t n)
{
	struct buf_rd rd;
	uint8_t c;
	size_t i = 0;

	buf_rd_init(&rd, s, strlen(s));
	while (i + 1 < n && buf_get_u8(&rd, &c) == 0)
		dst[i++] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
	dst[i] = '\0';
	return i ? dst : "-";
}

/* --- output: JSON --- */

static void json_status(const struct ipc_ctl_status *st)
{
	struct jw j = { .f = stdout };

	jw_open(&j, NULL, '{');
	jw_num(&j, "uptime", st->uptime);
	jw_num(&j, "pid", st->pid);
	jw_num(&j, "sessions_active", st->sessions_active);
	jw_num(&j, "sessions_inactive", st->sessions_inactive);
	jw_num(&j, "sessions_new", st->sessions_new);
	jw_num(&j, "logins_ok", st->logins_ok);
	jw_num(&j, "logins_failed", st->logins_failed);
	jw_num(&j, "bytes_in", st->bytes_in);
	jw_num(&j, "bytes_out", st->bytes_out);
	jw_open(&j, "reconnects", '{');
	jw_num(&j, "incoming", st->reconnects_in);
	jw_num(&j, "succeeded", st->reconnects_ok);
	jw_num(&j, "failed", st->reconnects_failed);
	jw_num(&j, "capable_active", st->reconnect_capable_active);
	jw_num(&j, "capable_inactive", st->reconnect_capable_inactive);
	jw_close(&j, '}');
	jw_num(&j, "bans", st->bans);
	jw_num(&j, "dtls_dropped", st->dtls_dropped);
	jw_str(&j, "profile", st->profile);
	jw_str(&j, "profile_hash", st->profile_hash);
	jw_close(&j, '}');
}

static void json_session(struct jw *j, const struct ipc_ctl_session *s)
{
	char since[32];

	iso_time(s->since, since, sizeof(since));
	jw_open(j, NULL, '{');
	jw_num(j, "id", s->id);
	jw_str(j, "user", s->user);
	jw_str(j, "group", s->group);
	jw_str(j, "state", state_str(s->state));
	jw_str(j, "ipv4", s->addr4);
	jw_str(j, "ipv6", s->addr6);
	jw_str(j, "remote_ip", s->real_addr);
	jw_str(j, "device", s->device);
	jw_str(j, "hostname", s->hostname);
	jw_str(j, "user_agent", s->user_agent);
	jw_str(j, "transport", s->transport);
	jw_str(j, "cipher", s->cipher);
	jw_str(j, "since", since);
	jw_num(j, "inactive_for", s->inactive_for);
	jw_num(j, "bytes_in", s->bytes_in);
	jw_num(j, "bytes_out", s->bytes_out);
	jw_num(j, "reconnects", s->reconnects);
	jw_str(j, "last_disconnect_reason", disc_str(s->last_reason));
	jw_close(j, '}');
}

static void json_output(const struct request *rq, const struct reply *rp)
{
	struct jw j = { .f = stdout };

	switch (rq->view) {
	case VIEW_STATUS:
		json_status(&rp->status);
		return;
	case VIEW_ONE:
		if (rp->n_sessions)
			json_session(&j, &rp->sessions[0]);
		return;
	case VIEW_TABLE:
	case VIEW_DETAIL:
		jw_open(&j, NULL, '[');
		for (size_t i = 0; i < rp->n_sessions; i++)
			json_session(&j, &rp->sessions[i]);
		jw_close(&j, ']');
		return;
	case VIEW_BANS:
		jw_open(&j, NULL, '[');
		for (size_t i = 0; i < rp->n_bans; i++) {
			jw_open(&j, NULL, '{');
			jw_str(&j, "ip", rp->bans[i].addr);
			jw_num(&j, "score", rp->bans[i].score);
			jw_num(&j, "remaining", rp->bans[i].remaining);
			jw_close(&j, '}');
		}
		jw_close(&j, ']');
		return;
	case VIEW_ACTION:
		jw_open(&j, NULL, '{');
		jw_bool(&j, "ok", true);
		jw_str(&j, "message", rp->done.message);
		jw_close(&j, '}');
		return;
	}
}

static void json_error(const char *msg)
{
	struct jw j = { .f = stdout };

	jw_open(&j, NULL, '{');
	jw_bool(&j, "ok", false);
	jw_str(&j, "message", msg);
	jw_close(&j, '}');
}

/* --- output: text --- */

static void kv(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void kv(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("%-36s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void text_status(const struct ipc_ctl_status *st)
{
	char up[48], bi[32], bo[32], t[IPC_PATH_MAX + 1];

	duration(st->uptime, up, sizeof(up));
	human_bytes(st->bytes_in, bi, sizeof(bi));
	human_bytes(st->bytes_out, bo, sizeof(bo));
	kv("Status:", "online");
	kv("Server PID:", "%u", st->pid);
	kv("Up for:", "%s", up);
	kv("Active sessions:", "%u", st->sessions_active);
	kv("Inactive sessions:", "%u", st->sessions_inactive);
	kv("Logged in, no tunnel yet:", "%u", st->sessions_new);
	kv("Logins succeeded:", "%llu", (unsigned long long)st->logins_ok);
	kv("Logins failed:", "%llu", (unsigned long long)st->logins_failed);
	kv("Bytes in (from clients):", "%llu (%s)", (unsigned long long)st->bytes_in, bi);
	kv("Bytes out (to clients):", "%llu (%s)", (unsigned long long)st->bytes_out, bo);
	kv("Incoming reconnects:", "%llu", (unsigned long long)st->reconnects_in);
	kv("Reconnects succeeded:", "%llu", (unsigned long long)st->reconnects_ok);
	kv("Reconnects failed:", "%llu", (unsigned long long)st->reconnects_failed);
	kv("Reconnect-capable active sessions:", "%u", st->reconnect_capable_active);
	kv("Reconnect-capable inactive sessions:", "%u", st->reconnect_capable_inactive);
	kv("Banned IPs:", "%u", st->bans);
	kv("DTLS datagrams dropped:", "%llu", (unsigned long long)st->dtls_dropped);
	kv("Client profile:", "%s", tty(st->profile, t, sizeof(t)));
	kv("Client profile SHA-1:", "%s", tty(st->profile_hash, t, sizeof(t)));
}

static void text_session_detail(const struct ipc_ctl_session *s)
{
	char since[32], d[48], b[32], t[IPC_LABEL_MAX + 1];

	iso_time(s->since, since, sizeof(since));
	kv("Session ID:", "%u", s->id);
	kv("Username:", "%s", tty(s->user, t, sizeof(t)));
	kv("Group:", "%s", tty(s->group, t, sizeof(t)));
	kv("State:", "%s", state_str(s->state));
	kv("IPv4:", "%s", tty(s->addr4, t, sizeof(t)));
	kv("IPv6:", "%s", tty(s->addr6, t, sizeof(t)));
	kv("Remote IP:", "%s", tty(s->real_addr, t, sizeof(t)));
	kv("Device:", "%s", tty(s->device, t, sizeof(t)));
	kv("Hostname:", "%s", tty(s->hostname, t, sizeof(t)));
	kv("User agent:", "%s", tty(s->user_agent, t, sizeof(t)));
	kv("Transport:", "%s", tty(s->transport, t, sizeof(t)));
	kv("Cipher:", "%s", tty(s->cipher, t, sizeof(t)));
	kv("Logged in since:", "%s", since);
	if (s->state == 2) {
		duration(s->inactive_for, d, sizeof(d));
		kv("Inactive for:", "%s", d);
	}
	human_bytes(s->bytes_in, b, sizeof(b));
	kv("Bytes in:", "%llu (%s)", (unsigned long long)s->bytes_in, b);
	human_bytes(s->bytes_out, b, sizeof(b));
	kv("Bytes out:", "%llu (%s)", (unsigned long long)s->bytes_out, b);
	kv("Reconnects:", "%u", s->reconnects);
	kv("Last disconnect reason:", "%s", disc_str(s->last_reason));
}

#define N_COLS 11

/* The cells of one table row (the header when s is NULL). */
static void session_cells(const struct ipc_ctl_session *s, char cells[N_COLS][IPC_LABEL_MAX + 1])
{
	static const char *const head[N_COLS] = { "ID",	      "USER",	   "GROUP",  "STATE",
						  "IPV4",     "REMOTE IP", "DEVICE", "SINCE",
						  "INACTIVE", "RECONN",	   "IN/OUT" };
	char a[32], b[32];

	if (!s) {
		for (int i = 0; i < N_COLS; i++)
			snprintf(cells[i], IPC_LABEL_MAX + 1, "%s", head[i]);
		return;
	}
	snprintf(cells[0], IPC_LABEL_MAX + 1, "%u", s->id);
	tty(s->user, cells[1], IPC_LABEL_MAX + 1);
	tty(s->group, cells[2], IPC_LABEL_MAX + 1);
	snprintf(cells[3], IPC_LABEL_MAX + 1, "%s", state_str(s->state));
	tty(s->addr4, cells[4], IPC_LABEL_MAX + 1);
	tty(s->real_addr, cells[5], IPC_LABEL_MAX + 1);
	tty(s->device, cells[6], IPC_LABEL_MAX + 1);
	iso_time(s->since, cells[7], IPC_LABEL_MAX + 1);
	if (s->state == 2)
		duration(s->inactive_for, cells[8], IPC_LABEL_MAX + 1);
	else
		snprintf(cells[8], IPC_LABEL_MAX + 1, "-");
	snprintf(cells[9], IPC_LABEL_MAX + 1, "%u", s->reconnects);
	human_bytes(s->bytes_in, a, sizeof(a));
	human_bytes(s->bytes_out, b, sizeof(b));
	snprintf(cells[10], IPC_LABEL_MAX + 1, "%s/%s", a, b);
	for (int i = 0; i < N_COLS; i++)
		if (!cells[i][0])
			snprintf(cells[i], IPC_LABEL_MAX + 1, "-");
}

static void text_sessions(const struct reply *rp)
{
	char cells[N_COLS][IPC_LABEL_MAX + 1];
	size_t w[N_COLS] = { 0 };

	if (!rp->n_sessions) {
		printf("no sessions\n");
		return;
	}
	for (size_t r = 0; r <= rp->n_sessions; r++) {
		session_cells(r ? &rp->sessions[r - 1] : NULL, cells);
		for (int i = 0; i < N_COLS; i++)
			if (strlen(cells[i]) > w[i])
				w[i] = strlen(cells[i]);
	}
	for (size_t r = 0; r <= rp->n_sessions; r++) {
		session_cells(r ? &rp->sessions[r - 1] : NULL, cells);
		for (int i = 0; i < N_COLS; i++)
			printf(i + 1 < N_COLS ? "%-*s  " : "%-*s\n",
			       (int)(i + 1 < N_COLS ? w[i] : 0), cells[i]);
	}
}

static void text_bans(const struct reply *rp)
{
	size_t w = strlen("IP");

	if (!rp->n_bans) {
		printf("no banned IPs\n");
		return;
	}
	for (size_t i = 0; i < rp->n_bans; i++)
		if (strlen(rp->bans[i].addr) > w)
			w = strlen(rp->bans[i].addr);
	printf("%-*s  %6s  %s\n", (int)w, "IP", "SCORE", "REMAINING");
	for (size_t i = 0; i < rp->n_bans; i++) {
		char d[48], t[IPC_ADDR_MAX + 1];

		duration(rp->bans[i].remaining, d, sizeof(d));
		printf("%-*s  %6u  %s\n", (int)w, tty(rp->bans[i].addr, t, sizeof(t)),
		       rp->bans[i].score, d);
	}
}

static void text_output(const struct request *rq, const struct reply *rp)
{
	char t[IPC_TEXT_MAX + 1];

	switch (rq->view) {
	case VIEW_STATUS:
		text_status(&rp->status);
		return;
	case VIEW_TABLE:
		text_sessions(rp);
		return;
	case VIEW_ONE:
	case VIEW_DETAIL:
		for (size_t i = 0; i < rp->n_sessions; i++) {
			if (i)
				putchar('\n');
			text_session_detail(&rp->sessions[i]);
		}
		return;
	case VIEW_BANS:
		text_bans(rp);
		return;
	case VIEW_ACTION:
		printf("%s\n", tty(rp->done.message, t, sizeof(t)));
		return;
	}
}

/* --- main --- */

int main(int argc, char **argv)
{
	const char *sock = getenv("CSTPD_SOCKET");
	struct request rq;
	struct reply rp;
	bool json = false;
	const char *why;
	char msg[IPC_TEXT_MAX + 256];
	int i, r;

	if (!sock || !sock[0])
		sock = DEFAULT_SOCKET;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0) {
			json = true;
		} else if ((strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--socket") == 0) &&
			   i + 1 < argc) {
			sock = argv[++i];
		} else if (strncmp(argv[i], "--socket=", 9) == 0) {
			sock = argv[i] + 9;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i < argc && argc - i == 1 && strcmp(argv[i], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (i >= argc || !parse_words(argv + i, argc - i, &rq)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	memset(&rp, 0, sizeof(rp));
	r = run_request(sock, &rq, &rp, &why);
	if (r != 0) {
		snprintf(msg, sizeof(msg), "%s %s: %s", why, sock,
			 r == ERR_SYS ? strerror(errno) : err_str(r));
	} else if (rp.done.status != 0) {
		snprintf(msg, sizeof(msg), "%s", rp.done.message[0] ? rp.done.message : "failed");
	} else if (rq.view == VIEW_ONE && !rp.n_sessions) {
		snprintf(msg, sizeof(msg), "no such session");
		rp.done.status = (uint32_t)ERR_RANGE;
	}
	if (r != 0 || rp.done.status != 0) {
		char t[sizeof(msg)];

		fprintf(stderr, "cstpctl: %s\n", tty(msg, t, sizeof(t)));
		if (json)
			json_error(msg);
		free(rp.sessions);
		free(rp.bans);
		return EXIT_ERROR;
	}
	if (rp.n_sessions > 1)
		qsort(rp.sessions, rp.n_sessions, sizeof(rp.sessions[0]), cmp_session);
	if (json)
		json_output(&rq, &rp);
	else
		text_output(&rq, &rp);
	free(rp.sessions);
	free(rp.bans);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_ERROR;
}
