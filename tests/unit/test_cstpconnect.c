/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for CONNECT request parsing, the MTU rules and the CONNECT reply.
 * Process: any (test). */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cstpconnect.h"
#include "err.h"
#include "httpparse.h"
#include "tap.h"

#define COOKIE "7D2F0C4E9A1B3C5D7E9F0A2B4C6D8E0F1A3B5C7D9E1F2A4B6C8D0E2F4A6B8C0D"
#define SECRET                                                                                     \
	"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"                         \
	"0123456789ABCDEF0123456789ABCDEF"
#define OC_DTLS                                                                                    \
	"ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES256-SHA:"                          \
	"ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:DHE-RSA-AES128-SHA:AES256-SHA:"               \
	"AES128-SHA:OC-DTLS1_2-AES128-GCM:OC-DTLS1_2-AES256-GCM:PSK-NEGOTIATE"
#define OC_DTLS12                                                                                  \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                               \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:AES256-GCM-SHA384:"             \
	"AES128-GCM-SHA256:AES256-SHA:AES128-SHA"

/* PROTOCOL.md §3.1: openconnect 9.21, OpenSSL build, first CONNECT. */
static const char oc_connect[] = "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\n"
				 "Host: vpn.example.net\r\n"
				 "User-Agent: AnyConnect-compatible OpenConnect VPN Agent v9.21\r\n"
				 "Cookie: webvpn=" COOKIE "\r\n"
				 "X-CSTP-Version: 1\r\n"
				 "X-CSTP-Hostname: laptop-7\r\n"
				 "X-CSTP-Protocol: Copyright (c) 2004 Cisco Systems, Inc.\r\n"
				 "X-CSTP-Accept-Encoding: oc-lz4,lzs\r\n"
				 "X-CSTP-Base-MTU: 1500\r\n"
				 "X-CSTP-MTU: 1390\r\n"
				 "X-CSTP-Address-Type: IPv6,IPv4\r\n"
				 "X-CSTP-Full-IPv6-Capability: true\r\n"
				 "X-DTLS-Master-Secret: " SECRET "\r\n"
				 "X-DTLS-CipherSuite: " OC_DTLS "\r\n"
				 "X-DTLS12-CipherSuite: " OC_DTLS12 "\r\n"
				 "X-DTLS-Accept-Encoding: oc-lz4,lzs\r\n"
				 "\r\n";

/* A Cisco Secure Client CONNECT as ASA emulators log it (§3.2 [O] headers). */
static const char cisco_connect[] =
	"CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\n"
	"Host: vpn.example.net\r\n"
	"User-Agent: Cisco AnyConnect VPN Agent for Windows 4.10.08029\r\n"
	"Cookie: webvpn=" COOKIE "\r\n"
	"X-CSTP-Version: 1\r\n"
	"X-CSTP-Hostname: WS-042\r\n"
	"X-CSTP-Accept-Encoding: lzs,deflate\r\n"
	"X-CSTP-Base-MTU: 1406\r\n"
	"X-CSTP-MTU: 1406\r\n"
	"X-CSTP-Address-Type: IPv6,IPv4\r\n"
	"X-CSTP-Local-Address-IP4: 192.168.1.20\r\n"
	"X-CSTP-Remote-Address-IP4: 198.51.100.7\r\n"
	"X-CSTP-Full-IPv6-Capability: false\r\n"
	"X-CSTP-License: mobile\r\n"
	"X-DTLS-Master-Secret: " SECRET "\r\n"
	"X-DTLS-CipherSuite: AES256-SHA:AES128-SHA:DES-CBC3-SHA:DES-CBC-SHA\r\n"
	"X-DTLS12-CipherSuite: ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"
	"AES256-GCM-SHA384:AES128-GCM-SHA256\r\n"
	"X-DTLS-Accept-Encoding: lzs\r\n"
	"X-DTLS-Header-Pad-Length: 0\r\n"
	"\r\n";

static struct http_parser *hp;

/* Run raw request text through the HTTP parser, then through cstp_connect_parse(); -100 when
 * the HTTP parser did not produce a complete request. */
static int parse_raw(const void *text, size_t len, struct cstp_connect_req *out)
{
	size_t used;

	memset(out, 0x5a, sizeof(*out));
	http_parser_init(hp);
	if (http_parser_feed(hp, text, len, &used) != 0)
		return -100;
	return cstp_connect_parse(&hp->req, out);
}

/* A minimal CONNECT plus extra header lines (each ending in CRLF). */
static int parse_with(const char *extra, struct cstp_connect_req *out)
{
	char buf[8192];
	int n = snprintf(buf, sizeof(buf),
			 "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: vpn.example.net\r\n"
			 "Cookie: webvpn=" COOKIE "\r\n%s\r\n",
			 extra);

	if (n < 0 || (size_t)n >= sizeof(buf))
		abort();
	return parse_raw(buf, (size_t)n, out);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i])
			return false;
	}
	return true;
}

static void test_openconnect(void)
{
	static struct cstp_connect_req q;
	uint8_t secret[48];

	for (size_t i = 0; i < 48; i++)
		secret[i] = (uint8_t)((i % 8) * 0x22 + 0x01);
	is_int(parse_raw(oc_connect, sizeof(oc_connect) - 1, &q), 0, "openconnect CONNECT parses");
	ok(q.has_cookie && strcmp(q.cookie, COOKIE) == 0, "cookie taken");
	ok(q.base_mtu == 1500 && q.mtu == 1390, "Base-MTU 1500, MTU 1390");
	ok(!q.has_addr4 && !q.has_addr6, "no previous addresses");
	is_str(q.hostname, "laptop-7", "host name");
	ok(q.want_v4 && q.want_v6 && q.full_ipv6 && !q.mobile, "both families, full IPv6");
	ok(q.has_master_secret && memcmp(q.master_secret, secret, 48) == 0, "master secret");
	is_str(q.dtls_ciphers, OC_DTLS, "DTLS cipher list raw");
	is_str(q.dtls12_ciphers, OC_DTLS12, "DTLS12 cipher list raw");
	ok(q.dtls_psk_offered, "PSK-NEGOTIATE offered");
}

static void test_cisco(void)
{
	static struct cstp_connect_req q;

	is_int(parse_raw(cisco_connect, sizeof(cisco_connect) - 1, &q), 0, "Cisco CONNECT parses");
	ok(q.has_cookie && q.base_mtu == 1406 && q.mtu == 1406, "cookie and MTUs");
	is_str(q.hostname, "WS-042", "host name");
	ok(q.want_v4 && q.want_v6 && !q.full_ipv6, "Full-IPv6-Capability: false");
	ok(q.mobile, "X-CSTP-License: mobile");
	ok(q.has_master_secret && !q.dtls_psk_offered, "master secret, no PSK");
	ok(cstp_cipher_list_has(q.dtls12_ciphers, "AES256-GCM-SHA384") &&
		   !cstp_cipher_list_has(q.dtls12_ciphers, "AES256-GCM") &&
		   !cstp_cipher_list_has(NULL, "AES256-GCM-SHA384"),
	   "cstp_cipher_list_has matches whole tokens");

	ok(parse_with("X-AnyConnect-Identifier-Platform: android\r\n", &q) == 0 && q.mobile,
	   "Identifier-Platform android is mobile");
	ok(parse_with("X-AnyConnect-Identifier-Platform: Apple-iOS\r\n", &q) == 0 && q.mobile,
	   "Identifier-Platform apple-ios is mobile");
	ok(parse_with("X-AnyConnect-Identifier-Platform: win\r\n", &q) == 0 && !q.mobile,
	   "Identifier-Platform win is not");
	ok(parse_with("", &q) == 0 && q.has_cookie && !q.mobile && !q.full_ipv6 &&
		   !q.has_master_secret && q.base_mtu == 0 && q.mtu == 0 && q.hostname[0] == 0 &&
		   q.dtls_ciphers[0] == 0 && !q.dtls_psk_offered,
	   "bare CONNECT: everything absent");
}

static void test_reconnect(void)
{
	static struct cstp_connect_req q;
	char s[INET6_ADDRSTRLEN];

	ok(parse_with("X-CSTP-Address: 10.66.0.23\r\nX-CSTP-Address: fd00:66::17\r\n", &q) == 0 &&
		   q.has_addr4 && q.has_addr6,
	   "X-CSTP-Address v4 then v6");
	is_str(inet_ntop(AF_INET, &q.addr4, s, sizeof(s)), "10.66.0.23", "IPv4 value");
	is_str(inet_ntop(AF_INET6, &q.addr6, s, sizeof(s)), "fd00:66::17", "IPv6 value");
	ok(parse_with("X-CSTP-Address: fd00:66::17\r\nX-CSTP-Address: 10.66.0.23\r\n", &q) == 0 &&
		   q.has_addr4 && q.has_addr6,
	   "X-CSTP-Address v6 then v4");
	is_str(inet_ntop(AF_INET, &q.addr4, s, sizeof(s)), "10.66.0.23", "IPv4 value (reversed)");
	is_str(inet_ntop(AF_INET6, &q.addr6, s, sizeof(s)), "fd00:66::17", "IPv6 value (reversed)");
	ok(parse_with("X-CSTP-Address: 10.66.0.23\r\n", &q) == 0 && q.has_addr4 && !q.has_addr6,
	   "IPv4 only");
	ok(parse_with("X-CSTP-Address: fd00:66::17/64\r\n", &q) == 0 && q.has_addr6 && !q.has_addr4,
	   "IPv6 with a /64 suffix accepted");
	is_int(parse_with("X-CSTP-Address: 10.66.0.23\r\nX-CSTP-Address: 10.66.0.24\r\n", &q),
	       ERR_FORMAT, "two IPv4 addresses refused");
	is_int(parse_with("X-CSTP-Address: fd00::1\r\nX-CSTP-Address: fd00::2\r\n", &q), ERR_FORMAT,
	       "two IPv6 addresses refused");
	is_int(parse_with("X-CSTP-Address: 10.0.0.1\r\nX-CSTP-Address: fd00::2\r\n"
			  "X-CSTP-Address: 10.0.0.1\r\n",
			  &q),
	       ERR_FORMAT, "three addresses refused");

	static const char *const bad[] = {
		"10.0.0",      "10.0.0.256",	   "10.0.0.1/24", "fd00::zz",
		"fd00::1/129", "fd00::1/",	   "fd00::1/6x",  "hello",
		"1.2.3.4.5",   "::ffff:1.2.3.4:1", "010.0.0.1x",  "fd00::1/0064",
	};
	char line[128];
	bool all = true;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "X-CSTP-Address: %s\r\n", bad[i]);
		if (parse_with(line, &q) != ERR_FORMAT) {
			diag("accepted bad address '%s'", bad[i]);
			all = false;
		}
	}
	ok(all, "bad addresses -> ERR_FORMAT");
	ok(all_zero(&q, sizeof(q)), "output wiped on error");
}

static void test_mtu_values(void)
{
	static struct cstp_connect_req q;
	static const char *const bad[] = { "abc",   "0",    "255", "65536", "-1",
					   "+1400", "14x0", "1e3", "99999", "100000" };
	char line[128];
	bool all = true;

	ok(parse_with("X-CSTP-Base-MTU: 256\r\nX-CSTP-MTU: 65535\r\n", &q) == 0 &&
		   q.base_mtu == 256 && q.mtu == 65535,
	   "MTU range limits accepted");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "X-CSTP-Base-MTU: %s\r\n", bad[i]);
		if (parse_with(line, &q) != ERR_FORMAT)
			all = false;
		snprintf(line, sizeof(line), "X-CSTP-MTU: %s\r\n", bad[i]);
		if (parse_with(line, &q) != ERR_FORMAT)
			all = false;
	}
	ok(all, "bad MTU values -> ERR_FORMAT");
	is_int(parse_with("X-CSTP-MTU:\r\n", &q), ERR_FORMAT, "empty MTU value refused");
}

static void test_secret_cookie(void)
{
	static struct cstp_connect_req q;
	char line[256];

	snprintf(line, sizeof(line), "X-DTLS-Master-Secret: %.95s\r\n", SECRET);
	ok(parse_with(line, &q) == 0 && !q.has_master_secret &&
		   all_zero(q.master_secret, sizeof(q.master_secret)),
	   "95-digit master secret ignored");
	snprintf(line, sizeof(line), "X-DTLS-Master-Secret: %sA\r\n", SECRET);
	ok(parse_with(line, &q) == 0 && !q.has_master_secret, "97-digit master secret ignored");
	snprintf(line, sizeof(line), "X-DTLS-Master-Secret: %.95sG\r\n", SECRET);
	ok(parse_with(line, &q) == 0 && !q.has_master_secret &&
		   all_zero(q.master_secret, sizeof(q.master_secret)),
	   "non-hex master secret ignored and wiped");
	ok(parse_with("X-DTLS-Master-Secret: "
		      "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdef"
		      "abcdefabcdefabcdefabcdefabcdef\r\n",
		      &q) == 0 &&
		   q.has_master_secret && q.master_secret[0] == 0xab && q.master_secret[47] == 0xef,
	   "lower-case master secret accepted");

	static const char no_cookie[] = "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: x\r\n\r\n";
	ok(parse_raw(no_cookie, sizeof(no_cookie) - 1, &q) == 0 && !q.has_cookie &&
		   q.cookie[0] == 0,
	   "missing cookie is not an error");
	static const char short_cookie[] = "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: x\r\n"
					   "Cookie: webvpn=ABCDEF\r\n\r\n";
	ok(parse_raw(short_cookie, sizeof(short_cookie) - 1, &q) == 0 && !q.has_cookie,
	   "short cookie: has_cookie false");
	static const char long_cookie[] = "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: x\r\n"
					  "Cookie: webvpn=" COOKIE "0\r\n\r\n";
	ok(parse_raw(long_cookie, sizeof(long_cookie) - 1, &q) == 0 && !q.has_cookie,
	   "65-digit cookie: has_cookie false");
	char req[256];
	int n = snprintf(
		req, sizeof(req),
		"CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: x\r\nCookie: webvpn=%s\r\n\r\n",
		COOKIE);
	char *g = strstr(req, COOKIE);

	g[10] = 'G';
	ok(parse_raw(req, (size_t)n, &q) == 0 && !q.has_cookie, "non-hex cookie: has_cookie false");
	g[10] = 'c';
	ok(parse_raw(req, (size_t)n, &q) == 0 && q.has_cookie, "mixed-case hex cookie accepted");
}

static void test_address_type(void)
{
	static struct cstp_connect_req q;

	ok(parse_with("X-CSTP-Address-Type: IPv4\r\n", &q) == 0 && q.want_v4 && !q.want_v6,
	   "IPv4 only");
	ok(parse_with("X-CSTP-Address-Type: ipv6\r\n", &q) == 0 && !q.want_v4 && q.want_v6,
	   "ipv6 only, any case");
	ok(parse_with("X-CSTP-Address-Type:  IPv6 ,\tIPv4 \r\n", &q) == 0 && q.want_v4 && q.want_v6,
	   "blanks trimmed");
	ok(parse_with("X-CSTP-Address-Type: IPv4,,IPv6,\r\n", &q) == 0 && q.want_v4 && q.want_v6,
	   "empty items skipped");
	ok(parse_with("X-CSTP-Address-Type: IPv5,IPv44\r\n", &q) == 0 && !q.want_v4 && !q.want_v6,
	   "unknown families: neither");
	ok(parse_with("", &q) == 0 && q.want_v4 && q.want_v6, "absent: both");
	ok(parse_with("X-CSTP-Hostname: bad host!\r\n", &q) == 0 && q.hostname[0] == 0,
	   "invalid host name dropped");
	ok(parse_with("X-CSTP-Hostname: "
		      "a123456789b123456789c123456789d123456789e123456789f123456789abcd\r\n",
		      &q) == 0 &&
		   q.hostname[0] == 0,
	   "64-character host name dropped");
	ok(parse_with("X-CSTP-Hostname: my_host.example-1\r\n", &q) == 0 &&
		   strcmp(q.hostname, "my_host.example-1") == 0,
	   "host name with . _ - kept");
}

static void test_psk(void)
{
	static struct cstp_connect_req q;
	char line[2048];

	ok(parse_with("X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n", &q) == 0 && q.dtls_psk_offered,
	   "PSK-NEGOTIATE alone");
	ok(parse_with("X-DTLS-CipherSuite: AES128-SHA:PSK-NEGOTIATE:AES256-SHA\r\n", &q) == 0 &&
		   q.dtls_psk_offered,
	   "PSK-NEGOTIATE in the middle");
	ok(parse_with("X-DTLS12-CipherSuite: AES128-GCM-SHA256:PSK-NEGOTIATE\r\n", &q) == 0 &&
		   q.dtls_psk_offered,
	   "PSK-NEGOTIATE in the DTLS12 list");
	ok(parse_with("X-DTLS-CipherSuite: XPSK-NEGOTIATE:AES128-SHA\r\n", &q) == 0 &&
		   !q.dtls_psk_offered,
	   "XPSK-NEGOTIATE is not PSK-NEGOTIATE");
	ok(parse_with("X-DTLS-CipherSuite: PSK-NEGOTIATEX\r\n", &q) == 0 && !q.dtls_psk_offered,
	   "PSK-NEGOTIATEX is not either");
	ok(parse_with("X-DTLS-CipherSuite: AES128-SHA\r\n", &q) == 0 && !q.dtls_psk_offered,
	   "no PSK");

	memset(line, 0, sizeof(line));
	strcpy(line, "X-DTLS-CipherSuite: ");
	memset(line + strlen(line), 'A', CSTP_CIPHERS_MAX + 1);
	strcat(line, "\r\nX-DTLS-Master-Secret: " SECRET "\r\n");
	is_int(parse_with(line, &q), ERR_TOO_LARGE, "cipher list of 1024 bytes refused");
	ok(all_zero(&q, sizeof(q)), "cookie and master secret wiped on error");
	memset(line, 0, sizeof(line));
	strcpy(line, "X-DTLS12-CipherSuite: ");
	memset(line + strlen(line), 'A', CSTP_CIPHERS_MAX);
	strcat(line, "\r\n");
	ok(parse_with(line, &q) == 0 && strlen(q.dtls12_ciphers) == CSTP_CIPHERS_MAX,
	   "cipher list of 1023 bytes accepted");
}

/* Truncate the samples at every offset and flip every bit; whatever the HTTP parser
 * accepts must give a clean result here. */
static void test_mutations(void)
{
	static const struct {
		const char *name;
		const char *d;
		size_t len;
	} samples[] = {
		{ "openconnect", oc_connect, sizeof(oc_connect) - 1 },
		{ "cisco", cisco_connect, sizeof(cisco_connect) - 1 },
	};
	static uint8_t m[sizeof(oc_connect) + sizeof(cisco_connect)];
	static struct cstp_connect_req q;
	bool clean = true;
	size_t parsed = 0;
	int r;

	for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
		size_t len = samples[s].len;

		for (size_t k = 0; k <= len; k++) {
			r = parse_raw(samples[s].d, k, &q);
			clean &= r == 0 || r == -100 || r == ERR_FORMAT || r == ERR_TOO_LARGE;
		}
		for (size_t bit = 0; bit < len * 8; bit++) {
			memcpy(m, samples[s].d, len);
			m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			r = parse_raw(m, len, &q);
			clean &= r == 0 || r == -100 || r == ERR_FORMAT || r == ERR_TOO_LARGE;
			if (r == 0) {
				parsed++;
				clean &= !q.has_cookie || strlen(q.cookie) == IPC_COOKIE_STR;
				clean &= q.base_mtu == 0 ||
					 (q.base_mtu >= 256 && q.base_mtu <= 65535);
				clean &= strlen(q.hostname) <= CSTP_HOSTNAME_MAX;
			} else if (r != -100) {
				clean &= all_zero(&q, sizeof(q));
			}
		}
	}
	ok(clean, "every truncation and bit flip gives a clean result (%zu parsed)", parsed);
}

static void test_mtu(void)
{
	static const struct {
		const char *what;
		struct cstp_mtu_in in;
		int base, tunnel;
	} t[] = {
		{ "defaults", { 0, 1500, 0, 0, false, 0 }, 1500, 1434 },
		{ "nothing from the client", { 0, 0, 0, 0, false, 0 }, 1500, 1434 },
		{ "client base 1400", { 0, 1400, 1310, 0, false, 0 }, 1400, 1334 },
		{ "only X-CSTP-MTU 1390", { 0, 0, 1390, 0, false, 0 }, 1484, 1418 },
		{ "MTU ignored after Base-MTU", { 0, 1500, 1000, 0, false, 0 }, 1500, 1434 },
		{ "tcp pmtu smaller", { 0, 1500, 0, 1400, false, 0 }, 1400, 1334 },
		{ "tcp pmtu larger", { 0, 1500, 0, 9000, false, 0 }, 1500, 1434 },
		{ "IPv6 path", { 0, 1500, 0, 0, true, 0 }, 1500, 1414 },
		{ "conf mtu smaller", { 1300, 1500, 0, 0, false, 0 }, 1300, 1234 },
		{ "conf mtu jumbo, client 9000", { 9000, 9000, 0, 0, false, 0 }, 9000, 8934 },
		{ "ChaCha20 overhead", { 0, 1500, 0, 0, false, 29 }, 1500, 1442 },
		{ "CBC worst case", { 0, 1500, 0, 0, false, 65 }, 1500, 1406 },
		{ "tiny client base clamps", { 0, 256, 0, 0, false, 0 }, 642, 576 },
		{ "tiny tcp pmtu clamps (IPv6)", { 0, 1500, 0, 300, true, 0 }, 662, 576 },
		{ "tiny conf clamps", { 100, 0, 0, 0, false, 0 }, 642, 576 },
		{ "huge conf capped", { 65535, 65535, 0, 0, false, 0 }, 16384 + 66, 16384 },
		{ "negative means absent", { -5, -1, -1, -1, false, -3 }, 1500, 1434 },
		{ "huge overhead capped", { 0, 1500, 0, 0, false, 100000 }, 1500, 1216 },
		{ "client_mtu overflow guard", { 0, 0, 2147483647, 0, false, 0 }, 1500, 1434 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct cstp_mtu_out o;

		cstp_mtu_compute(&t[i].in, &o);
		ok(o.base_mtu == t[i].base && o.tunnel_mtu == t[i].tunnel, "MTU %s: %d/%d",
		   t[i].what, o.base_mtu, o.tunnel_mtu);
	}
}

/* Reply checks. */

static char outbuf[65536];

static int build(const struct cstp_reply *r, size_t *len)
{
	struct buf_wr w;
	int ret;

	buf_wr_init(&w, outbuf, sizeof(outbuf) - 1);
	ret = cstp_reply_build(r, &w);
	outbuf[w.len] = '\0';
	*len = w.len;
	return ret;
}

/* Split text at CRLF into at most max lines (pointers into a private copy). */
static size_t split_lines(const char *text, char *copy, size_t copy_size, const char **lines,
			  size_t max)
{
	size_t n = 0;
	char *s, *e;

	snprintf(copy, copy_size, "%s", text);
	for (s = copy; n < max && (e = strstr(s, "\r\n")) != NULL; s = e + 2) {
		*e = '\0';
		lines[n++] = s;
	}
	return n;
}

static bool has_line(const char *text, const char *line)
{
	static char copy[65536];
	static const char *lines[512];
	size_t n = split_lines(text, copy, sizeof(copy), lines, 512);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(lines[i], line) == 0)
			return true;
	}
	return false;
}

static size_t count_prefix(const char *text, const char *prefix)
{
	static char copy[65536];
	static const char *lines[512];
	size_t n = split_lines(text, copy, sizeof(copy), lines, 512), c = 0;

	for (size_t i = 0; i < n; i++)
		c += strncmp(lines[i], prefix, strlen(prefix)) == 0;
	return c;
}

/* Compare the header lines of text with want (status line excluded, order ignored unless
 * ordered); reports the first difference. */
static bool same_lines(const char *text, const char *want, bool ordered)
{
	static char c1[65536], c2[65536];
	static const char *got_l[512], *want_l[512];
	size_t ng = split_lines(text, c1, sizeof(c1), got_l, 512);
	size_t nw = split_lines(want, c2, sizeof(c2), want_l, 512);
	bool okay = ng == nw;

	if (!okay)
		diag("line count %zu, want %zu", ng, nw);
	for (size_t i = 1; i < nw; i++) {
		bool found = false;

		if (ordered) {
			found = i < ng && strcmp(got_l[i], want_l[i]) == 0;
		} else {
			for (size_t j = 1; j < ng && !found; j++)
				found = strcmp(got_l[j], want_l[i]) == 0;
		}
		if (!found) {
			diag("missing or misplaced: '%s'", want_l[i]);
			okay = false;
		}
	}
	for (size_t j = 1; j < ng; j++) {
		bool found = false;

		for (size_t i = 1; i < nw && !found; i++)
			found = strcmp(got_l[j], want_l[i]) == 0;
		if (!found) {
			diag("unexpected: '%s'", got_l[j]);
			okay = false;
		}
	}
	return okay;
}

#define APP_ID	"4f1c2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e69a"
#define SESS_ID "9E21A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5EC07B"

/* §3.7 first example. X-CSTP-Client-Bypass-Protocol is not in the document's example but
 * is always sent (our choice: the header is harmless to openconnect). */
static const char oc_reply[] = "HTTP/1.1 200 CONNECTED\r\n"
			       "X-CSTP-Version: 1\r\n"
			       "X-CSTP-Server-Name: cstpd 0.1\r\n"
			       "X-CSTP-Hostname: laptop-7\r\n"
			       "X-CSTP-Address: 10.66.0.23\r\n"
			       "X-CSTP-Netmask: 255.255.255.0\r\n"
			       "X-CSTP-DNS: 10.66.0.1\r\n"
			       "X-CSTP-Default-Domain: corp.example.net\r\n"
			       "X-CSTP-Tunnel-All-DNS: true\r\n"
			       "X-CSTP-Keepalive: 20\r\n"
			       "X-CSTP-DPD: 30\r\n"
			       "X-CSTP-Idle-Timeout: 1800\r\n"
			       "X-CSTP-Session-Timeout: none\r\n"
			       "X-CSTP-Disconnected-Timeout: 300\r\n"
			       "X-CSTP-Rekey-Method: new-tunnel\r\n"
			       "X-CSTP-Rekey-Time: 86400\r\n"
			       "X-CSTP-Keep: true\r\n"
			       "X-CSTP-TCP-Keepalive: true\r\n"
			       "X-CSTP-License: accept\r\n"
			       "X-CSTP-Client-Bypass-Protocol: false\r\n"
			       "X-DTLS-Port: 443\r\n"
			       "X-DTLS-DPD: 30\r\n"
			       "X-DTLS-Keepalive: 20\r\n"
			       "X-DTLS-App-ID: " APP_ID "\r\n"
			       "X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n"
			       "X-CSTP-Base-MTU: 1500\r\n"
			       "X-CSTP-MTU: 1434\r\n"
			       "\r\n";

/* §3.7 second example, as the document gives it (status line aside). */
static const char cisco_reply[] = "HTTP/1.1 200 OK\r\n"
				  "X-CSTP-Version: 1\r\n"
				  "X-CSTP-Protocol: Copyright (c) 2004 Cisco Systems, Inc.\r\n"
				  "X-CSTP-Address: 10.66.0.24\r\n"
				  "X-CSTP-Netmask: 255.255.255.0\r\n"
				  "X-CSTP-Hostname: WS-042\r\n"
				  "X-CSTP-Lease-Duration: 1209600\r\n"
				  "X-CSTP-Session-Timeout: none\r\n"
				  "X-CSTP-Session-Timeout-Alert-Interval: 60\r\n"
				  "X-CSTP-Session-Timeout-Remaining: none\r\n"
				  "X-CSTP-Idle-Timeout: 1800\r\n"
				  "X-CSTP-Disconnected-Timeout: 1800\r\n"
				  "X-CSTP-DNS: 10.66.0.1\r\n"
				  "X-CSTP-Default-Domain: corp.example.net\r\n"
				  "X-CSTP-Split-DNS: corp.example.net\r\n"
				  "X-CSTP-Split-Include: 10.0.0.0/255.0.0.0\r\n"
				  "X-CSTP-Split-Include: 192.168.50.0/255.255.255.0\r\n"
				  "X-CSTP-Keep: true\r\n"
				  "X-CSTP-Tunnel-All-DNS: false\r\n"
				  "X-CSTP-DPD: 30\r\n"
				  "X-CSTP-Keepalive: 20\r\n"
				  "X-CSTP-Rekey-Method: new-tunnel\r\n"
				  "X-CSTP-Rekey-Time: 86400\r\n"
				  "X-CSTP-MSIE-Proxy-Lockdown: false\r\n"
				  "X-CSTP-Smartcard-Removal-Disconnect: true\r\n"
				  "X-DTLS-Session-ID: " SESS_ID "\r\n"
				  "X-DTLS-Port: 443\r\n"
				  "X-DTLS-Keepalive: 20\r\n"
				  "X-DTLS-DPD: 30\r\n"
				  "X-CSTP-MTU: 1434\r\n"
				  "X-DTLS-MTU: 1434\r\n"
				  "X-DTLS12-CipherSuite: ECDHE-RSA-AES256-GCM-SHA384\r\n"
				  "X-CSTP-Routing-Filtering-Ignore: false\r\n"
				  "X-CSTP-Quarantine: false\r\n"
				  "X-CSTP-Disable-Always-On-VPN: false\r\n"
				  "X-CSTP-Client-Bypass-Protocol: false\r\n"
				  "X-CSTP-TCP-Keepalive: false\r\n"
				  "X-CSTP-License: accept\r\n"
				  "X-CSTP-Base-MTU: 1500\r\n"
				  "\r\n";

static void oc_example(struct cstp_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->server_name = "cstpd 0.1";
	r->hostname = "laptop-7";
	r->addr4 = "10.66.0.23";
	r->netmask4 = "255.255.255.0";
	r->dns[0] = "10.66.0.1";
	r->n_dns = 1;
	r->default_domain = "corp.example.net";
	r->tunnel_all_dns = true;
	r->keepalive = 20;
	r->dpd = 30;
	r->idle_timeout = 1800;
	r->session_timeout = 0;
	r->disconnected_timeout = 300;
	r->rekey_method = "new-tunnel";
	r->rekey_time = 86400;
	r->base_mtu = 1500;
	r->mtu = 1434;
	r->dtls_port = 443;
	r->dtls_dpd = 30;
	r->dtls_keepalive = 20;
	r->dtls_app_id = APP_ID;
	r->dtls_cipher = "PSK-NEGOTIATE";
}

static void cisco_example(struct cstp_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->cisco = true;
	r->hostname = "WS-042";
	r->addr4 = "10.66.0.24";
	r->netmask4 = "255.255.255.0";
	r->lease_duration = 1209600;
	r->session_timeout = 0;
	r->session_timeout_alert = 60;
	r->session_timeout_remaining = -1;
	r->idle_timeout = 1800;
	r->disconnected_timeout = 1800;
	r->dns[0] = "10.66.0.1";
	r->n_dns = 1;
	r->default_domain = "corp.example.net";
	r->split_dns[0] = "corp.example.net";
	r->n_split_dns = 1;
	r->split_include[0] = "10.0.0.0/255.0.0.0";
	r->split_include[1] = "192.168.50.0/255.255.255.0";
	r->n_split_include = 2;
	r->tunnel_all_dns = false;
	r->dpd = 30;
	r->keepalive = 20;
	r->rekey_method = "new-tunnel";
	r->rekey_time = 86400;
	r->dtls_session_id = SESS_ID;
	r->dtls_port = 443;
	r->dtls_keepalive = 20;
	r->dtls_dpd = 30;
	r->mtu = 1434;
	r->dtls_mtu = 1434;
	r->dtls12_cipher = "ECDHE-RSA-AES256-GCM-SHA384";
	r->client_bypass_protocol = false;
	r->base_mtu = 1500;
}

static void test_reply_examples(void)
{
	static struct cstp_reply r;
	size_t len;

	oc_example(&r);
	is_int(build(&r, &len), 0, "openconnect example builds");
	ok(strcmp(outbuf, oc_reply) == 0, "openconnect example reproduced byte for byte");
	ok(same_lines(outbuf, oc_reply, true), "openconnect example: same lines, same order");
	ok(len >= 4 && memcmp(outbuf + len - 4, "\r\n\r\n", 4) == 0, "ends with a blank line");

	cisco_example(&r);
	is_int(build(&r, &len), 0, "Cisco example builds");
	ok(strncmp(outbuf, "HTTP/1.1 200 CONNECTED\r\n", 24) == 0, "status line");
	ok(same_lines(outbuf, cisco_reply, false), "Cisco example: same header set");
	ok(strstr(outbuf, "X-CSTP-Base-MTU: 1500\r\nX-CSTP-MTU: 1434\r\n\r\n") != NULL,
	   "Base-MTU and MTU come last");
}

static void test_reply_variants(void)
{
	static struct cstp_reply r;
	size_t len;

	/* IPv6, full and legacy. */
	oc_example(&r);
	r.full_ipv6 = true;
	r.addr6 = "fd00:66::17";
	r.prefix6 = 64;
	r.split_include[0] = "10.0.0.0/255.0.0.0";
	r.split_include[1] = "fd00:66::/64";
	r.n_split_include = 2;
	r.split_exclude[0] = "fd00:99::/48";
	r.n_split_exclude = 1;
	ok(build(&r, &len) == 0 && has_line(outbuf, "X-CSTP-Address-IP6: fd00:66::17/64") &&
		   count_prefix(outbuf, "X-CSTP-Address: ") == 1 &&
		   count_prefix(outbuf, "X-CSTP-Netmask: ") == 1 &&
		   has_line(outbuf, "X-CSTP-Split-Include: 10.0.0.0/255.0.0.0") &&
		   has_line(outbuf, "X-CSTP-Split-Include-IP6: fd00:66::/64") &&
		   has_line(outbuf, "X-CSTP-Split-Exclude-IP6: fd00:99::/48"),
	   "full-IPv6 client: Address-IP6 and -IP6 routes");
	r.full_ipv6 = false;
	ok(build(&r, &len) == 0 && !has_line(outbuf, "X-CSTP-Address-IP6: fd00:66::17/64") &&
		   has_line(outbuf, "X-CSTP-Address: 10.66.0.23") &&
		   has_line(outbuf, "X-CSTP-Address: fd00:66::17") &&
		   has_line(outbuf, "X-CSTP-Netmask: 255.255.255.0") &&
		   has_line(outbuf, "X-CSTP-Netmask: fd00:66::17/64") &&
		   has_line(outbuf, "X-CSTP-Split-Include: fd00:66::/64") &&
		   has_line(outbuf, "X-CSTP-Split-Exclude: fd00:99::/48"),
	   "legacy client: second Address + Netmask addr/prefix, plain route names");
	r.addr4 = NULL;
	ok(build(&r, &len) == 0 && count_prefix(outbuf, "X-CSTP-Address: ") == 1 &&
		   count_prefix(outbuf, "X-CSTP-Netmask: ") == 1 &&
		   has_line(outbuf, "X-CSTP-Netmask: fd00:66::17/64"),
	   "IPv6-only legacy client: no IPv4 netmask");
	r.prefix6 = 0;
	is_int(build(&r, &len), ERR_FORMAT, "prefix6 0 refused");
	r.prefix6 = 129;
	is_int(build(&r, &len), ERR_FORMAT, "prefix6 129 refused");

	/* DNS style by client kind. */
	oc_example(&r);
	r.dns[1] = "fd00:66::1";
	r.n_dns = 2;
	r.nbns[0] = "10.66.0.2";
	r.n_nbns = 1;
	ok(build(&r, &len) == 0 && has_line(outbuf, "X-CSTP-DNS: fd00:66::1") &&
		   count_prefix(outbuf, "X-CSTP-DNS-IP6") == 0 &&
		   has_line(outbuf, "X-CSTP-NBNS: 10.66.0.2"),
	   "openconnect: IPv6 DNS as X-CSTP-DNS");
	r.cisco = true;
	ok(build(&r, &len) == 0 && has_line(outbuf, "X-CSTP-DNS-IP6: fd00:66::1") &&
		   has_line(outbuf, "X-CSTP-DNS: 10.66.0.1") &&
		   count_prefix(outbuf, "X-CSTP-DNS: ") == 1 &&
		   has_line(outbuf, "X-CSTP-Protocol: Copyright (c) 2004 Cisco Systems, Inc.") &&
		   has_line(outbuf, "X-CSTP-TCP-Keepalive: false"),
	   "Cisco: IPv6 DNS as X-CSTP-DNS-IP6, Protocol header");

	/* Timers. */
	oc_example(&r);
	r.idle_timeout = 0;
	r.session_timeout = 3600;
	r.session_timeout_remaining = 1234;
	r.disconnected_timeout = 0;
	r.lease_duration = 0;
	ok(build(&r, &len) == 0 && has_line(outbuf, "X-CSTP-Idle-Timeout: none") &&
		   has_line(outbuf, "X-CSTP-Session-Timeout: 3600") &&
		   has_line(outbuf, "X-CSTP-Session-Timeout-Remaining: 1234") &&
		   has_line(outbuf, "X-CSTP-Disconnected-Timeout: none") &&
		   count_prefix(outbuf, "X-CSTP-Lease-Duration") == 0 &&
		   count_prefix(outbuf, "X-CSTP-Session-Timeout-Alert-Interval") == 0,
	   "timers: none and numbers");
	r.session_timeout_remaining = 0;
	ok(build(&r, &len) == 0 && count_prefix(outbuf, "X-CSTP-Session-Timeout-Remaining") == 0,
	   "Session-Timeout-Remaining 0 is omitted");

	/* No DTLS port: no X-DTLS header even when the rest is filled. */
	oc_example(&r);
	r.dtls_port = 0;
	r.dtls_mtu = 1434;
	ok(build(&r, &len) == 0 && count_prefix(outbuf, "X-DTLS") == 0, "no port, no X-DTLS-*");
	oc_example(&r);
	r.dtls_rekey_time = 3600;
	r.dtls_rekey_method = "ssl";
	r.dtls_mtu = 1400;
	ok(build(&r, &len) == 0 && has_line(outbuf, "X-DTLS-Rekey-Time: 3600") &&
		   has_line(outbuf, "X-DTLS-Rekey-Method: ssl") &&
		   has_line(outbuf, "X-DTLS-MTU: 1400"),
	   "DTLS rekey and MTU when set");

	/* Empty values are never emitted. */
	oc_example(&r);
	r.server_name = "";
	r.hostname = "";
	r.default_domain = "";
	r.dns[1] = "";
	r.dns[2] = NULL;
	r.n_dns = 3;
	r.client_bypass_protocol = true;
	ok(build(&r, &len) == 0 && strstr(outbuf, ": \r\n") == NULL &&
		   count_prefix(outbuf, "X-CSTP-Server-Name") == 0 &&
		   count_prefix(outbuf, "X-CSTP-Hostname") == 0 &&
		   count_prefix(outbuf, "X-CSTP-DNS") == 1 &&
		   has_line(outbuf, "X-CSTP-Client-Bypass-Protocol: true"),
	   "empty and NULL values are left out");
}

static void test_reply_hostile(void)
{
	static struct cstp_reply r;
	static char small[64];
	struct buf_wr w;
	size_t len;

	oc_example(&r);
	r.banner = "Welcome to corp.\r\nAuthorised use only.\n";
	ok(build(&r, &len) == 0 &&
		   has_line(outbuf, "X-CSTP-Banner: Welcome to corp.  Authorised use only. "),
	   "banner: CR/LF become spaces");
	r.banner = "bell\a";
	is_int(build(&r, &len), ERR_FORMAT, "banner with a control character refused");

	oc_example(&r);
	r.default_domain = "x\r\nEvil: 1";
	is_int(build(&r, &len), ERR_FORMAT, "header injection in default_domain refused");
	is_int(len, 0, "nothing written on error");
	oc_example(&r);
	r.split_dns[0] = "a\nb";
	r.n_split_dns = 1;
	is_int(build(&r, &len), ERR_FORMAT, "LF in a split-dns entry refused");
	oc_example(&r);
	r.server_name = "tab\there";
	is_int(build(&r, &len), ERR_FORMAT, "TAB in a value refused");
	oc_example(&r);
	r.dtls_app_id = "00\x7f";
	is_int(build(&r, &len), ERR_FORMAT, "DEL in a value refused");
	oc_example(&r);
	r.addr6 = "fd00::1\r\nX: y";
	r.prefix6 = 64;
	is_int(build(&r, &len), ERR_FORMAT, "CRLF in addr6 refused");
	oc_example(&r);
	r.hostname = "caf\xc3\xa9";
	ok(build(&r, &len) == 0, "UTF-8 bytes are not control characters");

	oc_example(&r);
	buf_wr_init(&w, small, sizeof(small));
	is_int(cstp_reply_build(&r, &w), ERR_TOO_LARGE, "64-byte buffer: ERR_TOO_LARGE");
	is_int(w.len, 0, "and the buffer is left empty");
	buf_wr_init(&w, small, sizeof(small));
	buf_put_str(&w, "prefix");
	is_int(cstp_reply_build(&r, &w), ERR_TOO_LARGE, "with earlier content");
	is_int(w.len, 6, "earlier content kept, nothing added");

	oc_example(&r);
	r.n_dns = CSTP_REPLY_LIST_MAX + 1;
	is_int(build(&r, &len), ERR_TOO_LARGE, "list count above the maximum refused");
}

int main(void)
{
	hp = malloc(sizeof(*hp));
	if (!hp)
		abort();
	test_openconnect();
	test_cisco();
	test_reconnect();
	test_mtu_values();
	test_secret_cookie();
	test_address_type();
	test_psk();
	test_mtu();
	test_reply_examples();
	test_reply_variants();
	test_reply_hostile();
	test_mutations();
	http_parser_wipe(hp);
	free(hp);
	return done_testing();
}
