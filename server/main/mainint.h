/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by the main process's files: connections, their states, the global
 * state. Process: main. */
#ifndef CSTPD_MAIN_MAININT_H
#define CSTPD_MAIN_MAININT_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ban.h"
#include "conf.h"
#include "ipc.h"
#include "pool.h"
#include "session.h"

#define LISTEN_MAX	  8
#define CONN_BUCKETS	  16384
#define MAX_FAILED_LOGINS 3 /* per connection; then 401 */
#define BAN_TABLE_SIZE	  16384

enum conn_state {
	CONN_WAITING = 1u << 0,	     /* accepted; no byte yet, no worker */
	CONN_PREAUTH = 1u << 1,	     /* worker running, not authenticated */
	CONN_AUTH_PENDING = 1u << 2, /* a login is with the auth helpers */
	CONN_AUTHED = 1u << 3,	     /* login succeeded on this connection */
	CONN_TUNNEL = 1u << 4,	     /* carries a tunnel */
	CONN_CLOSING = 1u << 5,
	CONN_TUNNEL_PENDING = 1u << 6, /* CONNECT accepted, connect-script running */
};

struct conn {
	uint64_t id;
	unsigned state;
	int fd;	     /* client socket, only while WAITING */
	int ipc;     /* main's end of the worker socketpair */
	pid_t pid;   /* -1 until known (a zygote's IPC_SPAWN_REP) */
	bool zygote; /* forked by the zygote, not main's child: its IPC socket closing is its end */
	int pidfd;   /* a zygote worker's pidfd; -1: main's own child, not known yet, or gone */
	struct sockaddr_storage peer;
	char peer_str[IPC_ADDR_MAX + 1];
	ev_io io;
	ev_timer timer;
	struct conn *prev, *next; /* in one of the pre-auth FIFO lists */
	struct conn **list;	  /* which list, or NULL */
	struct conn *next_by_pid, *next_by_id;
	unsigned failed_logins;
	uint32_t auth_req_id;
	char pend_user[IPC_NAME_MAX + 1];
	char pend_group[IPC_NAME_MAX + 1]; /* resolved group name, "" = user's default */
	bool pend_default_group;
	struct session *session; /* borrowed */
	unsigned bye_reason;	 /* from IPC_WORKER_BYE; DISC_NONE if the worker just died */
	int pending_tun;	 /* tun fd held while the connect-script runs */
	uint32_t pending_id;	 /* IPC id of the TUNNEL_REQ being answered */
	struct ipc_tunnel_rep *pending_rep;
	bool counted_tunnel; /* included in M.n_tunnel */
	bool has_dtls_id;    /* indexed by mdtls under dtls_id */
	uint8_t dtls_id[IPC_DTLS_ID_LEN];
	struct conn *next_by_dtls;
	struct sockaddr_storage udp_peer; /* of the last hand-over */
	uint64_t udp_handover_ms;
};

struct offered_group {
	char name[IPC_NAME_MAX + 1]; /* "" for the default-select-group entry */
	char label[IPC_LABEL_MAX + 1];
};

struct mainstate {
	struct ev_loop *loop;
	struct conf *conf;
	char worker_path[4096];
	char self_path[4096];
	uid_t uid;
	gid_t gid;
	int listen_fd[LISTEN_MAX];
	ev_io listen_io[LISTEN_MAX];
	size_t n_listen;
	ev_signal sig_term, sig_int, sig_hup;
	ev_child child;
	struct conn *by_pid[CONN_BUCKETS];
	struct conn *by_id[CONN_BUCKETS];
	struct conn *waiting_head, *waiting_tail; /* FIFO: oldest first */
	struct conn *preauth_head, *preauth_tail;
	size_t n_waiting, n_preauth, n_tunnel, n_conns;
	uint64_t next_conn_id;
	struct session_table *sessions;
	struct ban_table *bans;
	uint8_t ticket_key[IPC_TICKET_KEY_LEN];
	struct offered_group groups[IPC_GROUPS_MAX];
	size_t n_groups;
	size_t default_group;
	uint64_t logins_ok, logins_failed;
	struct pool *pool;
	const char *config_file; /* for reloads */
	uint64_t reconnects_in, reconnects_ok, reconnects_failed;
	uint64_t bytes_in, bytes_out; /* of all tunnels: ended ones, and live ones as reported */
	bool stopping;
};

extern struct mainstate M;

/* mainproc.c */
void conn_free(struct conn *c, const char *why);
int send_to_worker(struct conn *c, uint16_t type, uint32_t id, void *msg, const int *fds,
		   size_t nfds);
void format_addr(const struct sockaddr_storage *ss, char *dst, size_t n);
void list_remove(struct conn *c);
struct conn *conn_by_id(uint64_t id);
uint64_t mono_s(void);
/* Send sig to c's worker, if it has one whose pid is known; a zygote's worker through its
 * pidfd. Every signal to a connection's worker goes through here. */
void conn_kill(struct conn *c, int sig);
/* The set-up of a worker for c, or (c NULL) the connection-independent part for the
 * zygote. Secrets (the ticket key) included: the caller wipes it. */
void fill_worker_init(const struct conn *c, struct ipc_worker_init *in);

/* mlogin.c */
int on_auth_req(struct conn *c, const struct ipc_hdr *hdr, void *msg);
int on_logout_req(struct conn *c, const struct ipc_hdr *hdr, void *msg);
void auth_done(uint64_t token, const struct ipc_helper_auth_rep *rep);
void build_group_list(void);
/* The certificate part of a worker's set-up (cert_mode, crl, OIDs) from the current config. */
void login_fill_worker_init(struct ipc_worker_init *in);

/* mtunnel.c */
int on_tunnel_req(struct conn *c, const struct ipc_hdr *hdr, void *msg);
int on_worker_stats(struct conn *c, const struct ipc_hdr *hdr, void *msg);
int on_dtls_state(struct conn *c, const struct ipc_hdr *hdr, void *msg);
/* The worker of c is gone (reason from its BYE, or DISC_ERROR when it died). */
void tunnel_closed(struct conn *c);
/* End a session now: leases back, disconnect-script, cookie invalid. */
void session_end(struct session *s, unsigned reason);
/* Start the reconnect window of a session whose tunnel dropped. */
void session_park(struct session *s, unsigned reason);
void session_expire_cb(struct ev_loop *loop, ev_timer *w, int revents);

/* mfiles.c: IPC_FILE_REQ -> IPC_FILE_REP with a read-only descriptor of the file. */
int on_file_req(struct conn *c, const struct ipc_hdr *hdr, void *msg);

#endif
