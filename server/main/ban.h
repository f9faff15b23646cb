/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-address failed-login scores and bans (ocserv's max-ban-score semantics), in a table of
 * fixed capacity. Pure logic: the caller passes the time. Process: main. */
#ifndef CSTPD_SERVER_MAIN_BAN_H
#define CSTPD_SERVER_MAIN_BAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ban_table;

/* ocserv's options: max-ban-score (0 disables banning), ban-time and ban-reset-time in
 * seconds, ban-points-wrong-password, ban-points-connection. */
struct ban_cfg {
	int max_score;
	int ban_time;
	int reset_time; /* <= 0: scores never reset */
	int points_wrong_password;
	int points_connection;
};

/* A table tracking at most `capacity` addresses (IPv4 hosts, IPv6 /64s); banning is
 * disabled until ban_set_cfg(). NULL when out of memory or capacity is 0 or huge. */
struct ban_table *ban_new(size_t capacity);
/* Free the table; NULL is a no-op. */
void ban_free(struct ban_table *t);
/* Replace the configuration (on start and reload); existing scores and bans are kept. */
void ban_set_cfg(struct ban_table *t, const struct ban_cfg *cfg);

/* Add points for an event at `now` (monotonic seconds) from a sockaddr_in or sockaddr_in6.
 * True when this call banned the address. Points for an already banned address, points
 * <= 0 and other address families are ignored. */
bool ban_add_points(struct ban_table *t, const struct sockaddr *addr, int points, uint64_t now);
/* True when the address is banned at `now`; *remaining (may be NULL) gets the seconds left,
 * 0 when not banned. */
bool ban_is_banned(struct ban_table *t, const struct sockaddr *addr, uint64_t now,
		   uint64_t *remaining);
/* The address's current score (0 when unknown, reset or after its ban ended). */
int ban_get_score(struct ban_table *t, const struct sockaddr *addr, uint64_t now);
/* Forget the address's score and ban (cstpctl unban ip). True when an entry was removed. */
bool ban_unban(struct ban_table *t, const struct sockaddr *addr);

/* Called for each banned address; addr is a sockaddr_in, or a sockaddr_in6 holding the /64
 * with the host bits zero. The callback must not modify the table. */
typedef void (*ban_foreach_cb)(void *arg, const struct sockaddr *addr, int score,
			       uint64_t remaining);
/* Call cb for every address banned at `now` (for cstpctl show ip bans); walks the table. */
void ban_foreach(struct ban_table *t, uint64_t now, ban_foreach_cb cb, void *arg);
/* Number of addresses tracked, banned or only scored. */
size_t ban_count(const struct ban_table *t);

#endif
