/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPC codec (table driven, field by field) and SEQPACKET transport with SCM_RIGHTS.
 * Process: any. */
#include "ipc.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "secmem.h"

enum fkind { F_U32, F_U64, F_STR, F_SECRET, F_BYTES, F_STRARR };

struct field {
	uint8_t kind;
	uint32_t off;
	uint32_t size;	    /* of the member (per element for F_STRARR) */
	uint32_t count_off; /* F_STRARR: offset of the uint32_t count */
	uint32_t max_count; /* F_STRARR */
};

#define U32(T, m)                                                                                  \
	{                                                                                          \
		F_U32, offsetof(T, m), sizeof(((T *)0)->m), 0, 0                                   \
	}
#define U64(T, m)                                                                                  \
	{                                                                                          \
		F_U64, offsetof(T, m), sizeof(((T *)0)->m), 0, 0                                   \
	}
#define STR(T, m)                                                                                  \
	{                                                                                          \
		F_STR, offsetof(T, m), sizeof(((T *)0)->m), 0, 0                                   \
	}
#define SECRET(T, m)                                                                               \
	{                                                                                          \
		F_SECRET, offsetof(T, m), sizeof(((T *)0)->m), 0, 0                                \
	}
#define BYTES(T, m)                                                                                \
	{                                                                                          \
		F_BYTES, offsetof(T, m), sizeof(((T *)0)->m), 0, 0                                 \
	}
#define STRARR(T, m, n, max)                                                                       \
	{                                                                                          \
		F_STRARR, offsetof(T, m), sizeof(((T *)0)->m[0]), offsetof(T, n), max              \
	}

static const struct field f_worker_init[] = {
	U32(struct ipc_worker_init, log_level),
	U32(struct ipc_worker_init, flags),
	U32(struct ipc_worker_init, uid),
	U32(struct ipc_worker_init, gid),
	U32(struct ipc_worker_init, handshake_timeout),
	U32(struct ipc_worker_init, auth_timeout),
	U64(struct ipc_worker_init, conn_id),
	STR(struct ipc_worker_init, client_addr),
	STR(struct ipc_worker_init, cert_file),
	STR(struct ipc_worker_init, key_file),
	STR(struct ipc_worker_init, ca_file),
	STR(struct ipc_worker_init, chroot_dir),
	STR(struct ipc_worker_init, tls_priorities),
	BYTES(struct ipc_worker_init, ticket_key),
	STR(struct ipc_worker_init, banner),
	STR(struct ipc_worker_init, pre_login_banner),
	STRARR(struct ipc_worker_init, group_names, n_groups, IPC_GROUPS_MAX),
	STRARR(struct ipc_worker_init, group_labels, n_groups, IPC_GROUPS_MAX),
	U32(struct ipc_worker_init, default_group),
	STR(struct ipc_worker_init, profile_uri),
	STR(struct ipc_worker_init, profile_hash),
	STR(struct ipc_worker_init, crl_file),
	STR(struct ipc_worker_init, cert_user_oid),
	STR(struct ipc_worker_init, cert_group_oid),
	U32(struct ipc_worker_init, cert_mode),
};

static const struct field f_spawn_req[] = {
	U64(struct ipc_spawn_req, conn_id),
};

static const struct field f_spawn_rep[] = {
	U64(struct ipc_spawn_rep, conn_id),
	U32(struct ipc_spawn_rep, pid),
	U32(struct ipc_spawn_rep, error),
};

static const struct field f_auth_req[] = {
	U32(struct ipc_auth_req, kind),
	STR(struct ipc_auth_req, ctx),
	STR(struct ipc_auth_req, group),
	STR(struct ipc_auth_req, username),
	SECRET(struct ipc_auth_req, password),
	STR(struct ipc_auth_req, user_agent),
	U32(struct ipc_auth_req, cert_status),
	STR(struct ipc_auth_req, cert_user),
	STRARR(struct ipc_auth_req, cert_groups, n_cert_groups, IPC_GROUPS_MAX),
};

static const struct field f_auth_rep[] = {
	U32(struct ipc_auth_rep, status),    STR(struct ipc_auth_rep, ctx),
	STR(struct ipc_auth_rep, message),   STR(struct ipc_auth_rep, username),
	STR(struct ipc_auth_rep, group),     U32(struct ipc_auth_rep, session_id),
	SECRET(struct ipc_auth_rep, cookie),
};

static const struct field f_logout_req[] = {
	SECRET(struct ipc_logout_req, cookie),
};

static const struct field f_logout_rep[] = {
	U32(struct ipc_logout_rep, ok),
};

static const struct field f_worker_bye[] = {
	U32(struct ipc_worker_bye, reason),	 U64(struct ipc_worker_bye, bytes_in),
	U64(struct ipc_worker_bye, bytes_out),	 U64(struct ipc_worker_bye, packets_in),
	U64(struct ipc_worker_bye, packets_out),
};

static const struct field f_worker_stats[] = {
	U64(struct ipc_worker_stats, bytes_in),
	U64(struct ipc_worker_stats, bytes_out),
	U64(struct ipc_worker_stats, packets_in),
	U64(struct ipc_worker_stats, packets_out),
};

static const struct field f_terminate[] = {
	U32(struct ipc_terminate, reason),
};

static const struct field f_tunnel_req[] = {
	SECRET(struct ipc_tunnel_req, cookie),	U32(struct ipc_tunnel_req, flags),
	U32(struct ipc_tunnel_req, base_mtu),	U32(struct ipc_tunnel_req, client_mtu),
	U32(struct ipc_tunnel_req, tcp_pmtu),	STR(struct ipc_tunnel_req, addr4),
	STR(struct ipc_tunnel_req, addr6),	STR(struct ipc_tunnel_req, hostname),
	STR(struct ipc_tunnel_req, user_agent), U32(struct ipc_tunnel_req, dtls_offer),
	STR(struct ipc_tunnel_req, tls_cipher),
};

#define TR(m) STR(struct ipc_tunnel_rep, m)
#define TU(m) U32(struct ipc_tunnel_rep, m)
static const struct field f_tunnel_rep[] = {
	TU(status),
	TR(message),
	TU(session_id),
	TR(username),
	TR(group),
	TR(device),
	TR(addr4),
	TR(netmask4),
	TR(addr6),
	TU(prefix6),
	STRARR(struct ipc_tunnel_rep, dns, n_dns, IPC_LIST_MAX),
	STRARR(struct ipc_tunnel_rep, nbns, n_nbns, IPC_LIST_MAX),
	TR(default_domain),
	STRARR(struct ipc_tunnel_rep, split_dns, n_split_dns, IPC_LIST_MAX),
	STRARR(struct ipc_tunnel_rep, routes, n_routes, IPC_LIST_MAX),
	STRARR(struct ipc_tunnel_rep, no_routes, n_no_routes, IPC_LIST_MAX),
	TU(tunnel_all_dns),
	TU(client_bypass_protocol),
	TU(keepalive),
	TU(dpd),
	TU(idle_timeout),
	TU(session_timeout),
	TU(session_remaining),
	TU(disconnected_timeout),
	TU(rekey_time),
	TU(rekey_method),
	TU(stats_report_time),
	TU(base_mtu),
	TU(mtu),
	TR(banner),
	TU(dtls_port),
	TU(dtls_modes),
	BYTES(struct ipc_tunnel_rep, dtls_id),
};

static const struct field f_udp_fd[] = {
	STR(struct ipc_udp_fd, peer),
	U32(struct ipc_udp_fd, len),
	BYTES(struct ipc_udp_fd, data),
};

static const struct field f_dtls_state[] = {
	U32(struct ipc_dtls_state, up),
	STR(struct ipc_dtls_state, cipher),
};

static const struct field f_file_req[] = {
	SECRET(struct ipc_file_req, cookie),
	U32(struct ipc_file_req, kind),
	STR(struct ipc_file_req, name),
};

static const struct field f_file_rep[] = {
	U32(struct ipc_file_rep, status), U64(struct ipc_file_rep, size),
	U64(struct ipc_file_rep, mtime),  STR(struct ipc_file_rep, content_type),
	STR(struct ipc_file_rep, sha1),
};

static const struct field f_ctl_req[] = {
	U32(struct ipc_ctl_req, cmd),
	STR(struct ipc_ctl_req, arg),
};

#define CS(m) U64(struct ipc_ctl_status, m)
static const struct field f_ctl_status[] = {
	CS(uptime),
	U32(struct ipc_ctl_status, pid),
	U32(struct ipc_ctl_status, sessions_active),
	U32(struct ipc_ctl_status, sessions_inactive),
	U32(struct ipc_ctl_status, sessions_new),
	CS(logins_ok),
	CS(logins_failed),
	CS(bytes_in),
	CS(bytes_out),
	CS(reconnects_in),
	CS(reconnects_ok),
	CS(reconnects_failed),
	U32(struct ipc_ctl_status, reconnect_capable_active),
	U32(struct ipc_ctl_status, reconnect_capable_inactive),
	U32(struct ipc_ctl_status, bans),
	CS(dtls_dropped),
	STR(struct ipc_ctl_status, profile),
	STR(struct ipc_ctl_status, profile_hash),
};

#define SS(m) STR(struct ipc_ctl_session, m)
static const struct field f_ctl_session[] = {
	U32(struct ipc_ctl_session, id),
	U32(struct ipc_ctl_session, state),
	SS(user),
	SS(group),
	SS(addr4),
	SS(addr6),
	SS(real_addr),
	SS(device),
	SS(hostname),
	SS(user_agent),
	SS(transport),
	SS(cipher),
	U64(struct ipc_ctl_session, since),
	U64(struct ipc_ctl_session, inactive_for),
	U64(struct ipc_ctl_session, bytes_in),
	U64(struct ipc_ctl_session, bytes_out),
	U32(struct ipc_ctl_session, reconnects),
	U32(struct ipc_ctl_session, last_reason),
};

static const struct field f_ctl_ban[] = {
	STR(struct ipc_ctl_ban, addr),
	U32(struct ipc_ctl_ban, score),
	U64(struct ipc_ctl_ban, remaining),
};

static const struct field f_ctl_done[] = {
	U32(struct ipc_ctl_done, status),
	STR(struct ipc_ctl_done, message),
};

static const struct field f_helper_auth_req[] = {
	STR(struct ipc_helper_auth_req, passwd_file),
	STR(struct ipc_helper_auth_req, username),
	SECRET(struct ipc_helper_auth_req, password),
	U32(struct ipc_helper_auth_req, method),
	STR(struct ipc_helper_auth_req, config),
	STR(struct ipc_helper_auth_req, nas_identifier),
	STR(struct ipc_helper_auth_req, acct_session_id),
	STR(struct ipc_helper_auth_req, calling_station),
	STR(struct ipc_helper_auth_req, state),
	U32(struct ipc_helper_auth_req, groupconfig),
};

#define HR(m) STR(struct ipc_helper_auth_rep, m)
#define HU(m) U32(struct ipc_helper_auth_rep, m)
static const struct field f_helper_auth_rep[] = {
	HU(status),
	HR(message),
	STRARR(struct ipc_helper_auth_rep, groups, n_groups, IPC_GROUPS_MAX),
	HR(state),
	HU(rad_flags),
	HR(rad_addr4),
	HR(rad_netmask4),
	HR(rad_addr6),
	STRARR(struct ipc_helper_auth_rep, rad_routes, n_rad_routes, IPC_LIST_MAX),
	STRARR(struct ipc_helper_auth_rep, rad_dns, n_rad_dns, IPC_RAD_DNS_MAX),
	STRARR(struct ipc_helper_auth_rep, rad_nbns, n_rad_nbns, IPC_RAD_DNS_MAX),
	HU(rad_session_timeout),
	HU(rad_idle_timeout),
	HU(rad_interim),
	STRARR(struct ipc_helper_auth_rep, rad_class, n_rad_class, IPC_RAD_CLASS_MAX),
};

#define AQ(m)  STR(struct ipc_helper_acct_req, m)
#define AQU(m) U32(struct ipc_helper_acct_req, m)
#define AQL(m) U64(struct ipc_helper_acct_req, m)
static const struct field f_helper_acct_req[] = {
	AQ(config),
	AQ(nas_identifier),
	AQU(status_type),
	AQ(acct_session_id),
	AQ(username),
	AQ(calling_station),
	AQ(framed_ip),
	AQU(session_time),
	AQL(bytes_in),
	AQL(bytes_out),
	AQL(packets_in),
	AQL(packets_out),
	AQU(terminate_cause),
	STRARR(struct ipc_helper_acct_req, class_hex, n_class, IPC_RAD_CLASS_MAX),
};

static const struct field f_helper_acct_rep[] = {
	U32(struct ipc_helper_acct_rep, ok),
};

struct msgdef {
	uint16_t type;
	size_t size;
	const struct field *fields;
	size_t n_fields;
};

#define MSG(t, T, f)                                                                               \
	{                                                                                          \
		t, sizeof(T), f, sizeof(f) / sizeof(f[0])                                          \
	}

static const struct msgdef msgs[] = {
	MSG(IPC_WORKER_INIT, struct ipc_worker_init, f_worker_init),
	MSG(IPC_ZYGOTE_INIT, struct ipc_worker_init, f_worker_init),
	MSG(IPC_SPAWN_REQ, struct ipc_spawn_req, f_spawn_req),
	MSG(IPC_SPAWN_REP, struct ipc_spawn_rep, f_spawn_rep),
	MSG(IPC_AUTH_REQ, struct ipc_auth_req, f_auth_req),
	MSG(IPC_AUTH_REP, struct ipc_auth_rep, f_auth_rep),
	MSG(IPC_LOGOUT_REQ, struct ipc_logout_req, f_logout_req),
	MSG(IPC_LOGOUT_REP, struct ipc_logout_rep, f_logout_rep),
	MSG(IPC_WORKER_BYE, struct ipc_worker_bye, f_worker_bye),
	MSG(IPC_WORKER_STATS, struct ipc_worker_stats, f_worker_stats),
	MSG(IPC_TERMINATE, struct ipc_terminate, f_terminate),
	MSG(IPC_TUNNEL_REQ, struct ipc_tunnel_req, f_tunnel_req),
	MSG(IPC_TUNNEL_REP, struct ipc_tunnel_rep, f_tunnel_rep),
	MSG(IPC_UDP_FD, struct ipc_udp_fd, f_udp_fd),
	MSG(IPC_DTLS_STATE, struct ipc_dtls_state, f_dtls_state),
	MSG(IPC_FILE_REQ, struct ipc_file_req, f_file_req),
	MSG(IPC_FILE_REP, struct ipc_file_rep, f_file_rep),
	MSG(IPC_CTL_REQ, struct ipc_ctl_req, f_ctl_req),
	MSG(IPC_CTL_STATUS, struct ipc_ctl_status, f_ctl_status),
	MSG(IPC_CTL_SESSION, struct ipc_ctl_session, f_ctl_session),
	MSG(IPC_CTL_BAN, struct ipc_ctl_ban, f_ctl_ban),
	MSG(IPC_CTL_DONE, struct ipc_ctl_done, f_ctl_done),
	MSG(IPC_HELPER_AUTH_REQ, struct ipc_helper_auth_req, f_helper_auth_req),
	MSG(IPC_HELPER_AUTH_REP, struct ipc_helper_auth_rep, f_helper_auth_rep),
	MSG(IPC_HELPER_ACCT_REQ, struct ipc_helper_acct_req, f_helper_acct_req),
	MSG(IPC_HELPER_ACCT_REP, struct ipc_helper_acct_rep, f_helper_acct_rep),
};

static const struct msgdef *find_def(uint16_t type)
{
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (msgs[i].type == type)
			return &msgs[i];
	return NULL;
}

size_t ipc_msg_size(uint16_t type)
{
	const struct msgdef *d = find_def(type);

	return d ? d->size : 0;
}

static bool str_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		/* Banners and messages may hold line breaks; nothing else below 0x20. */
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static int put_str(struct buf_wr *wr, const char *s, size_t size)
{
	size_t n = strnlen(s, size);
	int r;

	if (n == size || !str_ok(s, n))
		return ERR_FORMAT;
	if ((r = buf_put_u16(wr, (uint16_t)n)) != 0)
		return r;
	return buf_put_bytes(wr, s, n);
}

static int get_str(struct buf_rd *rd, char *dst, size_t size)
{
	uint16_t n;
	int r;

	if ((r = buf_get_u16(rd, &n)) != 0)
		return r;
	if ((r = buf_get_str(rd, n, dst, size)) != 0)
		return r == ERR_TOO_LARGE ? ERR_TOO_LARGE : r;
	return str_ok(dst, n) ? 0 : ERR_FORMAT;
}

static uint32_t *count_of(const void *msg, const struct field *f)
{
	return (uint32_t *)((uintptr_t)msg + f->count_off);
}

static int enc_field(struct buf_wr *wr, const struct field *f, const void *msg)
{
	const uint8_t *p = (const uint8_t *)msg + f->off;
	uint32_t u32;
	uint64_t u64;
	int r;

	switch (f->kind) {
	case F_U32:
		memcpy(&u32, p, sizeof(u32));
		return buf_put_u32(wr, u32);
	case F_U64:
		memcpy(&u64, p, sizeof(u64));
		return buf_put_u64(wr, u64);
	case F_STR:
	case F_SECRET:
		return put_str(wr, (const char *)p, f->size);
	case F_BYTES:
		return buf_put_bytes(wr, p, f->size);
	case F_STRARR:
		u32 = *count_of(msg, f);
		if (u32 > f->max_count)
			return ERR_RANGE;
		if ((r = buf_put_u16(wr, (uint16_t)u32)) != 0)
			return r;
		for (uint32_t i = 0; i < u32; i++)
			if ((r = put_str(wr, (const char *)p + i * f->size, f->size)) != 0)
				return r;
		return 0;
	}
	return ERR_INTERNAL;
}

static int dec_field(struct buf_rd *rd, const struct field *f, void *msg, bool shared)
{
	uint8_t *p = (uint8_t *)msg + f->off;
	uint32_t u32;
	uint64_t u64;
	uint16_t n;
	int r;

	switch (f->kind) {
	case F_U32:
		if ((r = buf_get_u32(rd, &u32)) != 0)
			return r;
		memcpy(p, &u32, sizeof(u32));
		return 0;
	case F_U64:
		if ((r = buf_get_u64(rd, &u64)) != 0)
			return r;
		memcpy(p, &u64, sizeof(u64));
		return 0;
	case F_STR:
	case F_SECRET:
		return get_str(rd, (char *)p, f->size);
	case F_BYTES:
		return buf_get_bytes(rd, f->size, p);
	case F_STRARR:
		if ((r = buf_get_u16(rd, &n)) != 0)
			return r;
		if (n > f->max_count)
			return ERR_RANGE;
		/* Two arrays may share one count: they must agree. */
		if (shared && *count_of(msg, f) != n)
			return ERR_FORMAT;
		*count_of(msg, f) = n;
		for (uint16_t i = 0; i < n; i++)
			if ((r = get_str(rd, (char *)p + i * f->size, f->size)) != 0)
				return r;
		return 0;
	}
	return ERR_INTERNAL;
}

int ipc_encode(uint16_t type, uint32_t id, const void *msg, uint8_t *out, size_t out_size,
	       size_t *out_len)
{
	const struct msgdef *d = find_def(type);
	struct buf_wr wr;
	int r = ERR_INTERNAL;

	*out_len = 0;
	if (!d)
		return ERR_RANGE;
	buf_wr_init(&wr, out, out_size);
	if ((r = buf_put_u8(&wr, IPC_VERSION)) != 0 || (r = buf_put_u8(&wr, 0)) != 0 ||
	    (r = buf_put_u16(&wr, type)) != 0 || (r = buf_put_u32(&wr, 0)) != 0 ||
	    (r = buf_put_u32(&wr, id)) != 0)
		goto out;
	for (size_t i = 0; i < d->n_fields; i++)
		if ((r = enc_field(&wr, &d->fields[i], msg)) != 0)
			goto out;
	/* Patch the payload length now that it is known. */
	{
		uint32_t plen = (uint32_t)(wr.len - IPC_HDR_LEN);
		struct buf_wr lenwr;

		buf_wr_init(&lenwr, out + 4, 4);
		if ((r = buf_put_u32(&lenwr, plen)) != 0)
			goto out;
	}
	*out_len = wr.len;
	r = 0;
out:
	if (r != 0)
		secmem_wipe(out, out_size < wr.len ? out_size : wr.len);
	return r;
}

static int dec_header(struct buf_rd *rd, size_t total, struct ipc_hdr *hdr)
{
	int r;

	if ((r = buf_get_u8(rd, &hdr->version)) != 0 || (r = buf_get_u8(rd, &hdr->flags)) != 0 ||
	    (r = buf_get_u16(rd, &hdr->type)) != 0 || (r = buf_get_u32(rd, &hdr->len)) != 0 ||
	    (r = buf_get_u32(rd, &hdr->id)) != 0)
		return r;
	if (hdr->version != IPC_VERSION || hdr->flags != 0)
		return ERR_FORMAT;
	if (hdr->len != total - IPC_HDR_LEN)
		return ERR_FORMAT;
	return 0;
}

/* True when an earlier array of the message uses the same count as field i. */
static bool count_seen(const struct msgdef *d, size_t i)
{
	if (d->fields[i].kind != F_STRARR)
		return false;
	for (size_t j = 0; j < i; j++)
		if (d->fields[j].kind == F_STRARR &&
		    d->fields[j].count_off == d->fields[i].count_off)
			return true;
	return false;
}

int ipc_decode(const uint8_t *dgram, size_t len, struct ipc_hdr *hdr, void *msg, size_t msg_size)
{
	const struct msgdef *d;
	struct buf_rd rd;
	int r = ERR_INTERNAL;

	memset(hdr, 0, sizeof(*hdr));
	memset(msg, 0, msg_size);
	if (len > IPC_MSG_MAX)
		return ERR_TOO_LARGE;
	buf_rd_init(&rd, dgram, len);
	if ((r = dec_header(&rd, len, hdr)) != 0)
		goto out;
	d = find_def(hdr->type);
	if (!d) {
		r = ERR_RANGE;
		goto out;
	}
	if (d->size != msg_size) {
		r = ERR_INTERNAL;
		goto out;
	}
	for (size_t i = 0; i < d->n_fields; i++)
		if ((r = dec_field(&rd, &d->fields[i], msg, count_seen(d, i))) != 0)
			goto out;
	r = buf_remaining(&rd) == 0 ? 0 : ERR_FORMAT;
out:
	if (r != 0)
		secmem_wipe(msg, msg_size);
	return r;
}

uint16_t ipc_peek_type(const uint8_t *dgram, size_t len)
{
	struct buf_rd rd;
	uint16_t type;

	buf_rd_init(&rd, dgram, len);
	if (buf_skip(&rd, 2) != 0 || buf_get_u16(&rd, &type) != 0)
		return 0;
	return type;
}

void ipc_wipe(uint16_t type, void *msg)
{
	const struct msgdef *d = find_def(type);

	if (!d)
		return;
	for (size_t i = 0; i < d->n_fields; i++)
		if (d->fields[i].kind == F_SECRET ||
		    ((type == IPC_WORKER_INIT || type == IPC_ZYGOTE_INIT) &&
		     d->fields[i].kind == F_BYTES))
			secmem_wipe((uint8_t *)msg + d->fields[i].off, d->fields[i].size);
}

int ipc_send(int sock, uint16_t type, uint32_t id, const void *msg, const int *fds, size_t nfds)
{
	static uint8_t out[IPC_MSG_MAX];
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * IPC_MAX_FDS)];
	} ctrl;
	struct iovec iov;
	struct msghdr mh;
	size_t len;
	ssize_t n;
	int r;

	if (nfds > IPC_MAX_FDS)
		return ERR_RANGE;
	if ((r = ipc_encode(type, id, msg, out, sizeof(out), &len)) != 0)
		return r;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = out;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds) {
		struct cmsghdr *cm;

		memset(&ctrl, 0, sizeof(ctrl));
		mh.msg_control = ctrl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	secmem_wipe(out, len);
	if (n < 0)
		return ERR_SYS;
	return (size_t)n == len ? 0 : ERR_SYS;
}

int ipc_recv(int sock, uint8_t *buf, size_t cap, size_t *len, int *fds, size_t *nfds)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} ctrl;
	struct iovec iov = { buf, cap };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t n;

	*len = 0;
	*nfds = 0;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctrl.buf;
	mh.msg_controllen = sizeof(ctrl.buf);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ERR_SYS;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (fds && *nfds < IPC_MAX_FDS)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		for (size_t i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		return ERR_TOO_LARGE;
	}
	if (n == 0)
		return ERR_PEER_CLOSED;
	*len = (size_t)n;
	return 0;
}
