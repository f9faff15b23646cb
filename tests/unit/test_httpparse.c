/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the incremental HTTP request parser. Process: any (test). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "httpparse.h"
#include "tap.h"

/* openconnect 9.21's first POST (PROTOCOL.md §1.3, §9.1 step 2); the body is §2.5 a. */
static const char oc9_init_body[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"init\" "
	"aggregate-auth-version=\"2\"><version who=\"vpn\">v9.21</version><device-id>linux-64"
	"</device-id><capabilities><auth-method>single-sign-on-v2</auth-method><auth-method>"
	"single-sign-on-external-browser</auth-method></capabilities><group-access>"
	"https://vpn.example.net/</group-access></config-auth>\n";
static const char oc9_post_head[] =
	"POST / HTTP/1.1\r\n"
	"Host: vpn.example.net\r\n"
	"User-Agent: AnyConnect-compatible OpenConnect VPN Agent v9.21\r\n"
	"Accept: */*\r\n"
	"Accept-Encoding: identity\r\n"
	"X-Transcend-Version: 1\r\n"
	"X-Aggregate-Auth: 1\r\n"
	"X-Support-HTTP-Auth: true\r\n"
	"X-AnyConnect-STRAP-Pubkey: MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\r\n"
	"X-Pad: 0000000000000000000000000000000000000000000\r\n"
	"Content-Type: application/xml; charset=utf-8\r\n"
	"Cookie: webvpncontext=Zm9vYmFyYmF6cXV4\r\n";

/* openconnect 9.21's reconnecting CONNECT (§3.1, §7.1: X-CSTP-Address twice). */
static const char oc9_connect[] =
	"CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\n"
	"Host: vpn.example.net\r\n"
	"User-Agent: AnyConnect-compatible OpenConnect VPN Agent v9.21\r\n"
	"Cookie: webvpn=7D2F0C4E9A1B3C5D7E9F0A2B4C6D8E0F1A3B5C7D9E1F2A4B\r\n"
	"X-CSTP-Version: 1\r\n"
	"X-CSTP-Hostname: laptop-7\r\n"
	"X-CSTP-Protocol: Copyright (c) 2004 Cisco Systems, Inc.\r\n"
	"X-CSTP-Accept-Encoding: oc-lz4,lzs\r\n"
	"X-CSTP-Base-MTU: 1500\r\n"
	"X-CSTP-MTU: 1390\r\n"
	"X-CSTP-Address-Type: IPv6,IPv4\r\n"
	"X-CSTP-Full-IPv6-Capability: true\r\n"
	"X-CSTP-Address: 10.66.0.23\r\n"
	"X-CSTP-Address: fd00:66::17\r\n"
	"X-DTLS-Master-Secret: 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
	"0123456789ABCDEF0123456789ABCDEF\r\n"
	"X-DTLS-CipherSuite: ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES256-SHA:"
	"ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:DHE-RSA-AES128-SHA:AES256-SHA:AES128-SHA:"
	"OC-DTLS1_2-AES128-GCM:OC-DTLS1_2-AES256-GCM:PSK-NEGOTIATE\r\n"
	"X-DTLS12-CipherSuite: ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"AES256-SHA:AES128-SHA\r\n"
	"X-DTLS-Accept-Encoding: oc-lz4,lzs\r\n"
	"\r\n";

/* A Cisco-style init POST (§1.3: form content type with an XML body, Connection: Close). */
static const char cisco_init_body[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"init\" "
	"aggregate-auth-version=\"2\">\n<version who=\"vpn\">4.10.07061</version>\n"
	"<device-id computer-name=\"WS-042\" device-type=\"LENOVO 20XW\" "
	"platform-version=\"10.0.19045\" unique-id=\"A1B2C3\">win</device-id>\n"
	"<group-select></group-select>\n<group-access>https://vpn.example.net</group-access>\n"
	"</config-auth>";
static const char cisco_post_head[] =
	"POST / HTTP/1.1\r\n"
	"Connection: Close\r\n"
	"Host: vpn.example.net\r\n"
	"User-Agent: AnyConnect Windows 4.10.08029\r\n"
	"Cookie: webvpnc=bu:/CACHE/stc/&p:t&iu:1/; tg=1Layer3; webvpnlogin=1\r\n"
	"X-Transcend-Version: 1\r\n"
	"X-Aggregate-Auth: 1\r\n"
	"X-AnyConnect-Platform: win\r\n"
	"Cache-Control: no-cache\r\n"
	"Pragma: no-cache\r\n"
	"Content-Type: application/x-www-form-urlencoded\r\n";

/* A downloader GET of a package, conditional and ranged (PROTOCOL.md §8.3, §9.2). */
static const char download_get[] =
	"GET /CACHE/stc/1/binaries/pkg.sh HTTP/1.1\r\n"
	"Host: vpn.example.net\r\n"
	"User-Agent: AnyConnect Linux_64 4.10.07061\r\n"
	"Cookie: webvpn=7D2F0C4E9A1B3C5D7E9F0A2B4C6D8E0F1A3B5C7D9E1F2A4B\r\n"
	"If-None-Match: \"44A3E1C1A0B6E8D97A0A3F1C2E4F6A8B0C2D4F572\", W/\"x\"\r\n"
	"If-Modified-Since:  Sun, 06 Nov 1994 08:49:37 GMT \r\n"
	"Range: bytes=100-\r\n"
	"If-Range: \"44A3E1C1A0B6E8D97A0A3F1C2E4F6A8B0C2D4F572\"\r\n"
	"\r\n";

struct sample {
	const char *name;
	char *data;
	size_t len;
};

static struct sample samples[4];

static char *make_post(const char *head, const char *body, size_t *len)
{
	size_t cap = strlen(head) + strlen(body) + 64;
	char *s = malloc(cap);
	int n;

	if (!s)
		abort();
	n = snprintf(s, cap, "%sContent-Length: %zu\r\n\r\n%s", head, strlen(body), body);
	*len = (size_t)n;
	return s;
}

static struct http_parser *new_parser(void)
{
	struct http_parser *p = malloc(sizeof(*p));

	if (!p)
		abort();
	http_parser_init(p);
	return p;
}

/* Feed the whole buffer at once. */
static int feed_whole(struct http_parser *p, const void *d, size_t len, size_t *consumed)
{
	http_parser_init(p);
	return http_parser_feed(p, d, len, consumed);
}

/* Feed one byte at a time until the parser stops asking for more. */
static int feed_bytewise(struct http_parser *p, const uint8_t *d, size_t len, size_t *consumed)
{
	size_t used, total = 0;
	int r = ERR_TRUNCATED;

	http_parser_init(p);
	for (size_t i = 0; i < len && r == ERR_TRUNCATED; i++) {
		r = http_parser_feed(p, d + i, 1, &used);
		total += used;
	}
	*consumed = total;
	return r;
}

/* Parse s three ways (whole, every two-way split, byte by byte) and check all agree. */
/* reset() after a request gives the same state as init(). */
static void test_reset(void)
{
	static const char a[] = "POST /auth HTTP/1.1\r\nHost: x\r\nX-CSTP-MTU: 1400\r\n"
				"Cookie: webvpn=AB12\r\nContent-Length: 5\r\n\r\nhello";
	static const char b[] = "GET / HTTP/1.1\r\nHost: y\r\n\r\n";
	struct http_parser *p = calloc(1, sizeof(*p)), *q = calloc(1, sizeof(*q));
	size_t used;

	if (!p || !q)
		abort();
	http_parser_init(p);
	is_int(http_parser_feed(p, (const uint8_t *)a, strlen(a), &used), 0,
	       "reset: first request");
	http_parser_reset(p);
	ok(p->req.body_len == 0 && !p->req.has_webvpn && p->req.n_xhdr == 0,
	   "reset clears body, cookies and stored headers");
	is_int(http_parser_feed(p, (const uint8_t *)b, strlen(b), &used), 0,
	       "reset: second request");
	http_parser_init(q);
	http_parser_feed(q, (const uint8_t *)b, strlen(b), &used);
	ok(memcmp(&p->req, &q->req, sizeof(p->req)) == 0,
	   "a reset parser yields exactly what a fresh one does");
	free(p);
	free(q);
}

static int parse_all_ways(const char *what, const void *s, size_t len, struct http_parser *ref)
{
	struct http_parser *p = new_parser();
	size_t c_ref, c1, c2, c;
	int r_ref, r, r2;
	int split_bad = -1;

	r_ref = feed_whole(ref, s, len, &c_ref);
	for (size_t i = 0; i <= len && split_bad < 0; i++) {
		http_parser_init(p);
		r = http_parser_feed(p, s, i, &c1);
		c2 = 0;
		if (r == ERR_TRUNCATED) {
			r = http_parser_feed(p, (const uint8_t *)s + i, len - i, &c2);
		}
		if (r != r_ref || (r == 0 && (c1 + c2 != c_ref ||
					      memcmp(&p->req, &ref->req, sizeof(p->req)) != 0)))
			split_bad = (int)i;
	}
	ok(split_bad < 0, "%s: every two-feed split gives the same result (bad at %d)", what,
	   split_bad);
	r = feed_bytewise(p, s, len, &c);
	r2 = r == r_ref &&
	     (r != 0 || (c == c_ref && memcmp(&p->req, &ref->req, sizeof(p->req)) == 0));
	ok(r2, "%s: byte-by-byte gives the same result (%s vs %s)", what, err_str(r),
	   err_str(r_ref));
	free(p);
	return r_ref;
}

static void test_oc9_post(struct http_parser *p)
{
	const struct sample *s = &samples[0];
	size_t c;
	int r;

	r = parse_all_ways(s->name, s->data, s->len, p);
	is_int(r, 0, "oc9 POST parses");
	feed_whole(p, s->data, s->len, &c);
	is_int(c, s->len, "oc9 POST: consumed everything");
	is_int(p->req.method, HTTP_M_POST, "method POST");
	is_str(p->req.path, "/", "path /");
	is_int(p->req.version_minor, 1, "HTTP/1.1");
	is_str(p->req.host, "vpn.example.net", "host");
	is_int(p->req.ua, HTTP_UA_OPENCONNECT, "ua openconnect");
	is_str(p->req.content_type, "application/xml; charset=utf-8", "content type");
	ok(p->req.has_content_length && p->req.content_length == strlen(oc9_init_body),
	   "content length");
	is_int(p->req.body_len, strlen(oc9_init_body), "body length");
	ok(memcmp(p->req.body, oc9_init_body, p->req.body_len) == 0, "body bytes");
	ok(p->req.x_aggregate_auth, "X-Aggregate-Auth");
	ok(!p->req.conn_close, "keep-alive by default on 1.1");
	ok(!p->req.has_webvpn, "no webvpn cookie");
	ok(p->req.has_webvpncontext, "webvpncontext cookie");
	is_str(p->req.webvpncontext, "Zm9vYmFyYmF6cXV4", "webvpncontext value");
	is_int(p->req.n_xhdr, 1, "one stored header (STRAP)");
	is_str(http_req_xhdr(&p->req, "x-anyconnect-strap-pubkey", 0),
	       "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", "STRAP key by case-insensitive name");
	ok(http_req_xhdr(&p->req, "X-Transcend-Version", 0) == NULL, "X-Transcend not stored");
}

static void test_oc9_connect(struct http_parser *p)
{
	const struct sample *s = &samples[1];
	int r;

	r = parse_all_ways(s->name, s->data, s->len, p);
	is_int(r, 0, "CONNECT parses");
	is_int(p->req.method, HTTP_M_CONNECT, "method CONNECT");
	is_str(p->req.path, "/CSCOSSLC/tunnel", "tunnel path");
	ok(p->req.has_webvpn, "webvpn cookie");
	is_str(p->req.webvpn, "7D2F0C4E9A1B3C5D7E9F0A2B4C6D8E0F1A3B5C7D9E1F2A4B", "token");
	ok(!p->req.has_content_length && p->req.body_len == 0, "no body");
	is_int(p->req.n_xhdr, 14, "14 stored headers");
	is_str(http_req_xhdr(&p->req, "X-CSTP-Address", 0), "10.66.0.23", "first address");
	is_str(http_req_xhdr(&p->req, "X-CSTP-ADDRESS", 1), "fd00:66::17", "second address");
	ok(http_req_xhdr(&p->req, "X-CSTP-Address", 2) == NULL, "no third address");
	is_str(http_req_xhdr(&p->req, "X-CSTP-Protocol", 0),
	       "Copyright (c) 2004 Cisco Systems, Inc.", "protocol header value with blanks");
	is_str(http_req_xhdr(&p->req, "X-DTLS12-CipherSuite", 0),
	       "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:AES256-SHA:AES128-SHA",
	       "DTLS12 ciphers");
	is_int(strlen(http_req_xhdr(&p->req, "X-DTLS-Master-Secret", 0)), 96, "master secret");
	ok(http_req_xhdr(&p->req, "X-CSTP-MTU", 0) &&
		   strcmp(http_req_xhdr(&p->req, "x-cstp-mtu", 0), "1390") == 0,
	   "MTU");
}

static void test_cisco_post(struct http_parser *p)
{
	const struct sample *s = &samples[2];
	int r;

	r = parse_all_ways(s->name, s->data, s->len, p);
	is_int(r, 0, "Cisco POST parses");
	is_int(p->req.ua, HTTP_UA_ANYCONNECT, "ua AnyConnect");
	ok(p->req.conn_close, "Connection: Close");
	ok(!p->req.has_webvpn && !p->req.has_webvpncontext, "webvpnc/tg are not webvpn");
	is_str(http_req_xhdr(&p->req, "X-AnyConnect-Platform", 0), "win", "platform header");
	is_int(p->req.body_len, strlen(cisco_init_body), "body");
}

static void test_keepalive(struct http_parser *p)
{
	const struct sample *a = &samples[0], *b = &samples[1];
	size_t len = a->len + 2 + b->len, c1, c2;
	char *both = malloc(len);
	int r;

	memcpy(both, a->data, a->len);
	memcpy(both + a->len, "\r\n", 2); /* stray CRLF after a body (RFC 7230 3.5) */
	memcpy(both + a->len + 2, b->data, b->len);
	http_parser_init(p);
	r = http_parser_feed(p, (uint8_t *)both, len, &c1);
	is_int(r, 0, "keep-alive: first request");
	is_int(c1, a->len, "keep-alive: consumed the first request only");
	is_int(p->req.method, HTTP_M_POST, "first is the POST");
	r = http_parser_feed(p, (uint8_t *)both + c1, len - c1, &c2);
	ok(r == 0 && c2 == 0, "feeding a finished parser consumes nothing");
	http_parser_init(p);
	r = http_parser_feed(p, (uint8_t *)both + c1, len - c1, &c2);
	is_int(r, 0, "keep-alive: second request");
	is_int(c2, len - c1, "keep-alive: consumed the rest");
	is_int(p->req.method, HTTP_M_CONNECT, "second is the CONNECT");
	ok(p->req.body_len == 0 && !p->req.has_webvpncontext, "init cleared the first request");
	free(both);
}

static int parse_str(struct http_parser *p, const char *s)
{
	size_t c;

	return feed_whole(p, s, strlen(s), &c);
}

/* Check the result and that splitting the input does not change it. */
static void check_err(struct http_parser *p, const char *what, const void *s, size_t len, int want)
{
	struct http_parser *q = new_parser();
	size_t c;
	int r, rb;

	r = feed_whole(p, s, len, &c);
	rb = feed_bytewise(q, s, len, &c);
	ok(r == want && rb == want, "%s -> %s (whole %s, bytewise %s)", what, err_str(want),
	   err_str(r), err_str(rb));
	free(q);
}

#define CHECK_ERR(p, what, lit, want) check_err(p, what, lit, sizeof(lit) - 1, want)

static char *repeat(char ch, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

static void test_limits(struct http_parser *p)
{
	char *big = malloc(HTTP_BODY_MAX + 50000), *fill;
	size_t n, c;
	int r;

	/* A header line of exactly HTTP_LINE_MAX bytes with its CRLF is fine; one more is not. */
	fill = repeat('a', HTTP_LINE_MAX - strlen("X-Long: \r\n"));
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nX-Long: %s\r\n\r\n", fill);
	check_err(p, "header line of HTTP_LINE_MAX bytes", big, n, 0);
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nX-Long: %sb\r\n\r\n", fill);
	check_err(p, "header line one byte over", big, n, ERR_TOO_LARGE);
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nX-Long: %sbb", fill);
	check_err(p, "overlong line without its end", big, n, ERR_TOO_LARGE);
	n = (size_t)sprintf(big, "GET /%s HTTP/1.1\r\n\r\n", fill);
	check_err(p, "overlong request line", big, n, ERR_TOO_LARGE);
	free(fill);
	fill = repeat('p', 2100);
	n = (size_t)sprintf(big, "GET /%s HTTP/1.1\r\n\r\n", fill);
	check_err(p, "target longer than path[]", big, n, ERR_TOO_LARGE);
	free(fill);

	fill = repeat('h', 7000);
	n = (size_t)sprintf(big,
			    "GET / HTTP/1.1\r\nA: %s\r\nB: %s\r\nC: %s\r\nD: %s\r\nE: %s\r\n\r\n",
			    fill, fill, fill, fill, fill);
	check_err(p, "head over HTTP_HEAD_MAX", big, n, ERR_TOO_LARGE);
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nA: %s\r\nB: %s\r\nC: %s\r\nD: %s\r\n\r\n", fill,
			    fill, fill, fill);
	check_err(p, "head just under HTTP_HEAD_MAX", big, n, 0);
	free(fill);

	n = (size_t)sprintf(big, "POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n", HTTP_BODY_MAX);
	memset(big + n, 'x', HTTP_BODY_MAX);
	r = feed_whole(p, big, n + HTTP_BODY_MAX, &c);
	ok(r == 0 && p->req.body_len == HTTP_BODY_MAX, "body of HTTP_BODY_MAX bytes");
	CHECK_ERR(p, "Content-Length over the cap",
		  "POST / HTTP/1.1\r\nContent-Length: 65537\r\n\r\n", ERR_TOO_LARGE);
	CHECK_ERR(p, "Content-Length huge",
		  "POST / HTTP/1.1\r\nContent-Length: 999999999999999999999999999\r\n\r\n",
		  ERR_TOO_LARGE);

	/* Stored headers: the count and the value storage are bounded. */
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < HTTP_XHDR_MAX; i++)
		n += (size_t)sprintf(big + n, "X-CSTP-H%d: %d\r\n", i, i);
	n += (size_t)sprintf(big + n, "\r\n");
	r = feed_whole(p, big, n, &c);
	ok(r == 0 && p->req.n_xhdr == HTTP_XHDR_MAX, "HTTP_XHDR_MAX stored headers");
	is_str(http_req_xhdr(&p->req, "x-cstp-h47", 0), "47", "last stored header");
	n -= 2;
	n += (size_t)sprintf(big + n, "X-DTLS-One-Too-Many: 1\r\n\r\n");
	check_err(p, "one stored header too many", big, n, ERR_TOO_LARGE);
	fill = repeat('v', 5000);
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nX-CSTP-A: %s\r\nX-CSTP-B: %s\r\n\r\n", fill,
			    fill);
	check_err(p, "stored values over xvals", big, n, ERR_TOO_LARGE);
	free(fill);
	fill = repeat('N', 60);
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nX-CSTP-%s: 1\r\n\r\n", fill);
	check_err(p, "stored header name over 63 bytes", big, n, ERR_TOO_LARGE);
	free(fill);
	fill = repeat('N', HTTP_NAME_MAX + 1);
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\n%s: 1\r\n\r\n", fill);
	check_err(p, "header name over HTTP_NAME_MAX", big, n, ERR_TOO_LARGE);
	free(fill);
	free(big);
}

static void test_format(struct http_parser *p)
{
	static const uint8_t tls_hello[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc,
					     0x03, 0x03, 0x0a, 0x20, 0xff, 0x0d, 0x0a, 0x0d, 0x0a };
	static const char nul_line[] = "GET /a\0b HTTP/1.1\r\n\r\n";
	static const char nul_hdr[] = "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n";
	static const char nul_hdr2[] = "GET / HTTP/1.1\r\nX-A\0: ab\r\n\r\n";
	size_t c;
	int r;

	CHECK_ERR(p, "bad Content-Length", "POST / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n",
		  ERR_FORMAT);
	CHECK_ERR(p, "negative Content-Length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		  ERR_FORMAT);
	CHECK_ERR(p, "empty Content-Length", "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",
		  ERR_FORMAT);
	CHECK_ERR(p, "list Content-Length", "POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n",
		  ERR_FORMAT);
	CHECK_ERR(p, "conflicting Content-Length",
		  "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
		  ERR_FORMAT);
	CHECK_ERR(p, "agreeing Content-Length",
		  "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 0);
	CHECK_ERR(p, "Transfer-Encoding",
		  "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		  ERR_FORMAT);
	CHECK_ERR(p, "missing version", "GET /\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "HTTP/1.2", "GET / HTTP/1.2\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "lower-case version", "GET / http/1.1\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "trailing blank after version", "GET / HTTP/1.1 \r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "two blanks before target", "GET  / HTTP/1.1\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "absolute-form target", "GET http://x/ HTTP/1.1\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "asterisk target", "OPTIONS * HTTP/1.1\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "non-ASCII target", "GET /\xc3\xa9 HTTP/1.1\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "bad method char", "G(T / HTTP/1.1\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "Clavister CONNECT target", "CONNECT CSCOSSLC/tunnel HTTP/1.1\r\n\r\n", 0);
	is_str(p->req.path, "CSCOSSLC/tunnel", "Clavister path kept as sent");
	CHECK_ERR(p, "slashless target on GET", "GET CSCOSSLC/tunnel HTTP/1.1\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "CONNECT with a body",
		  "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nContent-Length: 2\r\n\r\nab", ERR_FORMAT);
	CHECK_ERR(p, "CONNECT with Content-Length 0",
		  "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 0);
	check_err(p, "garbage binary (TLS ClientHello)", tls_hello, sizeof(tls_hello), ERR_FORMAT);
	CHECK_ERR(p, "header without colon", "GET / HTTP/1.1\r\nHost vpn\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "header with empty name", "GET / HTTP/1.1\r\n: vpn\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "blank before colon", "GET / HTTP/1.1\r\nHost : vpn\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "obs-fold", "GET / HTTP/1.1\r\nX-CSTP-A: a\r\n b\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "obs-fold with tab", "GET / HTTP/1.1\r\nX-CSTP-A: a\r\n\tb\r\n\r\n",
		  ERR_FORMAT);
	check_err(p, "NUL in request line", nul_line, sizeof(nul_line) - 1, ERR_FORMAT);
	check_err(p, "NUL in header value", nul_hdr, sizeof(nul_hdr) - 1, ERR_FORMAT);
	check_err(p, "NUL in header name", nul_hdr2, sizeof(nul_hdr2) - 1, ERR_FORMAT);
	CHECK_ERR(p, "control char in value", "GET / HTTP/1.1\r\nX-A: a\x01z\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "DEL in value", "GET / HTTP/1.1\r\nX-A: a\x7fz\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "bare CR in value", "GET / HTTP/1.1\r\nX-A: a\rz\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "tab in value", "GET / HTTP/1.1\r\nX-CSTP-A: a\tz\r\n\r\n", 0);
	is_str(http_req_xhdr(&p->req, "X-CSTP-A", 0), "a\tz", "tab kept inside a value");
	CHECK_ERR(p, "duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "duplicate User-Agent",
		  "GET / HTTP/1.1\r\nUser-Agent: a\r\nuser-agent: b\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "two blank lines first", "\r\n\nGET / HTTP/1.1\r\n\r\n", 0);
	CHECK_ERR(p, "too many blank lines first", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",
		  ERR_FORMAT);
	CHECK_ERR(p, "bare LF line ends", "GET /x HTTP/1.0\nHost: h\n\n", 0);
	is_str(p->req.host, "h", "bare LF: host");
	ok(p->req.conn_close, "HTTP/1.0 closes by default");
	CHECK_ERR(p, "long method", "VERYLONGMETHODNAME / HTTP/1.1\r\n\r\n", 0);
	is_int(p->req.method, HTTP_M_OTHER, "long method is HTTP_M_OTHER");

	r = parse_str(p, "GET / HTTP/1.1\r\nHost vpn\r\n\r\n");
	r = http_parser_feed(p, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18, &c);
	ok(r == ERR_FORMAT, "error sticks until init");
	r = http_parser_feed(p, NULL, 0, &c);
	ok(r == ERR_FORMAT && c == 0, "error sticks on empty feed");
	http_parser_init(p);
	r = http_parser_feed(p, NULL, 0, &c);
	ok(r == ERR_TRUNCATED && c == 0, "empty feed on a fresh parser needs more");
}

static void test_flags(struct http_parser *p)
{
	parse_str(p, "HEAD / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
	ok(p->req.method == HTTP_M_HEAD && p->req.version_minor == 0 && !p->req.conn_close,
	   "HTTP/1.0 with keep-alive stays open");
	parse_str(p, "GET / HTTP/1.1\r\nConnection: keep-alive , CLOSE\r\n\r\n");
	ok(p->req.conn_close, "close inside a Connection list");
	parse_str(p, "GET / HTTP/1.1\r\nConnection: closed\r\n\r\n");
	ok(!p->req.conn_close, "'closed' is not close");
	parse_str(p, "POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx");
	ok(p->req.expect_continue && p->req.body_len == 1, "Expect: 100-continue");
	parse_str(p, "POST / HTTP/1.1\r\nX-Aggregate-Auth: 2\r\n\r\n");
	ok(!p->req.x_aggregate_auth, "X-Aggregate-Auth: 2 is not 1");
	parse_str(p, "POST / HTTP/1.1\r\n\r\n");
	ok(!p->req.has_content_length && p->req.body_len == 0, "POST without Content-Length");
	parse_str(p, "GET / HTTP/1.1\r\nHost:   spaced.example   \r\n\r\n");
	is_str(p->req.host, "spaced.example", "value trimmed");
	parse_str(p, "GET / HTTP/1.1\r\nX-DTLS-Empty:\r\n\r\n");
	is_str(http_req_xhdr(&p->req, "X-DTLS-Empty", 0), "", "empty stored value");
}

static void test_ua(void)
{
	static const struct {
		const char *ua;
		enum http_ua want;
	} t[] = {
		{ "AnyConnect-compatible OpenConnect VPN Agent v9.21", HTTP_UA_OPENCONNECT },
		{ "anyconnect-compatible openconnect vpn agent v9.21", HTTP_UA_OPENCONNECT },
		{ "Open AnyConnect VPN Agent v9.01", HTTP_UA_OPENCONNECT },
		{ "Open AnyConnect VPN Agent v9.12-unknown", HTTP_UA_OPENCONNECT },
		{ "Open AnyConnect VPN Agent v10.0", HTTP_UA_OPENCONNECT },
		{ "Open AnyConnect VPN Agent v3.02", HTTP_UA_OPENCONNECT_V3 },
		{ "Open AnyConnect VPN Agent v2.26", HTTP_UA_OPENCONNECT_V3 },
		{ "Open AnyConnect VPN Agent v4.00", HTTP_UA_OPENCONNECT },
		{ "Open AnyConnect VPN Agent v", HTTP_UA_OPENCONNECT },
		{ "Open AnyConnect VPN Agent vX", HTTP_UA_OPENCONNECT },
		{ "Open AnyConnect VPN Agent v0000000003", HTTP_UA_OPENCONNECT },
		{ "OpenConnect VPN Agent (NetworkManager)", HTTP_UA_OPENCONNECT_FRONTEND },
		{ "Cisco AnyConnect VPN Agent for Apple 4.9.01095", HTTP_UA_CISCO_IOS },
		{ "Cisco AnyConnect VPN Agent for Android 4.10", HTTP_UA_CISCO_MOBILE },
		{ "AnyConnect Windows 4.10.08029", HTTP_UA_ANYCONNECT },
		{ "AnyConnect Linux_64 4.7.00136", HTTP_UA_ANYCONNECT },
		{ "AnyConnect Darwin_i386 4.10.05085", HTTP_UA_ANYCONNECT },
		{ "Clavister OneConnect VPN 1.0", HTTP_UA_OTHER_COMPAT },
		{ "AnyLink Secure Client", HTTP_UA_OTHER_COMPAT },
		{ "Cisco SVC IPPhone Client v1.0", HTTP_UA_OTHER_COMPAT },
		{ "Mozilla/5.0 (X11; Linux x86_64)", HTTP_UA_UNKNOWN },
		{ "", HTTP_UA_UNKNOWN },
	};
	struct http_parser *p = new_parser();
	char req[256];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		is_int(http_ua_classify(t[i].ua), t[i].want, "UA '%s' -> %s", t[i].ua,
		       http_ua_name(t[i].want));
	snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nuser-agent: %s\r\n\r\n", t[5].ua);
	parse_str(p, req);
	is_int(p->req.ua, HTTP_UA_OPENCONNECT_V3, "UA classified while parsing");
	parse_str(p, "GET / HTTP/1.1\r\n\r\n");
	is_int(p->req.ua, HTTP_UA_UNKNOWN, "no UA -> unknown");
	is_str(http_ua_name(HTTP_UA_UNKNOWN), "unknown", "name of unknown");
	is_str(http_ua_name((enum http_ua)99), "unknown", "name of out-of-range value");
	free(p);
}

static void cookie_case(struct http_parser *p, const char *hdrs, const char *webvpn,
			const char *ctx)
{
	char req[1024], shown[1024];
	size_t n = 0;

	/* TAP descriptions must stay on one line. */
	for (const char *c = hdrs; *c && n + 2 < sizeof(shown); c++) {
		if (*c == '\r')
			continue;
		shown[n++] = *c == '\n' ? '|' : *c;
	}
	shown[n] = '\0';
	snprintf(req, sizeof(req), "GET / HTTP/1.1\r\n%s\r\n", hdrs);
	is_int(parse_str(p, req), 0, "cookies parse: %s", shown);
	if (webvpn)
		is_str(p->req.has_webvpn ? p->req.webvpn : NULL, webvpn, "  webvpn");
	else
		ok(!p->req.has_webvpn, "  no webvpn");
	if (ctx)
		is_str(p->req.has_webvpncontext ? p->req.webvpncontext : NULL, ctx,
		       "  webvpncontext");
	else
		ok(!p->req.has_webvpncontext, "  no webvpncontext");
}

static void test_cookies(struct http_parser *p)
{
	char hdr[600], *longv = repeat('L', 256);

	cookie_case(p, "Cookie: webvpn=ABC\r\n", "ABC", NULL);
	cookie_case(p, "Cookie: webvpnc=bu:/&p:t; webvpncontext=CTX; webvpn=TOK\r\n", "TOK", "CTX");
	cookie_case(p, "Cookie: webvpnc=X\r\n", NULL, NULL);
	cookie_case(p, "Cookie: webvpncontext=C1\r\n", NULL, "C1");
	cookie_case(p, "Cookie: a=b\r\nCookie: webvpn=T2\r\nCookie: webvpncontext=C2\r\n", "T2",
		    "C2");
	cookie_case(p, "Cookie: webvpn=a\"b\r\n", NULL, NULL);
	cookie_case(p, "Cookie: webvpn=a\\b\r\n", NULL, NULL);
	cookie_case(p, "Cookie: webvpn=a b\r\n", NULL, NULL);
	cookie_case(p, "Cookie: webvpn=a,b\r\n", NULL, NULL);
	cookie_case(p, "Cookie: webvpn=\xc3\xa9\r\n", NULL, NULL);
	cookie_case(p, "Cookie: webvpn=\r\n", NULL, NULL);
	cookie_case(p, "Cookie: WEBVPN=x\r\n", NULL, NULL);
	cookie_case(p, "Cookie: webvpn =x\r\n", NULL, NULL);
	cookie_case(p, "Cookie: webvpn\r\n", NULL, NULL);
	cookie_case(p, "Cookie: ;;  webvpn=ok ;\r\n", "ok", NULL);
	cookie_case(p, "Cookie: webvpn=a b; webvpn=GOOD\r\n", "GOOD", NULL);
	cookie_case(p, "Cookie: webvpn=FIRST; webvpn=SECOND\r\n", "FIRST", NULL);
	cookie_case(p, "Cookie: webvpn=x=y\r\n", "x=y", NULL);
	snprintf(hdr, sizeof(hdr), "Cookie: webvpn=%s\r\n", longv);
	cookie_case(p, hdr, NULL, NULL);
	longv[255] = '\0';
	snprintf(hdr, sizeof(hdr), "Cookie: webvpn=%s\r\n", longv);
	cookie_case(p, hdr, longv, NULL);
	free(longv);
}

static void test_download_headers(struct http_parser *p)
{
	char hdr[1024], *longv;
	int r;

	r = parse_all_ways("download GET", download_get, sizeof(download_get) - 1, p);
	is_int(r, 0, "download GET parses");
	ok(p->req.has_if_none_match, "If-None-Match kept");
	is_str(p->req.if_none_match, "\"44A3E1C1A0B6E8D97A0A3F1C2E4F6A8B0C2D4F572\", W/\"x\"",
	       "If-None-Match value");
	ok(p->req.has_if_modified_since, "If-Modified-Since kept");
	is_str(p->req.if_modified_since, "Sun, 06 Nov 1994 08:49:37 GMT", "trimmed date");
	ok(p->req.has_range, "Range kept");
	is_str(p->req.range, "bytes=100-", "Range value");
	ok(p->req.has_if_range, "If-Range kept");
	is_str(p->req.if_range, "\"44A3E1C1A0B6E8D97A0A3F1C2E4F6A8B0C2D4F572\"", "If-Range value");

	r = parse_str(p, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
	ok(r == 0 && !p->req.has_if_none_match && !p->req.has_if_modified_since &&
		   !p->req.has_range && !p->req.has_if_range,
	   "no download headers -> none present");

	r = parse_str(p, "GET /x HTTP/1.1\r\nIf-None-Match: \"a\"\r\n"
			 "if-none-match: \"b\",\"c\"\r\n\r\n");
	ok(r == 0 && p->req.has_if_none_match, "two If-None-Match lines accepted");
	is_str(p->req.if_none_match, "\"a\", \"b\",\"c\"", "joined into one list");

	CHECK_ERR(p, "Range twice",
		  "GET /x HTTP/1.1\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n", ERR_FORMAT);
	CHECK_ERR(p, "If-Modified-Since twice",
		  "GET /x HTTP/1.1\r\nIf-Modified-Since: a\r\nIf-Modified-Since: a\r\n\r\n",
		  ERR_FORMAT);
	CHECK_ERR(p, "If-Range twice", "GET /x HTTP/1.1\r\nIf-Range: a\r\nIf-Range: a\r\n\r\n",
		  ERR_FORMAT);

	longv = repeat('1', 200);
	snprintf(hdr, sizeof(hdr),
		 "GET /x HTTP/1.1\r\nRange: bytes=%s-\r\nIf-Range: \"%s\"\r\n"
		 "If-Modified-Since: %s\r\n\r\n",
		 longv, longv, longv);
	r = parse_str(p, hdr);
	ok(r == 0 && !p->req.has_range && !p->req.has_if_modified_since,
	   "an oversized Range or date counts as absent");
	ok(p->req.has_if_range && p->req.if_range[0] == '\0',
	   "an oversized If-Range is present but empty (it never validates)");
	free(longv);

	longv = repeat('a', 400);
	snprintf(hdr, sizeof(hdr),
		 "GET /x HTTP/1.1\r\nIf-None-Match: \"%s\"\r\n"
		 "If-None-Match: \"%s\"\r\nIf-None-Match: \"b\"\r\n\r\n",
		 longv, longv);
	r = parse_str(p, hdr);
	ok(r == 0 && !p->req.has_if_none_match && p->req.if_none_match[0] == '\0',
	   "an If-None-Match list too long to keep is dropped, and stays dropped");
	free(longv);
}

/* Truncate every sample at every offset, and flip every bit of every byte. */
static void test_mutations(struct http_parser *p)
{
	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
		const struct sample *s = &samples[k];
		uint8_t *m = malloc(s->len);
		size_t c, bad_trunc = 0, bad_flip = 0, parsed = 0;
		int r;

		for (size_t i = 0; i < s->len; i++) {
			r = feed_whole(p, s->data, i, &c);
			if (r != ERR_TRUNCATED && r != 0)
				bad_trunc++;
		}
		for (size_t i = 0; i < s->len; i++) {
			for (int b = 0; b < 8; b++) {
				memcpy(m, s->data, s->len);
				m[i] ^= (uint8_t)(1u << b);
				r = feed_whole(p, m, s->len, &c);
				if (r == 0)
					parsed++;
				if (!(r == 0 || r == ERR_TRUNCATED || r == ERR_FORMAT ||
				      r == ERR_TOO_LARGE) ||
				    c > s->len ||
				    (r == 0 && p->req.body_len != p->req.content_length))
					bad_flip++;
			}
		}
		ok(bad_trunc == 0, "%s: every truncation gives ERR_TRUNCATED or 0", s->name);
		ok(bad_flip == 0, "%s: every bit flip gives a clean result (%zu parsed)", s->name,
		   parsed);
		free(m);
	}
}

int main(void)
{
	test_reset();
	struct http_parser *p = new_parser();

	samples[0].name = "oc9 POST";
	samples[0].data = make_post(oc9_post_head, oc9_init_body, &samples[0].len);
	samples[1].name = "oc9 CONNECT";
	samples[1].data = strdup(oc9_connect);
	samples[1].len = strlen(oc9_connect);
	samples[2].name = "Cisco POST";
	samples[2].data = make_post(cisco_post_head, cisco_init_body, &samples[2].len);
	samples[3].name = "download GET";
	samples[3].data = strdup(download_get);
	samples[3].len = strlen(download_get);

	test_oc9_post(p);
	test_oc9_connect(p);
	test_cisco_post(p);
	test_keepalive(p);
	test_limits(p);
	test_format(p);
	test_flags(p);
	test_ua();
	test_cookies(p);
	test_download_headers(p);
	test_mutations(p);

	http_parser_wipe(p);
	free(p);
	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++)
		free(samples[k].data);
	return done_testing();
}
