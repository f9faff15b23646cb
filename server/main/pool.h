/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The address pool: IPv4 addresses and IPv6 prefixes leased to sessions, in memory that grows
 * with the leases, never with the size of the pool. Pure logic, no I/O. Process: main. */
#ifndef CSTPD_SERVER_MAIN_POOL_H
#define CSTPD_SERVER_MAIN_POOL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

struct conf;
struct pool;

/* A pool from c->has_ipv4/ipv4_network/ipv4_prefix and c->has_ipv6/ipv6_network/
 * ipv6_prefix/ipv6_subnet_prefix, as conf_finish() left them (prefixes checked). NULL on
 * ENOMEM. Free with pool_free(). */
struct pool *pool_new(const struct conf *c);
/* Free the pool and every lease; NULL is a no-op. */
void pool_free(struct pool *p);
/* True when the pool has an IPv4 (IPv6) part. */
bool pool_has4(const struct pool *p);
bool pool_has6(const struct pool *p);

/* The gateway's own tunnel-side IPv4 address, network+1: the local end of every tun device
 * (point-to-point). 0.0.0.0 without an IPv4 pool. */
struct in_addr pool_local4(const struct pool *p);
/* The gateway's own tunnel-side IPv6 address, network+1; :: without an IPv6 pool. */
struct in6_addr pool_local6(const struct pool *p);
/* The IPv4 pool's netmask (what X-CSTP-Netmask carries). */
struct in_addr pool_netmask4(const struct pool *p);
/* The prefix length each client gets (ipv6-subnet-prefix); 0 without an IPv6 pool. */
unsigned pool_prefix6(const struct pool *p);

/* Lease an IPv4 address for `user` into *out. want: NULL, or a wished address (the previous
 * lease of a reconnecting session, or explicit-ipv4). strict (explicit-ipv4): want or
 * nothing: ERR_RANGE when it is outside the usable range, ERR_DENIED when it is leased.
 * Not strict: want when it is usable and free, else as without want. predictable (and a
 * user name): start at an address derived from the name (the same one after a release, even
 * across restarts), else at a rotating cursor; probe onward from there. Never the network, the
 * gateway (network+1) or the broadcast address. 0, ERR_RANGE (no pool, or exhausted; a
 * full pool fails at once), ERR_NOMEM. Does not block; O(1) expected per probe. */
int pool_lease4(struct pool *p, const char *user, const struct in_addr *want, bool strict,
		bool predictable, struct in_addr *out);
/* Return an address to the pool; an address that is not leased is a no-op. */
void pool_release4(struct pool *p, struct in_addr a);
/* True when a is leased. */
bool pool_is_leased4(const struct pool *p, struct in_addr a);

/* Lease a prefix of length pool_prefix6() inside the IPv6 pool, with pool_lease4()'s
 * semantics. *out is the first address of the client's prefix (the address itself for
 * /128); never a prefix that holds the pool's network address or the gateway's local6.
 * A wished address is taken as the prefix that contains it. */
int pool_lease6(struct pool *p, const char *user, const struct in6_addr *want, bool strict,
		bool predictable, struct in6_addr *out);
/* Return the prefix that contains a; a prefix that is not leased is a no-op. */
void pool_release6(struct pool *p, struct in6_addr a);
/* True when the prefix that contains a is leased. */
bool pool_is_leased6(const struct pool *p, struct in6_addr a);

/* Number of leased IPv4 addresses, and of IPv4 addresses still free. */
size_t pool_used4(const struct pool *p);
size_t pool_free4(const struct pool *p);
/* Number of leased IPv6 prefixes. */
size_t pool_used6(const struct pool *p);

#endif
