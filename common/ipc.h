/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IPC protocol between main, its workers, its auth helpers and cstpctl: message
 * catalogue, codec and transport. Process: any.
 *
 * Transport: one AF_UNIX SOCK_SEQPACKET socketpair per peer; one datagram = one message.
 * Wire header (12 bytes, network order): version:u8 (= IPC_VERSION), flags:u8 (= 0),
 * type:u16, len:u32 (payload bytes, must equal what arrived), id:u32 (matches a reply to
 * its request). Payload fields are written one by one (integers big-endian, strings as
 * u16 length + bytes without NUL); decoding must consume the payload exactly.
 *
 * Login (worker -> main -> auth helper):
 *
 *   main                                worker (unprivileged)              helper
 *    | accept TCP; wait for first byte     |                                  |
 *    | spawn worker (fd 3 = client, fd 4 = IPC)                               |
 *    |-- IPC_WORKER_INIT ----------------->| load cert/key, drop privileges    |
 *    |                                     | TLS handshake, HTTP, XML init    |
 *    |<-- IPC_AUTH_REQ (user, password) ---|                                  |
 *    |-- IPC_HELPER_AUTH_REQ ------------------------------------------------>| crypt_r
 *    |<-- IPC_HELPER_AUTH_REP ------------------------------------------------|
 *    | create session + cookie             |                                  |
 *    |-- IPC_AUTH_REP (cookie, id) ------->| `complete` XML to the client     |
 *
 * Multi-round logins (RADIUS Access-Challenge, password then OTP): main answers
 * IPC_AUTH_CHALLENGE with `ctx`, an unguessable handle of the login state it keeps (bound
 * to this worker, bounded in rounds, dropped after auth-timeout); the RADIUS State travels
 * in IPC_HELPER_AUTH_REP/REQ.state. The worker shows a challenge form carrying ctx as its
 * aggauth-handle and sends the answer as IPC_AUTH_KIND_CHALLENGE with the same ctx.
 * Certificates: when IPC_WORKER_INIT.cert_mode asks for one, the worker's first request
 * is IPC_AUTH_KIND_CERT (the verified identity, or none); main answers OK (the certificate
 * alone logs in), IPC_AUTH_FORM (go on with the password form) or REFUSED. Every later
 * request repeats the certificate identity, which main matches against the user name.
 * Accounting: main sends IPC_HELPER_ACCT_REQ (Start, Interim-Update, Stop) to the
 * helpers; they answer IPC_HELPER_ACCT_REP once the RADIUS server acknowledged it.
 *
 * Tunnel (issue: CONNECT): IPC_TUNNEL_REQ (cookie, client MTU/addresses) ->
 * IPC_TUNNEL_REP (+ tun fd via SCM_RIGHTS); during the tunnel the worker sends
 * IPC_WORKER_STATS periodically and IPC_WORKER_BYE (reason) before it exits; main may
 * send IPC_TERMINATE. A Cisco logout POST sends IPC_LOGOUT_REQ (cookie).
 *
 * DTLS: main reads the first datagram of a new flow on the shared UDP port; when its
 * ClientHello names a tunnel's DTLS id (fresh in every IPC_TUNNEL_REP), main sends that
 * worker IPC_UDP_FD (+ a UDP socket connected to the client, + the datagram). The worker
 * reports IPC_DTLS_STATE when the channel comes up or goes down.
 *
 * Client files: IPC_FILE_REQ (cookie, kind, name) -> IPC_FILE_REP (+ read-only fd).
 * Kind PACKAGE with an empty name is the session's announcement (manifest text with a
 * `profile NAME SHA1` line).
 *
 * Zygote (worker-spawn = zygote): main starts one `cstpd-worker --zygote` (fd 3 = its
 * socket) and sends it IPC_ZYGOTE_INIT (the TLS part of an ipc_worker_init; again after a
 * reload). For each connection main sends IPC_SPAWN_REQ (+ client socket, + the new
 * worker's IPC socket); the zygote forks a worker with them at fds 3 and 4 and answers
 * IPC_SPAWN_REP (pid or errno). The worker then reads IPC_WORKER_INIT from main as usual.
 *
 * Control: cstpctl sends IPC_CTL_REQ; main answers with a run of IPC_CTL_STATUS /
 * IPC_CTL_SESSION / IPC_CTL_BAN messages ended by IPC_CTL_DONE.
 */
#ifndef CSTPD_COMMON_IPC_H
#define CSTPD_COMMON_IPC_H

#include <stddef.h>
#include <stdint.h>

#define IPC_VERSION 1
#define IPC_HDR_LEN 12
#define IPC_MSG_MAX 65536 /* whole datagram */
#define IPC_MAX_FDS 2

#define IPC_NAME_MAX	   63
#define IPC_LABEL_MAX	   127
#define IPC_PATH_MAX	   255
#define IPC_TEXT_MAX	   1023
#define IPC_SECRET_MAX	   255
#define IPC_ADDR_MAX	   63
#define IPC_COOKIE_LEN	   32			/* random bytes in a session cookie */
#define IPC_COOKIE_STR	   (2 * IPC_COOKIE_LEN) /* as upper-case hex */
#define IPC_CTX_STR	   32			/* auth-context handle, hex */
#define IPC_GROUPS_MAX	   32
#define IPC_TICKET_KEY_LEN 80
#define IPC_LIST_MAX	   64 /* DNS servers, routes, split-DNS domains in a tunnel reply */
#define IPC_NONE	   0xffffffffu /* "no value" for optional timers */
#define IPC_DTLS_ID_LEN	   32	       /* X-DTLS-Session-ID / X-DTLS-App-ID bytes */
#define IPC_DGRAM_MAX	   2048	       /* first datagram of a DTLS flow, handed to the worker */
#define IPC_RAD_HEX_MAX	   506	       /* a RADIUS attribute value (253 bytes) as hex */
#define IPC_RAD_CLASS_MAX  4	       /* Class attributes kept and echoed in accounting */
#define IPC_RAD_DNS_MAX	   4	       /* DNS / NBNS servers from RADIUS */

/* Bands: 0x01xx worker->main, 0x02xx main->worker, 0x03xx main->helper,
 * 0x04xx helper->main, 0x05xx cstpctl->main, 0x06xx main->cstpctl. */
enum ipc_type {
	IPC_AUTH_REQ = 0x0101,
	IPC_TUNNEL_REQ = 0x0102,
	IPC_WORKER_STATS = 0x0103,
	IPC_WORKER_BYE = 0x0104,
	IPC_LOGOUT_REQ = 0x0105,
	IPC_FILE_REQ = 0x0106,
	IPC_DTLS_STATE = 0x0107,
	IPC_SPAWN_REP = 0x0109, /* zygote -> main */
	IPC_WORKER_INIT = 0x0201,
	IPC_AUTH_REP = 0x0202,
	IPC_TUNNEL_REP = 0x0203,
	IPC_TERMINATE = 0x0204,
	IPC_LOGOUT_REP = 0x0205,
	IPC_FILE_REP = 0x0206,
	IPC_UDP_FD = 0x0207,
	IPC_ZYGOTE_INIT = 0x0208, /* main -> zygote: struct ipc_worker_init (TLS fields) */
	IPC_SPAWN_REQ = 0x0209,	  /* main -> zygote, + client socket and worker IPC socket */
	IPC_HELPER_AUTH_REQ = 0x0301,
	IPC_HELPER_ACCT_REQ = 0x0302,
	IPC_HELPER_AUTH_REP = 0x0401,
	IPC_HELPER_ACCT_REP = 0x0402,
	IPC_CTL_REQ = 0x0501,
	IPC_CTL_STATUS = 0x0601,
	IPC_CTL_SESSION = 0x0602,
	IPC_CTL_BAN = 0x0603,
	IPC_CTL_DONE = 0x0604,
};

enum ipc_worker_flags {
	IPC_WF_CISCO_COMPAT = 1u << 0, /* TLS 1.2 maximum (cert_mode says about certificates) */
	IPC_WF_SYSLOG = 1u << 1,       /* log to syslog (main runs as a daemon) */
};

/* Main -> worker, first message: everything the worker needs before the first client
 * byte. The worker never reads a config file. */
struct ipc_worker_init {
	uint32_t log_level;
	uint32_t flags;
	uint32_t uid;
	uint32_t gid;
	uint32_t handshake_timeout; /* seconds */
	uint32_t auth_timeout;	    /* seconds */
	uint64_t conn_id;
	char client_addr[IPC_ADDR_MAX + 1];
	char cert_file[IPC_PATH_MAX + 1];
	char key_file[IPC_PATH_MAX + 1];
	char ca_file[IPC_PATH_MAX + 1];
	char chroot_dir[IPC_PATH_MAX + 1];
	char tls_priorities[IPC_TEXT_MAX + 1];
	uint8_t ticket_key[IPC_TICKET_KEY_LEN]; /* secret: shared TLS session-ticket keys */
	char banner[IPC_TEXT_MAX + 1];
	char pre_login_banner[IPC_TEXT_MAX + 1];
	uint32_t n_groups; /* offered in the form's group_list; 0 = no select */
	char group_names[IPC_GROUPS_MAX][IPC_NAME_MAX + 1];
	char group_labels[IPC_GROUPS_MAX][IPC_LABEL_MAX + 1];
	uint32_t default_group; /* index into the groups preselected */
	char profile_uri[IPC_PATH_MAX + 1];
	char profile_hash[41];
	char crl_file[IPC_PATH_MAX + 1]; /* "" = no CRL */
	char cert_user_oid[IPC_NAME_MAX + 1];
	char cert_group_oid[IPC_NAME_MAX + 1];
	uint32_t cert_mode; /* enum ipc_cert_mode */
};

/* Main -> zygote: start a worker for connection conn_id with the two descriptors. */
struct ipc_spawn_req {
	uint64_t conn_id;
};

/* Zygote -> main: the worker of conn_id runs as pid, or could not start (error = errno). */
struct ipc_spawn_rep {
	uint64_t conn_id;
	uint32_t pid;	/* 0 when error is set */
	uint32_t error; /* 0 = started */
};

/* Whether the TLS handshake asks for a client certificate (CA names from ca_file). */
enum ipc_cert_mode {
	IPC_CERT_OFF = 0,
	IPC_CERT_OPTIONAL = 1, /* ask; a client without one still completes the handshake */
	IPC_CERT_REQUIRED = 2, /* ask; the handshake fails without one */
};

/* What the worker's TLS layer found out about the client certificate. */
enum ipc_cert_status {
	IPC_CERTST_NONE = 0,	/* none presented (or none asked for) */
	IPC_CERTST_VALID = 1,	/* verified against ca-cert (and crl); identity in cert_user */
	IPC_CERTST_INVALID = 2, /* presented but not verifiable, or no identity in it */
};

enum ipc_auth_kind {
	IPC_AUTH_KIND_PASSWORD = 1,
	IPC_AUTH_KIND_CHALLENGE = 2, /* password = the answer, ctx from the challenge */
	IPC_AUTH_KIND_CERT = 3,	     /* no form yet: may the certificate alone log in? */
};

struct ipc_auth_req {
	uint32_t kind;		       /* enum ipc_auth_kind */
	char ctx[IPC_CTX_STR + 1];     /* auth context from a previous round, or empty */
	char group[IPC_LABEL_MAX + 1]; /* group-select as the client sent it (name or label) */
	char username[IPC_NAME_MAX + 1];
	char password[IPC_SECRET_MAX + 1]; /* secret */
	char user_agent[IPC_LABEL_MAX + 1];
	uint32_t cert_status;		  /* enum ipc_cert_status */
	char cert_user[IPC_NAME_MAX + 1]; /* per cert-user-oid, when VALID */
	uint32_t n_cert_groups;		  /* per cert-group-oid */
	char cert_groups[IPC_GROUPS_MAX][IPC_NAME_MAX + 1];
};

enum ipc_auth_status {
	IPC_AUTH_OK = 1,
	IPC_AUTH_FAILED = 2,	  /* show the form again with `message` */
	IPC_AUTH_CHALLENGE = 3,	  /* show a challenge form with `message`, keep `ctx` */
	IPC_AUTH_UNAVAILABLE = 4, /* back end down or busy: form again with `message` */
	IPC_AUTH_REFUSED = 5,	  /* final: answer 401 and close */
	IPC_AUTH_FORM = 6,	  /* no login yet: show the password form (`message` as a note) */
};

struct ipc_auth_rep {
	uint32_t status; /* enum ipc_auth_status */
	char ctx[IPC_CTX_STR + 1];
	char message[IPC_TEXT_MAX + 1];
	char username[IPC_NAME_MAX + 1];
	char group[IPC_NAME_MAX + 1];
	uint32_t session_id;
	char cookie[IPC_COOKIE_STR + 1]; /* secret */
};

struct ipc_logout_req {
	char cookie[IPC_COOKIE_STR + 1]; /* secret */
};

struct ipc_logout_rep {
	uint32_t ok;
};

/* Counters of one tunnel (since its CONNECT). */
struct ipc_worker_stats {
	uint64_t bytes_in; /* from the client, IP bytes */
	uint64_t bytes_out;
	uint64_t packets_in;
	uint64_t packets_out;
};

struct ipc_worker_bye {
	uint32_t reason; /* enum disc_reason (disc.h) */
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t packets_in;
	uint64_t packets_out;
};

struct ipc_terminate {
	uint32_t reason; /* enum disc_reason */
};

enum ipc_tunnel_flags {
	IPC_TR_WANT_V4 = 1u << 0,
	IPC_TR_WANT_V6 = 1u << 1,
	IPC_TR_FULL_V6 = 1u << 2,   /* X-CSTP-Full-IPv6-Capability: true */
	IPC_TR_IPV6_PATH = 1u << 3, /* the client reached us over IPv6 */
	IPC_TR_MOBILE = 1u << 4,
	IPC_TR_CISCO = 1u << 5, /* a Cisco client (not openconnect) */
};

/* Worker -> main: a CONNECT with the session cookie. */
struct ipc_tunnel_req {
	char cookie[IPC_COOKIE_STR + 1]; /* secret */
	uint32_t flags;			 /* enum ipc_tunnel_flags */
	uint32_t base_mtu;		 /* X-CSTP-Base-MTU, 0 = absent */
	uint32_t client_mtu;		 /* X-CSTP-MTU, 0 = absent */
	uint32_t tcp_pmtu;		 /* of this TLS connection, 0 = unknown */
	char addr4[IPC_ADDR_MAX + 1];	 /* X-CSTP-Address the client wants back (reconnect) */
	char addr6[IPC_ADDR_MAX + 1];
	char hostname[IPC_NAME_MAX + 1];
	char user_agent[IPC_LABEL_MAX + 1];
	uint32_t dtls_offer; /* enum ipc_dtls_mode bits the client offered (0 = no DTLS) */
	char tls_cipher[IPC_NAME_MAX + 1]; /* of this TLS connection, OpenSSL's name */
};

/* DTLS modes (PROTOCOL.md §5.1): bits in offers, one value in a choice. */
enum ipc_dtls_mode {
	IPC_DTLS_PSK = 1u << 0,	   /* PSK-NEGOTIATE: key from the TLS exporter, App-ID */
	IPC_DTLS_RESUME = 1u << 1, /* DTLS 1.2 resumption from X-DTLS-Master-Secret */
};

enum ipc_tunnel_status {
	IPC_TUNNEL_OK = 1,
	IPC_TUNNEL_BAD_COOKIE = 2,  /* 401: unknown or expired session */
	IPC_TUNNEL_REFUSED = 3,	    /* 403: policy (connect-script, max-same-clients) */
	IPC_TUNNEL_UNAVAILABLE = 4, /* 503: no address, tun failure; the client may retry */
};

/* Main -> worker, with the tun descriptor when status is OK. */
struct ipc_tunnel_rep {
	uint32_t status; /* enum ipc_tunnel_status */
	char message[IPC_TEXT_MAX + 1];
	uint32_t session_id;
	char username[IPC_NAME_MAX + 1];
	char group[IPC_NAME_MAX + 1];
	char device[IPC_NAME_MAX + 1];
	char addr4[IPC_ADDR_MAX + 1]; /* empty = no IPv4 */
	char netmask4[IPC_ADDR_MAX + 1];
	char addr6[IPC_ADDR_MAX + 1]; /* empty = no IPv6 */
	uint32_t prefix6;
	uint32_t n_dns;
	char dns[IPC_LIST_MAX][IPC_ADDR_MAX + 1];
	uint32_t n_nbns;
	char nbns[IPC_LIST_MAX][IPC_ADDR_MAX + 1];
	char default_domain[IPC_TEXT_MAX + 1];
	uint32_t n_split_dns;
	char split_dns[IPC_LIST_MAX][IPC_LABEL_MAX + 1];
	uint32_t n_routes;
	char routes[IPC_LIST_MAX][IPC_ADDR_MAX + 1];
	uint32_t n_no_routes;
	char no_routes[IPC_LIST_MAX][IPC_ADDR_MAX + 1];
	uint32_t tunnel_all_dns;
	uint32_t client_bypass_protocol;
	uint32_t keepalive;
	uint32_t dpd;
	uint32_t idle_timeout;	       /* 0 = none */
	uint32_t session_timeout;      /* 0 = none */
	uint32_t session_remaining;    /* IPC_NONE = none */
	uint32_t disconnected_timeout; /* the reconnect window */
	uint32_t rekey_time;
	uint32_t rekey_method; /* enum conf_rekey_method */
	uint32_t stats_report_time;
	uint32_t base_mtu;
	uint32_t mtu;
	char banner[IPC_TEXT_MAX + 1];
	uint32_t dtls_port;  /* 0 = no DTLS for this tunnel */
	uint32_t dtls_modes; /* enum ipc_dtls_mode bits the server allows (dtls-psk, dtls-legacy) */
	uint8_t dtls_id[IPC_DTLS_ID_LEN]; /* fresh per CONNECT: Session-ID or App-ID */
};

/* Main -> worker, with a UDP socket connected to the client: the first datagram of a DTLS
 * flow whose ClientHello named this tunnel's id. */
struct ipc_udp_fd {
	char peer[IPC_ADDR_MAX + 1];
	uint32_t len;
	uint8_t data[IPC_DGRAM_MAX];
};

/* Worker -> main: DTLS came up or went down (for cstpctl and logs). */
struct ipc_dtls_state {
	uint32_t up;
	char cipher[IPC_NAME_MAX + 1];
};

/* Worker -> main: a client asks for a file it is entitled to with its cookie. */
enum ipc_file_kind { IPC_FILE_PROFILE = 1, IPC_FILE_PACKAGE = 2 };

struct ipc_file_req {
	char cookie[IPC_COOKIE_STR + 1]; /* secret */
	uint32_t kind;			 /* enum ipc_file_kind */
	char name[IPC_PATH_MAX + 1];	 /* as listed in the announcement; never a path */
};

enum ipc_file_status { IPC_FILE_OK = 1, IPC_FILE_NOT_FOUND = 2, IPC_FILE_UNAUTHORIZED = 3 };

/* Main -> worker, with a read-only descriptor of the file when status is OK. */
struct ipc_file_rep {
	uint32_t status;
	uint64_t size;
	uint64_t mtime; /* seconds since the epoch */
	char content_type[IPC_NAME_MAX + 1];
	char sha1[41]; /* upper-case hex of the bytes served (ETag) */
};

/* What an auth helper checks. */
enum ipc_helper_method {
	IPC_HM_PASSWD = 0, /* password against passwd_file */
	IPC_HM_OTP = 1,	   /* one-time code (in password) against the users.oath file `config` */
	IPC_HM_RADIUS = 2, /* Access-Request through the radcli client file `config` */
};

/* Main -> auth helper: check one factor of a login. */
struct ipc_helper_auth_req {
	char passwd_file[IPC_PATH_MAX + 1];
	char username[IPC_NAME_MAX + 1];
	char password[IPC_SECRET_MAX + 1]; /* secret */
	uint32_t method;		   /* enum ipc_helper_method */
	char config[IPC_PATH_MAX + 1];
	char nas_identifier[IPC_NAME_MAX + 1];
	char acct_session_id[IPC_NAME_MAX + 1];
	char calling_station[IPC_ADDR_MAX + 1]; /* the client's address */
	char state[IPC_RAD_HEX_MAX + 1];	/* RADIUS State of the challenge answered, hex */
	uint32_t groupconfig;			/* take the session settings RADIUS returns */
};

/* Which rad_ fields of a helper reply carry a value. */
enum ipc_rad_flags {
	IPC_RAD_ADDR4 = 1u << 0,      /* Framed-IP-Address: rad_addr4 */
	IPC_RAD_ADDR4_POOL = 1u << 1, /* Framed-IP-Address 255.255.255.254: from the pool */
	IPC_RAD_NETMASK4 = 1u << 2,   /* Framed-IP-Netmask: rad_netmask4 */
	IPC_RAD_ADDR6 = 1u << 3,      /* Framed-IPv6-Address: rad_addr6 */
	IPC_RAD_ROUTES = 1u << 4,     /* Framed-Route / Framed-IPv6-Route: rad_routes */
	IPC_RAD_DNS = 1u << 5,	      /* MS-Primary/Secondary-DNS-Server: rad_dns */
	IPC_RAD_NBNS = 1u << 6,	      /* MS-Primary/Secondary-NBNS-Server: rad_nbns */
};

struct ipc_helper_auth_rep {
	uint32_t status; /* enum ipc_auth_status */
	char message[IPC_TEXT_MAX + 1];
	uint32_t n_groups;
	char groups[IPC_GROUPS_MAX][IPC_NAME_MAX + 1];
	char state[IPC_RAD_HEX_MAX + 1]; /* CHALLENGE from RADIUS: State to send back, hex */
	/* Session settings from an Access-Accept (radattr.h). */
	uint32_t rad_flags; /* enum ipc_rad_flags */
	char rad_addr4[IPC_ADDR_MAX + 1];
	char rad_netmask4[IPC_ADDR_MAX + 1];
	char rad_addr6[IPC_ADDR_MAX + 1];
	uint32_t n_rad_routes; /* "10.1.0.0/255.255.0.0", "fd00::/64" */
	char rad_routes[IPC_LIST_MAX][IPC_ADDR_MAX + 1];
	uint32_t n_rad_dns;
	char rad_dns[IPC_RAD_DNS_MAX][IPC_ADDR_MAX + 1];
	uint32_t n_rad_nbns;
	char rad_nbns[IPC_RAD_DNS_MAX][IPC_ADDR_MAX + 1];
	uint32_t rad_session_timeout; /* seconds; IPC_NONE = not given */
	uint32_t rad_idle_timeout;
	uint32_t rad_interim; /* Acct-Interim-Interval */
	uint32_t n_rad_class; /* Class values, hex, sent back in accounting */
	char rad_class[IPC_RAD_CLASS_MAX][IPC_RAD_HEX_MAX + 1];
};

/* RFC 2866 Acct-Status-Type values used. */
enum ipc_acct_status { IPC_ACCT_START = 1, IPC_ACCT_STOP = 2, IPC_ACCT_INTERIM = 3 };

/* Main -> auth helper: send one accounting record. */
struct ipc_helper_acct_req {
	char config[IPC_PATH_MAX + 1]; /* radcli client file */
	char nas_identifier[IPC_NAME_MAX + 1];
	uint32_t status_type; /* enum ipc_acct_status */
	char acct_session_id[IPC_NAME_MAX + 1];
	char username[IPC_NAME_MAX + 1];
	char calling_station[IPC_ADDR_MAX + 1];
	char framed_ip[IPC_ADDR_MAX + 1]; /* "" = none */
	uint32_t session_time;		  /* seconds since the tunnel first came up */
	uint64_t bytes_in;		  /* from the client */
	uint64_t bytes_out;
	uint64_t packets_in;
	uint64_t packets_out;
	uint32_t terminate_cause; /* Stop: RFC 2866 Acct-Terminate-Cause; 0 = none */
	uint32_t n_class;
	char class_hex[IPC_RAD_CLASS_MAX][IPC_RAD_HEX_MAX + 1];
};

struct ipc_helper_acct_rep {
	uint32_t ok; /* 1 = the server acknowledged it */
};

/* cstpctl -> main. */
enum ipc_ctl_cmd {
	IPC_CTL_CMD_STATUS = 1,
	IPC_CTL_CMD_SESSIONS = 2, /* arg: "", "all", "active" or "inactive" */
	IPC_CTL_CMD_USER = 3,	  /* arg: user name */
	IPC_CTL_CMD_ID = 4,	  /* arg: session id */
	IPC_CTL_CMD_DISCONNECT_USER = 5,
	IPC_CTL_CMD_DISCONNECT_ID = 6,
	IPC_CTL_CMD_RELOAD = 7,
	IPC_CTL_CMD_UNBAN_IP = 8, /* arg: address */
	IPC_CTL_CMD_BANS = 9,
	IPC_CTL_CMD_MAX = 9,
};

struct ipc_ctl_req {
	uint32_t cmd; /* enum ipc_ctl_cmd */
	char arg[IPC_LABEL_MAX + 1];
};

/* main -> cstpctl: answers are a run of STATUS / SESSION / BAN messages ended by DONE. */
struct ipc_ctl_status {
	uint64_t uptime;
	uint32_t pid;
	uint32_t sessions_active;
	uint32_t sessions_inactive;
	uint32_t sessions_new; /* logged in, no tunnel yet */
	uint64_t logins_ok;
	uint64_t logins_failed;
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t reconnects_in;
	uint64_t reconnects_ok;
	uint64_t reconnects_failed;
	uint32_t reconnect_capable_active;
	uint32_t reconnect_capable_inactive;
	uint32_t bans;
	uint64_t dtls_dropped; /* datagrams on the shared UDP port that named no live tunnel */
	char profile[IPC_PATH_MAX + 1];
	char profile_hash[41];
};

struct ipc_ctl_session {
	uint32_t id;
	uint32_t state; /* enum session_state */
	char user[IPC_NAME_MAX + 1];
	char group[IPC_NAME_MAX + 1];
	char addr4[IPC_ADDR_MAX + 1];
	char addr6[IPC_ADDR_MAX + 1];
	char real_addr[IPC_ADDR_MAX + 1];
	char device[IPC_NAME_MAX + 1];
	char hostname[IPC_NAME_MAX + 1];
	char user_agent[IPC_LABEL_MAX + 1];
	char transport[IPC_NAME_MAX + 1]; /* "DTLS" / "TLS" / "" */
	char cipher[IPC_NAME_MAX + 1];
	uint64_t since;	       /* wall clock of the login */
	uint64_t inactive_for; /* seconds, 0 when active */
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint32_t reconnects;
	uint32_t last_reason; /* enum disc_reason */
};

struct ipc_ctl_ban {
	char addr[IPC_ADDR_MAX + 1];
	uint32_t score;
	uint64_t remaining;
};

struct ipc_ctl_done {
	uint32_t status; /* 0 = OK, else a negative ERR_* code as uint32 */
	char message[IPC_TEXT_MAX + 1];
};

struct ipc_hdr {
	uint8_t version;
	uint8_t flags;
	uint16_t type;
	uint32_t len;
	uint32_t id;
};

/* Size of the struct that carries `type`, or 0 for an unknown type. */
size_t ipc_msg_size(uint16_t type);
/* Encode header + payload into out (cleared first). 0, ERR_RANGE (unknown type),
 * ERR_FORMAT (a string too long or with control characters), ERR_TOO_LARGE. */
int ipc_encode(uint16_t type, uint32_t id, const void *msg, uint8_t *out, size_t out_size,
	       size_t *out_len);
/* Decode one datagram into hdr and msg (msg must be ipc_msg_size(type) bytes; it is
 * cleared first). Rejects a wrong version, flags, unknown type, a length mismatch, a
 * string with control characters or no room for its NUL, a count above its maximum.
 * 0 or ERR_FORMAT / ERR_TRUNCATED / ERR_RANGE / ERR_TOO_LARGE. */
int ipc_decode(const uint8_t *dgram, size_t len, struct ipc_hdr *hdr, void *msg, size_t msg_size);
/* Encode and send one message, with up to IPC_MAX_FDS descriptors. Non-blocking when
 * the socket is. 0, ERR_SYS (errno set; EAGAIN when it would block) or a codec error. */
int ipc_send(int sock, uint16_t type, uint32_t id, const void *msg, const int *fds, size_t nfds);
/* Receive one datagram into buf; received descriptors go to fds (*nfds set; extras are
 * closed). 0, ERR_PEER_CLOSED, ERR_SYS (errno set), ERR_TOO_LARGE (truncated datagram). */
int ipc_recv(int sock, uint8_t *buf, size_t cap, size_t *len, int *fds, size_t *nfds);
/* The type field of a datagram's header (for picking the struct to decode into), or 0
 * when the datagram is too short to have one. Validates nothing else. */
uint16_t ipc_peek_type(const uint8_t *dgram, size_t len);
/* Wipe the secret fields of a decoded or to-be-encoded message. */
void ipc_wipe(uint16_t type, void *msg);

#endif
