/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CONNECT request headers, the link/tunnel MTU choice and the CONNECT reply headers.
 * Process: any. */
#include "cstpconnect.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cstpframe.h"
#include "err.h"
#include "secmem.h"
#include "strutil.h"

#define MTU_LINK_DEFAULT 1500
#define MTU_UDP_HDR	 8
#define MTU_DTLS_TYPE	 1  /* the one-byte type in front of each DTLS payload (§4.4) */
#define MTU_GCM_OVERHEAD 37 /* DTLS 1.2 record: header 13 + nonce 8 + tag 16 (§3.6) */
#define MTU_OVERHEAD_MAX 255
/* Old clients send only X-CSTP-MTU: add IPv4+UDP (28) and the worst DTLS overhead (AES-CBC
 * SHA1, 65) plus the type byte, as ocserv does (§3.6 step 2). */
#define MTU_LEGACY_ADD (28 + 66)

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(uint8_t c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
/* True when one sep-separated item of list, blanks trimmed, equals name (any case). */
static bool list_has(const char *list, uint8_t sep, const char *name)
{
	struct buf_rd rd, item;
	long at;

	buf_rd_init(&rd, list, strlen(list));
	while (buf_remaining(&rd)) {
		at = buf_find(&rd, sep);
		buf_sub(&rd, at < 0 ? buf_remaining(&rd) : (size_t)at, &item);
		if (at >= 0)
			buf_skip(&rd, 1);
		buf_trim(&item, false);
		if (buf_equals(&item, name, true))
			return true;
	}
	return false;
}

bool cstp_cipher_list_has(const char *list, const char *name)
{
	return list && list_has(list, ':', name);
}

/* The whole of rd as a decimal number of 1..max_digits digits (no sign, no blanks). */
static int get_decimal(struct buf_rd *rd, size_t max_digits, long *v)
{
	uint8_t c;
	long n = 0;

	*v = 0;
	if (buf_remaining(rd) == 0 || buf_remaining(rd) > max_digits)
		return ERR_FORMAT;
	while (buf_get_u8(rd, &c) == 0) {
		if (!is_digit(c))
			return ERR_FORMAT;
		n = n * 10 + (c - '0');
	}
	*v = n;
	return 0;
}

static int parse_mtu(const struct http_req *r, const char *name, int *out)
{
	const char *v = http_req_xhdr(r, name, 0);
	struct buf_rd rd;
	long n;

	*out = 0;
	if (!v)
		return 0;
	buf_rd_init(&rd, v, strlen(v));
	if (get_decimal(&rd, 5, &n) != 0 || n < CSTP_MTU_MIN || n > CSTP_MTU_MAX)
		return ERR_FORMAT;
	*out = (int)n;
	return 0;
}

static void take_cookie(const struct http_req *r, struct cstp_connect_req *out)
{
	struct buf_rd rd;
	uint8_t c;

	if (!r->has_webvpn)
		return;
	buf_rd_init(&rd, r->webvpn, strnlen(r->webvpn, sizeof(r->webvpn)));
	if (buf_remaining(&rd) != IPC_COOKIE_STR)
		return;
	while (buf_get_u8(&rd, &c) == 0) {
		if (!is_hex(c))
			return;
	}
	memcpy(out->cookie, r->webvpn, IPC_COOKIE_STR);
	out->cookie[IPC_COOKIE_STR] = '\0';
	out->has_cookie = true;
}

/* IPv6 value of X-CSTP-Address: the address, optionally followed by "/len". */
static int parse_addr6(struct buf_rd *rd, struct in6_addr *a)
{
	char tmp[INET6_ADDRSTRLEN];
	struct buf_rd pfx;
	long slash = buf_find(rd, '/'), len;

	if (buf_get_str(rd, slash < 0 ? buf_remaining(rd) : (size_t)slash, tmp, sizeof(tmp)) != 0)
		return ERR_FORMAT;
	if (slash >= 0) {
		buf_skip(rd, 1);
		buf_sub(rd, buf_remaining(rd), &pfx);
		if (get_decimal(&pfx, 3, &len) != 0 || len > 128)
			return ERR_FORMAT;
	}
	return inet_pton(AF_INET6, tmp, a) == 1 ? 0 : ERR_FORMAT;
}

static int parse_one_addr(const char *v, struct cstp_connect_req *out)
{
	char tmp[INET_ADDRSTRLEN];
	struct buf_rd rd;
	int r;

	buf_rd_init(&rd, v, strlen(v));
	if (buf_find(&rd, ':') >= 0) {
		if (out->has_addr6)
			return ERR_FORMAT;
		if ((r = parse_addr6(&rd, &out->addr6)) != 0)
			return r;
		out->has_addr6 = true;
		return 0;
	}
	if (buf_find(&rd, '.') < 0 || out->has_addr4)
		return ERR_FORMAT;
	if (buf_get_str(&rd, buf_remaining(&rd), tmp, sizeof(tmp)) != 0 ||
	    inet_pton(AF_INET, tmp, &out->addr4) != 1)
		return ERR_FORMAT;
	out->has_addr4 = true;
	return 0;
}

/* openconnect repeats X-CSTP-Address once per family when reconnecting (§7.1). */
static int parse_addresses(const struct http_req *r, struct cstp_connect_req *out)
{
	const char *v;
	int ret;

	for (unsigned i = 0; (v = http_req_xhdr(r, "X-CSTP-Address", i)) != NULL; i++) {
		if (i >= 2)
			return ERR_FORMAT;
		if ((ret = parse_one_addr(v, out)) != 0)
			return ret;
	}
	return 0;
}

/* The host name is only echoed and logged, so an odd one is dropped, not refused. */
static void take_hostname(const struct http_req *r, struct cstp_connect_req *out)
{
	const char *v = http_req_xhdr(r, "X-CSTP-Hostname", 0);
	struct buf_rd rd, chk;
	uint8_t c;

	if (!v)
		return;
	buf_rd_init(&rd, v, strlen(v));
	if (buf_remaining(&rd) == 0 || buf_remaining(&rd) > CSTP_HOSTNAME_MAX)
		return;
	chk = rd;
	while (buf_get_u8(&chk, &c) == 0) {
		if (!is_digit(c) && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    c != '-' && c != '.' && c != '_')
			return;
	}
	buf_get_str(&rd, buf_remaining(&rd), out->hostname, sizeof(out->hostname));
}

static bool header_is(const struct http_req *r, const char *name, const char *value)
{
	const char *v = http_req_xhdr(r, name, 0);

	return v && strcasecmp(v, value) == 0;
}

static void take_flags(const struct http_req *r, struct cstp_connect_req *out)
{
	const char *v = http_req_xhdr(r, "X-CSTP-Address-Type", 0);

	out->want_v4 = !v || list_has(v, ',', "IPv4");
	out->want_v6 = !v || list_has(v, ',', "IPv6");
	out->full_ipv6 = header_is(r, "X-CSTP-Full-IPv6-Capability", "true");
	out->mobile = header_is(r, "X-CSTP-License", "mobile") ||
		      header_is(r, "X-AnyConnect-Identifier-Platform", "android") ||
		      header_is(r, "X-AnyConnect-Identifier-Platform", "apple-ios");
}

static void take_master_secret(const struct http_req *r, struct cstp_connect_req *out)
{
	const char *v = http_req_xhdr(r, "X-DTLS-Master-Secret", 0);

	if (!v)
		return;
	if (hex_decode(out->master_secret, sizeof(out->master_secret), v, strlen(v)) == 0) {
		out->has_master_secret = true;
		return;
	}
	secmem_wipe(out->master_secret, sizeof(out->master_secret));
}

static int take_ciphers(const struct http_req *r, struct cstp_connect_req *out)
{
	const char *v;
	int ret;

	if ((v = http_req_xhdr(r, "X-DTLS-CipherSuite", 0)) != NULL &&
	    (ret = str_copy(out->dtls_ciphers, sizeof(out->dtls_ciphers), v)) != 0)
		return ret;
	if ((v = http_req_xhdr(r, "X-DTLS12-CipherSuite", 0)) != NULL &&
	    (ret = str_copy(out->dtls12_ciphers, sizeof(out->dtls12_ciphers), v)) != 0)
		return ret;
	/* A whole token only: a substring search would also match e.g. "XPSK-NEGOTIATE". */
	out->dtls_psk_offered = list_has(out->dtls_ciphers, ':', "PSK-NEGOTIATE") ||
				list_has(out->dtls12_ciphers, ':', "PSK-NEGOTIATE");
	return 0;
}

int cstp_connect_parse(const struct http_req *r, struct cstp_connect_req *out)
{
	int ret = ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	take_cookie(r, out);
	if ((ret = parse_mtu(r, "X-CSTP-Base-MTU", &out->base_mtu)) != 0)
		goto out;
	if ((ret = parse_mtu(r, "X-CSTP-MTU", &out->mtu)) != 0)
		goto out;
	if ((ret = parse_addresses(r, out)) != 0)
		goto out;
	take_hostname(r, out);
	take_flags(r, out);
	take_master_secret(r, out);
	if ((ret = take_ciphers(r, out)) != 0)
		goto out;
	ret = 0;
out:
	if (ret != 0)
		secmem_wipe(out, sizeof(*out));
	return ret;
}

static long min_l(long a, long b)
{
	return a < b ? a : b;
}

void cstp_mtu_compute(const struct cstp_mtu_in *in, struct cstp_mtu_out *out)
{
	long ovh = in->dtls_overhead > 0 ? min_l(in->dtls_overhead, MTU_OVERHEAD_MAX)
					 : MTU_GCM_OVERHEAD;
	long fixed = (in->ipv6_path ? 40 : 20) + MTU_UDP_HDR + ovh + MTU_DTLS_TYPE;
	long l = in->conf_mtu > 0 ? in->conf_mtu : MTU_LINK_DEFAULT;

	if (in->client_base_mtu > 0)
		l = min_l(l, in->client_base_mtu);
	else if (in->client_mtu > 0)
		l = min_l(l, (long)in->client_mtu + MTU_LEGACY_ADD);
	if (in->tcp_pmtu > 0)
		l = min_l(l, in->tcp_pmtu);
	/* Below 576 an IPv4 host may refuse to reassemble (RFC 791); above CSTP_MAX_PAYLOAD our
	 * own CSTP parser would refuse the client's packets. L follows, so that what we
	 * announce stays consistent: with a tiny path this means fragmentation. */
	if (l - fixed < CSTP_TUNNEL_MTU_MIN)
		l = CSTP_TUNNEL_MTU_MIN + fixed;
	if (l - fixed > CSTP_MAX_PAYLOAD)
		l = CSTP_MAX_PAYLOAD + fixed;
	out->base_mtu = (int)l;
	out->tunnel_mtu = (int)(l - fixed);
}

/* Reply writing. Every value is checked: a CR or LF would let a config value (or anything
 * that reached it) inject headers into the client's parser. */

static int check_value(const char *v, bool banner)
{
	struct buf_rd rd;
	uint8_t c;

	buf_rd_init(&rd, v, strlen(v));
	while (buf_get_u8(&rd, &c) == 0) {
		if (banner && (c == '\r' || c == '\n' || c == '\t'))
			continue;
		if (c < 0x20 || c == 0x7f)
			return ERR_FORMAT;
	}
	return 0;
}

static int put_value(struct buf_wr *w, const char *name, const char *v, bool banner)
{
	struct buf_rd rd;
	uint8_t c;
	int r;

	if (!v || !*v)
		return 0;
	if ((r = check_value(v, banner)) != 0)
		return r;
	if ((r = buf_put_str(w, name)) != 0 || (r = buf_put_str(w, ": ")) != 0)
		return r;
	buf_rd_init(&rd, v, strlen(v));
	while (buf_get_u8(&rd, &c) == 0) {
		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if ((r = buf_put_u8(w, c)) != 0)
			return r;
	}
	return buf_put_str(w, "\r\n");
}

static int put_str(struct buf_wr *w, const char *name, const char *v)
{
	return put_value(w, name, v, false);
}

static int put_int(struct buf_wr *w, const char *name, int v)
{
	return buf_printf(w, "%s: %d\r\n", name, v);
}

static int put_pos(struct buf_wr *w, const char *name, int v)
{
	return v > 0 ? put_int(w, name, v) : 0;
}

/* Timers where 0 (or less) means "no limit". */
static int put_timer(struct buf_wr *w, const char *name, int v)
{
	return v > 0 ? put_int(w, name, v) : put_str(w, name, "none");
}

static int put_bool(struct buf_wr *w, const char *name, bool v)
{
	return put_str(w, name, v ? "true" : "false");
}

/* One header per entry; entries containing ':' take name6 when it is given. */
static int put_list(struct buf_wr *w, const char *name, const char *name6, const char *const *list,
		    size_t n)
{
	int r;

	if (n > CSTP_REPLY_LIST_MAX)
		return ERR_TOO_LARGE;
	for (size_t i = 0; i < n; i++) {
		const char *h = name6 && list[i] && strchr(list[i], ':') ? name6 : name;

		if ((r = put_str(w, h, list[i])) != 0)
			return r;
	}
	return 0;
}

static int put_addresses(const struct cstp_reply *p, struct buf_wr *w)
{
	char v6[128];
	int r, n;

	if ((r = put_str(w, "X-CSTP-Address", p->addr4)) != 0 ||
	    (r = put_str(w, "X-CSTP-Netmask", p->addr4 ? p->netmask4 : NULL)) != 0)
		return r;
	if (!p->addr6 || !*p->addr6)
		return 0;
	if (p->prefix6 < 1 || p->prefix6 > 128)
		return ERR_FORMAT;
	n = snprintf(v6, sizeof(v6), "%s/%u", p->addr6, p->prefix6);
	if (n < 0 || (size_t)n >= sizeof(v6))
		return ERR_FORMAT;
	/* openconnect takes an X-CSTP-Address value with ':' as the IPv6 address (§3.4). */
	if (p->full_ipv6)
		return put_str(w, "X-CSTP-Address-IP6", v6);
	if ((r = put_str(w, "X-CSTP-Address", p->addr6)) != 0)
		return r;
	return put_str(w, "X-CSTP-Netmask", v6);
}

static int put_dns_routes(const struct cstp_reply *p, struct buf_wr *w)
{
	/* ocserv's split: Cisco clients want IPv6 servers under their own name (§3.4). */
	const char *dns6 = p->cisco ? "X-CSTP-DNS-IP6" : NULL;
	const char *include6 = p->full_ipv6 ? "X-CSTP-Split-Include-IP6" : NULL;
	const char *exclude6 = p->full_ipv6 ? "X-CSTP-Split-Exclude-IP6" : NULL;
	int r;

	if ((r = put_list(w, "X-CSTP-DNS", dns6, p->dns, p->n_dns)) != 0 ||
	    (r = put_list(w, "X-CSTP-NBNS", NULL, p->nbns, p->n_nbns)) != 0 ||
	    (r = put_str(w, "X-CSTP-Default-Domain", p->default_domain)) != 0 ||
	    (r = put_list(w, "X-CSTP-Split-DNS", NULL, p->split_dns, p->n_split_dns)) != 0 ||
	    (r = put_bool(w, "X-CSTP-Tunnel-All-DNS", p->tunnel_all_dns)) != 0)
		return r;
	if ((r = put_list(w, "X-CSTP-Split-Include", include6, p->split_include,
			  p->n_split_include)) != 0)
		return r;
	return put_list(w, "X-CSTP-Split-Exclude", exclude6, p->split_exclude, p->n_split_exclude);
}

/* Remaining session time: -1 = "none", 0 = left out. It must keep counting down across
 * reconnects (§7.3), so the caller computes it from the session start. */
static int put_remaining(struct buf_wr *w, int v)
{
	return v != 0 ? put_timer(w, "X-CSTP-Session-Timeout-Remaining", v) : 0;
}

static int put_timers(const struct cstp_reply *p, struct buf_wr *w)
{
	const char *alert = "X-CSTP-Session-Timeout-Alert-Interval";
	int r;

	if ((r = put_pos(w, "X-CSTP-Keepalive", p->keepalive)) != 0 ||
	    (r = put_pos(w, "X-CSTP-DPD", p->dpd)) != 0 ||
	    (r = put_timer(w, "X-CSTP-Idle-Timeout", p->idle_timeout)) != 0 ||
	    (r = put_timer(w, "X-CSTP-Session-Timeout", p->session_timeout)) != 0 ||
	    (r = put_pos(w, alert, p->session_timeout_alert)) != 0 ||
	    (r = put_remaining(w, p->session_timeout_remaining)) != 0 ||
	    (r = put_timer(w, "X-CSTP-Disconnected-Timeout", p->disconnected_timeout)) != 0 ||
	    (r = put_str(w, "X-CSTP-Rekey-Method", p->rekey_method)) != 0 ||
	    (r = put_pos(w, "X-CSTP-Rekey-Time", p->rekey_time)) != 0)
		return r;
	return put_pos(w, "X-CSTP-Lease-Duration", p->lease_duration);
}

static int put_policy(const struct cstp_reply *p, struct buf_wr *w)
{
	int r;

	/* TCP-Keepalive: ocserv says true, the ASA false (§3.4); each family gets its own. */
	if ((r = put_str(w, "X-CSTP-Keep", "true")) != 0 ||
	    (r = put_bool(w, "X-CSTP-TCP-Keepalive", !p->cisco)) != 0 ||
	    (r = put_str(w, "X-CSTP-License", "accept")) != 0 ||
	    (r = put_bool(w, "X-CSTP-Client-Bypass-Protocol", p->client_bypass_protocol)) != 0 ||
	    (r = put_value(w, "X-CSTP-Banner", p->banner, true)) != 0)
		return r;
	if (!p->cisco)
		return 0;
	/* The ASA policy flags, with the values ASA emulators send (§3.7). */
	if ((r = put_bool(w, "X-CSTP-MSIE-Proxy-Lockdown", false)) != 0 ||
	    (r = put_bool(w, "X-CSTP-Smartcard-Removal-Disconnect", true)) != 0 ||
	    (r = put_bool(w, "X-CSTP-Routing-Filtering-Ignore", false)) != 0 ||
	    (r = put_bool(w, "X-CSTP-Quarantine", false)) != 0)
		return r;
	return put_bool(w, "X-CSTP-Disable-Always-On-VPN", false);
}

static int put_dtls(const struct cstp_reply *p, struct buf_wr *w)
{
	int r;

	/* Without X-DTLS-Port both clients stay on CSTP (§5.1 case 1). */
	if (p->dtls_port <= 0)
		return 0;
	if ((r = put_int(w, "X-DTLS-Port", p->dtls_port)) != 0 ||
	    (r = put_pos(w, "X-DTLS-DPD", p->dtls_dpd)) != 0 ||
	    (r = put_pos(w, "X-DTLS-Keepalive", p->dtls_keepalive)) != 0 ||
	    (r = put_str(w, "X-DTLS-Session-ID", p->dtls_session_id)) != 0 ||
	    (r = put_str(w, "X-DTLS-App-ID", p->dtls_app_id)) != 0 ||
	    (r = put_str(w, "X-DTLS-CipherSuite", p->dtls_cipher)) != 0 ||
	    (r = put_str(w, "X-DTLS12-CipherSuite", p->dtls12_cipher)) != 0 ||
	    (r = put_pos(w, "X-DTLS-MTU", p->dtls_mtu)) != 0 ||
	    (r = put_pos(w, "X-DTLS-Rekey-Time", p->dtls_rekey_time)) != 0)
		return r;
	return put_str(w, "X-DTLS-Rekey-Method", p->dtls_rekey_method);
}

int cstp_reply_build(const struct cstp_reply *p, struct buf_wr *out)
{
	size_t start = out->len;
	int r = ERR_INTERNAL;

	if ((r = buf_put_str(out, "HTTP/1.1 200 CONNECTED\r\n")) != 0 ||
	    (r = put_str(out, "X-CSTP-Version", "1")) != 0)
		goto out;
	if (p->cisco &&
	    (r = put_str(out, "X-CSTP-Protocol", "Copyright (c) 2004 Cisco Systems, Inc.")) != 0)
		goto out;
	if ((r = put_str(out, "X-CSTP-Server-Name", p->server_name)) != 0 ||
	    (r = put_str(out, "X-CSTP-Hostname", p->hostname)) != 0)
		goto out;
	if ((r = put_addresses(p, out)) != 0 || (r = put_dns_routes(p, out)) != 0 ||
	    (r = put_timers(p, out)) != 0 || (r = put_policy(p, out)) != 0 ||
	    (r = put_dtls(p, out)) != 0)
		goto out;
	/* MTU last, as ocserv and the ASA do; openconnect needs X-CSTP-MTU or X-DTLS-MTU. */
	if ((r = put_pos(out, "X-CSTP-Base-MTU", p->base_mtu)) != 0 ||
	    (r = put_pos(out, "X-CSTP-MTU", p->mtu)) != 0 || (r = buf_put_str(out, "\r\n")) != 0)
		goto out;
	r = 0;
out:
	/* Never leave half a reply behind for a caller that might send it anyway. */
	if (r != 0)
		out->len = start;
	return r;
}
