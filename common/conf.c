/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration parser: ocserv syntax and option names, driven by a table of keys for
 * the main file and one for per-user/per-group files. Process: any (main feeds it lines; it
 * does no I/O). */
#include "conf.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "certid.h"
#include "err.h"
#include "log.h"
#include "strutil.h"

/* Longest line we look at; anything longer cannot fit any field anyway. */
#define CONF_LINE_MAX 4096
#define KEY_MAX	      63
/* Largest value any option can hold (a banner); longer values are ERR_TOO_LARGE. */
#define VAL_MAX CONF_TEXT_MAX
/* Upper bound for every time value: ten years in seconds still fits an int. */
#define SECS_MAX  315360000LL
#define COUNT_MAX 1000000LL

enum opt_type {
	T_NONE = 0, /* recognised, no value kept (not implemented, per-user only) */
	T_INT,
	T_UINT,
	T_BOOL,
	T_NBOOL, /* bool stored inverted (always-require-cert) */
	T_NAME,	 /* user or group name: str_is_name() */
	T_HOST,	 /* host name or address to bind */
	T_PATH,
	T_TEXT,	   /* free text; may be empty */
	T_DOMAINS, /* space-separated DNS domains */
	T_DEVICE,
	T_DNSNAME, /* list of DNS domains (split-dns) */
	T_ADDR,	   /* list of addresses (dns, nbns) */
	T_ROUTE,   /* list of networks (route, no-route) */
	T_GROUP,   /* select-group list */
	T_AUTH,	   /* auth / enable-auth list */
	T_ACCT,
	T_REKEY,
	T_SPAWN, /* worker-spawn: zygote | exec */
	T_IPV4NET,
	T_IPV4MASK,
	T_IPV6NET,
	T_IBOOL,    /* per-user bool: int, -1 until set */
	T_HOSTNAME, /* one host name */
	T_EXPL4,    /* one IPv4 address (explicit-ipv4) */
	T_EXPL6,    /* one IPv6 address (explicit-ipv6) */
};

enum opt_flag {
	F_NOTIMPL = 1 << 0, /* an ocserv option cstpd does not implement yet: warn, ignore */
	F_PERUSER = 1 << 1, /* only valid in per-user/per-group files */
	F_NODEF = 1 << 2,   /* alias of another key: its default is applied there */
	F_ZERO = 1 << 3,    /* integer: 0 is accepted besides min..max */
	F_V4 = 1 << 4,	    /* address list: IPv4 only */
	F_V6 = 1 << 5,	    /* address list: IPv6 only */
	F_HAS = 1 << 6,	    /* set the bool at .has once a value is stored */
	F_NODFLT = 1 << 7,  /* network list: "default" is refused (iroute) */
};

struct opt {
	const char *name;
	enum opt_type type;
	unsigned flags;
	size_t off;	     /* target: offsetof(struct conf or struct conf_user, ...) */
	size_t has;	     /* F_HAS: offsetof the bool that records "given" */
	size_t size;	     /* string capacity, or size of one list element */
	size_t cnt;	     /* lists: offsetof the element count */
	size_t cap;	     /* lists: capacity */
	long long min, max;  /* integers */
	long long def;	     /* integers and bools */
	const char *sdef;    /* strings */
	const char *newname; /* set on old names: the name ocserv uses now */
};

#define FIELD(f) (((struct conf *)0)->f)
/* Compile-time check that a field has the C type its table type writes. */
#define IS_TYPE(f, T)                                                                              \
	(0 * sizeof(char[__builtin_types_compatible_p(__typeof__(FIELD(f)), T) ? 1 : -1]))
#define AT(f, T) .off = offsetof(struct conf, f) + IS_TYPE(f, T)

#define O_INT(n, f, lo, hi, d)                                                                     \
	{                                                                                          \
		.name = n, .type = T_INT, AT(f, int), .min = lo, .max = hi, .def = d               \
	}
#define O_INTF(n, f, lo, hi, d, fl)                                                                \
	{                                                                                          \
		.name = n, .type = T_INT, .flags = fl, AT(f, int), .min = lo, .max = hi, .def = d  \
	}
#define O_UINT(n, f, lo, hi, d, fl)                                                                \
	{                                                                                          \
		.name = n, .type = T_UINT, .flags = fl, AT(f, unsigned), .min = lo, .max = hi,     \
		.def = d                                                                           \
	}
#define O_BOOL(n, f, d)                                                                            \
	{                                                                                          \
		.name = n, .type = T_BOOL, AT(f, bool), .def = d                                   \
	}
#define O_STR(n, t, f, d)                                                                          \
	{                                                                                          \
		.name = n, .type = t, AT(f, char[sizeof(FIELD(f))]), .size = sizeof(FIELD(f)),     \
		.sdef = d                                                                          \
	}
#define O_LIST(n, t, f, c, fl)                                                                     \
	{                                                                                          \
		.name = n, .type = t, .flags = fl, .off = offsetof(struct conf, f),                \
		.size = sizeof(FIELD(f)[0]), .cnt = offsetof(struct conf, c) + IS_TYPE(c, size_t), \
		.cap = sizeof(FIELD(f)) / sizeof(FIELD(f)[0])                                      \
	}
#define O_OLD(n, t, f, T, now)                                                                     \
	{                                                                                          \
		.name = n, .type = t, .flags = F_NODEF, AT(f, T), .min = 0, .max = SECS_MAX,       \
		.newname = now                                                                     \
	}
#define O_NOTIMPL(n)                                                                               \
	{                                                                                          \
		.name = n, .type = T_NONE, .flags = F_NOTIMPL                                      \
	}
#define O_PERUSER(n)                                                                               \
	{                                                                                          \
		.name = n, .type = T_NONE, .flags = F_PERUSER                                      \
	}

/* Every key cstpd reads, in the order of ocserv's sample.config. */
static const struct opt opts[] = {
	O_LIST("auth", T_AUTH, auth, n_auth, 0),
	O_LIST("enable-auth", T_AUTH, enable_auth, n_enable_auth, 0),
	{ .name = "acct", .type = T_ACCT, AT(acct, struct conf_auth) },
	O_STR("listen-host", T_HOST, listen_host, NULL),
	O_STR("udp-listen-host", T_HOST, udp_listen_host, NULL),
	O_NOTIMPL("listen-host-is-dyndns"),
	O_NOTIMPL("listen-netns"),
	O_INT("tcp-port", tcp_port, 0, 65535, 443),
	O_INT("udp-port", udp_port, 0, 65535, 0),
	O_STR("run-as-user", T_NAME, run_as_user, "nobody"),
	O_STR("run-as-group", T_NAME, run_as_group, "nogroup"),
	O_STR("occtl-socket-file", T_PATH, occtl_socket_file, "/var/run/cstpd.socket"),
	O_STR("socket-file", T_PATH, socket_file, NULL),
	O_STR("chroot-dir", T_PATH, chroot_dir, NULL),
	O_STR("server-cert", T_PATH, server_cert, NULL),
	O_STR("server-key", T_PATH, server_key, NULL),
	O_NOTIMPL("dh-params"),
	O_NOTIMPL("pin-file"),
	O_NOTIMPL("srk-pin-file"),
	O_NOTIMPL("key-pin"),
	O_NOTIMPL("srk-pin"),
	O_STR("ca-cert", T_PATH, ca_cert, NULL),
	O_NOTIMPL("sec-mod-scale"),
	O_NOTIMPL("isolate-workers"),
	O_STR("banner", T_TEXT, banner, NULL),
	O_STR("pre-login-banner", T_TEXT, pre_login_banner, NULL),
	O_INT("max-clients", max_clients, 0, COUNT_MAX, 1024),
	O_INT("max-same-clients", max_same_clients, 0, COUNT_MAX, 2),
	O_INT("max-preauth-clients", max_preauth_clients, 1, 100000, 256),
	O_NOTIMPL("listen-proxy-proto"),
	O_NOTIMPL("rate-limit-ms"),
	O_INT("stats-report-time", stats_report_time, 0, SECS_MAX, 360),
	O_NOTIMPL("server-stats-reset-time"),
	O_INT("keepalive", keepalive, 0, SECS_MAX, 32400),
	O_INT("dpd", dpd, 0, SECS_MAX, 90),
	O_INT("mobile-dpd", mobile_dpd, 0, SECS_MAX, 1800),
	O_INT("switch-to-tcp-timeout", switch_to_tcp_timeout, 0, SECS_MAX, 25),
	O_BOOL("try-mtu-discovery", try_mtu_discovery, false),
	O_NOTIMPL("server-drain-ms"),
	O_NOTIMPL("ocsp-response"),
	O_STR("cert-user-oid", T_TEXT, cert_user_oid, NULL),
	O_STR("cert-group-oid", T_TEXT, cert_group_oid, NULL),
	O_STR("crl", T_PATH, crl, NULL),
	O_NOTIMPL("compression"),
	O_NOTIMPL("no-compress-limit"),
	O_STR("tls-priorities", T_TEXT, tls_priorities, NULL),
	O_BOOL("match-tls-dtls-ciphers", match_tls_dtls_ciphers, false),
	O_INT("auth-timeout", auth_timeout, 1, SECS_MAX, 240),
	O_INT("handshake-timeout", handshake_timeout, 1, 300, 10),
	O_INT("idle-timeout", idle_timeout, 0, SECS_MAX, 0),
	O_INT("session-timeout", session_timeout, 0, SECS_MAX, 0),
	O_INT("mobile-idle-timeout", mobile_idle_timeout, 0, SECS_MAX, 0),
	O_INT("max-ban-score", max_ban_score, 0, COUNT_MAX, 80),
	O_INT("ban-time", ban_time, 0, SECS_MAX, 300),
	O_INT("ban-reset-time", ban_reset_time, 0, SECS_MAX, 1200),
	O_INT("ban-points-wrong-password", ban_points_wrong_password, 0, COUNT_MAX, 10),
	O_INT("ban-points-connection", ban_points_connection, 0, COUNT_MAX, 1),
	O_INT("ban-points-kkdcp", ban_points_kkdcp, 0, COUNT_MAX, 1),
	O_INT("cookie-timeout", cookie_timeout, 0, SECS_MAX, 300),
	O_BOOL("persistent-cookies", persistent_cookies, false),
	O_BOOL("deny-roaming", deny_roaming, false),
	O_INT("rekey-time", rekey_time, 0, SECS_MAX, 172800),
	{ .name = "rekey-method", .type = T_REKEY, AT(rekey_method, enum conf_rekey_method) },
	/* cstpd extension */
	{ .name = "worker-spawn", .type = T_SPAWN, AT(worker_spawn, enum conf_worker_spawn) },
	O_BOOL("tun-offload", tun_offload, true), /* cstpd extension */
	O_STR("connect-script", T_PATH, connect_script, NULL),
	O_STR("disconnect-script", T_PATH, disconnect_script, NULL),
	O_NOTIMPL("host-update-script"),
	O_NOTIMPL("use-utmp"),
	O_BOOL("use-occtl", use_occtl, true),
	O_STR("pid-file", T_PATH, pid_file, "/var/run/cstpd.pid"),
	O_INT("log-level", log_level, 0, 9, 1),
	O_NOTIMPL("net-priority"),
	O_NOTIMPL("cgroup"),
	O_STR("device", T_DEVICE, device, "vpns"),
	O_BOOL("predictable-ips", predictable_ips, true),
	O_STR("default-domain", T_DOMAINS, default_domain, NULL),
	{ .name = "ipv4-network", .type = T_IPV4NET },
	{ .name = "ipv4-netmask", .type = T_IPV4MASK },
	{ .name = "ipv6-network", .type = T_IPV6NET },
	O_UINT("ipv6-subnet-prefix", ipv6_subnet_prefix, 64, 128, 128, 0),
	O_BOOL("tunnel-all-dns", tunnel_all_dns, false),
	O_LIST("dns", T_ADDR, dns, n_dns, 0),
	O_LIST("nbns", T_ADDR, nbns, n_nbns, 0),
	O_LIST("split-dns", T_DNSNAME, split_dns, n_split_dns, 0),
	O_BOOL("ping-leases", ping_leases, false),
	O_INTF("mtu", mtu, 576, 65535, 0, F_ZERO),
	O_NOTIMPL("rx-data-per-sec"),
	O_NOTIMPL("tx-data-per-sec"),
	O_NOTIMPL("output-buffer"),
	O_LIST("route", T_ROUTE, route, n_route, 0),
	O_LIST("no-route", T_ROUTE, no_route, n_no_route, 0),
	O_NOTIMPL("restrict-user-to-routes"),
	O_NOTIMPL("restrict-user-to-ports"),
	O_NOTIMPL("expose-iroutes"),
	{ .name = "select-group", .type = T_GROUP },
	O_NOTIMPL("select-group-by-url"),
	O_STR("default-select-group", T_TEXT, default_select_group, NULL),
	O_BOOL("auto-select-group", auto_select_group, false),
	O_STR("config-per-user", T_PATH, config_per_user, NULL),
	O_STR("config-per-group", T_PATH, config_per_group, NULL),
	O_STR("default-user-config", T_PATH, default_user_config, NULL),
	O_STR("default-group-config", T_PATH, default_group_config, NULL),
	O_NOTIMPL("route-add-cmd"),
	O_NOTIMPL("route-del-cmd"),
	O_NOTIMPL("proxy-url"),
	O_NOTIMPL("kkdcp"),
	O_STR("user-profile", T_PATH, user_profile, NULL),
	O_STR("client-packages", T_PATH, client_packages, NULL), /* cstpd extension */
	O_BOOL("cisco-client-compat", cisco_client_compat, true),
	O_BOOL("dtls-psk", dtls_psk, true),
	O_BOOL("dtls-legacy", dtls_legacy, true),
	O_NOTIMPL("cisco-svc-client-compat"),
	O_BOOL("client-bypass-protocol", client_bypass_protocol, false),
	O_NOTIMPL("camouflage"),
	O_NOTIMPL("camouflage_secret"),
	O_NOTIMPL("camouflage_realm"),
	O_NOTIMPL("custom-header"),
	O_NOTIMPL("included-http-headers"),

	/* read by ocserv's parser although sample.config does not list them */
	O_LIST("ipv4-dns", T_ADDR, dns, n_dns, F_V4),
	O_LIST("ipv6-dns", T_ADDR, dns, n_dns, F_V6),
	O_LIST("ipv4-nbns", T_ADDR, nbns, n_nbns, F_V4),
	O_LIST("ipv6-nbns", T_ADDR, nbns, n_nbns, F_V6),
	O_UINT("ipv6-prefix", ipv6_prefix, 1, 128, 0, F_NODEF),
	O_NOTIMPL("append-routes"),
	O_NOTIMPL("compression-algo-priority"),
	O_NOTIMPL("debug-no-secmod-stats"),
	O_OLD("min-reauth-time", T_INT, ban_time, int, "ban-time"),
	O_OLD("always-require-cert", T_NBOOL, cisco_client_compat, bool, "cisco-client-compat"),
	O_OLD("use-dbus", T_BOOL, use_occtl, bool, "use-occtl"),
	O_NOTIMPL("use-seccomp"),
	O_NOTIMPL("session-control"),
	O_NOTIMPL("listen-clear-file"),

	/* only meaningful for one user or group */
	O_PERUSER("explicit-ipv4"),
	O_PERUSER("explicit-ipv6"),
	O_PERUSER("iroute"),
	O_PERUSER("hostname"),
	O_PERUSER("no-udp"),
	O_PERUSER("tunnel_all_dns"),
};

/* The same checks against struct conf_user. */
#define UFIELD(f) (((struct conf_user *)0)->f)
#define U_IS_TYPE(f, T)                                                                            \
	(0 * sizeof(char[__builtin_types_compatible_p(__typeof__(UFIELD(f)), T) ? 1 : -1]))
#define U_AT(f, T) .off = offsetof(struct conf_user, f) + U_IS_TYPE(f, T)
#define U_HAS(h)   .flags = F_HAS, .has = offsetof(struct conf_user, h) + U_IS_TYPE(h, bool)

#define U_INT(n, f, lo, hi, fl)                                                                    \
	{                                                                                          \
		.name = n, .type = T_INT, .flags = fl, U_AT(f, int), .min = lo, .max = hi          \
	}
#define U_IBOOL(n, f)                                                                              \
	{                                                                                          \
		.name = n, .type = T_IBOOL, U_AT(f, int)                                           \
	}
#define U_STR(n, t, f)                                                                             \
	{                                                                                          \
		.name = n, .type = t, U_AT(f, char[sizeof(UFIELD(f))]), .size = sizeof(UFIELD(f))  \
	}
#define U_LIST(n, t, f, c, fl)                                                                     \
	{                                                                                          \
		.name = n, .type = t, .flags = fl, .off = offsetof(struct conf_user, f),           \
		.size = sizeof(UFIELD(f)[0]),                                                      \
		.cnt = offsetof(struct conf_user, c) + U_IS_TYPE(c, size_t),                       \
		.cap = sizeof(UFIELD(f)) / sizeof(UFIELD(f)[0])                                    \
	}
#define U_HLIST(n, t, f, c, fl, h)                                                                 \
	{                                                                                          \
		.name = n, .type = t, .flags = F_HAS | (fl), .off = offsetof(struct conf_user, f), \
		.has = offsetof(struct conf_user, h) + U_IS_TYPE(h, bool),                         \
		.size = sizeof(UFIELD(f)[0]),                                                      \
		.cnt = offsetof(struct conf_user, c) + U_IS_TYPE(c, size_t),                       \
		.cap = sizeof(UFIELD(f)) / sizeof(UFIELD(f)[0])                                    \
	}

/* Every key of a per-user or per-group file (ocserv's src/sup-config/file.c), with the
 * limits of the global table. */
static const struct opt user_opts[] = {
	{ .name = "explicit-ipv4",
	  .type = T_EXPL4,
	  U_AT(explicit_ipv4, struct in_addr),
	  U_HAS(has_explicit_ipv4) },
	{ .name = "explicit-ipv6",
	  .type = T_EXPL6,
	  U_AT(explicit_ipv6, struct in6_addr),
	  U_HAS(has_explicit_ipv6) },
	U_LIST("iroute", T_ROUTE, iroute, n_iroute, F_NODFLT),
	U_STR("hostname", T_HOSTNAME, hostname),
	U_IBOOL("no-udp", no_udp),
	/* ocserv reads only the underscore spelling here; the global name means the same. */
	U_IBOOL("tunnel_all_dns", tunnel_all_dns),
	U_IBOOL("tunnel-all-dns", tunnel_all_dns),
	U_IBOOL("deny-roaming", deny_roaming),
	U_IBOOL("client-bypass-protocol", client_bypass_protocol),
	U_HLIST("dns", T_ADDR, dns, n_dns, 0, has_dns),
	U_HLIST("ipv4-dns", T_ADDR, dns, n_dns, F_V4, has_dns),
	U_HLIST("ipv6-dns", T_ADDR, dns, n_dns, F_V6, has_dns),
	U_HLIST("nbns", T_ADDR, nbns, n_nbns, 0, has_nbns),
	U_HLIST("ipv4-nbns", T_ADDR, nbns, n_nbns, F_V4, has_nbns),
	U_HLIST("ipv6-nbns", T_ADDR, nbns, n_nbns, F_V6, has_nbns),
	U_HLIST("split-dns", T_DNSNAME, split_dns, n_split_dns, 0, has_split_dns),
	U_HLIST("route", T_ROUTE, route, n_route, 0, has_route),
	U_HLIST("no-route", T_ROUTE, no_route, n_no_route, 0, has_no_route),
	{ .name = "ipv4-network", .type = T_IPV4NET },
	{ .name = "ipv4-netmask", .type = T_IPV4MASK },
	{ .name = "ipv6-network", .type = T_IPV6NET },
	{ .name = "ipv6-prefix",
	  .type = T_UINT,
	  U_AT(ipv6_prefix, unsigned),
	  .min = 1,
	  .max = 128 },
	U_INT("ipv6-subnet-prefix", ipv6_subnet_prefix, 64, 128, 0),
	U_INT("keepalive", keepalive, 0, SECS_MAX, 0),
	U_INT("dpd", dpd, 0, SECS_MAX, 0),
	U_INT("mobile-dpd", mobile_dpd, 0, SECS_MAX, 0),
	U_INT("idle-timeout", idle_timeout, 0, SECS_MAX, 0),
	U_INT("mobile-idle-timeout", mobile_idle_timeout, 0, SECS_MAX, 0),
	U_INT("session-timeout", session_timeout, 0, SECS_MAX, 0),
	U_INT("max-same-clients", max_same_clients, 0, COUNT_MAX, 0),
	U_INT("mtu", mtu, 576, 65535, F_ZERO),
	U_INT("stats-report-time", stats_report_time, 0, SECS_MAX, 0),
	U_STR("user-profile", T_PATH, user_profile),
	{ .name = "default-domain",
	  .type = T_DOMAINS,
	  U_AT(default_domain, char[sizeof(UFIELD(default_domain))]),
	  .size = sizeof(UFIELD(default_domain)),
	  U_HAS(has_default_domain) },
	O_NOTIMPL("rx-data-per-sec"),
	O_NOTIMPL("tx-data-per-sec"),
	O_NOTIMPL("net-priority"),
	O_NOTIMPL("cgroup"),
	O_NOTIMPL("restrict-user-to-routes"),
	O_NOTIMPL("restrict-user-to-ports"),
};

static const char ALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* ---- messages ---- */

static const char *where_file(const struct conf_ctx *ctx)
{
	return ctx->file ? ctx->file : "(config)";
}

static void vformat(const struct conf_ctx *ctx, unsigned line, char *dst, size_t size,
		    const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void vformat(const struct conf_ctx *ctx, unsigned line, char *dst, size_t size,
		    const char *fmt, va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line)
		snprintf(dst, size, "%s:%u: %s", where_file(ctx), line, msg);
	else
		snprintf(dst, size, "%s: %s", where_file(ctx), msg);
}

/* Record an error "FILE:LINE: message" (no line when line is 0) and return code. */
static int fail(struct conf_ctx *ctx, unsigned line, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct conf_ctx *ctx, unsigned line, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(ctx, line, ctx->err, sizeof(ctx->err), fmt, ap);
	va_end(ap);
	return code;
}

static void warn(struct conf_ctx *ctx, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn(struct conf_ctx *ctx, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!ctx->warn)
		return;
	va_start(ap, fmt);
	vformat(ctx, line, msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->warn(ctx->warn_arg, msg);
}

/* A value quoted safely for a message; short, so one bad line cannot flood the log. */
static const char *esc(char dst[static 80], const char *s)
{
	return log_escape(dst, 80, s, strlen(s));
}

/* ---- tokenising, all through buf_rd ---- */

/* Split rd at the first c: head gets what precedes it, rd moves past it. Without a c, head
 * gets everything and false is returned. */
static bool rd_split(struct buf_rd *rd, uint8_t c, struct buf_rd *head)
{
	long at = buf_find(rd, c);

	if (at < 0) {
		(void)buf_sub(rd, buf_remaining(rd), head);
		return false;
	}
	(void)buf_sub(rd, (size_t)at, head);
	(void)buf_skip(rd, 1);
	return true;
}

/* Drop the last byte of rd when it is c. */
static bool rd_chop(struct buf_rd *rd, uint8_t c)
{
	struct buf_rd t;
	size_t n = buf_remaining(rd);
	uint8_t last;

	if (!n || buf_peek_at(rd, n - 1, &last) != 0 || last != c)
		return false;
	(void)buf_sub(rd, n - 1, &t);
	*rd = t;
	return true;
}

/* The whole of rd, trimmed, as a string. */
static int rd_str(struct buf_rd *rd, char *dst, size_t size)
{
	buf_trim(rd, true);
	return buf_get_str(rd, buf_remaining(rd), dst, size);
}

static bool rd_has_ctl(const struct buf_rd *rd)
{
	uint8_t c;

	for (size_t i = 0; buf_peek_at(rd, i, &c) == 0; i++)
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	return false;
}

/* True when s holds only letters, digits and bytes of extra. */
static bool only_chars(const char *s, const char *extra)
{
	char set[sizeof(ALNUM) + 16];

	if (str_copy(set, sizeof(set), ALNUM) != 0 ||
	    str_copy(set + strlen(ALNUM), sizeof(set) - strlen(ALNUM), extra) != 0)
		return false;
	return strspn(s, set) == strlen(s);
}

static void *field(void *base, size_t off)
{
	return (char *)base + off;
}

/* ---- networks ---- */

static void mask4(unsigned prefix, uint8_t out[4])
{
	uint32_t m = prefix ? 0xffffffffu << (32 - prefix) : 0;

	m = htonl(m);
	memcpy(out, &m, 4);
}

/* Dotted netmask to a prefix length; ERR_FORMAT unless the ones are contiguous. */
static int dotted_mask(const char *s, unsigned *prefix)
{
	struct in_addr a;
	uint32_t m, inv;

	*prefix = 0;
	if (inet_pton(AF_INET, s, &a) != 1)
		return ERR_FORMAT;
	m = ntohl(a.s_addr);
	inv = ~m;
	if (inv & (inv + 1))
		return ERR_FORMAT;
	*prefix = (unsigned)__builtin_popcount(m);
	return 0;
}

/* A prefix length after the '/': a number, or (IPv4) a dotted mask. */
static int parse_len(const char *s, int family, unsigned *prefix)
{
	long long v;
	int r;

	*prefix = 0;
	if (family == AF_INET && strchr(s, '.'))
		return dotted_mask(s, prefix);
	r = str_to_ll(s, 0, family == AF_INET ? 32 : 128, &v);
	if (r == 0)
		*prefix = (unsigned)v;
	return r;
}

static int parse_net(const char *s, struct conf_net *out, bool *has_len)
{
	char addr[INET6_ADDRSTRLEN + 1], len[INET6_ADDRSTRLEN + 1];
	struct buf_rd rd, ard;
	bool slash;

	memset(out, 0, sizeof(*out));
	*has_len = false;
	if (strcasecmp(s, "default") == 0) {
		out->family = AF_INET;
		out->is_default = true;
		*has_len = true;
		return 0;
	}
	buf_rd_init(&rd, s, strlen(s));
	slash = rd_split(&rd, '/', &ard);
	if (buf_get_str(&ard, buf_remaining(&ard), addr, sizeof(addr)) != 0)
		return ERR_FORMAT;
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		out->prefix = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		out->prefix = 128;
	} else {
		return ERR_FORMAT;
	}
	if (!slash)
		return 0;
	*has_len = true;
	if (buf_get_str(&rd, buf_remaining(&rd), len, sizeof(len)) != 0)
		return ERR_FORMAT;
	return parse_len(len, out->family, &out->prefix);
}

int conf_parse_net(const char *s, struct conf_net *out)
{
	bool has_len;
	int r = parse_net(s, out, &has_len);

	if (r != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

bool conf_net_mask(struct conf_net *n)
{
	size_t bytes = n->family == AF_INET6 ? 16 : 4;
	bool changed = false;

	for (size_t i = 0; i < bytes; i++) {
		unsigned lo = (unsigned)i * 8;
		uint8_t keep = n->prefix >= lo + 8 ? 0xff
			       : n->prefix <= lo   ? 0
						   : (uint8_t)(0xff << (8 - (n->prefix - lo)));

		if (n->addr[i] & (uint8_t)~keep)
			changed = true;
		n->addr[i] &= keep;
	}
	return changed;
}

void conf_net_format(const struct conf_net *n, char *dst, size_t dst_size)
{
	char a[INET6_ADDRSTRLEN], m[INET_ADDRSTRLEN];
	uint8_t mb[4];
	int w;

	if (!dst_size)
		return;
	dst[0] = '\0';
	if (n->is_default) {
		w = snprintf(dst, dst_size, "default");
	} else if (n->family == AF_INET) {
		mask4(n->prefix, mb);
		if (!inet_ntop(AF_INET, n->addr, a, sizeof(a)) ||
		    !inet_ntop(AF_INET, mb, m, sizeof(m)))
			return;
		w = snprintf(dst, dst_size, "%s/%s", a, m);
	} else if (n->family == AF_INET6) {
		if (!inet_ntop(AF_INET6, n->addr, a, sizeof(a)))
			return;
		w = snprintf(dst, dst_size, "%s/%u", a, n->prefix);
	} else {
		return;
	}
	if (w < 0 || (size_t)w >= dst_size)
		dst[0] = '\0';
}

/* "addr/len" for messages. */
static void net_cidr(const struct conf_net *n, char dst[static 64])
{
	char a[INET6_ADDRSTRLEN] = "?";

	(void)inet_ntop(n->family, n->addr, a, sizeof(a));
	snprintf(dst, 64, "%s/%u", a, n->prefix);
}

/* ---- value handlers ---- */

struct line_ctx {
	struct conf *c;	     /* the global configuration, or NULL ... */
	struct conf_user *u; /* ... for a per-user/per-group file */
	void *base;	     /* c or u: what the table's offsets count from */
	struct conf_ctx *ctx;
	unsigned line;
	const struct opt *o;
};

static int set_int(const struct line_ctx *l, const char *v)
{
	const struct opt *o = l->o;
	long long lo = (o->flags & F_ZERO) ? 0 : o->min, x;
	char e[80];
	int r = str_to_ll(v, lo, o->max, &x);

	if (r == 0 && (o->flags & F_ZERO) && x != 0 && x < o->min)
		r = ERR_RANGE;
	if (r == ERR_FORMAT)
		return fail(l->ctx, l->line, r, "'%s' needs a whole number, not '%s'", o->name,
			    esc(e, v));
	if (r != 0)
		return fail(l->ctx, l->line, ERR_RANGE, "'%s' must be between %lld and %lld%s",
			    o->name, o->min, o->max, (o->flags & F_ZERO) ? ", or 0" : "");
	if (o->type == T_UINT)
		*(unsigned *)field(l->base, o->off) = (unsigned)x;
	else
		*(int *)field(l->base, o->off) = (int)x;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	*out = false;
	if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0)
		*out = true;
	else if (strcasecmp(v, "false") != 0 && strcasecmp(v, "no") != 0)
		return ERR_FORMAT;
	return 0;
}

static int set_bool(const struct line_ctx *l, const char *v)
{
	bool b;
	char e[80];

	if (parse_bool(v, &b) != 0)
		return fail(l->ctx, l->line, ERR_FORMAT,
			    "'%s' must be true, false, yes or no, not '%s'", l->o->name, esc(e, v));
	if (l->o->type == T_IBOOL)
		*(int *)field(l->base, l->o->off) = b;
	else
		*(bool *)field(l->base, l->o->off) = l->o->type == T_NBOOL ? !b : b;
	return 0;
}

static bool str_value_ok(enum opt_type t, const char *v, size_t size)
{
	switch (t) {
	case T_NAME:
		return str_is_name(v, size - 1);
	case T_HOST:
		return only_chars(v, ".-:_%");
	case T_DEVICE:
		return strlen(v) <= 10 && only_chars(v, "_-");
	case T_DOMAINS:
		return only_chars(v, ".-_ ");
	case T_HOSTNAME:
		return only_chars(v, ".-_");
	default:
		return true;
	}
}

static const char *str_value_rule(enum opt_type t)
{
	switch (t) {
	case T_NAME:
		return "a user or group name ([A-Za-z0-9._@+-])";
	case T_HOST:
		return "a host name or address";
	case T_DEVICE:
		return "at most 10 of [A-Za-z0-9_-]";
	case T_DOMAINS:
		return "DNS domains separated by spaces";
	case T_HOSTNAME:
		return "a host name ([A-Za-z0-9._-])";
	default:
		return "valid";
	}
}

static int set_str(const struct line_ctx *l, const char *v)
{
	char *dst = field(l->base, l->o->off);
	char e[80];

	if (strlen(v) >= l->o->size)
		return fail(l->ctx, l->line, ERR_TOO_LARGE, "'%s' is longer than %zu bytes",
			    l->o->name, l->o->size - 1);
	if (!str_value_ok(l->o->type, v, l->o->size))
		return fail(l->ctx, l->line, ERR_FORMAT, "'%s' must be %s, not '%s'", l->o->name,
			    str_value_rule(l->o->type), esc(e, v));
	return str_copy(dst, l->o->size, v);
}

/* Room for one more entry of a list option; ERR_TOO_LARGE when it is full. */
static void *list_slot(const struct line_ctx *l)
{
	size_t *n = field(l->base, l->o->cnt);

	if (*n >= l->o->cap)
		return NULL;
	return (char *)field(l->base, l->o->off) + *n * l->o->size;
}

static int list_full(const struct line_ctx *l)
{
	return fail(l->ctx, l->line, ERR_TOO_LARGE, "too many '%s' entries (at most %zu)",
		    l->o->name, l->o->cap);
}

static void list_commit(const struct line_ctx *l)
{
	size_t *n = field(l->base, l->o->cnt);

	(*n)++;
}

static int add_dnsname(const struct line_ctx *l, const char *v)
{
	char *slot = list_slot(l);
	char e[80];

	if (!slot)
		return list_full(l);
	if (strlen(v) >= l->o->size)
		return fail(l->ctx, l->line, ERR_TOO_LARGE, "'%s' is longer than %zu bytes",
			    l->o->name, l->o->size - 1);
	if (!only_chars(v, ".-_"))
		return fail(l->ctx, l->line, ERR_FORMAT, "'%s' must be a DNS domain, not '%s'",
			    l->o->name, esc(e, v));
	(void)str_copy(slot, l->o->size, v);
	list_commit(l);
	return 0;
}

static int add_addr(const struct line_ctx *l, const char *v)
{
	struct conf_net n, *slot = list_slot(l);
	bool has_len;
	char e[80];

	if (!slot)
		return list_full(l);
	if (parse_net(v, &n, &has_len) != 0 || has_len)
		return fail(l->ctx, l->line, ERR_FORMAT, "'%s' needs an IP address, not '%s'",
			    l->o->name, esc(e, v));
	if (((l->o->flags & F_V4) && n.family != AF_INET) ||
	    ((l->o->flags & F_V6) && n.family != AF_INET6))
		return fail(l->ctx, l->line, ERR_FORMAT, "'%s' needs an IPv%c address, not '%s'",
			    l->o->name, (l->o->flags & F_V4) ? '4' : '6', esc(e, v));
	*slot = n;
	list_commit(l);
	return 0;
}

static int add_route(const struct line_ctx *l, const char *v)
{
	struct conf_net n, *slot = list_slot(l);
	char e[80], fixed[64];
	int r;

	if (!slot)
		return list_full(l);
	r = conf_parse_net(v, &n);
	if (r == ERR_RANGE)
		return fail(l->ctx, l->line, r, "%s %s: prefix length out of range", l->o->name,
			    esc(e, v));
	if (r != 0)
		return fail(l->ctx, l->line, ERR_FORMAT,
			    "%s '%s' is not 'default', an address or a network", l->o->name,
			    esc(e, v));
	if (n.is_default && (l->o->flags & F_NODFLT))
		return fail(l->ctx, l->line, ERR_FORMAT, "%s must be a network, not 'default'",
			    l->o->name);
	/* ocserv silently masks; say so, since a typo in the address is the usual cause. */
	if (conf_net_mask(&n)) {
		net_cidr(&n, fixed);
		warn(l->ctx, l->line, "%s %s has host bits set; using %s", l->o->name, esc(e, v),
		     fixed);
	}
	*slot = n;
	list_commit(l);
	return 0;
}

static int add_group(const struct line_ctx *l, const char *v)
{
	struct conf_group g, *slot;
	struct buf_rd rd, nrd;
	char e[80];
	bool has_label;

	memset(&g, 0, sizeof(g));
	buf_rd_init(&rd, v, strlen(v));
	has_label = rd_split(&rd, '[', &nrd);
	if (has_label && !rd_chop(&rd, ']'))
		return fail(l->ctx, l->line, ERR_FORMAT,
			    "select-group must be NAME or NAME[LABEL], not '%s'", esc(e, v));
	if (rd_str(&nrd, g.name, sizeof(g.name)) != 0 || !str_is_name(g.name, CONF_NAME_MAX))
		return fail(l->ctx, l->line, ERR_FORMAT,
			    "select-group name must be 1 to %d of [A-Za-z0-9._@+-] in '%s'",
			    CONF_NAME_MAX, esc(e, v));
	if (has_label &&
	    (rd_str(&rd, g.label, sizeof(g.label)) != 0 || !g.label[0] || strpbrk(g.label, "[]")))
		return fail(l->ctx, l->line, ERR_FORMAT,
			    "select-group label must be 1 to %d bytes without brackets in '%s'",
			    CONF_LABEL_MAX, esc(e, v));
	if (!has_label)
		(void)str_copy(g.label, sizeof(g.label), g.name);
	for (size_t i = 0; i < l->c->n_select_group; i++)
		if (strcmp(l->c->select_group[i].name, g.name) == 0)
			return fail(l->ctx, l->line, ERR_FORMAT, "select-group '%s' given twice",
				    g.name);
	if (l->c->n_select_group >= CONF_LIST_MAX)
		return fail(l->ctx, l->line, ERR_TOO_LARGE,
			    "too many 'select-group' entries (at most %d)", CONF_LIST_MAX);
	slot = &l->c->select_group[l->c->n_select_group++];
	*slot = g;
	return 0;
}

/* ---- auth methods ---- */

/* Where a parameter of an auth method goes; NULL for a parameter the method lacks. An
 * empty key is ocserv's old form "plain[/etc/passwd]", which names the file. */
static char *auth_dst(struct conf_auth *a, const char *k, size_t *size)
{
	*size = 0;
	if (a->kind == CONF_AUTH_PLAIN && (!k[0] || !strcmp(k, "passwd"))) {
		*size = sizeof(a->passwd);
		return a->passwd;
	}
	if (a->kind == CONF_AUTH_PLAIN && !strcmp(k, "otp")) {
		*size = sizeof(a->otp);
		return a->otp;
	}
	if (a->kind == CONF_AUTH_RADIUS && (!k[0] || !strcmp(k, "config"))) {
		*size = sizeof(a->radius_config);
		return a->radius_config;
	}
	if (a->kind == CONF_AUTH_RADIUS && !strcmp(k, "nas-identifier")) {
		*size = sizeof(a->nas_identifier);
		return a->nas_identifier;
	}
	return NULL;
}

/* One "key=value" (or a bare file name) inside the brackets of an auth method. */
static int auth_param(const struct line_ctx *l, struct conf_auth *a, struct buf_rd *item)
{
	char k[32] = "", v[CONF_PATH_MAX + 1], e[80];
	struct buf_rd krd;
	char *dst;
	size_t size;

	if (buf_find(item, '=') >= 0 &&
	    (!rd_split(item, '=', &krd) || rd_str(&krd, k, sizeof(k)) != 0 || !k[0]))
		return fail(l->ctx, l->line, ERR_FORMAT, "bad parameter name in '%s'", l->o->name);
	if (rd_str(item, v, sizeof(v)) != 0)
		return fail(l->ctx, l->line, ERR_TOO_LARGE, "a parameter of '%s' is too long",
			    l->o->name);
	if (!v[0])
		return fail(l->ctx, l->line, ERR_FORMAT, "empty parameter in '%s'", l->o->name);
	if (a->kind == CONF_AUTH_RADIUS && !strcmp(k, "groupconfig")) {
		if (parse_bool(v, &a->groupconfig) != 0)
			return fail(l->ctx, l->line, ERR_FORMAT,
				    "groupconfig must be true or false, not '%s'", esc(e, v));
		return 0;
	}
	dst = auth_dst(a, k, &size);
	if (!dst)
		return fail(l->ctx, l->line, ERR_FORMAT, "unknown parameter '%s' in '%s'",
			    esc(e, k), l->o->name);
	if (str_copy(dst, size, v) != 0)
		return fail(l->ctx, l->line, ERR_TOO_LARGE, "'%s' in '%s' is longer than %zu bytes",
			    k[0] ? k : "the file name", l->o->name, size - 1);
	return 0;
}

static int auth_kind(const struct line_ctx *l, const char *m, enum conf_auth_kind *kind)
{
	char e[80];

	if (!strcmp(m, "plain"))
		*kind = CONF_AUTH_PLAIN;
	else if (!strcmp(m, "radius"))
		*kind = CONF_AUTH_RADIUS;
	else if (!strcmp(m, "certificate"))
		*kind = CONF_AUTH_CERTIFICATE;
	else if (!strcmp(m, "pam") || !strcmp(m, "gssapi") || !strcmp(m, "oidc"))
		return fail(l->ctx, l->line, ERR_FORMAT, "auth method '%s' is not supported", m);
	else
		return fail(l->ctx, l->line, ERR_FORMAT, "unknown auth method '%s'", esc(e, m));
	if (l->o->type == T_ACCT && *kind != CONF_AUTH_RADIUS)
		return fail(l->ctx, l->line, ERR_FORMAT, "acct supports only radius[config=FILE]");
	return 0;
}

static int parse_auth(const struct line_ctx *l, const char *v, struct conf_auth *a)
{
	struct buf_rd rd, mrd, item;
	char m[32], e[80];
	bool has_args, more = true;
	int r;

	memset(a, 0, sizeof(*a));
	buf_rd_init(&rd, v, strlen(v));
	has_args = rd_split(&rd, '[', &mrd);
	if (has_args && !rd_chop(&rd, ']'))
		return fail(l->ctx, l->line, ERR_FORMAT, "'%s' must be METHOD[PARAMS], not '%s'",
			    l->o->name, esc(e, v));
	if (rd_str(&mrd, m, sizeof(m)) != 0)
		return fail(l->ctx, l->line, ERR_FORMAT, "unknown auth method in '%s'", esc(e, v));
	if ((r = auth_kind(l, m, &a->kind)) != 0)
		return r;
	if (has_args && a->kind == CONF_AUTH_CERTIFICATE)
		return fail(l->ctx, l->line, ERR_FORMAT, "certificate takes no parameters");
	while (has_args && more) {
		more = rd_split(&rd, ',', &item);
		if ((r = auth_param(l, a, &item)) != 0)
			return r;
	}
	return 0;
}

static int add_auth(const struct line_ctx *l, const char *v)
{
	struct conf_auth a, *slot = list_slot(l);
	int r;

	if (!slot)
		return fail(l->ctx, l->line, ERR_TOO_LARGE, "too many '%s' lines (at most %zu)",
			    l->o->name, l->o->cap);
	if ((r = parse_auth(l, v, &a)) != 0)
		return r;
	*slot = a;
	list_commit(l);
	return 0;
}

static int set_acct(const struct line_ctx *l, const char *v)
{
	struct conf_auth a;
	int r;

	if ((r = parse_auth(l, v, &a)) != 0)
		return r;
	l->c->acct = a;
	return 0;
}

static int set_rekey(const struct line_ctx *l, const char *v)
{
	char e[80];

	if (!strcmp(v, "ssl"))
		l->c->rekey_method = CONF_REKEY_SSL;
	else if (!strcmp(v, "new-tunnel"))
		l->c->rekey_method = CONF_REKEY_NEW_TUNNEL;
	else
		return fail(l->ctx, l->line, ERR_FORMAT,
			    "rekey-method must be ssl or new-tunnel, not '%s'", esc(e, v));
	return 0;
}

static int set_spawn(const struct line_ctx *l, const char *v)
{
	char e[80];

	if (!strcmp(v, "zygote"))
		l->c->worker_spawn = CONF_SPAWN_ZYGOTE;
	else if (!strcmp(v, "exec"))
		l->c->worker_spawn = CONF_SPAWN_EXEC;
	else
		return fail(l->ctx, l->line, ERR_FORMAT,
			    "worker-spawn must be zygote or exec, not '%s'", esc(e, v));
	return 0;
}

/* ---- address pools ---- */

/* Where the pool keys of the file being parsed go: struct conf or struct conf_user. */
struct pool_ref {
	bool *has4, *has6;
	struct in_addr *net4, *mask4;
	unsigned *prefix4, *prefix6;
	struct in6_addr *net6;
};

static struct pool_ref pool_ref(const struct line_ctx *l)
{
	struct pool_ref p;

	if (l->c) {
		p = (struct pool_ref){ &l->c->has_ipv4,	    &l->c->has_ipv6,	&l->c->ipv4_network,
				       &l->c->ipv4_netmask, &l->c->ipv4_prefix, &l->c->ipv6_prefix,
				       &l->c->ipv6_network };
	} else {
		p = (struct pool_ref){ &l->u->has_ipv4_network, &l->u->has_ipv6_network,
				       &l->u->ipv4_network,	&l->u->ipv4_netmask,
				       &l->u->ipv4_prefix,	&l->u->ipv6_prefix,
				       &l->u->ipv6_network };
	}
	return p;
}

static int set_ipv4_net(const struct line_ctx *l, const char *v)
{
	struct pool_ref p = pool_ref(l);
	struct conf_net n;
	bool has_len;
	char e[80];
	int r;

	if ((r = parse_net(v, &n, &has_len)) == ERR_RANGE)
		return fail(l->ctx, l->line, r, "ipv4-network prefix length out of range");
	if (r != 0 || n.family != AF_INET || n.is_default)
		return fail(l->ctx, l->line, ERR_FORMAT,
			    "ipv4-network must be an IPv4 address or network, not '%s'", esc(e, v));
	if (has_len && (n.prefix < 1 || n.prefix > 30))
		return fail(l->ctx, l->line, ERR_RANGE,
			    "ipv4-network prefix must be /1 to /30 to leave room for clients");
	memcpy(p.net4, n.addr, 4);
	*p.has4 = true;
	if (has_len) {
		*p.prefix4 = n.prefix;
		mask4(n.prefix, (uint8_t *)p.mask4);
	}
	return 0;
}

static int set_ipv4_mask(const struct line_ctx *l, const char *v)
{
	struct pool_ref p = pool_ref(l);
	unsigned prefix;
	char e[80];
	int r;

	if (v[0] == '/')
		r = parse_len(v + 1, AF_INET, &prefix);
	else if (strchr(v, '.'))
		r = dotted_mask(v, &prefix);
	else
		r = parse_len(v, AF_INET, &prefix);
	if (r == ERR_FORMAT)
		return fail(l->ctx, l->line, ERR_FORMAT,
			    "ipv4-netmask must be a contiguous dotted mask or /LEN, not '%s'",
			    esc(e, v));
	if (r != 0 || prefix < 1 || prefix > 30)
		return fail(l->ctx, l->line, ERR_RANGE,
			    "ipv4-netmask must be /1 to /30 to leave room for clients");
	*p.prefix4 = prefix;
	mask4(prefix, (uint8_t *)p.mask4);
	return 0;
}

static int set_ipv6_net(const struct line_ctx *l, const char *v)
{
	struct pool_ref p = pool_ref(l);
	struct conf_net n;
	bool has_len;
	char e[80];
	int r;

	if ((r = parse_net(v, &n, &has_len)) == ERR_RANGE)
		return fail(l->ctx, l->line, r, "ipv6-network prefix length out of range");
	if (r != 0 || n.family != AF_INET6 || n.is_default)
		return fail(l->ctx, l->line, ERR_FORMAT,
			    "ipv6-network must be an IPv6 network such as fd00::/48, not '%s'",
			    esc(e, v));
	if (has_len && (n.prefix < 1 || n.prefix > 127))
		return fail(l->ctx, l->line, ERR_RANGE, "ipv6-network prefix must be /1 to /127");
	memcpy(p.net6, n.addr, 16);
	*p.has6 = true;
	if (has_len)
		*p.prefix6 = n.prefix;
	return 0;
}

/* explicit-ipv4 / explicit-ipv6: one address of the family, no prefix. */
static int set_explicit(const struct line_ctx *l, const char *v)
{
	int family = l->o->type == T_EXPL4 ? AF_INET : AF_INET6;
	struct conf_net n;
	bool has_len;
	char e[80];

	if (parse_net(v, &n, &has_len) != 0 || has_len || n.family != family)
		return fail(l->ctx, l->line, ERR_FORMAT, "'%s' needs an IPv%c address, not '%s'",
			    l->o->name, family == AF_INET ? '4' : '6', esc(e, v));
	memcpy(field(l->base, l->o->off), n.addr, family == AF_INET ? 4 : 16);
	return 0;
}

/* ---- lines ---- */

#define N_OPTS	    (sizeof(opts) / sizeof(opts[0]))
#define N_USER_OPTS (sizeof(user_opts) / sizeof(user_opts[0]))

static const struct opt *find_opt(const struct opt *table, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].name, key) == 0)
			return &table[i];
	return NULL;
}

/* Handlers that write only through the table's offsets, so serve both tables. */
static int apply_any(const struct line_ctx *l, const char *v)
{
	switch (l->o->type) {
	case T_INT:
	case T_UINT:
		return set_int(l, v);
	case T_BOOL:
	case T_NBOOL:
	case T_IBOOL:
		return set_bool(l, v);
	case T_NAME:
	case T_HOST:
	case T_PATH:
	case T_TEXT:
	case T_DOMAINS:
	case T_DEVICE:
	case T_HOSTNAME:
		return set_str(l, v);
	case T_DNSNAME:
		return add_dnsname(l, v);
	case T_ADDR:
		return add_addr(l, v);
	case T_ROUTE:
		return add_route(l, v);
	case T_IPV4NET:
		return set_ipv4_net(l, v);
	case T_IPV4MASK:
		return set_ipv4_mask(l, v);
	case T_IPV6NET:
		return set_ipv6_net(l, v);
	case T_EXPL4:
	case T_EXPL6:
		return set_explicit(l, v);
	default:
		break;
	}
	return fail(l->ctx, l->line, ERR_INTERNAL, "option '%s' has no handler", l->o->name);
}

static int apply(const struct line_ctx *l, const char *v)
{
	int r;

	if (l->c) {
		switch (l->o->type) {
		case T_GROUP:
			return add_group(l, v);
		case T_AUTH:
			return add_auth(l, v);
		case T_ACCT:
			return set_acct(l, v);
		case T_REKEY:
			return set_rekey(l, v);
		case T_SPAWN:
			return set_spawn(l, v);
		default:
			break;
		}
	}
	if ((r = apply_any(l, v)) == 0 && (l->o->flags & F_HAS))
		*(bool *)field(l->base, l->o->has) = true;
	return r;
}

/* "[vhost:NAME]" and any other section header. */
static int section_line(struct conf_ctx *ctx, unsigned line, struct buf_rd *rd)
{
	char head[8];

	if (buf_get_str(rd, 7, head, sizeof(head)) != 0 || strcmp(head, "[vhost:") != 0)
		return fail(ctx, line, ERR_FORMAT, "unexpected section line");
	return fail(ctx, line, ERR_FORMAT,
		    "virtual hosts ([vhost:NAME] sections) are not supported");
}

/* Split a line into its key and value; *skip for blank lines and comments. */
static int line_split(struct conf_ctx *ctx, unsigned lineno, const char *line, struct buf_rd *krd,
		      struct buf_rd *vrd, bool *skip)
{
	size_t n = strnlen(line, CONF_LINE_MAX + 1);
	uint8_t first;

	*skip = false;
	ctx->err[0] = '\0';
	if (n > CONF_LINE_MAX)
		return fail(ctx, lineno, ERR_TOO_LARGE, "line is longer than %d bytes",
			    CONF_LINE_MAX);
	buf_rd_init(vrd, line, n);
	buf_trim(vrd, true);
	if (buf_peek_u8(vrd, &first) != 0 || first == '#') {
		*skip = true;
		return 0;
	}
	if (rd_has_ctl(vrd))
		return fail(ctx, lineno, ERR_FORMAT, "control character in line");
	if (first == '[')
		return section_line(ctx, lineno, vrd);
	if (!rd_split(vrd, '=', krd))
		return fail(ctx, lineno, ERR_FORMAT, "expected 'option = value'");
	return 0;
}

/* The key, trimmed and checked, as a string. */
static int line_key(struct conf_ctx *ctx, unsigned line, struct buf_rd *krd,
		    char key[static KEY_MAX + 1])
{
	key[0] = '\0';
	buf_trim(krd, true);
	if (!buf_remaining(krd))
		return fail(ctx, line, ERR_FORMAT, "missing option name before '='");
	if (buf_get_str(krd, buf_remaining(krd), key, KEY_MAX + 1) != 0)
		return fail(ctx, line, ERR_FORMAT, "unknown option (name too long)");
	return 0;
}

/* The value: trimmed, one pair of surrounding double quotes removed. */
static int line_value(const struct line_ctx *l, struct buf_rd *rd, char *v, size_t size)
{
	uint8_t c;
	int r;

	buf_trim(rd, true);
	if (buf_peek_u8(rd, &c) == 0 && c == '"') {
		(void)buf_skip(rd, 1);
		if (!rd_chop(rd, '"'))
			return fail(l->ctx, l->line, ERR_FORMAT, "unterminated quote in '%s'",
				    l->o->name);
	}
	if (!buf_remaining(rd) && l->o->type != T_TEXT)
		return fail(l->ctx, l->line, ERR_FORMAT, "option '%s' needs a value", l->o->name);
	r = buf_get_str(rd, buf_remaining(rd), v, size);
	if (r == ERR_TOO_LARGE)
		return fail(l->ctx, l->line, r, "value of '%s' is longer than %zu bytes",
			    l->o->name, size - 1);
	if (r != 0)
		return fail(l->ctx, l->line, ERR_FORMAT, "bad value for '%s'", l->o->name);
	return 0;
}

/* What both parsers do once the option is known. */
static int line_apply(const struct line_ctx *l, struct buf_rd *vrd)
{
	char v[VAL_MAX + 1];
	int r;

	if (l->o->flags & F_NOTIMPL) {
		warn(l->ctx, l->line, "option '%s' is not implemented yet by cstpd; ignored",
		     l->o->name);
		return 0;
	}
	if (l->o->newname)
		warn(l->ctx, l->line, "option '%s' is an old name; ocserv now calls it '%s'",
		     l->o->name, l->o->newname);
	if ((r = line_value(l, vrd, v, sizeof(v))) != 0)
		return r;
	return apply(l, v);
}

int conf_parse_line(struct conf *c, struct conf_ctx *ctx, const char *line, unsigned lineno)
{
	struct line_ctx l = { .c = c, .base = c, .ctx = ctx, .line = lineno };
	struct buf_rd vrd, krd;
	char key[KEY_MAX + 1], e[80];
	bool skip;
	int r;

	if ((r = line_split(ctx, lineno, line, &krd, &vrd, &skip)) != 0 || skip)
		return r;
	if ((r = line_key(ctx, lineno, &krd, key)) != 0)
		return r;
	l.o = find_opt(opts, N_OPTS, key);
	if (!l.o)
		return fail(ctx, lineno, ERR_FORMAT, "unknown option '%s'", esc(e, key));
	if (l.o->flags & F_PERUSER)
		return fail(ctx, lineno, ERR_FORMAT,
			    "option '%s' is only valid in per-user/per-group files", key);
	return line_apply(&l, &vrd);
}

void conf_user_init(struct conf_user *u)
{
	memset(u, 0, sizeof(*u));
	for (size_t i = 0; i < N_USER_OPTS; i++)
		if (user_opts[i].type == T_INT || user_opts[i].type == T_IBOOL)
			*(int *)field(u, user_opts[i].off) = -1;
}

int conf_user_parse_line(struct conf_user *u, struct conf_ctx *ctx, const char *line,
			 unsigned lineno)
{
	struct line_ctx l = { .u = u, .base = u, .ctx = ctx, .line = lineno };
	struct buf_rd vrd, krd;
	char key[KEY_MAX + 1], e[80];
	bool skip;
	int r;

	if ((r = line_split(ctx, lineno, line, &krd, &vrd, &skip)) != 0 || skip)
		return r;
	if ((r = line_key(ctx, lineno, &krd, key)) != 0)
		return r;
	l.o = find_opt(user_opts, N_USER_OPTS, key);
	if (!l.o && find_opt(opts, N_OPTS, key))
		return fail(ctx, lineno, ERR_FORMAT,
			    "option '%s' is not allowed in per-user/per-group files", key);
	if (!l.o)
		return fail(ctx, lineno, ERR_FORMAT, "unknown option '%s'", esc(e, key));
	return line_apply(&l, &vrd);
}

void conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const struct opt *o = &opts[i];

		if (o->flags & F_NODEF)
			continue;
		if (o->type == T_INT)
			*(int *)field(c, o->off) = (int)o->def;
		else if (o->type == T_UINT)
			*(unsigned *)field(c, o->off) = (unsigned)o->def;
		else if (o->type == T_BOOL)
			*(bool *)field(c, o->off) = o->def != 0;
		else if (o->sdef)
			(void)str_copy(field(c, o->off), o->size, o->sdef);
	}
	c->rekey_method = CONF_REKEY_NEW_TUNNEL;
	c->worker_spawn = CONF_SPAWN_ZYGOTE;
}

/* ---- cross-field checks ---- */

static int check_auth(struct conf_ctx *ctx, const char *what, const struct conf_auth *a,
		      const struct conf *c)
{
	if (a->kind == CONF_AUTH_PLAIN && !a->passwd[0])
		return fail(ctx, 0, ERR_FORMAT, "%s plain[...] needs passwd=FILE", what);
	if (a->kind == CONF_AUTH_RADIUS && !a->radius_config[0])
		return fail(ctx, 0, ERR_FORMAT, "%s radius[...] needs config=FILE", what);
	if (a->kind == CONF_AUTH_CERTIFICATE && !c->ca_cert[0])
		return fail(ctx, 0, ERR_FORMAT, "%s certificate needs ca-cert", what);
	if (a->kind == CONF_AUTH_CERTIFICATE &&
	    ((c->cert_user_oid[0] && !certid_spec_ok(c->cert_user_oid)) ||
	     (c->cert_group_oid[0] && !certid_spec_ok(c->cert_group_oid))))
		return fail(ctx, 0, ERR_FORMAT,
			    "cert-user-oid and cert-group-oid take a dotted OID (2.5.4.3) or "
			    "SAN(rfc822name)");
	return 0;
}

static int finish_auth(struct conf *c, struct conf_ctx *ctx)
{
	int r;

	if (!c->n_auth && !c->n_enable_auth)
		return fail(ctx, 0, ERR_FORMAT, "no 'auth' line: name at least one method");
	for (size_t i = 0; i < c->n_auth; i++)
		if ((r = check_auth(ctx, "auth", &c->auth[i], c)) != 0)
			return r;
	for (size_t i = 0; i < c->n_enable_auth; i++)
		if ((r = check_auth(ctx, "enable-auth", &c->enable_auth[i], c)) != 0)
			return r;
	if (c->acct.kind != CONF_AUTH_NONE)
		return check_auth(ctx, "acct", &c->acct, c);
	return 0;
}

/* ocserv masks a pool address that has host bits set; do the same, but say so. */
static void mask_pool(struct conf *c, struct conf_ctx *ctx, bool v6)
{
	struct conf_net n = { .family = v6 ? AF_INET6 : AF_INET };
	char was[64], now[64];

	n.prefix = v6 ? c->ipv6_prefix : c->ipv4_prefix;
	if (v6)
		memcpy(n.addr, &c->ipv6_network, 16);
	else
		memcpy(n.addr, &c->ipv4_network, 4);
	net_cidr(&n, was);
	if (!conf_net_mask(&n))
		return;
	net_cidr(&n, now);
	warn(ctx, 0, "ipv%c-network %s has host bits set; using %s", v6 ? '6' : '4', was, now);
	if (v6)
		memcpy(&c->ipv6_network, n.addr, 16);
	else
		memcpy(&c->ipv4_network, n.addr, 4);
}

static int finish_pools(struct conf *c, struct conf_ctx *ctx)
{
	if (!c->has_ipv4 && c->ipv4_prefix)
		return fail(ctx, 0, ERR_FORMAT, "ipv4-netmask given without ipv4-network");
	if (!c->has_ipv4 && !c->has_ipv6)
		return fail(ctx, 0, ERR_FORMAT,
			    "no address pool: set ipv4-network or ipv6-network");
	if (c->has_ipv4 && !c->ipv4_prefix)
		return fail(ctx, 0, ERR_FORMAT,
			    "ipv4-network needs a prefix (a.b.c.d/LEN) or ipv4-netmask");
	if (c->has_ipv6 && !c->ipv6_prefix)
		return fail(ctx, 0, ERR_FORMAT, "ipv6-network needs a prefix length (fd00::/48)");
	if (c->has_ipv6 && c->ipv6_subnet_prefix <= c->ipv6_prefix)
		return fail(
			ctx, 0, ERR_FORMAT,
			"ipv6-subnet-prefix (%u) must be longer than the ipv6-network prefix (%u)",
			c->ipv6_subnet_prefix, c->ipv6_prefix);
	if (c->has_ipv4)
		mask_pool(c, ctx, false);
	if (c->has_ipv6)
		mask_pool(c, ctx, true);
	return 0;
}

int conf_finish(struct conf *c, struct conf_ctx *ctx)
{
	int r = ERR_INTERNAL;

	ctx->err[0] = '\0';
	if ((r = finish_auth(c, ctx)) != 0)
		goto out;
	r = ERR_FORMAT;
	if (!c->server_cert[0] || !c->server_key[0]) {
		fail(ctx, 0, r, "server-cert and server-key are required");
		goto out;
	}
	if (c->tcp_port <= 0) {
		fail(ctx, 0, r, "tcp-port must be set (1-65535)");
		goto out;
	}
	if (c->max_clients && c->max_same_clients > c->max_clients) {
		fail(ctx, 0, r, "max-same-clients (%d) exceeds max-clients (%d)",
		     c->max_same_clients, c->max_clients);
		goto out;
	}
	if ((r = finish_pools(c, ctx)) != 0)
		goto out;
	r = 0;
out:
	return r;
}
