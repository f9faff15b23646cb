/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RADIUS Access-Request / Accounting-Request through libradcli, run in the auth helpers.
 * Process: helper. */
#include "radius.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <radcli/radcli.h>

#include "err.h"
#include "log.h"
#include "radattr.h"
#include "secmem.h"
#include "strutil.h"

#define SERVERS_TEXT	256
#define MSG_UNAVAILABLE "Authentication service unavailable."

#define HANDLES_MAX 4 /* client files kept parsed (auth and acct may differ; reloads) */

/* Parsed client files of this helper, read again when a file changes (SIGHUP, edits). */
struct handle {
	rc_handle *rh;
	char path[PATH_MAX];
	struct timespec mtime;
	ino_t ino;
	uint64_t used; /* for evicting the least recently used */
};

static struct handle g_handles[HANDLES_MAX];
static uint64_t g_uses;

static bool same_file(const struct handle *h, const char *path, const struct stat *st)
{
	return h->rh && strcmp(h->path, path) == 0 && st->st_ino == h->ino &&
	       st->st_mtim.tv_sec == h->mtime.tv_sec && st->st_mtim.tv_nsec == h->mtime.tv_nsec;
}

static rc_handle *load(const char *path)
{
	rc_handle *rh = rc_read_config(path);

	if (!rh) {
		log_err("cannot read the RADIUS client file %s", path);
		return NULL;
	}
	/* Older radcli releases do not load the dictionary with the config. */
	if (!rc_dict_getattr(rh, PW_USER_NAME) &&
	    rc_read_dictionary(rh, rc_conf_str(rh, "dictionary")) != 0) {
		log_err("%s: cannot read the RADIUS dictionary %s", path,
			rc_conf_str(rh, "dictionary"));
		rc_destroy(rh);
		return NULL;
	}
	return rh;
}

static rc_handle *handle_for(const char *path)
{
	struct handle *h = &g_handles[0];
	struct stat st;

	if (stat(path, &st) != 0) {
		log_err_sys("RADIUS client file %s", path);
		return NULL;
	}
	for (size_t i = 0; i < HANDLES_MAX; i++) {
		if (same_file(&g_handles[i], path, &st)) {
			g_handles[i].used = ++g_uses;
			return g_handles[i].rh;
		}
		if (g_handles[i].used < h->used)
			h = &g_handles[i];
	}
	if (h->rh)
		rc_destroy(h->rh);
	memset(h, 0, sizeof(*h));
	if (!(h->rh = load(path)))
		return NULL;
	str_copy(h->path, sizeof(h->path), path);
	h->ino = st.st_ino;
	h->mtime = st.st_mtim;
	h->used = ++g_uses;
	return h->rh;
}

/* "host:port, host:port" of the servers radcli will try, for log lines. */
static void servers_text(rc_handle *rh, const char *which, char *dst, size_t size)
{
	SERVER *s = rc_conf_srv(rh, which);
	size_t off = 0;

	dst[0] = '\0';
	for (int i = 0; s && i < s->max && i < SERVER_MAX; i++) {
		int n = snprintf(dst + off, size - off, "%s%s:%u", i ? ", " : "",
				 s->name[i] ? s->name[i] : "?", (unsigned)s->port[i]);

		if (n < 0 || (size_t)n >= size - off)
			break;
		off += (size_t)n;
	}
}

static int add_str(rc_handle *rh, VALUE_PAIR **vp, int attr, const void *v, int len)
{
	return rc_avpair_add(rh, vp, attr, v, len, 0) ? 0 : ERR_INTERNAL;
}

static int add_u32(rc_handle *rh, VALUE_PAIR **vp, int attr, uint32_t v)
{
	return rc_avpair_add(rh, vp, attr, &v, 0, 0) ? 0 : ERR_INTERNAL;
}

/* Attributes both kinds of request carry. */
static int add_common(rc_handle *rh, VALUE_PAIR **vp, const char *user, const char *sid,
		      const char *nas_id, const char *calling)
{
	int r = 0;

	r |= add_str(rh, vp, PW_USER_NAME, user, -1);
	if (sid[0])
		r |= add_str(rh, vp, PW_ACCT_SESSION_ID, sid, -1);
	if (nas_id[0])
		r |= add_str(rh, vp, PW_NAS_IDENTIFIER, nas_id, -1);
	if (calling[0])
		r |= add_str(rh, vp, PW_CALLING_STATION_ID, calling, -1);
	r |= add_u32(rh, vp, PW_SERVICE_TYPE, PW_FRAMED);
	r |= add_u32(rh, vp, PW_NAS_PORT_TYPE, PW_VIRTUAL);
	return r ? ERR_INTERNAL : 0;
}

/* Append a Reply-Message to the user-visible text: printable characters only. */
static void add_message(char *dst, size_t size, const char *src, size_t n)
{
	size_t off = strlen(dst);

	if (off && off + 1 < size)
		dst[off++] = '\n';
	for (size_t i = 0; i < n && off + 1 < size; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[off++] = (c < 0x20 && c != '\n') || c == 0x7f ? ' ' : (char)c;
	}
	dst[off] = '\0';
}

/* One received pair -> radattr, in wire form. */
static void map_pair(VALUE_PAIR *vp, struct radattr_set *set, struct ipc_helper_auth_rep *rep)
{
	unsigned type = 0, id = 0, len = 0;
	uint8_t wire[16];
	char *raw = NULL;
	uint32_t u;
	int r = 0;

	rc_avpair_get_attr(vp, &type, &id);
	switch (type) {
	case PW_TYPE_STRING:
		if (rc_avpair_get_raw(vp, &raw, &len) != 0)
			return;
		if (id == PW_REPLY_MESSAGE) {
			add_message(rep->message, sizeof(rep->message), raw, len);
			return;
		}
		if (id == PW_STATE) {
			if (len && len <= RADATTR_VAL_MAX)
				hex_encode(rep->state, raw, len, true);
			return;
		}
		r = radattr_add(set, VENDOR(id), ATTRID(id), (const uint8_t *)raw, len);
		break;
	case PW_TYPE_INTEGER:
	case PW_TYPE_IPADDR:
	case PW_TYPE_DATE:
		if (rc_avpair_get_uint32(vp, &u) != 0)
			return;
		u = htonl(u);
		memcpy(wire, &u, 4);
		r = radattr_add(set, VENDOR(id), ATTRID(id), wire, 4);
		break;
	case PW_TYPE_IPV6ADDR:
		if (rc_avpair_get_in6(vp, (struct in6_addr *)wire, NULL) != 0)
			return;
		r = radattr_add(set, VENDOR(id), ATTRID(id), wire, 16);
		break;
	default:
		return;
	}
	if (r != 0)
		log_warn("RADIUS attribute %u (vendor %u) ignored: %s", ATTRID(id), VENDOR(id),
			 err_str(r));
}

static void read_reply(VALUE_PAIR *recv, const struct ipc_helper_auth_req *req,
		       struct ipc_helper_auth_rep *rep, bool accepted)
{
	struct radattr_set set;

	radattr_init(&set);
	for (VALUE_PAIR *vp = recv; vp; vp = rc_avpair_next(vp))
		map_pair(vp, &set, rep);
	if (!accepted)
		return;
	if (!req->groupconfig) {
		/* Groups (Class) and the Class values for accounting only. */
		struct radattr_set only;

		radattr_init(&only);
		memcpy(only.groups, set.groups, sizeof(set.groups));
		only.n_groups = set.n_groups;
		memcpy(only.class_val, set.class_val, sizeof(set.class_val));
		memcpy(only.class_len, set.class_len, sizeof(set.class_len));
		only.n_class = set.n_class;
		only.interim = set.interim;
		set = only;
	}
	if (radattr_export(&set, rep) != 0)
		log_warn("RADIUS settings for '%s' could not be passed on", req->username);
}

static void fail(struct ipc_helper_auth_rep *rep, uint32_t status, const char *msg)
{
	rep->status = status;
	if (!rep->message[0])
		str_copy(rep->message, sizeof(rep->message), msg);
}

void radius_auth(const struct ipc_helper_auth_req *req, struct ipc_helper_auth_rep *rep)
{
	char msg[PW_MAX_MSG_SIZE], servers[SERVERS_TEXT];
	uint8_t state[RADATTR_VAL_MAX];
	VALUE_PAIR *send = NULL, *recv = NULL;
	size_t slen = strlen(req->state) / 2;
	rc_handle *rh = handle_for(req->config);
	int r;

	rep->status = IPC_AUTH_UNAVAILABLE;
	if (!rh) {
		fail(rep, IPC_AUTH_UNAVAILABLE, MSG_UNAVAILABLE);
		return;
	}
	if (add_common(rh, &send, req->username, req->acct_session_id, req->nas_identifier,
		       req->calling_station) != 0 ||
	    add_str(rh, &send, PW_USER_PASSWORD, req->password, -1) != 0 ||
	    (slen && (slen > sizeof(state) ||
		      hex_decode(state, slen, req->state, strlen(req->state)) != 0 ||
		      add_str(rh, &send, PW_STATE, state, (int)slen) != 0))) {
		log_err("%s: cannot build an Access-Request (is the dictionary complete?)",
			req->config);
		fail(rep, IPC_AUTH_UNAVAILABLE, MSG_UNAVAILABLE);
		goto out;
	}
	msg[0] = '\0';
	r = rc_aaa(rh, 0, send, &recv, msg, 0, PW_ACCESS_REQUEST);
	switch (r) {
	case OK_RC:
		read_reply(recv, req, rep, true);
		rep->status = IPC_AUTH_OK;
		break;
	case CHALLENGE_RC:
		read_reply(recv, req, rep, false);
		if (!rep->state[0]) {
			log_warn("RADIUS Access-Challenge for '%s' without a State", req->username);
			fail(rep, IPC_AUTH_FAILED, "Login failed.");
			break;
		}
		rep->status = IPC_AUTH_CHALLENGE;
		break;
	case REJECT_RC:
		read_reply(recv, req, rep, false);
		fail(rep, IPC_AUTH_FAILED, "Login failed.");
		break;
	default:
		servers_text(rh, "authserver", servers, sizeof(servers));
		log_err("RADIUS authentication of '%s': no valid answer from %s (%s)",
			req->username, servers[0] ? servers : "any server",
			r == TIMEOUT_RC	    ? "timeout"
			: r == BADRESP_RC   ? "bad response: wrong secret?"
			: r == BADRESPID_RC ? "bad response id"
					    : "error");
		rep->message[0] = '\0';
		fail(rep, IPC_AUTH_UNAVAILABLE, MSG_UNAVAILABLE);
		break;
	}
out:
	secmem_wipe(msg, sizeof(msg));
	if (send) {
		/* The encrypted password sits in the pair list: wipe it before freeing. */
		VALUE_PAIR *pw = rc_avpair_get(send, PW_USER_PASSWORD, 0);

		if (pw)
			secmem_wipe(pw->strvalue, sizeof(pw->strvalue));
		rc_avpair_free(send);
	}
	rc_avpair_free(recv);
}

/* Octets as a 32-bit counter and the number of 2^32 wraps (RFC 2869 §5.1). */
static int add_octets(rc_handle *rh, VALUE_PAIR **vp, int attr, int giga, uint64_t v)
{
	int r = add_u32(rh, vp, attr, (uint32_t)v);

	if (r == 0 && (v >> 32))
		r = add_u32(rh, vp, giga, (uint32_t)(v >> 32));
	return r;
}

static int build_acct(rc_handle *rh, VALUE_PAIR **vp, const struct ipc_helper_acct_req *req)
{
	struct in_addr a;
	uint8_t cls[RADATTR_VAL_MAX];
	int r;

	if ((r = add_common(rh, vp, req->username, req->acct_session_id, req->nas_identifier,
			    req->calling_station)) != 0 ||
	    (r = add_u32(rh, vp, PW_ACCT_STATUS_TYPE, req->status_type)) != 0 ||
	    (r = add_u32(rh, vp, PW_ACCT_AUTHENTIC, PW_RADIUS)) != 0 ||
	    (r = add_u32(rh, vp, PW_EVENT_TIMESTAMP, (uint32_t)time(NULL))) != 0)
		return r;
	if (req->framed_ip[0] && inet_pton(AF_INET, req->framed_ip, &a) == 1 &&
	    (r = add_u32(rh, vp, PW_FRAMED_IP_ADDRESS, ntohl(a.s_addr))) != 0)
		return r;
	for (uint32_t i = 0; i < req->n_class && i < IPC_RAD_CLASS_MAX; i++) {
		size_t hl = strlen(req->class_hex[i]);

		if (hl && hl % 2 == 0 && hl / 2 <= sizeof(cls) &&
		    hex_decode(cls, hl / 2, req->class_hex[i], hl) == 0 &&
		    (r = add_str(rh, vp, PW_CLASS, cls, (int)(hl / 2))) != 0)
			return r;
	}
	if (req->status_type == IPC_ACCT_START)
		return 0;
	if ((r = add_u32(rh, vp, PW_ACCT_SESSION_TIME, req->session_time)) != 0 ||
	    (r = add_octets(rh, vp, PW_ACCT_INPUT_OCTETS, PW_ACCT_INPUT_GIGAWORDS,
			    req->bytes_in)) != 0 ||
	    (r = add_octets(rh, vp, PW_ACCT_OUTPUT_OCTETS, PW_ACCT_OUTPUT_GIGAWORDS,
			    req->bytes_out)) != 0 ||
	    (r = add_u32(rh, vp, PW_ACCT_INPUT_PACKETS, (uint32_t)req->packets_in)) != 0 ||
	    (r = add_u32(rh, vp, PW_ACCT_OUTPUT_PACKETS, (uint32_t)req->packets_out)) != 0)
		return r;
	if (req->status_type == IPC_ACCT_STOP && req->terminate_cause)
		r = add_u32(rh, vp, PW_ACCT_TERMINATE_CAUSE, req->terminate_cause);
	return r;
}

int radius_acct(const struct ipc_helper_acct_req *req)
{
	static const char *const kinds[] = { "?", "Start", "Stop", "Interim-Update" };
	const char *kind = req->status_type <= IPC_ACCT_INTERIM ? kinds[req->status_type] : "?";
	char servers[SERVERS_TEXT];
	VALUE_PAIR *send = NULL;
	rc_handle *rh = handle_for(req->config);
	int r;

	if (!rh)
		return ERR_SYS;
	if (build_acct(rh, &send, req) != 0) {
		log_err("%s: cannot build an Accounting-Request (is the dictionary complete?)",
			req->config);
		rc_avpair_free(send);
		return ERR_SYS;
	}
	r = rc_aaa(rh, 0, send, NULL, NULL, 0, PW_ACCOUNTING_REQUEST);
	rc_avpair_free(send);
	if (r == OK_RC) {
		log_debug("accounting %s for session %s sent", kind, req->acct_session_id);
		return 0;
	}
	servers_text(rh, "acctserver", servers, sizeof(servers));
	log_err("accounting %s for session %s of '%s' lost: no answer from %s (%d)", kind,
		req->acct_session_id, req->username, servers[0] ? servers : "any server", r);
	return ERR_TIMEOUT;
}
