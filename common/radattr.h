/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RADIUS reply attributes -> per-session settings: addresses, routes, DNS, timeouts, groups
 * from Class. Pure: values in, a struct out; no radcli, no I/O. Process: any. */
#ifndef CSTPD_COMMON_RADATTR_H
#define CSTPD_COMMON_RADATTR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ipc.h"

#define RADATTR_VAL_MAX	   253 /* an attribute value (RFC 2865 §5) */
#define RADATTR_ROUTES_MAX IPC_LIST_MAX
#define RADATTR_CLASS_MAX  IPC_RAD_CLASS_MAX
#define RADATTR_GROUPS_MAX IPC_GROUPS_MAX

/* Attribute numbers (RFC 2865, 2869, 6911) and the Microsoft vendor ones (RFC 2548 and
 * the MS-RAS dictionary). */
enum radattr_type {
	RADATTR_FRAMED_IP_ADDRESS = 8,
	RADATTR_FRAMED_IP_NETMASK = 9,
	RADATTR_REPLY_MESSAGE = 18,
	RADATTR_FRAMED_ROUTE = 22,
	RADATTR_STATE = 24,
	RADATTR_CLASS = 25,
	RADATTR_VENDOR_SPECIFIC = 26,
	RADATTR_SESSION_TIMEOUT = 27,
	RADATTR_IDLE_TIMEOUT = 28,
	RADATTR_ACCT_INTERIM_INTERVAL = 85,
	RADATTR_FRAMED_IPV6_ROUTE = 99,
	RADATTR_FRAMED_IPV6_ADDRESS = 168,
};

#define RADATTR_VENDOR_MICROSOFT 311
enum radattr_ms_type {
	RADATTR_MS_PRIMARY_DNS = 28,
	RADATTR_MS_SECONDARY_DNS = 29,
	RADATTR_MS_PRIMARY_NBNS = 30,
	RADATTR_MS_SECONDARY_NBNS = 31,
};

/* What an Access-Accept set for the session. Callers may read every field. */
struct radattr_set {
	bool has_addr4;	 /* Framed-IP-Address */
	bool addr4_pool; /* it was 255.255.255.254: "pick one from the pool" */
	struct in_addr addr4;
	bool has_netmask4;
	struct in_addr netmask4;
	bool has_addr6;
	struct in6_addr addr6;
	struct conf_net routes[RADATTR_ROUTES_MAX]; /* Framed-Route, Framed-IPv6-Route */
	size_t n_routes;
	bool has_dns[2]; /* [0] primary, [1] secondary */
	struct in_addr dns[2];
	bool has_nbns[2];
	struct in_addr nbns[2];
	int session_timeout; /* seconds; -1 = not given */
	int idle_timeout;
	int interim;					   /* Acct-Interim-Interval */
	char groups[RADATTR_GROUPS_MAX][IPC_NAME_MAX + 1]; /* from Class, in order, no repeats */
	size_t n_groups;
	uint8_t class_val[RADATTR_CLASS_MAX][RADATTR_VAL_MAX]; /* echoed in accounting */
	size_t class_len[RADATTR_CLASS_MAX];
	size_t n_class;
	unsigned n_ignored; /* attributes skipped: malformed, repeated or beyond a limit */
};

/* Mark every setting "not given". Cannot fail. */
void radattr_init(struct radattr_set *s);
/* Apply one attribute as on the wire (vendor 0 for a standard one; integers and addresses
 * in network order). 0 when applied or not ours; ERR_FORMAT (malformed), ERR_RANGE (a
 * repeated single-valued attribute: the first stays), ERR_TOO_LARGE (a list is full):
 * the set is then unchanged apart from n_ignored. Pure. */
int radattr_add(struct radattr_set *s, uint32_t vendor, uint32_t type, const uint8_t *val,
		size_t len);
/* Apply a run of attributes in RADIUS packet form (type, length, value; Vendor-Specific
 * holding vendor id and sub-attributes). Errors of single attributes are counted in
 * n_ignored; 0, or ERR_FORMAT / ERR_TRUNCATED when the framing is broken (then discard
 * the set). Pure. */
int radattr_parse(const uint8_t *attrs, size_t len, struct radattr_set *s);
/* Write the settings (and the Class groups, after those already in rep->groups) into
 * an auth helper reply. 0 or ERR_TOO_LARGE. Pure. */
int radattr_export(const struct radattr_set *s, struct ipc_helper_auth_rep *rep);
/* Read back what radattr_export() wrote (rad_ fields only; groups stay in rep).
 * 0 or ERR_FORMAT. Pure. */
int radattr_import(const struct ipc_helper_auth_rep *rep, struct radattr_set *s);

#endif
