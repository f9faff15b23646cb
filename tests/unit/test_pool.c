/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the address pool (server/main/pool.c). Process: main (test). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "pool.h"
#include "strutil.h"
#include "tap.h"

static struct conf C;

/* A pool from config lines, as main would build it. */
static struct pool *make(const char *const *lines)
{
	struct conf_ctx x = { .file = "t.conf" };

	conf_init(&C);
	for (size_t i = 0; lines[i]; i++)
		if (conf_parse_line(&C, &x, lines[i], (unsigned)i + 1) != 0) {
			diag("%s", x.err);
			return NULL;
		}
	return pool_new(&C);
}

static struct in_addr ip4(const char *s)
{
	struct in_addr a = { 0 };

	if (inet_pton(AF_INET, s, &a) != 1)
		diag("bad test address %s", s);
	return a;
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a = IN6ADDR_ANY_INIT;

	if (inet_pton(AF_INET6, s, &a) != 1)
		diag("bad test address %s", s);
	return a;
}

static const char *str4(struct in_addr a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static int n;

	return inet_ntop(AF_INET, &a, buf[n++ & 3], INET_ADDRSTRLEN);
}

static const char *str6(struct in6_addr a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static int n;

	return inet_ntop(AF_INET6, &a, buf[n++ & 3], INET6_ADDRSTRLEN);
}

static uint32_t host4(struct in_addr a)
{
	return ntohl(a.s_addr);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Number of equal neighbours once sorted. */
static size_t dups(uint32_t *v, size_t n)
{
	size_t d = 0;

	qsort(v, n, sizeof(*v), cmp_u32);
	for (size_t i = 1; i < n; i++)
		d += v[i] == v[i - 1];
	return d;
}

static void test_v4_24(void)
{
	static const char *const lines[] = { "ipv4-network = 192.168.1.0/24", NULL };
	struct pool *p = make(lines);
	static uint32_t got[300];
	struct in_addr a, b;
	size_t n = 0;
	int r = 0, bad = 0;

	ok(p != NULL, "/24 pool created");
	ok(pool_has4(p) && !pool_has6(p), "IPv4 only");
	is_str(str4(pool_local4(p)), "192.168.1.1", "gateway is network+1");
	is_str(str4(pool_netmask4(p)), "255.255.255.0", "netmask");
	is_int(pool_free4(p), 253, "253 usable: .2 to .254");
	is_int(pool_used4(p), 0, "none used");
	while (n < 300 && (r = pool_lease4(p, "u", NULL, false, false, &a)) == 0) {
		uint32_t h = host4(a);

		if (h < host4(ip4("192.168.1.2")) || h > host4(ip4("192.168.1.254")))
			bad++;
		got[n++] = h;
	}
	is_int(n, 253, "253 leases before exhaustion");
	is_int(r, ERR_RANGE, "then ERR_RANGE");
	is_int(a.s_addr, 0, "output cleared on failure");
	is_int(bad, 0, "never .0, .1 or .255");
	is_int(dups(got, n), 0, "all distinct");
	is_int(pool_used4(p), 253, "used 253");
	is_int(pool_free4(p), 0, "free 0");
	ok(pool_is_leased4(p, ip4("192.168.1.2")), ".2 leased");
	ok(!pool_is_leased4(p, ip4("192.168.1.1")), "gateway is not a lease");

	pool_release4(p, ip4("192.168.1.100"));
	is_int(pool_free4(p), 1, "release makes room");
	ok(!pool_is_leased4(p, ip4("192.168.1.100")), ".100 no longer leased");
	pool_release4(p, ip4("192.168.1.100"));
	pool_release4(p, ip4("192.168.1.1"));
	pool_release4(p, ip4("192.168.1.255"));
	pool_release4(p, ip4("10.0.0.7"));
	is_int(pool_used4(p), 252, "releasing what is not leased is a no-op");
	is_int(pool_lease4(p, "u", NULL, false, true, &b), 0, "lease again");
	is_str(str4(b), "192.168.1.100", "gets the freed address");
	is_int(pool_lease4(p, "u", NULL, false, true, &b), ERR_RANGE, "full again");
	pool_free(p);
}

static void test_v4_want(void)
{
	static const char *const lines[] = { "ipv4-network = 10.1.0.0/24", NULL };
	struct pool *p = make(lines);
	struct in_addr w, a;

	w = ip4("10.1.0.50");
	is_int(pool_lease4(p, "alice", &w, false, true, &a), 0, "want free");
	is_str(str4(a), "10.1.0.50", "want honoured");
	is_int(pool_lease4(p, "bob", &w, false, true, &a), 0, "want taken, not strict");
	ok(a.s_addr != w.s_addr && pool_is_leased4(p, a), "another address: %s", str4(a));
	is_int(pool_lease4(p, "bob", &w, true, true, &a), ERR_DENIED, "want taken, strict");
	is_int(a.s_addr, 0, "output cleared");
	w = ip4("10.1.0.51");
	is_int(pool_lease4(p, "carol", &w, true, false, &a), 0, "strict and free");
	is_str(str4(a), "10.1.0.51", "strict want honoured");

	const char *outside[] = { "10.1.0.0", "10.1.0.1", "10.1.0.255", "10.2.0.7", "0.0.0.0" };
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		w = ip4(outside[i]);
		is_int(pool_lease4(p, "dave", &w, true, true, &a), ERR_RANGE,
		       "strict %s: ERR_RANGE", outside[i]);
		is_int(pool_lease4(p, "dave", &w, false, true, &a), 0, "not strict %s: leased",
		       outside[i]);
		ok(a.s_addr != w.s_addr && host4(a) >= host4(ip4("10.1.0.2")) &&
			   host4(a) <= host4(ip4("10.1.0.254")),
		   "  inside the usable range instead: %s", str4(a));
	}
	is_int(pool_used4(p), 8, "counters");
	is_int(pool_free4(p), 245, "free counter");
	pool_free(p);
}

static void test_v4_predictable(void)
{
	static const char *const lines[] = { "ipv4-network = 172.16.0.0/16", NULL };
	struct pool *p = make(lines), *q;
	struct in_addr a, b, c;
	static uint32_t got[20];
	uint32_t lo = UINT32_MAX, hi = 0;
	size_t adjacent = 0;
	char user[32];

	is_int(pool_lease4(p, "alice", NULL, false, true, &a), 0, "alice");
	pool_release4(p, a);
	is_int(pool_lease4(p, "bob", NULL, false, true, &b), 0, "bob");
	is_int(pool_lease4(p, "alice", NULL, false, true, &c), 0, "alice again");
	is_str(str4(c), str4(a), "alice gets the same address after a release");
	ok(b.s_addr != a.s_addr, "bob got another one");
	is_int(pool_lease4(p, "alice", NULL, false, true, &b), 0, "alice's second session");
	is_int(host4(b), host4(a) + 1, "probes on to the next address");

	q = make(lines);
	is_int(pool_lease4(q, "alice", NULL, false, true, &c), 0, "alice in a new pool");
	is_str(str4(c), str4(a), "same address after a restart");
	pool_free(q);

	for (int i = 0; i < 20; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		if (pool_lease4(p, user, NULL, false, true, &a) != 0)
			break;
		got[i] = host4(a);
		lo = got[i] < lo ? got[i] : lo;
		hi = got[i] > hi ? got[i] : hi;
	}
	for (int i = 1; i < 20; i++)
		adjacent += got[i] == got[i - 1] + 1;
	ok(hi - lo > 10000 && adjacent < 3, "users spread over the pool (%u..%u)", lo, hi);
	is_int(dups(got, 20), 0, "all distinct");

	/* Not predictable: a rotating cursor hands out consecutive addresses. */
	is_int(pool_lease4(p, "x", NULL, false, false, &a), 0, "cursor lease");
	is_int(pool_lease4(p, "x", NULL, false, false, &b), 0, "cursor lease");
	is_int(host4(b), host4(a) + 1, "next one follows");
	pool_release4(p, a);
	is_int(pool_lease4(p, "x", NULL, false, false, &c), 0, "cursor lease");
	is_int(host4(c), host4(b) + 1, "the cursor moves on rather than reusing at once");
	is_int(pool_lease4(p, NULL, NULL, false, true, &c), 0, "predictable without a user");
	is_int(pool_lease4(p, "", NULL, false, true, &c), 0, "predictable with an empty user");
	pool_free(p);
}

static void test_v4_small(void)
{
	static const char *const l30[] = { "ipv4-network = 10.9.9.4/30", NULL };
	static const char *const l1[] = { "ipv4-network = 0.0.0.0/1", NULL };
	struct pool *p = make(l30);
	struct in_addr a, w = ip4("10.9.9.6");

	is_int(pool_free4(p), 1, "/30 has one client address");
	is_str(str4(pool_local4(p)), "10.9.9.5", "/30 gateway");
	is_str(str4(pool_netmask4(p)), "255.255.255.252", "/30 mask");
	is_int(pool_lease4(p, "u", NULL, false, true, &a), 0, "/30 lease");
	is_str(str4(a), "10.9.9.6", "/30 address");
	is_int(pool_lease4(p, "v", NULL, false, false, &a), ERR_RANGE, "/30 exhausted");
	is_int(pool_lease4(p, "v", &w, false, false, &a), ERR_RANGE, "/30 exhausted with want");
	is_int(pool_lease4(p, "v", &w, true, false, &a), ERR_DENIED, "/30 strict want taken");
	is_int(pool_lease6(p, "v", NULL, false, false, &(struct in6_addr){ { { 0 } } }), ERR_RANGE,
	       "no IPv6 part: ERR_RANGE");
	is_str(str6(pool_local6(p)), "::", "no local6");
	is_int(pool_prefix6(p), 0, "no prefix6");
	ok(!pool_is_leased6(p, ip6("fd00::2")), "nothing leased in IPv6");
	pool_release6(p, ip6("fd00::2"));
	pool_free(p);

	p = make(l1);
	is_int(pool_free4(p), (1u << 31) - 3, "/1 pool counts 2^31 - 3");
	is_int(pool_lease4(p, "u", NULL, false, false, &a), 0, "/1 lease");
	is_str(str4(a), "0.0.0.2", "first address");
	pool_free(p);
	pool_free(NULL);
}

static void test_v4_large(void)
{
	static const char *const l8[] = { "ipv4-network = 10.0.0.0/8", NULL };
	static const char *const l16[] = { "ipv4-network = 10.20.0.0/16", NULL };
	static uint32_t got[10000];
	struct pool *p = make(l8);
	struct in_addr a;
	char user[32];
	uint64_t t0 = now_ms(), t;
	int fails = 0;

	for (int i = 0; i < 10000; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		if (pool_lease4(p, user, NULL, false, i % 2 == 0, &a) != 0)
			fails++;
		got[i] = host4(a);
	}
	t = now_ms() - t0;
	is_int(fails, 0, "/8 pool: 10000 leases");
	ok(t < 2000, "in %llu ms", (unsigned long long)t);
	is_int(dups(got, 10000), 0, "distinct");
	is_int(pool_used4(p), 10000, "used 10000");
	is_int(pool_free4(p), (1u << 24) - 3 - 10000, "free counter");
	for (int i = 0; i < 10000; i++) {
		a.s_addr = htonl(got[i]);
		pool_release4(p, a);
	}
	is_int(pool_used4(p), 0, "all released");
	pool_free(p);

	p = make(l16);
	fails = 0;
	while (pool_lease4(p, "u", NULL, false, false, &a) == 0)
		fails++;
	is_int(fails, 65533, "/16 filled");
	t0 = now_ms();
	for (int i = 0; i < 1000; i++)
		if (pool_lease4(p, "u", NULL, false, true, &a) != ERR_RANGE)
			fails = -1;
	t = now_ms() - t0;
	ok(fails != -1 && t < 50, "1000 leases from a full /16 fail at once (%llu ms)",
	   (unsigned long long)t);
	pool_release4(p, ip4("10.20.77.77"));
	is_int(pool_lease4(p, "someone", NULL, false, true, &a), 0, "one hole is found");
	is_str(str4(a), "10.20.77.77", "the hole");
	pool_free(p);
}

/* Low `bits` bits of a are zero. */
static bool aligned6(struct in6_addr a, unsigned bits)
{
	for (unsigned i = 0; i < bits; i++)
		if (a.s6_addr[15 - i / 8] & (1u << (i % 8)))
			return false;
	return true;
}

static bool in_net6(struct in6_addr a, struct in6_addr net, unsigned prefix)
{
	for (unsigned i = 0; i < prefix; i++) {
		unsigned byte = i / 8, bit = 7 - i % 8;

		if ((a.s6_addr[byte] ^ net.s6_addr[byte]) & (1u << bit))
			return false;
	}
	return true;
}

static void test_v6_128(void)
{
	static const char *const lines[] = { "ipv6-network = fd00:1:2:3::/64", NULL };
	struct in6_addr net = ip6("fd00:1:2:3::"), gw = ip6("fd00:1:2:3::1"), a, b, w;
	static struct in6_addr got[500];
	struct pool *p = make(lines);
	int bad = 0, same = 0;

	ok(p && pool_has6(p) && !pool_has4(p), "IPv6 /64 pool");
	is_str(str6(pool_local6(p)), "fd00:1:2:3::1", "local6 is network+1");
	is_int(pool_prefix6(p), 128, "clients get /128");
	is_int(pool_free4(p), 0, "no IPv4");
	for (int i = 0; i < 500; i++) {
		char user[16];

		snprintf(user, sizeof(user), "u%d", i);
		if (pool_lease6(p, user, NULL, false, i % 3 != 0, &got[i]) != 0 ||
		    !in_net6(got[i], net, 64) || !memcmp(&got[i], &net, 16) ||
		    !memcmp(&got[i], &gw, 16))
			bad++;
		for (int j = 0; j < i; j++)
			same += !memcmp(&got[i], &got[j], 16);
	}
	is_int(bad, 0, "500 leases inside the pool, never network or gateway");
	is_int(same, 0, "distinct");
	is_int(pool_used6(p), 500, "used6");
	ok(pool_is_leased6(p, got[7]), "is_leased6");
	pool_release6(p, got[7]);
	ok(!pool_is_leased6(p, got[7]), "released");
	pool_release6(p, got[7]);
	pool_release6(p, ip6("fd00:9::5"));
	is_int(pool_used6(p), 499, "release of unknown is a no-op");

	is_int(pool_lease6(p, "zed", NULL, false, true, &a), 0, "zed");
	pool_release6(p, a);
	is_int(pool_lease6(p, "zed", NULL, false, true, &b), 0, "zed again");
	is_str(str6(b), str6(a), "predictable in IPv6");

	w = ip6("fd00:1:2:3::abcd");
	is_int(pool_lease6(p, "w", &w, true, false, &a), 0, "strict want");
	is_str(str6(a), "fd00:1:2:3::abcd", "honoured");
	is_int(pool_lease6(p, "w", &w, true, false, &a), ERR_DENIED, "strict want taken");
	is_int(pool_lease6(p, "w", &w, false, false, &a), 0, "want taken, not strict");
	ok(memcmp(&a, &w, 16) != 0, "another address");
	w = ip6("fd00:1:2:3::1");
	is_int(pool_lease6(p, "w", &w, true, false, &a), ERR_RANGE, "strict want = gateway");
	w = ip6("fd00:1:2:3::");
	is_int(pool_lease6(p, "w", &w, true, false, &a), ERR_RANGE, "strict want = network");
	w = ip6("fd00:1:2:4::5");
	is_int(pool_lease6(p, "w", &w, true, false, &a), ERR_RANGE, "strict want outside");
	is_int(pool_lease6(p, "w", &w, false, false, &a), 0, "not strict outside: leased");
	ok(in_net6(a, net, 64), "inside instead: %s", str6(a));
	pool_free(p);
}

static void test_v6_96(void)
{
	static const char *const lines[] = { "ipv6-network = fd00:aa::/64",
					     "ipv6-subnet-prefix = 96", NULL };
	struct in6_addr net = ip6("fd00:aa::"), a, w;
	static struct in6_addr got[300];
	struct pool *p = make(lines);
	int bad = 0, same = 0;

	is_int(pool_prefix6(p), 96, "clients get /96");
	is_str(str6(pool_local6(p)), "fd00:aa::1", "local6");
	for (int i = 0; i < 300; i++) {
		if (pool_lease6(p, i % 2 ? "same" : NULL, NULL, false, i % 2, &got[i]) != 0 ||
		    !in_net6(got[i], net, 64) || !aligned6(got[i], 32) || in_net6(got[i], net, 96))
			bad++;
		for (int j = 0; j < i; j++)
			same += !memcmp(&got[i], &got[j], 16);
	}
	is_int(bad, 0, "aligned /96 prefixes inside the pool, never the gateway's");
	is_int(same, 0, "distinct");
	w = got[5];
	w.s6_addr[15] = 9;
	ok(pool_is_leased6(p, w), "an address inside a leased prefix counts as leased");
	pool_release6(p, w);
	ok(!pool_is_leased6(p, got[5]), "released by an inner address");
	is_int(pool_lease6(p, "x", &w, true, false, &a), 0, "strict want inside a prefix");
	is_str(str6(a), str6(got[5]), "gets that prefix's first address");
	w = ip6("fd00:aa::5");
	is_int(pool_lease6(p, "x", &w, true, false, &a), ERR_RANGE,
	       "the gateway's prefix: ERR_RANGE");
	pool_free(p);
}

static void test_v6_small_and_wide(void)
{
	static const char *const l120[] = { "ipv6-network = fd00::/120", NULL };
	static const char *const l48[] = { "ipv6-network = fd00:0:1::/48", NULL };
	static const char *const l127[] = { "ipv6-network = fd00::/127", NULL };
	struct in6_addr a, w;
	struct pool *p = make(l120);
	int n = 0;

	while (n < 300 && pool_lease6(p, "u", NULL, false, n % 2, &a) == 0)
		n++;
	is_int(n, 254, "/120 of /128s: 254 leases (not network, not gateway)");
	is_int(pool_lease6(p, "u", NULL, false, true, &a), ERR_RANGE, "then exhausted");
	pool_free(p);

	p = make(l127);
	is_int(pool_lease6(p, "u", NULL, false, true, &a), ERR_RANGE, "/127 leaves nothing");
	pool_free(p);

	/* 2^80 blocks: far more than 64 bits of index. */
	p = make(l48);
	is_int(pool_lease6(p, "alice", NULL, false, true, &a), 0, "/48 of /128s");
	ok(in_net6(a, ip6("fd00:0:1::"), 48), "inside: %s", str6(a));
	w = ip6("fd00:0:1:ffff:ffff:ffff:ffff:ffff");
	is_int(pool_lease6(p, "e", &w, true, false, &a), 0, "strict want at the very end");
	is_str(str6(a), "fd00:0:1:ffff:ffff:ffff:ffff:ffff", "honoured");
	is_int(pool_lease6(p, "f", NULL, false, false, &a), 0, "cursor lease");
	is_str(str6(a), "fd00:0:1::2", "cursor starts after the gateway");
	pool_free(p);
}

int main(void)
{
	test_v4_24();
	test_v4_want();
	test_v4_predictable();
	test_v4_small();
	test_v4_large();
	test_v6_128();
	test_v6_96();
	test_v6_small_and_wide();
	return done_testing();
}
