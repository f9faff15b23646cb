/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The address pool: leases of IPv4 addresses and IPv6 prefixes, kept in a hash set that grows
 * with the leases. Process: main. */
#include "pool.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "log.h"

#define SET_MIN_SLOTS 16

/* A 128-bit number in two host-order halves: __int128 is missing on 32-bit targets. */
struct u128 {
	uint64_t hi, lo;
};

/* Leased indices: open addressing with linear probing, at most half full, backward-shift
 * deletion (no tombstones, so lookups stay short however long main runs). Index 0 is never
 * leased in either family, so the zero key marks a free slot. */
struct lease_set {
	struct u128 *slots;
	size_t mask; /* number of slots - 1; unused while slots is NULL */
	size_t count;
};

/* One family's pool seen as blocks of equal size counted from the network: IPv4 addresses,
 * or the IPv6 prefixes handed to clients. Block `first` to `last` may be leased. */
struct space {
	bool on;
	struct u128 first, last; /* for IPv6, last is also the mask of a block index */
	uint64_t usable;	 /* last - first + 1, saturated at UINT64_MAX */
	struct u128 cursor;	 /* where a lease that is not predictable starts probing */
	struct lease_set set;
};

struct pool {
	struct space s4, s6;
	uint32_t net4; /* host order */
	unsigned prefix4;
	struct u128 net6;
	unsigned prefix6; /* of the pool */
	unsigned subnet6; /* of each client */
};

/* ---- 128-bit helpers ---- */

static struct u128 u128_of(uint64_t v)
{
	return (struct u128){ 0, v };
}

static bool u128_eq(struct u128 a, struct u128 b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

static bool u128_lt(struct u128 a, struct u128 b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}

static struct u128 u128_and(struct u128 a, struct u128 b)
{
	return (struct u128){ a.hi & b.hi, a.lo & b.lo };
}

static struct u128 u128_or(struct u128 a, struct u128 b)
{
	return (struct u128){ a.hi | b.hi, a.lo | b.lo };
}

static struct u128 u128_inc(struct u128 a)
{
	a.lo++;
	if (!a.lo)
		a.hi++;
	return a;
}

/* a << n for n in 0..127. */
static struct u128 u128_shl(struct u128 a, unsigned n)
{
	if (n >= 64)
		return (struct u128){ a.lo << (n - 64), 0 };
	if (n == 0)
		return a;
	return (struct u128){ a.hi << n | a.lo >> (64 - n), a.lo << n };
}

/* a >> n for n in 0..127. */
static struct u128 u128_shr(struct u128 a, unsigned n)
{
	if (n >= 64)
		return (struct u128){ 0, a.hi >> (n - 64) };
	if (n == 0)
		return a;
	return (struct u128){ a.hi >> n, a.lo >> n | a.hi << (64 - n) };
}

/* 2^bits - 1 for bits in 0..128: the low `bits` bits set. */
static struct u128 u128_ones(unsigned bits)
{
	if (bits >= 128)
		return (struct u128){ UINT64_MAX, UINT64_MAX };
	if (bits >= 64)
		return (struct u128){ bits == 64 ? 0 : UINT64_MAX >> (128 - bits), UINT64_MAX };
	return (struct u128){ 0, bits ? UINT64_MAX >> (64 - bits) : 0 };
}

static struct u128 u128_from_in6(const struct in6_addr *a)
{
	struct u128 v = { 0, 0 };

	for (int i = 0; i < 8; i++) {
		v.hi = v.hi << 8 | a->s6_addr[i];
		v.lo = v.lo << 8 | a->s6_addr[i + 8];
	}
	return v;
}

static struct in6_addr u128_to_in6(struct u128 v)
{
	struct in6_addr a;

	for (int i = 7; i >= 0; i--) {
		a.s6_addr[i] = (uint8_t)v.hi;
		a.s6_addr[i + 8] = (uint8_t)v.lo;
		v.hi >>= 8;
		v.lo >>= 8;
	}
	return a;
}

/* ---- hashing ---- */

/* The splitmix64 finaliser: every input bit moves about half the output bits. The set needs
 * no secret key: its keys are block indices that main chooses, and the only wishes it
 * honours come from main's own session table or the administrator's explicit-ipv4/6. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static size_t key_home(const struct lease_set *s, struct u128 k)
{
	return (size_t)(mix64(k.lo ^ mix64(k.hi + 0x9e3779b97f4a7c15ull)) & s->mask);
}

/* FNV-1a of the user name, mixed: the same name gives the same start on every run and every
 * platform, which is what predictable-ips promises. */
static uint64_t user_hash(const char *user)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *c = (const unsigned char *)user; *c; c++)
		h = (h ^ *c) * 0x100000001b3ull;
	return mix64(h);
}

/* ---- the set of leased indices ---- */

static bool key_empty(struct u128 k)
{
	return !k.hi && !k.lo;
}

/* Slot of k, or SIZE_MAX when it is not in the set. */
static size_t set_find(const struct lease_set *s, struct u128 k)
{
	size_t i;

	if (!s->slots)
		return SIZE_MAX;
	for (i = key_home(s, k); !key_empty(s->slots[i]); i = (i + 1) & s->mask)
		if (u128_eq(s->slots[i], k))
			return i;
	return SIZE_MAX;
}

static void set_put(struct lease_set *s, struct u128 k)
{
	size_t i = key_home(s, k);

	while (!key_empty(s->slots[i]))
		i = (i + 1) & s->mask;
	s->slots[i] = k;
	s->count++;
}

/* Make room for one more key, keeping the set at most half full. */
static int set_reserve(struct lease_set *s)
{
	struct lease_set n = { 0 };
	size_t old = s->slots ? s->mask + 1 : 0, want;

	if ((s->count + 1) * 2 <= old)
		return 0;
	want = old ? old * 2 : SET_MIN_SLOTS;
	if (want > SIZE_MAX / 2 / sizeof(*n.slots))
		return ERR_NOMEM;
	n.slots = calloc(want, sizeof(*n.slots));
	if (!n.slots)
		return ERR_NOMEM;
	n.mask = want - 1;
	for (size_t i = 0; i < old; i++)
		if (!key_empty(s->slots[i]))
			set_put(&n, s->slots[i]);
	free(s->slots);
	*s = n;
	return 0;
}

/* True when slot `home` lies cyclically in (gap, at]: the key at `at` may not move to gap. */
static bool stays(size_t gap, size_t at, size_t home)
{
	if (gap < at)
		return home > gap && home <= at;
	return home > gap || home <= at;
}

static void set_del(struct lease_set *s, struct u128 k)
{
	size_t gap = set_find(s, k), at;

	if (gap == SIZE_MAX)
		return;
	for (at = (gap + 1) & s->mask; !key_empty(s->slots[at]); at = (at + 1) & s->mask) {
		if (stays(gap, at, key_home(s, s->slots[at])))
			continue;
		s->slots[gap] = s->slots[at];
		gap = at;
	}
	s->slots[gap] = (struct u128){ 0, 0 };
	s->count--;
}

/* ---- one family ---- */

/* A pool of 2^bits blocks, of which `first` up to the end, less the last block when
 * drop_last (IPv4 broadcast), are usable. */
static void space_init(struct space *s, unsigned bits, uint64_t first, bool drop_last)
{
	s->on = true;
	s->first = u128_of(first);
	s->last = u128_ones(bits);
	if (drop_last)
		s->last.lo--; /* bits <= 31 here: no borrow from hi */
	s->cursor = s->first;
	if (u128_lt(s->last, s->first))
		s->usable = 0;
	else if (s->last.hi)
		s->usable = UINT64_MAX;
	else
		s->usable = s->last.lo - first + 1;
}

static bool space_usable(const struct space *s, struct u128 i)
{
	return s->on && !u128_lt(i, s->first) && !u128_lt(s->last, i);
}

static uint64_t space_free(const struct space *s)
{
	return s->usable - s->set.count;
}

static struct u128 space_next(const struct space *s, struct u128 i)
{
	return u128_lt(i, s->last) ? u128_inc(i) : s->first;
}

/* A usable block chosen by h, about evenly over the usable range. */
static struct u128 space_pick(const struct space *s, uint64_t h)
{
	struct u128 i;

	if (!s->last.hi)
		return u128_of(s->first.lo + h % (s->last.lo - s->first.lo + 1));
	/* More than 2^64 blocks: last is 2^bits - 1, a mask; the bias of clamping is 2^-64. */
	i = u128_and((struct u128){ mix64(h ^ 0x5851f42d4c957f2dull), h }, s->last);
	return u128_lt(i, s->first) ? s->first : i;
}

static int space_take(struct space *s, struct u128 i, struct u128 *out)
{
	int r;

	if ((r = set_reserve(&s->set)) != 0)
		return r;
	set_put(&s->set, i);
	*out = i;
	return 0;
}

/* The lease algorithm shared by both families; want_ok tells whether *want is a usable
 * block of this pool. */
static int space_lease(struct space *s, const struct u128 *want, bool want_ok, bool strict,
		       const char *user, bool predictable, struct u128 *out)
{
	bool hashed = predictable && user && user[0];
	uint64_t probes;
	struct u128 i;

	*out = (struct u128){ 0, 0 };
	if (!s->on)
		return ERR_RANGE;
	if (want && want_ok && set_find(&s->set, *want) == SIZE_MAX)
		return space_take(s, *want, out);
	if (want && strict)
		return want_ok ? ERR_DENIED : ERR_RANGE;
	if (!space_free(s))
		return ERR_RANGE;
	i = hashed ? space_pick(s, user_hash(user)) : s->cursor;
	/* Among count + 1 consecutive blocks at least one is free. */
	probes = s->set.count < s->usable ? s->set.count + 1 : s->usable;
	for (; probes; probes--, i = space_next(s, i)) {
		if (set_find(&s->set, i) != SIZE_MAX)
			continue;
		if (!hashed)
			s->cursor = space_next(s, i);
		return space_take(s, i, out);
	}
	return ERR_RANGE;
}

static void space_cleanup(struct space *s)
{
	free(s->set.slots);
	memset(s, 0, sizeof(*s));
}

/* ---- the pool ---- */

struct pool *pool_new(const struct conf *c)
{
	struct pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (c->has_ipv4) {
		/* conf_finish() accepts /1 to /30 only: each pool has room for one client. */
		BUG(c->ipv4_prefix < 1 || c->ipv4_prefix > 30);
		p->prefix4 = c->ipv4_prefix;
		p->net4 =
			ntohl(c->ipv4_network.s_addr) & (uint32_t)(UINT32_MAX << (32 - p->prefix4));
		/* 0 is the network, 1 the gateway, the last the broadcast address. */
		space_init(&p->s4, 32 - p->prefix4, 2, true);
	}
	if (c->has_ipv6) {
		BUG(c->ipv6_prefix < 1 || c->ipv6_subnet_prefix > 128 ||
		    c->ipv6_subnet_prefix <= c->ipv6_prefix);
		p->prefix6 = c->ipv6_prefix;
		p->subnet6 = c->ipv6_subnet_prefix;
		p->net6 = u128_and(u128_from_in6(&c->ipv6_network),
				   u128_shl(u128_ones(p->prefix6), 128 - p->prefix6));
		/* Block 0 holds the network address (and, for prefixes, the gateway's network+1);
		 * with /128 blocks the gateway is block 1. */
		space_init(&p->s6, p->subnet6 - p->prefix6, p->subnet6 == 128 ? 2 : 1, false);
	}
	return p;
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	space_cleanup(&p->s4);
	space_cleanup(&p->s6);
	free(p);
}

bool pool_has4(const struct pool *p)
{
	return p->s4.on;
}

bool pool_has6(const struct pool *p)
{
	return p->s6.on;
}

static struct in_addr addr4(const struct pool *p, uint32_t index)
{
	struct in_addr a = { .s_addr = htonl(p->net4 + index) };

	return a;
}

struct in_addr pool_local4(const struct pool *p)
{
	struct in_addr none = { 0 };

	return p->s4.on ? addr4(p, 1) : none;
}

struct in_addr pool_netmask4(const struct pool *p)
{
	struct in_addr m = { 0 };

	if (p->s4.on)
		m.s_addr = htonl((uint32_t)(UINT32_MAX << (32 - p->prefix4)));
	return m;
}

/* Block index of a; false when a lies outside the pool's network. */
static bool index4(const struct pool *p, struct in_addr a, struct u128 *i)
{
	uint32_t h = ntohl(a.s_addr);

	*i = u128_of(h - p->net4);
	return p->s4.on && (h & (uint32_t)(UINT32_MAX << (32 - p->prefix4))) == p->net4;
}

int pool_lease4(struct pool *p, const char *user, const struct in_addr *want, bool strict,
		bool predictable, struct in_addr *out)
{
	struct u128 w = { 0, 0 }, i;
	bool ok = false;
	int r = ERR_INTERNAL;

	out->s_addr = 0;
	if (want)
		ok = index4(p, *want, &w) && space_usable(&p->s4, w);
	if ((r = space_lease(&p->s4, want ? &w : NULL, ok, strict, user, predictable, &i)) != 0)
		goto out;
	*out = addr4(p, (uint32_t)i.lo);
	r = 0;
out:
	return r;
}

void pool_release4(struct pool *p, struct in_addr a)
{
	struct u128 i;

	if (index4(p, a, &i))
		set_del(&p->s4.set, i);
}

bool pool_is_leased4(const struct pool *p, struct in_addr a)
{
	struct u128 i;

	return index4(p, a, &i) && set_find(&p->s4.set, i) != SIZE_MAX;
}

static struct in6_addr addr6(const struct pool *p, struct u128 index)
{
	return u128_to_in6(u128_or(p->net6, u128_shl(index, 128 - p->subnet6)));
}

struct in6_addr pool_local6(const struct pool *p)
{
	return p->s6.on ? u128_to_in6(u128_inc(p->net6)) : in6addr_any;
}

unsigned pool_prefix6(const struct pool *p)
{
	return p->s6.on ? p->subnet6 : 0;
}

/* Index of the client prefix that holds a; false when a lies outside the pool. */
static bool index6(const struct pool *p, struct in6_addr a, struct u128 *i)
{
	struct u128 v = u128_from_in6(&a);

	*i = (struct u128){ 0, 0 };
	if (!p->s6.on)
		return false;
	*i = u128_and(u128_shr(v, 128 - p->subnet6), p->s6.last);
	return u128_eq(u128_and(v, u128_shl(u128_ones(p->prefix6), 128 - p->prefix6)), p->net6);
}

int pool_lease6(struct pool *p, const char *user, const struct in6_addr *want, bool strict,
		bool predictable, struct in6_addr *out)
{
	struct u128 w = { 0, 0 }, i;
	bool ok = false;
	int r = ERR_INTERNAL;

	*out = in6addr_any;
	if (want)
		ok = index6(p, *want, &w) && space_usable(&p->s6, w);
	if ((r = space_lease(&p->s6, want ? &w : NULL, ok, strict, user, predictable, &i)) != 0)
		goto out;
	*out = addr6(p, i);
	r = 0;
out:
	return r;
}

void pool_release6(struct pool *p, struct in6_addr a)
{
	struct u128 i;

	if (index6(p, a, &i))
		set_del(&p->s6.set, i);
}

bool pool_is_leased6(const struct pool *p, struct in6_addr a)
{
	struct u128 i;

	return index6(p, a, &i) && set_find(&p->s6.set, i) != SIZE_MAX;
}

size_t pool_used4(const struct pool *p)
{
	return p->s4.set.count;
}

size_t pool_free4(const struct pool *p)
{
	return p->s4.on ? (size_t)space_free(&p->s4) : 0;
}

size_t pool_used6(const struct pool *p)
{
	return p->s6.set.count;
}
