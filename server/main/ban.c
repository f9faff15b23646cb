/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-address failed-login scores and bans in a fixed-capacity open-addressing table.
 * Process: main. */
#include "ban.h"

#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "secmem.h"

/* Slots are at least twice the capacity, so probe chains stay short and a free slot exists. */
#define CAPACITY_MAX (1u << 24)
/* When full, the clock hand passes at most this many slots and weighs at most this many
 * entries to choose a victim: O(1) per insertion, never a walk of the whole table. */
#define EVICT_SLOTS   64
#define EVICT_ENTRIES 16

#define NONE SIZE_MAX

enum ban_family { FAM_FREE = 0, FAM_V4 = 4, FAM_V6 = 6 };

/* An IPv4 address, or the /64 of an IPv6 address: one client rotating through its /64
 * must not get a fresh score for each address. */
struct ban_key {
	uint8_t family;
	uint8_t addr[8];
};

struct ban_entry {
	uint64_t hash;
	uint64_t last_point; /* when points were last added: the reset clock */
	uint64_t banned_until;
	int score;
	bool banned;
	struct ban_key key; /* key.family FAM_FREE: the slot is empty */
};

struct ban_table {
	struct ban_entry *slots;
	size_t mask; /* number of slots - 1 */
	size_t capacity;
	size_t count;
	size_t hand;	 /* where the next eviction sweep starts */
	uint64_t sip[2]; /* random hash key: addresses cannot be chosen to share a probe chain */
	struct ban_cfg cfg;
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13) ^ v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17) ^ v[2];
	v[2] = ROTL(v[2], 32);
}

static void sip_absorb(uint64_t v[4], uint64_t m, int rounds)
{
	v[3] ^= m;
	for (int i = 0; i < rounds; i++)
		sip_round(v);
	v[0] ^= m;
}

/* SipHash-2-4 of a 16-byte message given as two little-endian words. */
static uint64_t sip_hash16(const uint64_t k[2], uint64_t m0, uint64_t m1)
{
	uint64_t v[4] = {
		k[0] ^ 0x736f6d6570736575ull,
		k[1] ^ 0x646f72616e646f6dull,
		k[0] ^ 0x6c7967656e657261ull,
		k[1] ^ 0x7465646279746573ull,
	};

	sip_absorb(v, m0, 2);
	sip_absorb(v, m1, 2);
	sip_absorb(v, (uint64_t)16 << 56, 2);
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint64_t key_hash(const struct ban_table *t, const struct ban_key *k)
{
	uint64_t m0 = 0;

	for (int i = 7; i >= 0; i--)
		m0 = m0 << 8 | k->addr[i];
	return sip_hash16(t->sip, m0, k->family);
}

/* IPv4-mapped IPv6 (a dual-stack listener's view of IPv4 clients) counts as IPv4: their
 * shared /64 would otherwise put every IPv4 client under one score. */
static bool make_key(const struct sockaddr *sa, struct ban_key *k)
{
	memset(k, 0, sizeof(*k));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;

		k->family = FAM_V4;
		memcpy(k->addr, &sin->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			k->family = FAM_V4;
			memcpy(k->addr, &sin6->sin6_addr.s6_addr[12], 4);
		} else {
			k->family = FAM_V6;
			memcpy(k->addr, &sin6->sin6_addr.s6_addr[0], 8);
		}
		return true;
	}
	return false;
}

static void key_to_sockaddr(const struct ban_key *k, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (k->family == FAM_V4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, k->addr, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr.s6_addr[0], k->addr, 8);
	}
}

static bool key_equal(const struct ban_key *a, const struct ban_key *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

struct ban_table *ban_new(size_t capacity)
{
	struct ban_table *t;
	size_t nslots = 16;

	if (capacity == 0 || capacity > CAPACITY_MAX)
		return NULL;
	while (nslots < 2 * capacity)
		nslots *= 2;
	if (!(t = calloc(1, sizeof(*t))))
		return NULL;
	t->slots = calloc(nslots, sizeof(*t->slots));
	if (!t->slots || secmem_random(t->sip, sizeof(t->sip)) != 0) {
		ban_free(t);
		return NULL;
	}
	t->mask = nslots - 1;
	t->capacity = capacity;
	return t;
}

void ban_free(struct ban_table *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

void ban_set_cfg(struct ban_table *t, const struct ban_cfg *cfg)
{
	t->cfg = *cfg;
}

size_t ban_count(const struct ban_table *t)
{
	return t->count;
}

/* Linear probing; stops at the first free slot since removal keeps chains unbroken. */
static size_t slot_find(const struct ban_table *t, const struct ban_key *k)
{
	uint64_t h = key_hash(t, k);

	for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
		const struct ban_entry *e = &t->slots[i];

		if (e->key.family == FAM_FREE)
			return NONE;
		if (e->hash == h && key_equal(&e->key, k))
			return i;
	}
}

/* Backward-shift deletion: pull later members of the chain into the hole so that lookups
 * never need tombstones. */
static void slot_remove(struct ban_table *t, size_t hole)
{
	size_t j = hole, home;

	for (;;) {
		j = (j + 1) & t->mask;
		if (t->slots[j].key.family == FAM_FREE)
			break;
		home = t->slots[j].hash & t->mask;
		if (((j - home) & t->mask) >= ((j - hole) & t->mask)) {
			t->slots[hole] = t->slots[j];
			hole = j;
		}
	}
	memset(&t->slots[hole], 0, sizeof(t->slots[hole]));
	t->count--;
}

static size_t slot_insert(struct ban_table *t, const struct ban_key *k, uint64_t now)
{
	uint64_t h = key_hash(t, k);
	size_t i = h & t->mask;

	while (t->slots[i].key.family != FAM_FREE)
		i = (i + 1) & t->mask;
	memset(&t->slots[i], 0, sizeof(t->slots[i]));
	t->slots[i].key = *k;
	t->slots[i].hash = h;
	t->slots[i].last_point = now;
	t->count++;
	return i;
}

/* The entry's state at `now`, without changing it: a ban ends with its score cleared, and an
 * unbanned score is forgotten reset_time seconds after its last point. */
static void entry_eval(const struct ban_table *t, const struct ban_entry *e, uint64_t now,
		       int *score, bool *banned)
{
	*score = e->score;
	*banned = e->banned;
	if (e->banned && now >= e->banned_until) {
		*banned = false;
		*score = 0;
	}
	if (!*banned && t->cfg.reset_time > 0 && now >= e->last_point &&
	    now - e->last_point >= (uint64_t)t->cfg.reset_time)
		*score = 0;
}

/* Index of the live entry for k, or NONE; an entry with nothing left to remember is
 * dropped on the way. */
static size_t find_live(struct ban_table *t, const struct ban_key *k, uint64_t now)
{
	size_t i = slot_find(t, k);
	struct ban_entry *e;
	int score;
	bool banned;

	if (i == NONE)
		return NONE;
	e = &t->slots[i];
	entry_eval(t, e, now, &score, &banned);
	e->score = score;
	e->banned = banned;
	if (banned || score > 0)
		return i;
	slot_remove(t, i);
	return NONE;
}

/* Is candidate a better victim than best: idle entries first, then the lowest score, then
 * the oldest. Banned entries are never victims, so a flood of new addresses cannot lift a
 * ban. */
static bool better_victim(const struct ban_entry *cand, int cand_score,
			  const struct ban_entry *best, int best_score)
{
	if (!best)
		return true;
	if (cand_score != best_score)
		return cand_score < best_score;
	return cand->last_point < best->last_point;
}

/* Free one slot for a new address: sweep a bounded run of slots from the clock hand.
 * False when every entry looked at is banned: the new address then goes untracked. */
static bool evict_one(struct ban_table *t, uint64_t now)
{
	const struct ban_entry *best = NULL;
	size_t victim = NONE, seen = 0, n;
	int best_score = 0, score;
	bool banned;

	for (n = 0; n < EVICT_SLOTS && seen < EVICT_ENTRIES; n++) {
		size_t i = (t->hand + n) & t->mask;
		const struct ban_entry *e = &t->slots[i];

		if (e->key.family == FAM_FREE)
			continue;
		seen++;
		entry_eval(t, e, now, &score, &banned);
		if (banned || !better_victim(e, score, best, best_score))
			continue;
		best = e;
		best_score = score;
		victim = i;
		if (score == 0)
			break;
	}
	t->hand = (t->hand + n) & t->mask;
	if (victim == NONE)
		return false;
	slot_remove(t, victim);
	return true;
}

static int add_saturating(int a, int b)
{
	return a > INT_MAX - b ? INT_MAX : a + b;
}

bool ban_add_points(struct ban_table *t, const struct sockaddr *addr, int points, uint64_t now)
{
	struct ban_entry *e;
	struct ban_key k;
	size_t i;

	if (t->cfg.max_score <= 0 || points <= 0 || !make_key(addr, &k))
		return false;
	i = find_live(t, &k, now);
	if (i == NONE) {
		if (t->count >= t->capacity && !evict_one(t, now))
			return false;
		i = slot_insert(t, &k, now);
	}
	e = &t->slots[i];
	if (e->banned)
		return false;
	e->score = add_saturating(e->score, points);
	e->last_point = now;
	if (e->score < t->cfg.max_score)
		return false;
	e->banned = true;
	e->banned_until = now + (uint64_t)(t->cfg.ban_time > 0 ? t->cfg.ban_time : 0);
	return true;
}

bool ban_is_banned(struct ban_table *t, const struct sockaddr *addr, uint64_t now,
		   uint64_t *remaining)
{
	struct ban_key k;
	size_t i;

	if (remaining)
		*remaining = 0;
	if (t->cfg.max_score <= 0 || !make_key(addr, &k))
		return false;
	i = find_live(t, &k, now);
	if (i == NONE || !t->slots[i].banned)
		return false;
	if (remaining)
		*remaining = t->slots[i].banned_until - now;
	return true;
}

int ban_get_score(struct ban_table *t, const struct sockaddr *addr, uint64_t now)
{
	struct ban_key k;
	size_t i;

	if (!make_key(addr, &k))
		return 0;
	i = find_live(t, &k, now);
	return i == NONE ? 0 : t->slots[i].score;
}

bool ban_unban(struct ban_table *t, const struct sockaddr *addr)
{
	struct ban_key k;
	size_t i;

	if (!make_key(addr, &k))
		return false;
	i = slot_find(t, &k);
	if (i == NONE)
		return false;
	slot_remove(t, i);
	return true;
}

void ban_foreach(struct ban_table *t, uint64_t now, ban_foreach_cb cb, void *arg)
{
	struct sockaddr_storage ss;
	int score;
	bool banned;

	if (t->cfg.max_score <= 0)
		return;
	for (size_t i = 0; i <= t->mask; i++) {
		const struct ban_entry *e = &t->slots[i];

		if (e->key.family == FAM_FREE)
			continue;
		entry_eval(t, e, now, &score, &banned);
		if (!banned)
			continue;
		key_to_sockaddr(&e->key, &ss);
		cb(arg, (const struct sockaddr *)&ss, score, e->banned_until - now);
	}
}
