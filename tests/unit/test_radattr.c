/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for radattr: RADIUS reply attributes -> session settings, with malformed,
 * oversize and repeated attributes, the packet-form walker, and the way through the helper
 * reply (export / import). */
#include <arpa/inet.h>
#include <string.h>

#include "err.h"
#include "radattr.h"
#include "tap.h"

static int add_str(struct radattr_set *s, uint32_t type, const char *v)
{
	return radattr_add(s, 0, type, (const uint8_t *)v, strlen(v));
}

static int add_ip(struct radattr_set *s, uint32_t vendor, uint32_t type, const char *ip)
{
	uint8_t a[4];

	inet_pton(AF_INET, ip, a);
	return radattr_add(s, vendor, type, a, 4);
}

static int add_u32(struct radattr_set *s, uint32_t type, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return radattr_add(s, 0, type, b, 4);
}

static const char *ntoa(struct in_addr a)
{
	static char buf[INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

static void test_addresses(void)
{
	struct radattr_set s;
	uint8_t three[3] = { 10, 0, 0 };

	radattr_init(&s);
	is_int(add_ip(&s, 0, RADATTR_FRAMED_IP_ADDRESS, "10.66.0.77"), 0, "Framed-IP-Address");
	ok(s.has_addr4 && !s.addr4_pool, "an explicit address");
	is_str(ntoa(s.addr4), "10.66.0.77", "its value");
	is_int(add_ip(&s, 0, RADATTR_FRAMED_IP_ADDRESS, "10.66.0.78"), ERR_RANGE, "a second one");
	is_str(ntoa(s.addr4), "10.66.0.77", "the first stays");
	is_int(add_ip(&s, 0, RADATTR_FRAMED_IP_ADDRESS, "255.255.255.254"), ERR_RANGE,
	       "pool after an address");
	is_int((int)s.n_ignored, 2, "two ignored");

	radattr_init(&s);
	is_int(add_ip(&s, 0, RADATTR_FRAMED_IP_ADDRESS, "255.255.255.254"), 0, "254 = pool");
	ok(s.addr4_pool && !s.has_addr4, "from the pool");
	radattr_init(&s);
	is_int(add_ip(&s, 0, RADATTR_FRAMED_IP_ADDRESS, "255.255.255.255"), 0, "255 = pool too");
	ok(s.addr4_pool, "from the pool");
	radattr_init(&s);
	is_int(add_ip(&s, 0, RADATTR_FRAMED_IP_ADDRESS, "0.0.0.0"), ERR_FORMAT, "0.0.0.0");
	is_int(add_ip(&s, 0, RADATTR_FRAMED_IP_ADDRESS, "127.0.0.1"), ERR_FORMAT, "loopback");
	is_int(add_ip(&s, 0, RADATTR_FRAMED_IP_ADDRESS, "224.0.0.1"), ERR_FORMAT, "multicast");
	is_int(radattr_add(&s, 0, RADATTR_FRAMED_IP_ADDRESS, three, 3), ERR_FORMAT, "3 bytes");
	ok(!s.has_addr4 && !s.addr4_pool, "nothing set");

	is_int(add_ip(&s, 0, RADATTR_FRAMED_IP_NETMASK, "255.255.255.0"), 0, "netmask");
	is_str(ntoa(s.netmask4), "255.255.255.0", "its value");
	radattr_init(&s);
	is_int(add_ip(&s, 0, RADATTR_FRAMED_IP_NETMASK, "255.0.255.0"), ERR_FORMAT,
	       "a netmask with holes");
	is_int(add_ip(&s, 0, RADATTR_FRAMED_IP_NETMASK, "0.0.0.0"), ERR_FORMAT, "netmask 0");
	is_int(add_ip(&s, 0, RADATTR_FRAMED_IP_NETMASK, "255.255.255.255"), 0, "a /32 mask");

	radattr_init(&s);
	{
		uint8_t v6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 };

		is_int(radattr_add(&s, 0, RADATTR_FRAMED_IPV6_ADDRESS, v6, 16), 0, "IPv6 address");
		ok(s.has_addr6, "set");
		is_int(radattr_add(&s, 0, RADATTR_FRAMED_IPV6_ADDRESS, v6, 15), ERR_FORMAT,
		       "15 bytes");
	}
}

static void test_routes(void)
{
	struct radattr_set s;
	char text[80];

	radattr_init(&s);
	is_int(add_str(&s, RADATTR_FRAMED_ROUTE, "10.20.0.0/16 0.0.0.0 1"), 0, "route + gw");
	is_int(add_str(&s, RADATTR_FRAMED_ROUTE, "10.30.1.5/24"), 0, "route with host bits");
	is_int(add_str(&s, RADATTR_FRAMED_ROUTE, "192.168.7.7"), 0, "a bare host");
	is_int(add_str(&s, RADATTR_FRAMED_ROUTE, "0.0.0.0/0 10.0.0.1"), 0, "a default route");
	is_int(add_str(&s, RADATTR_FRAMED_IPV6_ROUTE, "fd00:1::/48 :: 1"), 0, "IPv6 route");
	is_int((int)s.n_routes, 5, "five routes");
	conf_net_format(&s.routes[1], text, sizeof(text));
	is_str(text, "10.30.1.0/255.255.255.0", "host bits cleared");
	conf_net_format(&s.routes[2], text, sizeof(text));
	is_str(text, "192.168.7.7/255.255.255.255", "host route");
	ok(s.routes[3].is_default, "0.0.0.0/0 is the default route");
	is_int(add_str(&s, RADATTR_FRAMED_ROUTE, "fd00::/64"), ERR_FORMAT, "IPv6 in Framed-Route");
	is_int(add_str(&s, RADATTR_FRAMED_IPV6_ROUTE, "10.0.0.0/8"), ERR_FORMAT,
	       "IPv4 in Framed-IPv6-Route");
	is_int(add_str(&s, RADATTR_FRAMED_ROUTE, "not-a-route"), ERR_FORMAT, "garbage");
	is_int(add_str(&s, RADATTR_FRAMED_ROUTE, ""), ERR_FORMAT, "empty");
	is_int(add_str(&s, RADATTR_FRAMED_ROUTE, "10.0.0.0/33"), ERR_FORMAT, "prefix 33");
	is_int(add_str(&s, RADATTR_FRAMED_ROUTE, "10.0.0.0/8\x01"), ERR_FORMAT, "control char");
	is_int(radattr_add(&s, 0, RADATTR_FRAMED_ROUTE, (const uint8_t *)"10.0.0.0\0/8", 11),
	       ERR_FORMAT, "embedded NUL");
	is_int((int)s.n_routes, 5, "none of them added");
	radattr_init(&s);
	for (int i = 0; i < RADATTR_ROUTES_MAX; i++) {
		snprintf(text, sizeof(text), "10.%d.0.0/16", i);
		add_str(&s, RADATTR_FRAMED_ROUTE, text);
	}
	is_int((int)s.n_routes, RADATTR_ROUTES_MAX, "the list full");
	is_int(add_str(&s, RADATTR_FRAMED_ROUTE, "172.16.0.0/12"), ERR_TOO_LARGE, "one more");
}

static void test_scalars(void)
{
	struct radattr_set s;
	uint8_t two[2] = { 0, 1 };

	radattr_init(&s);
	ok(s.session_timeout == -1 && s.idle_timeout == -1 && s.interim == -1, "not given");
	is_int(add_u32(&s, RADATTR_SESSION_TIMEOUT, 3600), 0, "Session-Timeout");
	is_int(add_u32(&s, RADATTR_IDLE_TIMEOUT, 0), 0, "Idle-Timeout 0");
	is_int(add_u32(&s, RADATTR_ACCT_INTERIM_INTERVAL, 60), 0, "Acct-Interim-Interval");
	is_int(s.session_timeout, 3600, "3600");
	is_int(s.idle_timeout, 0, "0");
	is_int(s.interim, 60, "60");
	is_int(add_u32(&s, RADATTR_SESSION_TIMEOUT, 10), ERR_RANGE, "repeated Session-Timeout");
	is_int(s.session_timeout, 3600, "the first stays");
	radattr_init(&s);
	is_int(add_u32(&s, RADATTR_SESSION_TIMEOUT, 0x80000000u), ERR_FORMAT, "2^31");
	is_int(radattr_add(&s, 0, RADATTR_IDLE_TIMEOUT, two, 2), ERR_FORMAT, "2 bytes");
	is_int(s.session_timeout, -1, "still not given");

	is_int(add_ip(&s, RADATTR_VENDOR_MICROSOFT, RADATTR_MS_PRIMARY_DNS, "10.66.0.53"), 0,
	       "MS-Primary-DNS-Server");
	is_int(add_ip(&s, RADATTR_VENDOR_MICROSOFT, RADATTR_MS_SECONDARY_DNS, "10.66.0.54"), 0,
	       "MS-Secondary-DNS-Server");
	is_int(add_ip(&s, RADATTR_VENDOR_MICROSOFT, RADATTR_MS_PRIMARY_DNS, "10.66.0.55"),
	       ERR_RANGE, "a second primary");
	is_int(add_ip(&s, RADATTR_VENDOR_MICROSOFT, RADATTR_MS_PRIMARY_NBNS, "10.66.0.60"), 0,
	       "MS-Primary-NBNS-Server");
	ok(s.has_dns[0] && s.has_dns[1] && s.has_nbns[0] && !s.has_nbns[1], "servers set");
	is_str(ntoa(s.dns[0]), "10.66.0.53", "primary");
	is_int(radattr_add(&s, RADATTR_VENDOR_MICROSOFT, RADATTR_MS_SECONDARY_NBNS, two, 2),
	       ERR_FORMAT, "a 2-byte NBNS server");
	is_int(add_u32(&s, 1, 5), 0, "User-Name-sized unknown: ignored");
	is_int(add_ip(&s, 9, 1, "1.2.3.4"), 0, "another vendor: ignored");
	{
		uint8_t big[300] = { 0 };

		is_int(radattr_add(&s, 0, RADATTR_CLASS, big, 254), ERR_TOO_LARGE, "254 bytes");
	}
}

static void test_class(void)
{
	struct radattr_set s;
	uint8_t bin[3] = { 0x00, 0xff, 0x10 };

	radattr_init(&s);
	is_int(add_str(&s, RADATTR_CLASS, "OU=engineering;ops"), 0, "Class OU=a;b");
	is_int(add_str(&s, RADATTR_CLASS, "auditors"), 0, "a plain Class");
	is_int(add_str(&s, RADATTR_CLASS, "OU=ops; bad group ;x"), 0, "repeats and a bad name");
	is_int(radattr_add(&s, 0, RADATTR_CLASS, bin, 3), 0, "binary Class");
	is_int((int)s.n_groups, 4, "engineering, ops, auditors, x");
	is_str(s.groups[0], "engineering", "first");
	is_str(s.groups[1], "ops", "second");
	is_str(s.groups[2], "auditors", "third");
	is_str(s.groups[3], "x", "fourth");
	is_int((int)s.n_ignored, 1, "the bad name ignored");
	is_int((int)s.n_class, 4, "all four kept for accounting");
	is_int((int)s.class_len[3], 3, "binary kept as is");
	is_int(add_str(&s, RADATTR_CLASS, "OU=more"), ERR_TOO_LARGE, "a fifth Class");
	is_int((int)s.n_groups, 4, "no group from it");
	is_int(radattr_add(&s, 0, RADATTR_CLASS, bin, 0), ERR_FORMAT, "an empty Class");
}

/* Framed-IP-Address, Framed-Route, Class, Session-Timeout, a Microsoft VSA with two
 * sub-attributes, and an unknown attribute (User-Name). PACKET_LEN leaves out the NUL. */
static const uint8_t packet[] = "\x08\x06\x0a\x42\x00\x4d" /* 10.66.0.77 */
				"\x16\x0e"
				"10.20.0.0/16" /* Framed-Route */
				"\x19\x09"
				"OU=eng;"		   /* Class */
				"\x1b\x06\x00\x00\x0e\x10" /* Session-Timeout 3600 */
				"\x1a\x12\x00\x00\x01\x37" /* Vendor 311 */
				"\x1c\x06\x0a\x42\x00\x35" /* MS-Primary-DNS */
				"\x1d\x06\x0a\x42\x00\x36" /* MS-Secondary-DNS */
				"\x01\x05"
				"bob"; /* User-Name */
#define PACKET_LEN (sizeof(packet) - 1)

static void test_parse(void)
{
	static const uint8_t bad_len[] = { 8, 1, 0 };
	static const uint8_t trunc[] = { 8, 6, 10, 66 };
	static const uint8_t bad_vsa[] = { 26, 9, 0, 0, 1, 55, 28, 9, 10 };
	struct radattr_set s;

	radattr_init(&s);
	is_int(radattr_parse(packet, PACKET_LEN, &s), 0, "a packet's attributes");
	ok(s.has_addr4, "address");
	is_int((int)s.n_routes, 1, "route");
	is_int((int)s.n_groups, 1, "group");
	is_int(s.session_timeout, 3600, "timeout");
	ok(s.has_dns[0] && s.has_dns[1], "both DNS servers from the VSA");
	is_int((int)s.n_ignored, 0, "nothing ignored");
	radattr_init(&s);
	is_int(radattr_parse(bad_len, sizeof(bad_len), &s), ERR_FORMAT, "length 1");
	is_int(radattr_parse(trunc, sizeof(trunc), &s), ERR_TRUNCATED, "truncated value");
	radattr_init(&s);
	is_int(radattr_parse(bad_vsa, sizeof(bad_vsa), &s), 0, "a VSA with a bad sub-length");
	is_int((int)s.n_ignored, 1, "counted as ignored");
	ok(!s.has_dns[0], "not applied");
	radattr_init(&s);
	is_int(radattr_parse(packet, 0, &s), 0, "no attributes");
}

static void test_export(void)
{
	struct ipc_helper_auth_rep rep;
	struct radattr_set s, back;

	radattr_init(&s);
	radattr_parse(packet, PACKET_LEN, &s);
	add_ip(&s, 0, RADATTR_FRAMED_IP_NETMASK, "255.255.255.0");
	add_str(&s, RADATTR_FRAMED_ROUTE, "0.0.0.0/0");
	add_u32(&s, RADATTR_ACCT_INTERIM_INTERVAL, 30);
	add_str(&s, RADATTR_CLASS, "auditors");
	memset(&rep, 0, sizeof(rep));
	rep.n_groups = 1;
	strcpy(rep.groups[0], "eng");
	is_int(radattr_export(&s, &rep), 0, "export");
	is_int((int)rep.n_groups, 2, "Class groups added, no repeat");
	is_str(rep.groups[1], "auditors", "the new one");
	is_str(rep.rad_addr4, "10.66.0.77", "address");
	is_str(rep.rad_routes[0], "10.20.0.0/255.255.0.0", "route");
	is_str(rep.rad_class[0], "4F553D656E673B", "Class as hex");
	is_int((int)rep.rad_idle_timeout, (int)IPC_NONE, "no idle timeout");
	is_int(radattr_import(&rep, &back), 0, "import");
	ok(back.has_addr4 && back.addr4.s_addr == s.addr4.s_addr, "address back");
	ok(back.has_netmask4 && back.netmask4.s_addr == s.netmask4.s_addr, "netmask back");
	is_int((int)back.n_routes, 2, "routes back");
	ok(back.routes[1].is_default, "default route back");
	ok(back.has_dns[0] && back.dns[1].s_addr == s.dns[1].s_addr, "DNS back");
	is_int(back.session_timeout, 3600, "timeout back");
	is_int(back.idle_timeout, -1, "no idle timeout back");
	is_int(back.interim, 30, "interim back");
	is_int((int)back.n_class, 2, "classes back");
	ok(back.class_len[1] == 8 && memcmp(back.class_val[1], "auditors", 8) == 0, "bytes back");
	strcpy(rep.rad_addr4, "10.66.0.x");
	is_int(radattr_import(&rep, &back), ERR_FORMAT, "a bad address from a helper");
	ok(!back.has_addr4, "nothing kept");
	strcpy(rep.rad_addr4, "10.66.0.77");
	strcpy(rep.rad_class[0], "ABC");
	is_int(radattr_import(&rep, &back), ERR_FORMAT, "odd hex");
	strcpy(rep.rad_class[0], "00");
	rep.rad_session_timeout = 0x80000000u;
	is_int(radattr_import(&rep, &back), ERR_FORMAT, "a timeout above 2^31");
}

/* Every truncation and bit flip of the packet: a clean result, and what was accepted
 * survives the trip through the helper reply. */
static void test_mutation(void)
{
	uint8_t buf[sizeof(packet)];
	unsigned bad = 0, n = 0;

	for (size_t cut = 0; cut <= PACKET_LEN; cut++) {
		struct radattr_set s;
		int r;

		radattr_init(&s);
		r = radattr_parse(packet, cut, &s);
		bad += !(r == 0 || r == ERR_FORMAT || r == ERR_TRUNCATED);
		n++;
	}
	for (size_t bit = 0; bit < PACKET_LEN * 8; bit++) {
		struct ipc_helper_auth_rep rep;
		struct radattr_set s, back;
		int r;

		memcpy(buf, packet, sizeof(buf));
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		radattr_init(&s);
		r = radattr_parse(buf, PACKET_LEN, &s);
		bad += !(r == 0 || r == ERR_FORMAT || r == ERR_TRUNCATED);
		memset(&rep, 0, sizeof(rep));
		if (r == 0)
			bad += radattr_export(&s, &rep) != 0 || radattr_import(&rep, &back) != 0;
		n++;
	}
	is_int(bad, 0, "%u mutated packets gave clean results", n);
}

int main(void)
{
	test_addresses();
	test_routes();
	test_scalars();
	test_class();
	test_parse();
	test_export();
	test_mutation();
	return done_testing();
}
