/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration: ocserv syntax and option names, one table describing every key.
 * Main reads the file and feeds lines; workers never see this struct. Process: any. */
#ifndef CSTPD_COMMON_CONF_H
#define CSTPD_COMMON_CONF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_PATH_MAX  255
#define CONF_NAME_MAX  63   /* user and group names */
#define CONF_LABEL_MAX 127  /* group labels */
#define CONF_TEXT_MAX  1023 /* banners */
#define CONF_LIST_MAX  64   /* entries in any repeatable key */
#define CONF_AUTH_MAX  4    /* auth / enable-auth lines */

enum conf_auth_kind {
	CONF_AUTH_NONE = 0,
	CONF_AUTH_PLAIN = 1,	   /* plain[passwd=FILE,otp=FILE] */
	CONF_AUTH_RADIUS = 2,	   /* radius[config=FILE,groupconfig=true,nas-identifier=NAME] */
	CONF_AUTH_CERTIFICATE = 3, /* certificate */
};

struct conf_auth {
	enum conf_auth_kind kind;
	char passwd[CONF_PATH_MAX + 1];
	char otp[CONF_PATH_MAX + 1];
	char radius_config[CONF_PATH_MAX + 1];
	char nas_identifier[CONF_NAME_MAX + 1];
	bool groupconfig;
};

/* An IPv4 or IPv6 network: "10.0.0.0/8", "10.0.0.0/255.0.0.0", "fd00::/64", a bare
 * address (host route), or "default". */
struct conf_net {
	int family; /* AF_INET or AF_INET6 */
	bool is_default;
	uint8_t addr[16]; /* network byte order; 4 bytes used for AF_INET */
	unsigned prefix;
};

struct conf_group {
	char name[CONF_NAME_MAX + 1];
	char label[CONF_LABEL_MAX + 1]; /* defaults to name */
};

enum conf_rekey_method { CONF_REKEY_NEW_TUNNEL = 0, CONF_REKEY_SSL = 1, CONF_REKEY_NONE = 2 };

/* How main starts a worker (cstpd extension `worker-spawn`). */
enum conf_worker_spawn {
	CONF_SPAWN_ZYGOTE = 0, /* fork of a spawner that loaded the TLS set-up once */
	CONF_SPAWN_EXEC = 1,   /* a fresh exec of cstpd-worker per connection */
};

struct conf {
	/* authentication and accounting */
	struct conf_auth auth[CONF_AUTH_MAX];
	size_t n_auth;
	struct conf_auth enable_auth[CONF_AUTH_MAX];
	size_t n_enable_auth;
	struct conf_auth acct; /* kind NONE when absent */

	/* listening and processes */
	char listen_host[CONF_NAME_MAX + 1]; /* empty = all addresses */
	char udp_listen_host[CONF_NAME_MAX + 1];
	int tcp_port;			      /* default 443 */
	int udp_port;			      /* 0 = no DTLS; default 0 when absent */
	char run_as_user[CONF_NAME_MAX + 1];  /* default "nobody" */
	char run_as_group[CONF_NAME_MAX + 1]; /* default "nogroup" */
	char socket_file[CONF_PATH_MAX + 1];
	char occtl_socket_file[CONF_PATH_MAX + 1]; /* default /var/run/cstpd.socket */
	bool use_occtl;				   /* default true */
	char chroot_dir[CONF_PATH_MAX + 1];
	char pid_file[CONF_PATH_MAX + 1]; /* default /var/run/cstpd.pid */
	int log_level;			  /* 0..9, default 1 */

	/* TLS */
	char server_cert[CONF_PATH_MAX + 1];
	char server_key[CONF_PATH_MAX + 1];
	char ca_cert[CONF_PATH_MAX + 1];
	char crl[CONF_PATH_MAX + 1];
	char tls_priorities[CONF_TEXT_MAX + 1];
	char cert_user_oid[CONF_NAME_MAX + 1];
	char cert_group_oid[CONF_NAME_MAX + 1];
	bool cisco_client_compat; /* default true */
	bool dtls_psk;		  /* default true */
	bool dtls_legacy;	  /* default true */
	bool match_tls_dtls_ciphers;

	/* limits and timers (seconds unless named otherwise) */
	int max_clients;	 /* default 1024; 0 = unlimited */
	int max_same_clients;	 /* default 2; 0 = unlimited */
	int max_preauth_clients; /* cstpd extension: default 256 */
	int auth_timeout;	 /* default 240 */
	int handshake_timeout;	 /* cstpd extension: TLS handshake bound, default 10 */
	int idle_timeout;	 /* default 0 = none */
	int mobile_idle_timeout;
	int session_timeout; /* default 0 = none */
	int cookie_timeout;  /* default 300 */
	bool persistent_cookies;
	bool deny_roaming;
	int max_ban_score;	       /* default 80; 0 = bans off */
	int ban_time;		       /* default 300 (also read as min-reauth-time) */
	int ban_reset_time;	       /* default 1200 */
	int ban_points_wrong_password; /* default 10 */
	int ban_points_connection;     /* default 1 */
	int ban_points_kkdcp;	       /* default 1 */
	int keepalive;		       /* default 32400 */
	int dpd;		       /* default 90 */
	int mobile_dpd;		       /* default 1800 */
	int switch_to_tcp_timeout;     /* default 25 */
	bool try_mtu_discovery;
	int stats_report_time;		     /* default 360 */
	int rekey_time;			     /* default 172800 */
	enum conf_rekey_method rekey_method; /* default new-tunnel */
	enum conf_worker_spawn worker_spawn; /* default zygote */
	bool tun_offload; /* cstpd extension: virtio-net headers + TSO on tun devices */

	/* login dialogue */
	char banner[CONF_TEXT_MAX + 1];
	char pre_login_banner[CONF_TEXT_MAX + 1];
	struct conf_group select_group[CONF_LIST_MAX]; /* "name[label]" or "name" */
	size_t n_select_group;
	char default_select_group[CONF_LABEL_MAX + 1];
	bool auto_select_group;
	char user_profile[CONF_PATH_MAX + 1];

	/* network (used by the tunnel) */
	char device[16];      /* tun name prefix, default "vpns" */
	bool predictable_ips; /* default true */
	bool has_ipv4;
	struct in_addr ipv4_network;
	struct in_addr ipv4_netmask;
	unsigned ipv4_prefix;
	bool has_ipv6;
	struct in6_addr ipv6_network;
	unsigned ipv6_prefix;	     /* of the pool, from ipv6-network "x/len" */
	unsigned ipv6_subnet_prefix; /* given to each client, default 128 */
	struct conf_net dns[CONF_LIST_MAX];
	size_t n_dns;
	struct conf_net nbns[CONF_LIST_MAX];
	size_t n_nbns;
	char default_domain[CONF_TEXT_MAX + 1];
	char split_dns[CONF_LIST_MAX][CONF_NAME_MAX * 2 + 2];
	size_t n_split_dns;
	bool tunnel_all_dns;
	struct conf_net route[CONF_LIST_MAX];
	size_t n_route;
	struct conf_net no_route[CONF_LIST_MAX];
	size_t n_no_route;
	int mtu; /* 0 = derive */
	bool client_bypass_protocol;
	bool ping_leases;

	/* per-user and per-group files */
	char config_per_user[CONF_PATH_MAX + 1];
	char config_per_group[CONF_PATH_MAX + 1];
	char default_user_config[CONF_PATH_MAX + 1];
	char default_group_config[CONF_PATH_MAX + 1];

	/* scripts */
	char connect_script[CONF_PATH_MAX + 1];
	char disconnect_script[CONF_PATH_MAX + 1];

	/* client files (cstpd extension): DIR holding `manifest` and the packages it lists */
	char client_packages[CONF_PATH_MAX + 1];
};

/* What one per-user or per-group file (config-per-user, config-per-group, default-user-config,
 * default-group-config) sets. Every field is optional: has_X false, an int -1, or an empty
 * string mean "not set here". Parsing a group file and then a user file into the same struct
 * gives ocserv's layering: scalars of the later file win, list entries accumulate. */
struct conf_user {
	bool has_explicit_ipv4;
	struct in_addr explicit_ipv4;
	bool has_explicit_ipv6;
	struct in6_addr explicit_ipv6;
	/* per-user pools: parsed and kept (ipv4-netmask alone sets ipv4_prefix/ipv4_netmask) */
	bool has_ipv4_network;
	struct in_addr ipv4_network, ipv4_netmask;
	unsigned ipv4_prefix; /* 0 = not given */
	bool has_ipv6_network;
	struct in6_addr ipv6_network;
	unsigned ipv6_prefix;	/* 0 = not given */
	int ipv6_subnet_prefix; /* -1 = not set */
	/* a list given here replaces the global list */
	struct conf_net dns[CONF_LIST_MAX];
	size_t n_dns;
	bool has_dns;
	struct conf_net nbns[CONF_LIST_MAX];
	size_t n_nbns;
	bool has_nbns;
	char split_dns[CONF_LIST_MAX][CONF_NAME_MAX * 2 + 2];
	size_t n_split_dns;
	bool has_split_dns;
	struct conf_net route[CONF_LIST_MAX];
	size_t n_route;
	bool has_route;
	struct conf_net no_route[CONF_LIST_MAX];
	size_t n_no_route;
	bool has_no_route;
	struct conf_net iroute[CONF_LIST_MAX]; /* networks behind this client; never "default" */
	size_t n_iroute;
	/* seconds or counts as in struct conf; -1 = not set */
	int keepalive, dpd, mobile_dpd, idle_timeout, mobile_idle_timeout, session_timeout,
		max_same_clients, mtu, stats_report_time;
	/* -1 = not set, else 0 or 1 */
	int deny_roaming, no_udp, tunnel_all_dns, client_bypass_protocol;
	char hostname[CONF_NAME_MAX + 1]; /* empty = not set */
	char default_domain[CONF_TEXT_MAX + 1];
	bool has_default_domain;
	char user_profile[CONF_PATH_MAX + 1]; /* empty = not set */
};

/* A problem found while parsing: the message names file:line. */
typedef void (*conf_warn_cb)(void *arg, const char *msg);

struct conf_ctx {
	const char *file;  /* borrowed: for messages */
	conf_warn_cb warn; /* may be NULL; called for "not implemented yet" keys */
	void *warn_arg;
	char err[512]; /* set when a call fails: "FILE:LINE: message" */
};

/* Apply every default. Cannot fail. */
void conf_init(struct conf *c);
/* Parse one line (no trailing newline needed). Blank lines and # comments are accepted.
 * Returns 0, or ERR_FORMAT/ERR_RANGE/ERR_TOO_LARGE with ctx->err set. */
int conf_parse_line(struct conf *c, struct conf_ctx *ctx, const char *line, unsigned lineno);
/* Cross-field checks after the last line (auth present, pool fits its netmask, cert and
 * key given, ...). 0 or ERR_FORMAT with ctx->err set. */
int conf_finish(struct conf *c, struct conf_ctx *ctx);
/* Parse a network ("default", "a.b.c.d/len", "a.b.c.d/mask", "v6/len", bare address). */
int conf_parse_net(const char *s, struct conf_net *out);
/* Format a network as the CONNECT reply wants it: "10.0.0.0/255.0.0.0" for IPv4,
 * "fd00::/64" for IPv6. dst needs 64 bytes. */
void conf_net_format(const struct conf_net *n, char *dst, size_t dst_size);
/* Clear the host bits of n (those beyond its prefix). Returns true when any were set.
 * ("default" formats as "default"; conf_net_format leaves dst empty if it does not fit.) */
bool conf_net_mask(struct conf_net *n);

/* Mark every field of u "not set". Cannot fail. */
void conf_user_init(struct conf_user *u);
/* Parse one line of a per-user/per-group file, with the global parser's syntax and limits.
 * A key only meaningful globally is an error; ocserv per-user keys cstpd does not implement
 * warn through ctx->warn. 0, or ERR_FORMAT/ERR_RANGE/ERR_TOO_LARGE with ctx->err set. */
int conf_user_parse_line(struct conf_user *u, struct conf_ctx *ctx, const char *line,
			 unsigned lineno);

#endif
