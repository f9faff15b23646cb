/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session table: sessions created at login, named by a random cookie (the session
 * token) and a number; indexed by both, so no operation walks all sessions. Process: main. */
#ifndef CSTPD_MAIN_SESSION_H
#define CSTPD_MAIN_SESSION_H

#include <ev.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "ipc.h"

enum session_state {
	SESSION_NEW = 0,      /* authenticated, no tunnel yet */
	SESSION_ACTIVE = 1,   /* a worker carries its tunnel */
	SESSION_INACTIVE = 2, /* transport gone; kept for the reconnect window */
};

struct conn;
struct conf;
struct conf_user;
struct radius_settings;

/* Main-only: callers may read and set the fields below. */
struct session {
	uint32_t id;
	uint8_t cookie[IPC_COOKIE_LEN]; /* secret */
	char user[IPC_NAME_MAX + 1];
	char group[IPC_NAME_MAX + 1];
	enum session_state state;
	uint64_t created;	/* wall-clock seconds */
	uint64_t created_mono;	/* monotonic seconds: session-timeout counts from here */
	ev_timer expire;	/* cookie-timeout while not active */
	struct conn *conn;	/* borrowed: the worker carrying it, or NULL */
	struct conf *conf;	/* the configuration generation of its login (held) */
	struct conf_user *ucfg; /* per-user/per-group settings, or NULL */
	bool has4, has6;	/* leases, kept while the session lives */
	struct in_addr addr4;
	struct in6_addr addr6;
	bool connected_once; /* connect-script ran and a tunnel came up */
	char device[IF_NAMESIZE];
	char real_addr[64]; /* the client's address of the current/last tunnel */
	char hostname[64];
	uint64_t bytes_in, bytes_out, packets_in, packets_out; /* finished tunnels */
	uint64_t cur_in, cur_out, cur_pin, cur_pout;	       /* current tunnel, last report */
	unsigned reconnects;
	uint64_t inactive_since; /* monotonic seconds */
	unsigned last_reason;	 /* enum disc_reason of the last tunnel end */
	bool dtls_up;		 /* the current tunnel carries data over DTLS */
	char cipher[64];	 /* of the DTLS channel when up */
	char tls_cipher[64];	 /* of the TLS connection carrying the tunnel */
	char user_agent[128];
	struct session *next_by_cookie, *next_by_id, *next_by_user; /* hash chains */
	struct radius_settings *rad; /* Acct-Session-Id, RADIUS settings (acct.h), or NULL */
};

struct session_table;

/* NULL on ENOMEM. */
struct session_table *session_table_new(void);
/* Frees every session (without callbacks). */
void session_table_free(struct session_table *t);
/* Create a session with a fresh random cookie and id. NULL on failure. */
struct session *session_create(struct session_table *t, const char *user, const char *group);
/* Find by the cookie's hex form (any case); constant-time comparison. NULL if unknown. */
struct session *session_find_cookie(struct session_table *t, const char *hex);
struct session *session_find_id(struct session_table *t, uint32_t id);
/* Remove from the table and free (the caller stops its timer first). */
void session_destroy(struct session_table *t, struct session *s);
/* Upper-case hex of the cookie; dst has IPC_COOKIE_STR + 1 bytes. */
void session_cookie_hex(const struct session *s, char *dst);
size_t session_count(const struct session_table *t);
/* Move s to another state; every change of s->state goes through here, so that the
 * per-state counts below stay right. */
void session_set_state(struct session_table *t, struct session *s, enum session_state st);
/* How many sessions are in state st, without a walk. */
size_t session_count_state(const struct session_table *t, enum session_state st);
/* Some session of the table, or NULL when it is empty (for shutting down). */
struct session *session_any(struct session_table *t);
/* Count of sessions of `user` (for max-same-clients). Walks only that user's bucket. */
unsigned session_count_user(struct session_table *t, const char *user);
/* Same, counting only sessions whose tunnel is up. */
unsigned session_count_user_active(struct session_table *t, const char *user);

/* A position in a walk over the table that stays valid while sessions come and go between
 * calls (it holds no pointer): zero it to start. */
struct session_cursor {
	uint32_t bucket;
	uint32_t last_id; /* 0: nothing of `bucket` returned yet (ids are never 0) */
};

/* The next session of a walk over all sessions, or NULL at the end. Each session present
 * for the whole walk is returned exactly once; one added or removed during it may or may
 * not be. One call costs one id-bucket chain plus the empty buckets it skips. */
struct session *session_next(struct session_table *t, struct session_cursor *cur);
/* The session of `user` with the smallest id above *last_id (then stored in *last_id), or
 * NULL when there is none. Walks only that user's bucket; start with *last_id = 0. */
struct session *session_next_of_user(struct session_table *t, const char *user, uint32_t *last_id);

#endif
