/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for server/main/ban: scoring, banning, expiry, reset and bounded memory.
 * Process: any (test program). */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/un.h>

#include "ban.h"
#include "tap.h"

static const struct ban_cfg cfg = {
	.max_score = 20,
	.ban_time = 300,
	.reset_time = 1200,
	.points_wrong_password = 10,
	.points_connection = 1,
};

/* A sockaddr for a literal address; the storage rotates so a few can be live at once. */
static const struct sockaddr *sa(const char *ip)
{
	static struct sockaddr_storage ring[8];
	static unsigned next;
	struct sockaddr_storage *ss = &ring[next++ % 8];

	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, ip, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		inet_pton(AF_INET, ip, &s4->sin_addr);
	}
	return (const struct sockaddr *)ss;
}

static const struct sockaddr *sa_v4n(uint32_t n)
{
	static struct sockaddr_in s4;

	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_addr.s_addr = htonl(n);
	return (const struct sockaddr *)&s4;
}

static struct ban_table *mk(size_t cap)
{
	struct ban_table *t = ban_new(cap);

	if (t)
		ban_set_cfg(t, &cfg);
	return t;
}

static void test_lifecycle(void)
{
	struct ban_table *t;

	ok(ban_new(0) == NULL, "capacity 0 refused");
	ok(ban_new((size_t)1 << 40) == NULL, "huge capacity refused");
	ban_free(NULL);
	ok(1, "ban_free(NULL) is a no-op");
	t = ban_new(16);
	ok(t != NULL, "ban_new(16)");
	ok(!ban_add_points(t, sa("192.0.2.1"), 100, 0), "no cfg: banning disabled");
	is_int(ban_get_score(t, sa("192.0.2.1"), 0), 0, "no cfg: nothing tracked");
	is_int(ban_count(t), 0, "count 0");
	ban_free(t);
}

static void test_accumulate(void)
{
	struct ban_table *t = mk(16);
	const struct sockaddr *a = sa("192.0.2.1");
	uint64_t rem = 99;

	ok(!ban_add_points(t, a, cfg.points_connection, 1000), "connection point");
	is_int(ban_get_score(t, a, 1000), 1, "score 1");
	ok(!ban_add_points(t, a, cfg.points_wrong_password, 1001), "wrong password");
	is_int(ban_get_score(t, a, 1001), 11, "score 11");
	ok(!ban_is_banned(t, a, 1001, &rem), "not banned below the maximum");
	is_int(rem, 0, "remaining 0 when not banned");
	ok(!ban_add_points(t, a, 8, 1002), "score 19");
	ok(ban_add_points(t, a, 1, 1003), "reaching max_score bans");
	ok(ban_is_banned(t, a, 1003, &rem), "banned");
	is_int(rem, 300, "for ban_time");
	is_int(ban_get_score(t, a, 1003), 20, "score kept while banned");
	ok(!ban_add_points(t, a, 10, 1010), "points while banned do not ban again");
	is_int(ban_get_score(t, a, 1010), 20, "points while banned ignored");
	ok(ban_is_banned(t, a, 1302, &rem) && rem == 1, "1 s left at 1302");
	ok(ban_is_banned(t, a, 1302, NULL), "remaining may be NULL");
	ok(!ban_is_banned(t, a, 1303, &rem), "ban over after ban_time");
	is_int(ban_get_score(t, a, 1303), 0, "score cleared when the ban ends");
	is_int(ban_count(t), 0, "expired entry dropped");
	ok(!ban_add_points(t, a, 10, 1304), "fresh start after the ban");
	is_int(ban_get_score(t, a, 1304), 10, "score counts from zero");
	ok(!ban_is_banned(t, sa("192.0.2.2"), 1304, NULL), "other address unaffected");
	ok(!ban_add_points(t, a, 0, 1305) && !ban_add_points(t, a, -5, 1305),
	   "points <= 0 ignored");
	is_int(ban_get_score(t, a, 1305), 10, "score unchanged");
	ok(ban_add_points(t, a, 50, 1306), "one big step over the maximum bans");
	ban_free(t);
}

static void test_reset(void)
{
	struct ban_table *t = mk(16);
	const struct sockaddr *a = sa("198.51.100.7");
	struct ban_cfg c = cfg;

	ban_add_points(t, a, 10, 0);
	is_int(ban_get_score(t, a, 1199), 10, "score kept until reset_time");
	is_int(ban_get_score(t, a, 1200), 0, "score reset after reset_time");
	is_int(ban_count(t), 0, "reset entry dropped");

	ban_add_points(t, a, 10, 5000);
	ban_add_points(t, a, 5, 6000);
	is_int(ban_get_score(t, a, 7199), 15, "each point restarts the reset clock");
	is_int(ban_get_score(t, a, 7200), 0, "reset reset_time after the last point");

	ban_add_points(t, a, 10, 8000);
	ok(!ban_add_points(t, a, 10, 9200), "point after reset_time starts from zero");
	is_int(ban_get_score(t, a, 9200), 10, "old score not added");

	c.reset_time = 0;
	ban_set_cfg(t, &c);
	ban_add_points(t, a, 5, 10000);
	is_int(ban_get_score(t, a, 10000 + 1000000), 15, "reset_time 0: never reset");
	ban_free(t);
}

static void test_disabled(void)
{
	struct ban_table *t = mk(16);
	const struct sockaddr *a = sa("203.0.113.9");
	struct ban_cfg c = cfg;

	ok(ban_add_points(t, a, 25, 0), "banned");
	c.max_score = 0;
	ban_set_cfg(t, &c);
	ok(!ban_is_banned(t, a, 1, NULL), "max_score 0: no address is banned");
	ok(!ban_add_points(t, sa("203.0.113.10"), 1000, 1), "max_score 0: never bans");
	is_int(ban_get_score(t, sa("203.0.113.10"), 1), 0, "max_score 0: nothing scored");
	ban_set_cfg(t, &cfg);
	ok(ban_is_banned(t, a, 2, NULL), "re-enabled: the ban is still there");
	ban_free(t);
}

static void test_families(void)
{
	struct ban_table *t = mk(16);
	struct sockaddr_un un;

	ban_add_points(t, sa("2001:db8:1:2::1"), 10, 0);
	ban_add_points(t, sa("2001:db8:1:2:ffff:ffff:ffff:fffe"), 5, 0);
	is_int(ban_get_score(t, sa("2001:db8:1:2:abcd::9"), 0), 15, "IPv6 /64 shares one score");
	is_int(ban_get_score(t, sa("2001:db8:1:3::1"), 0), 0, "next /64 is separate");
	ok(ban_add_points(t, sa("2001:db8:1:2::77"), 5, 1), "ban reached from a third address");
	ok(ban_is_banned(t, sa("2001:db8:1:2:1:2:3:4"), 2, NULL), "whole /64 banned");
	ok(!ban_is_banned(t, sa("2001:db8:1:1::1"), 2, NULL), "neighbour /64 not banned");

	ban_add_points(t, sa("::ffff:192.0.2.50"), 7, 0);
	is_int(ban_get_score(t, sa("192.0.2.50"), 0), 7, "v4-mapped IPv6 is the IPv4 address");
	is_int(ban_get_score(t, sa("::ffff:192.0.2.51"), 0), 0, "mapped addresses not aggregated");
	is_int(ban_get_score(t, sa("::192.0.2.50"), 0), 0, "v4-compatible is plain IPv6");

	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	ok(!ban_add_points(t, (const struct sockaddr *)&un, 100, 0), "AF_UNIX ignored");
	ok(!ban_is_banned(t, (const struct sockaddr *)&un, 0, NULL), "AF_UNIX never banned");
	is_int(ban_get_score(t, (const struct sockaddr *)&un, 0), 0, "AF_UNIX score 0");
	ok(!ban_unban(t, (const struct sockaddr *)&un), "AF_UNIX unban false");
	ban_free(t);
}

static void test_flood(void)
{
	struct ban_table *t = mk(64);
	const struct sockaddr *bad = sa("192.0.2.66");
	const struct sockaddr *slow = sa("192.0.2.77");
	bool all_ok = true;

	ok(ban_add_points(t, bad, 20, 100), "attacker banned");
	ban_add_points(t, slow, 15, 100);
	for (uint32_t i = 0; i < 200000; i++) {
		ban_add_points(t, sa_v4n(0x0a000000u + i), cfg.points_connection, 100 + i / 1000);
		all_ok &= ban_count(t) <= 64;
	}
	ok(all_ok, "count never above capacity during the flood");
	ok(ban_is_banned(t, sa("192.0.2.66"), 299, NULL), "flood did not evict the ban");
	is_int(ban_get_score(t, sa("192.0.2.77"), 299), 15,
	       "flood of 1-point entries did not evict a higher score");
	is_int(ban_count(t), 64, "table full");
	ban_free(t);
}

static void test_full_of_bans(void)
{
	struct ban_table *t = mk(16);
	bool all = true;

	for (uint32_t i = 0; i < 16; i++)
		all &= ban_add_points(t, sa_v4n(0xc6336400u + i), 20, 0);
	ok(all, "16 addresses banned");
	ok(!ban_add_points(t, sa("192.0.2.1"), 20, 1), "no room: new address goes untracked");
	is_int(ban_get_score(t, sa("192.0.2.1"), 1), 0, "untracked score 0");
	all = true;
	for (uint32_t i = 0; i < 16; i++)
		all &= ban_is_banned(t, sa_v4n(0xc6336400u + i), 1, NULL);
	ok(all, "every ban survives");
	ok(ban_add_points(t, sa("192.0.2.1"), 20, 300), "room again once bans expire");
	is_int(ban_count(t), 16, "count stays at capacity");
	ban_free(t);
}

static void test_unban(void)
{
	struct ban_table *t = mk(16);

	ban_add_points(t, sa("192.0.2.9"), 30, 0);
	ban_add_points(t, sa("192.0.2.10"), 3, 0);
	ok(ban_unban(t, sa("192.0.2.9")), "unban removes the entry");
	ok(!ban_is_banned(t, sa("192.0.2.9"), 1, NULL), "no longer banned");
	is_int(ban_get_score(t, sa("192.0.2.9"), 1), 0, "score gone");
	ok(!ban_unban(t, sa("192.0.2.9")), "second unban finds nothing");
	ok(ban_unban(t, sa("192.0.2.10")), "unban of a scored address");
	is_int(ban_count(t), 0, "table empty");
	ban_free(t);
}

struct seen {
	unsigned n;
	bool v4_ok, v6_ok, other;
};

static void collect(void *arg, const struct sockaddr *addr, int score, uint64_t remaining)
{
	struct seen *s = arg;
	char txt[INET6_ADDRSTRLEN];

	s->n++;
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)addr;

		inet_ntop(AF_INET, &s4->sin_addr, txt, sizeof(txt));
		if (strcmp(txt, "192.0.2.1") == 0)
			s->v4_ok = score == 25 && remaining == 290;
		else if (strcmp(txt, "192.0.2.2") != 0)
			s->other = true;
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)addr;

		inet_ntop(AF_INET6, &s6->sin6_addr, txt, sizeof(txt));
		s->v6_ok = strcmp(txt, "2001:db8:aa:bb::") == 0 && score == 20 && remaining == 295;
	}
}

static void test_foreach(void)
{
	struct ban_table *t = mk(32);
	struct seen s = { 0 };
	struct ban_cfg c = cfg;

	ban_add_points(t, sa("192.0.2.1"), 25, 0);
	ban_add_points(t, sa("192.0.2.2"), 20, 5);
	ban_add_points(t, sa("2001:db8:aa:bb:1:2:3:4"), 20, 5);
	ban_add_points(t, sa("192.0.2.3"), 5, 5);
	ban_foreach(t, 10, collect, &s);
	is_int(s.n, 3, "three bans reported");
	ok(s.v4_ok, "IPv4 ban with its score and remaining time");
	ok(s.v6_ok, "IPv6 ban reported as its /64");
	ok(!s.other, "scored address not reported");

	memset(&s, 0, sizeof(s));
	ban_foreach(t, 302, collect, &s);
	is_int(s.n, 2, "expired ban not reported");
	memset(&s, 0, sizeof(s));
	c.max_score = 0;
	ban_set_cfg(t, &c);
	ban_foreach(t, 10, collect, &s);
	is_int(s.n, 0, "nothing reported when disabled");
	ban_free(t);
}

/* Random adds, lookups and removals against a plain array, to exercise the probe chains
 * and backward-shift deletion. No eviction: fewer addresses than capacity. */
static void test_model(void)
{
	enum { N = 150 };
	struct ban_table *t = ban_new(160);
	struct ban_cfg c = { .max_score = INT_MAX, .ban_time = 1, .reset_time = 0 };
	int model[N] = { 0 };
	uint32_t x = 12345;
	bool all = true;
	size_t live = 0;

	ban_set_cfg(t, &c);
	for (int step = 0; step < 200000; step++) {
		uint32_t a, op;

		x = x * 1103515245u + 12345u;
		a = (x >> 8) % N;
		op = (x >> 24) % 4;
		if (op < 2) {
			ban_add_points(t, sa_v4n(0x0a010000u + a * 7919u), 1, 0);
			model[a]++;
		} else if (op == 2) {
			all &= ban_unban(t, sa_v4n(0x0a010000u + a * 7919u)) == (model[a] > 0);
			model[a] = 0;
		}
		all &= ban_get_score(t, sa_v4n(0x0a010000u + a * 7919u), 0) == model[a];
	}
	for (int a = 0; a < N; a++) {
		all &= ban_get_score(t, sa_v4n(0x0a010000u + (uint32_t)a * 7919u), 0) == model[a];
		live += model[a] > 0;
	}
	ok(all, "table agrees with the model over 200000 operations");
	is_int(ban_count(t), live, "count agrees with the model");

	ok(!ban_add_points(t, sa("192.0.2.200"), INT_MAX - 1, 0), "just below an INT_MAX maximum");
	ok(ban_add_points(t, sa("192.0.2.200"), INT_MAX, 0), "score saturates and bans");
	ban_free(t);
}

int main(void)
{
	test_lifecycle();
	test_accumulate();
	test_reset();
	test_disabled();
	test_families();
	test_flood();
	test_full_of_bans();
	test_unban();
	test_foreach();
	test_model();
	return done_testing();
}
