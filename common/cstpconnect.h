/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CONNECT /CSCOSSLC/tunnel request headers, the MTU rules and the reply headers
 * (PROTOCOL.md §3, §5.1, §7). Process: any. */
#ifndef CSTPD_COMMON_CSTPCONNECT_H
#define CSTPD_COMMON_CSTPCONNECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "buf.h"
#include "httpparse.h"
#include "ipc.h"

#define CSTP_HOSTNAME_MAX      63
#define CSTP_CIPHERS_MAX       1023
#define CSTP_MASTER_SECRET_LEN 48
#define CSTP_MTU_MIN	       256 /* accepted range of the client's MTU headers */
#define CSTP_MTU_MAX	       65535
#define CSTP_TUNNEL_MTU_MIN    576 /* cstp_mtu_compute() never goes below (RFC 791) */

/* What the client asked for in its CONNECT. Holds secrets (cookie, master secret): wipe
 * with secmem_wipe() after use. */
struct cstp_connect_req {
	/* from http_req.webvpn; exactly IPC_COOKIE_STR hex digits (either case), else false */
	bool has_cookie;
	char cookie[IPC_COOKIE_STR + 1]; /* secret */
	int base_mtu; /* X-CSTP-Base-MTU, 0 when absent; 256..65535 else ERR_FORMAT */
	int mtu;      /* X-CSTP-MTU, 0 when absent; same range */
	/* X-CSTP-Address (reconnect, §7.1): a value with ':' is IPv6 (an optional "/len" is
	 * accepted and dropped), one with '.' IPv4; at most one of each */
	bool has_addr4;
	struct in_addr addr4;
	bool has_addr6;
	struct in6_addr addr6;
	char hostname[CSTP_HOSTNAME_MAX + 1]; /* valid host name ([A-Za-z0-9._-]) or empty */
	bool want_v4, want_v6;		      /* X-CSTP-Address-Type; absent -> both true */
	bool full_ipv6;			      /* X-CSTP-Full-IPv6-Capability: true */
	bool mobile; /* X-CSTP-License: mobile, or X-AnyConnect-Identifier-Platform android/apple-ios */
	/* X-DTLS-Master-Secret: exactly 96 hex digits, any case; anything else -> false */
	bool has_master_secret;
	uint8_t master_secret[CSTP_MASTER_SECRET_LEN]; /* secret */
	char dtls_ciphers[CSTP_CIPHERS_MAX + 1];       /* X-DTLS-CipherSuite raw, "" when absent */
	char dtls12_ciphers[CSTP_CIPHERS_MAX + 1]; /* X-DTLS12-CipherSuite raw, "" when absent */
	bool dtls_psk_offered; /* PSK-NEGOTIATE is a whole ':'-separated token of either list */
};

/* Parse a CONNECT request's headers into out (cleared first). 0; ERR_FORMAT (bad number,
 * bad or repeated address); ERR_TOO_LARGE (cipher list too long). A missing or malformed
 * cookie is not an error (has_cookie false). On error out is wiped entirely. */
int cstp_connect_parse(const struct http_req *r, struct cstp_connect_req *out);
/* True when name is a whole token (blanks trimmed, case-insensitive) of the ':'-separated
 * cipher list. */
bool cstp_cipher_list_has(const char *list, const char *name);

/* Inputs of the MTU choice (PROTOCOL.md §3.6); zero or negative means "absent". */
struct cstp_mtu_in {
	int conf_mtu;	     /* configured `mtu`, 0 = use 1500 as the link maximum */
	int client_base_mtu; /* 0 = absent */
	int client_mtu;	     /* 0 = absent */
	int tcp_pmtu;	     /* path MTU of the TLS connection (TCP_INFO/TCP_MAXSEG), 0 = unknown */
	bool ipv6_path;	     /* the client reached us over IPv6 (IP header 40 instead of 20) */
	int dtls_overhead;   /* per-record DTLS overhead, 0 = AES-GCM (37); capped at 255 */
};
struct cstp_mtu_out {
	int base_mtu;	/* L, for X-CSTP-Base-MTU */
	int tunnel_mtu; /* for X-CSTP-MTU / X-DTLS-MTU and the tun device */
};
/* L = min(conf or 1500, client base MTU (or client_mtu + 28 + 66 when only X-CSTP-MTU came),
 * tcp_pmtu); tunnel = L - IP(20/40) - 8 (UDP) - overhead - 1 (DTLS type byte). The tunnel
 * MTU is kept within [576, CSTP_MAX_PAYLOAD] and L is raised/lowered to match. Cannot fail. */
void cstp_mtu_compute(const struct cstp_mtu_in *in, struct cstp_mtu_out *out);

#define CSTP_REPLY_LIST_MAX 64
/* Everything the CONNECT reply says; every pointer is borrowed, NULL/empty = omitted. */
struct cstp_reply {
	const char *server_name; /* X-CSTP-Server-Name */
	const char *hostname;	 /* echoed X-CSTP-Hostname when non-empty */
	/* Cisco AnyConnect (not openconnect): X-CSTP-Protocol, DNS-IP6 style, ASA policy flags,
	 * TCP-Keepalive false (openconnect gets true, as from ocserv) */
	bool cisco;
	bool full_ipv6;		      /* client said Full-IPv6-Capability */
	const char *addr4, *netmask4; /* NULL = no IPv4 */
	/* NULL = no IPv6; "X-CSTP-Address-IP6: addr/prefix" for full_ipv6 clients, else the legacy
	 * second "X-CSTP-Address: addr" + "X-CSTP-Netmask: addr/prefix"; prefix6 1..128 */
	const char *addr6;
	unsigned prefix6;
	/* IPv6 servers (containing ':') go as X-CSTP-DNS-IP6 to Cisco clients, X-CSTP-DNS else */
	const char *dns[CSTP_REPLY_LIST_MAX];
	size_t n_dns;
	const char *nbns[CSTP_REPLY_LIST_MAX];
	size_t n_nbns;
	const char *default_domain; /* NULL/empty = none */
	const char *split_dns[CSTP_REPLY_LIST_MAX];
	size_t n_split_dns;
	bool tunnel_all_dns;
	/* "10.0.0.0/255.0.0.0" or "fd00::/64"; entries with ':' go as X-CSTP-Split-*-IP6 to
	 * full_ipv6 clients */
	const char *split_include[CSTP_REPLY_LIST_MAX];
	size_t n_split_include;
	const char *split_exclude[CSTP_REPLY_LIST_MAX];
	size_t n_split_exclude;
	int keepalive, dpd;	       /* <= 0 = omit */
	int idle_timeout;	       /* 0 = "none" */
	int session_timeout;	       /* 0 = "none" */
	int session_timeout_remaining; /* -1 = "none", 0 = omit */
	int session_timeout_alert;     /* X-CSTP-Session-Timeout-Alert-Interval, 0 = omit */
	int disconnected_timeout;      /* 0 = "none" */
	int rekey_time;		       /* <= 0 = omit */
	const char *rekey_method;      /* "new-tunnel" / "ssl" / "none"; NULL = omit */
	int lease_duration;	       /* 0 = omit */
	const char *banner;	       /* NULL/empty = omit; CR, LF, TAB become spaces */
	bool client_bypass_protocol;
	int base_mtu, mtu; /* <= 0 = omit */
	/* DTLS (filled by the DTLS code); dtls_port <= 0 = no X-DTLS-* header at all */
	int dtls_port;
	const char *dtls_session_id;
	const char *dtls_app_id;
	const char *dtls_cipher;   /* X-DTLS-CipherSuite */
	const char *dtls12_cipher; /* X-DTLS12-CipherSuite */
	int dtls_mtu;		   /* <= 0 = omit (PSK mode) */
	int dtls_dpd;
	int dtls_keepalive;
	int dtls_rekey_time;
	const char *dtls_rekey_method;
};
/* Append "HTTP/1.1 200 CONNECTED\r\n", one "Name: value\r\n" per header (PROTOCOL.md §3.4,
 * §3.7) and "\r\n" to out. 0; ERR_FORMAT (a value with a control character, a bad prefix6);
 * ERR_TOO_LARGE (out full, or a list count above CSTP_REPLY_LIST_MAX); out is unchanged then. */
int cstp_reply_build(const struct cstp_reply *r, struct buf_wr *out);

#endif
