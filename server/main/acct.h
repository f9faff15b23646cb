/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-session RADIUS state in main: the Acct-Session-Id, the settings an Access-Accept
 * gave, and RADIUS accounting (Start at the first tunnel, Interim-Update on a timer, Stop
 * at the end). Records go to the auth helpers; nothing here waits. Process: main. */
#ifndef CSTPD_MAIN_ACCT_H
#define CSTPD_MAIN_ACCT_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "ipc.h"
#include "radattr.h"

struct session;

/* Hung on struct session as s->rad (owned by it, freed in session_destroy). Main-only;
 * callers may read the fields. */
struct radius_settings {
	char acct_session_id[IPC_NAME_MAX + 1]; /* also sent in the Access-Request */
	bool has_attrs;				/* a RADIUS login: attrs is what it set */
	struct radattr_set attrs;
	bool started; /* Accounting-Start queued; a Stop must follow */
	uint64_t start_mono;
	char framed_ip[IPC_ADDR_MAX + 1];
	ev_timer interim; /* running while started */
	unsigned interim_secs;
};

/* A fresh random Acct-Session-Id (16 upper-case hex digits) into dst. */
void acct_new_session_id(char dst[IPC_NAME_MAX + 1]);
/* The RADIUS state of a new session. rep: the helper's Access-Accept reply whose settings
 * apply (NULL for none). NULL on ENOMEM (the session then has no RADIUS state). */
struct radius_settings *acct_settings_new(const char *acct_session_id,
					  const struct ipc_helper_auth_rep *rep);
/* The tunnel of s is up for the first time: Accounting-Start (when s->conf has acct) and
 * the Interim-Update timer (Acct-Interim-Interval, else stats-report-time). */
void acct_session_start(struct session *s);
/* s ends for `reason` (enum disc_reason): Accounting-Stop with the final counters when a
 * Start went out, timer stopped. Call before the session's leases are released. */
void acct_session_stop(struct session *s, unsigned reason);
/* The client's address of "1.2.3.4:443" or "[fd00::2]:443", without the port. */
void acct_client_ip(const char *addr_port, char *dst, size_t size);
/* RFC 2866 Acct-Terminate-Cause for a disc_reason (NAS-Reboot while shutting down). */
uint32_t acct_terminate_cause(unsigned reason, bool shutting_down);

/* The IPv4 address RADIUS gave the session (Framed-IP-Address), or NULL (none, or
 * 255.255.255.254 = from the pool). */
const struct in_addr *acct_radius_addr4(const struct session *s);
/* The IPv6 address RADIUS gave the session (Framed-IPv6-Address), or NULL. */
const struct in6_addr *acct_radius_addr6(const struct session *s);
/* Override a CONNECT reply with what RADIUS set: netmask, routes, DNS, NBNS, session and
 * idle timeout, and a stats period no longer than the interim interval. */
void acct_apply_reply(const struct session *s, struct ipc_tunnel_rep *rep);

#endif
