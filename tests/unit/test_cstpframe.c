/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for CSTP/DTLS framing, DISCONNECT text and the IP source check.
 * Process: any (test). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "cstpframe.h"
#include "err.h"
#include "tap.h"

#define MAX_FRAMES 16

struct expect {
	uint8_t type;
	const uint8_t *payload;
	size_t len;
};

/* A valid stream of several frames, and what parsing it must give. */
static uint8_t stream[8 * CSTP_HDR_LEN + 4096];
static size_t stream_len;
static struct expect want[MAX_FRAMES];
static size_t n_want;

static uint8_t ipv4_pkt[60];
static uint8_t ipv6_pkt[72];
static uint8_t big_pkt[1500];

static struct cstp_parser *parser;

static void add_frame(uint8_t type, const uint8_t *payload, size_t len)
{
	uint8_t *at = stream + stream_len;

	if (stream_len + CSTP_HDR_LEN + len > sizeof(stream) || n_want >= MAX_FRAMES)
		abort();
	cstp_put_header(at, type, (uint16_t)len);
	if (len)
		memcpy(at + CSTP_HDR_LEN, payload, len);
	want[n_want].type = type;
	want[n_want].payload = at + CSTP_HDR_LEN;
	want[n_want].len = len;
	n_want++;
	stream_len += CSTP_HDR_LEN + len;
}

static void make_packets(void)
{
	memset(ipv4_pkt, 0, sizeof(ipv4_pkt));
	ipv4_pkt[0] = 0x45;
	ipv4_pkt[2] = 0;
	ipv4_pkt[3] = sizeof(ipv4_pkt);
	ipv4_pkt[8] = 64;
	ipv4_pkt[9] = 6;
	memcpy(ipv4_pkt + 12, "\x0a\x42\x00\x17", 4);
	memcpy(ipv4_pkt + 16, "\x0a\x00\x00\x01", 4);
	for (size_t i = 20; i < sizeof(ipv4_pkt); i++)
		ipv4_pkt[i] = (uint8_t)i;

	memset(ipv6_pkt, 0, sizeof(ipv6_pkt));
	ipv6_pkt[0] = 0x60;
	ipv6_pkt[5] = sizeof(ipv6_pkt) - 40;
	ipv6_pkt[6] = 17;
	ipv6_pkt[7] = 64;
	memcpy(ipv6_pkt + 8, "\xfd\x00\x00\x66\0\0\0\0\0\0\0\0\0\0\0\x17", 16);
	memcpy(ipv6_pkt + 24, "\xfd\x00\x00\x66\0\0\0\0\0\0\0\0\0\0\0\x01", 16);

	for (size_t i = 0; i < sizeof(big_pkt); i++)
		big_pkt[i] = (uint8_t)(i * 7 + 3);
	big_pkt[0] = 0x45;
	big_pkt[2] = sizeof(big_pkt) >> 8;
	big_pkt[3] = sizeof(big_pkt) & 0xff;
}

static void make_stream(void)
{
	static const uint8_t dpd[4] = { 1, 2, 3, 4 };
	static const uint8_t bye[] = "\xb0"
				     "Client requested disconnect";

	stream_len = 0;
	n_want = 0;
	add_frame(CSTP_DATA, ipv4_pkt, sizeof(ipv4_pkt));
	add_frame(CSTP_DPD_REQ, dpd, sizeof(dpd));
	add_frame(CSTP_KEEPALIVE, NULL, 0);
	add_frame(CSTP_DATA, ipv6_pkt, sizeof(ipv6_pkt));
	add_frame(CSTP_DATA, big_pkt, sizeof(big_pkt));
	add_frame(CSTP_DPD_RESP, NULL, 0);
	add_frame(CSTP_DISCONNECT, bye, sizeof(bye) - 1);
}

struct run {
	size_t n;	 /* frames parsed */
	size_t n_zc;	 /* of which the payload pointed into the caller's buffer */
	bool match;	 /* every frame equals want[] */
	int last;	 /* the code that ended the run */
	size_t consumed; /* bytes taken from the input */
};

static void check_frame(struct run *run, const struct cstp_frame *f, const uint8_t *in,
			size_t in_len)
{
	const struct expect *e = run->n < n_want ? &want[run->n] : NULL;

	if (!e || f->type != e->type || f->len != e->len ||
	    (f->len && memcmp(f->payload, e->payload, f->len) != 0))
		run->match = false;
	if (f->payload && f->payload >= in && f->payload <= in + in_len)
		run->n_zc++;
	run->n++;
}

/* Drain one input chunk through the parser. */
static void feed(struct run *run, const uint8_t *d, size_t len)
{
	struct buf_rd in;
	struct cstp_frame f;
	int r;

	buf_rd_init(&in, d, len);
	while ((r = cstp_parser_next(parser, &in, &f)) == 0)
		check_frame(run, &f, d, len);
	run->last = r;
	run->consumed += len - buf_remaining(&in);
}

static void run_init(struct run *run)
{
	memset(run, 0, sizeof(*run));
	run->match = true;
	run->last = ERR_TRUNCATED;
	cstp_parser_init(parser);
}

static bool run_good(const struct run *run)
{
	return run->n == n_want && run->match && run->last == ERR_TRUNCATED &&
	       run->consumed == stream_len;
}

static void test_stream_whole(void)
{
	struct run run;

	run_init(&run);
	feed(&run, stream, stream_len);
	ok(run_good(&run), "whole stream: %zu frames parsed, all equal", run.n);
	is_int(run.n_zc, n_want, "whole stream: every payload is zero-copy");
	is_int(parser->have, 0, "whole stream: nothing left over");
}

static void test_stream_splits(void)
{
	struct run run;
	size_t bad = 0, first_bad = 0, zc_bad = 0;

	for (size_t k = 0; k <= stream_len; k++) {
		run_init(&run);
		feed(&run, stream, k);
		feed(&run, stream + k, stream_len - k);
		if (!run_good(&run) && bad++ == 0)
			first_bad = k;
		/* At most the one frame straddling the split may be copied. */
		if (run.n_zc + 1 < n_want)
			zc_bad++;
	}
	ok(bad == 0, "every two-way split parses identically (first bad split %zu)", first_bad);
	ok(zc_bad == 0, "two-way splits: only the straddling frame is copied");

	run_init(&run);
	for (size_t i = 0; i < stream_len; i++) {
		feed(&run, stream + i, 1);
		if (run.last != ERR_TRUNCATED)
			break;
	}
	ok(run_good(&run), "byte-by-byte feed parses identically (%zu frames)", run.n);
	is_int(run.n_zc, 0, "byte-by-byte: every payload comes from the parser's buffer");
}

static void test_edges(void)
{
	static uint8_t big[CSTP_HDR_LEN + CSTP_MAX_PAYLOAD + 1];
	uint8_t hdr[CSTP_HDR_LEN];
	struct cstp_frame f;
	struct buf_rd in;
	struct run run;
	int r;

	memset(big, 0xa5, sizeof(big));
	cstp_put_header(big, CSTP_DATA, CSTP_MAX_PAYLOAD);
	cstp_parser_init(parser);
	buf_rd_init(&in, big, CSTP_HDR_LEN + CSTP_MAX_PAYLOAD);
	r = cstp_parser_next(parser, &in, &f);
	ok(r == 0 && f.len == CSTP_MAX_PAYLOAD && f.payload == big + CSTP_HDR_LEN,
	   "16384-byte payload accepted in place");

	cstp_parser_init(parser);
	for (size_t i = 0; i < CSTP_HDR_LEN + CSTP_MAX_PAYLOAD; i++) {
		buf_rd_init(&in, big + i, 1);
		if ((r = cstp_parser_next(parser, &in, &f)) != ERR_TRUNCATED)
			break;
	}
	ok(r == 0 && f.len == CSTP_MAX_PAYLOAD && f.payload == parser->partial + CSTP_HDR_LEN &&
		   f.payload[CSTP_MAX_PAYLOAD - 1] == 0xa5,
	   "16384-byte payload gathered byte by byte");

	cstp_put_header(big, CSTP_DATA, CSTP_MAX_PAYLOAD + 1);
	cstp_parser_init(parser);
	buf_rd_init(&in, big, sizeof(big));
	is_int(cstp_parser_next(parser, &in, &f), ERR_TOO_LARGE, "16385-byte length refused");
	is_int(cstp_parser_next(parser, &in, &f), ERR_TOO_LARGE, "the error sticks");
	cstp_parser_init(parser);
	buf_rd_init(&in, big, 5);
	is_int(cstp_parser_next(parser, &in, &f), ERR_TRUNCATED, "5 header bytes: truncated");
	buf_rd_init(&in, big + 5, 3);
	is_int(cstp_parser_next(parser, &in, &f), ERR_TOO_LARGE,
	       "16385 refused when the header completes");

	cstp_put_header(big, 0xff, 0xffff);
	cstp_parser_init(parser);
	buf_rd_init(&in, big, CSTP_HDR_LEN);
	is_int(cstp_parser_next(parser, &in, &f), ERR_TOO_LARGE, "65535-byte length refused");

	/* Unknown types are framing-valid: the data path decides. */
	cstp_put_header(big, 0x42, 0);
	cstp_parser_init(parser);
	buf_rd_init(&in, big, CSTP_HDR_LEN);
	r = cstp_parser_next(parser, &in, &f);
	ok(r == 0 && f.type == 0x42 && f.len == 0, "unknown type passed up");
	ok(strcmp(cstp_type_name(0x42), "unknown") == 0 &&
		   strcmp(cstp_type_name(CSTP_DPD_REQ), "DPD-REQ") == 0 &&
		   strcmp(cstp_type_name(CSTP_TERMINATE), "TERMINATE") == 0,
	   "type names");

	/* An empty input on a fresh parser. */
	cstp_parser_init(parser);
	buf_rd_init(&in, NULL, 0);
	is_int(cstp_parser_next(parser, &in, &f), ERR_TRUNCATED, "empty input: truncated");

	cstp_put_header(hdr, CSTP_DPD_RESP, 0x1234);
	ok(memcmp(hdr, "STF\x01\x12\x34\x04\x00", 8) == 0, "cstp_put_header layout");

	run_init(&run);
	feed(&run, stream, stream_len);
	ok(run_good(&run), "parser reusable after init");
}

static void test_bad_headers(void)
{
	uint8_t buf[CSTP_HDR_LEN + 4];
	struct cstp_frame f;
	struct buf_rd in;
	bool fast = true, slow = true;
	int r;

	for (size_t pos = 0; pos < CSTP_HDR_LEN; pos++) {
		if (pos == 4 || pos == 5 || pos == 6)
			continue;
		cstp_put_header(buf, CSTP_DATA, 4);
		memset(buf + CSTP_HDR_LEN, 0x11, 4);
		buf[pos] ^= (pos == 7) ? 0x01 : 0x20;
		cstp_parser_init(parser);
		buf_rd_init(&in, buf, sizeof(buf));
		if ((r = cstp_parser_next(parser, &in, &f)) != ERR_FORMAT) {
			diag("byte %zu whole: got %d", pos, r);
			fast = false;
		}
		cstp_parser_init(parser);
		r = ERR_TRUNCATED;
		for (size_t i = 0; i < sizeof(buf) && r == ERR_TRUNCATED; i++) {
			buf_rd_init(&in, buf + i, 1);
			r = cstp_parser_next(parser, &in, &f);
		}
		if (r != ERR_FORMAT || cstp_parser_next(parser, &in, &f) != ERR_FORMAT) {
			diag("byte %zu bytewise: got %d", pos, r);
			slow = false;
		}
	}
	ok(fast, "bad magic (bytes 0-3) and nonzero byte 7 -> ERR_FORMAT (whole)");
	ok(slow, "same, byte by byte, and the error sticks");

	cstp_put_header(buf, CSTP_DATA, 4);
	buf[7] = 0x80;
	cstp_parser_init(parser);
	buf_rd_init(&in, buf, sizeof(buf));
	is_int(cstp_parser_next(parser, &in, &f), ERR_FORMAT, "byte 7 = 0x80 refused");
}

static void test_disconnect(void)
{
	static const uint8_t ctl[] = "\x91"
				     "a\x01"
				     "b\r\n\x7f\xff"
				     "c";
	struct cstp_frame f = { CSTP_DISCONNECT,
				(const uint8_t *)"\xb0"
						 "Client requested",
				17 };
	char text[64], small[5];
	bool has;
	uint8_t reason;

	cstp_parse_disconnect(&f, &has, &reason, text, sizeof(text));
	ok(has && reason == 0xb0 && strcmp(text, "Client requested") == 0,
	   "DISCONNECT 0xb0 + text");
	cstp_parse_disconnect(&f, &has, &reason, small, sizeof(small));
	ok(has && reason == 0xb0 && strcmp(small, "Clie") == 0, "text truncated to the buffer");
	cstp_parse_disconnect(&f, &has, &reason, NULL, 0);
	ok(has && reason == 0xb0, "no text buffer at all");

	f.payload = NULL;
	f.len = 0;
	cstp_parse_disconnect(&f, &has, &reason, text, sizeof(text));
	ok(!has && reason == 0 && text[0] == '\0', "empty DISCONNECT: no reason");

	f.payload = (const uint8_t *)"\xb0";
	f.len = 1;
	cstp_parse_disconnect(&f, &has, &reason, text, sizeof(text));
	ok(has && reason == 0xb0 && text[0] == '\0', "reason without text");

	f.payload = ctl;
	f.len = sizeof(ctl) - 1;
	cstp_parse_disconnect(&f, &has, &reason, text, sizeof(text));
	ok(has && reason == 0x91 && strcmp(text, "a?b????c") == 0,
	   "control and non-ASCII bytes replaced: '%s'", text);
}

static void test_dtls(void)
{
	struct cstp_frame f;
	const uint8_t rec[] = { CSTP_DPD_REQ, 9, 8, 7 };

	is_int(cstp_dtls_parse(rec, 0, &f), ERR_TRUNCATED, "empty DTLS record");
	ok(f.payload == NULL && f.len == 0, "outputs cleared");
	ok(cstp_dtls_parse(rec, 1, &f) == 0 && f.type == CSTP_DPD_REQ && f.len == 0,
	   "type-only DTLS record");
	ok(cstp_dtls_parse(rec, sizeof(rec), &f) == 0 && f.type == CSTP_DPD_REQ && f.len == 3 &&
		   f.payload == rec + 1,
	   "DTLS record with payload, in place");
}

static void test_ip_source(void)
{
	uint8_t pkt[80], src[16];
	int fam;

	ok(cstp_ip_source(ipv4_pkt, sizeof(ipv4_pkt), &fam, src) == 0 && fam == AF_INET &&
		   memcmp(src, "\x0a\x42\x00\x17", 4) == 0,
	   "IPv4 source");
	ok(cstp_ip_source(ipv6_pkt, sizeof(ipv6_pkt), &fam, src) == 0 && fam == AF_INET6 &&
		   memcmp(src, ipv6_pkt + 8, 16) == 0,
	   "IPv6 source");
	memcpy(pkt, ipv4_pkt, sizeof(ipv4_pkt));
	ok(cstp_ip_source(pkt, sizeof(ipv4_pkt) + 10, &fam, src) == 0,
	   "IPv4 with trailing bytes beyond total length accepted");
	is_int(cstp_ip_source(ipv4_pkt, 19, &fam, src), ERR_FORMAT, "IPv4 shorter than 20");
	ok(fam == 0, "family cleared on error");
	is_int(cstp_ip_source(ipv4_pkt, 0, &fam, src), ERR_FORMAT, "empty packet");
	is_int(cstp_ip_source(ipv6_pkt, 39, &fam, src), ERR_FORMAT, "IPv6 shorter than 40");
	is_int(cstp_ip_source(ipv4_pkt, sizeof(ipv4_pkt) - 1, &fam, src), ERR_FORMAT,
	       "IPv4 total length > buffer");
	is_int(cstp_ip_source(ipv6_pkt, sizeof(ipv6_pkt) - 1, &fam, src), ERR_FORMAT,
	       "IPv6 payload length + 40 > buffer");

	memcpy(pkt, ipv4_pkt, sizeof(ipv4_pkt));
	pkt[0] = 0x44;
	is_int(cstp_ip_source(pkt, sizeof(ipv4_pkt), &fam, src), ERR_FORMAT, "IHL 4 (< 20 bytes)");
	pkt[0] = 0x4f;
	is_int(cstp_ip_source(pkt, sizeof(ipv4_pkt), &fam, src), 0,
	       "IHL 15: a 60-byte header filling the whole packet is accepted");
	pkt[0] = 0x4f;
	pkt[3] = 40;
	is_int(cstp_ip_source(pkt, sizeof(ipv4_pkt), &fam, src), ERR_FORMAT,
	       "IHL beyond total length");
	pkt[0] = 0x46;
	pkt[3] = 60;
	ok(cstp_ip_source(pkt, sizeof(ipv4_pkt), &fam, src) == 0, "IHL 6 with options accepted");
	pkt[0] = 0x55;
	is_int(cstp_ip_source(pkt, sizeof(ipv4_pkt), &fam, src), ERR_FORMAT, "version 5");
	pkt[0] = 0x05;
	is_int(cstp_ip_source(pkt, sizeof(ipv4_pkt), &fam, src), ERR_FORMAT, "version 0");
	memcpy(pkt, ipv6_pkt, sizeof(ipv6_pkt));
	pkt[0] = 0x40;
	is_int(cstp_ip_source(pkt, 40, &fam, src), ERR_FORMAT, "IPv6 header labelled version 4");
}

/* Every truncation and every bit flip of the valid stream ends cleanly; ASan checks reads. */
static void test_mutations(void)
{
	static uint8_t m[sizeof(stream)];
	struct run run, chunked;
	bool trunc_ok = true, flip_ok = true, same = true;
	size_t n_err = 0;

	for (size_t k = 0; k < stream_len; k++) {
		run_init(&run);
		feed(&run, stream, k);
		if (run.last != ERR_TRUNCATED || run.consumed != k || !run.match)
			trunc_ok = false;
	}
	ok(trunc_ok, "every truncation: ERR_TRUNCATED, all bytes taken, frames so far equal");

	for (size_t bit = 0; bit < stream_len * 8; bit++) {
		memcpy(m, stream, stream_len);
		m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		run_init(&run);
		feed(&run, m, stream_len);
		if (run.last != ERR_TRUNCATED && run.last != ERR_FORMAT &&
		    run.last != ERR_TOO_LARGE)
			flip_ok = false;
		if (run.last != ERR_TRUNCATED)
			n_err++;
		/* The same bytes in 7-byte reads must give the same frames and the same end. */
		run_init(&chunked);
		for (size_t i = 0; i < stream_len && chunked.last == ERR_TRUNCATED; i += 7)
			feed(&chunked, m + i, stream_len - i < 7 ? stream_len - i : 7);
		if (chunked.n != run.n || chunked.last != run.last || chunked.match != run.match)
			same = false;
	}
	ok(flip_ok, "every bit flip ends in a clean code (%zu rejected)", n_err);
	ok(same, "every bit flip: 7-byte reads give the same frames and result");

	bool ip_ok = true;
	uint8_t pkt[sizeof(ipv6_pkt)], src[16];
	int fam, r;

	for (size_t bit = 0; bit < sizeof(ipv4_pkt) * 8; bit++) {
		memcpy(pkt, ipv4_pkt, sizeof(ipv4_pkt));
		pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		r = cstp_ip_source(pkt, sizeof(ipv4_pkt), &fam, src);
		ip_ok &= (r == 0 && (fam == AF_INET || fam == AF_INET6)) || r == ERR_FORMAT;
	}
	for (size_t bit = 0; bit < sizeof(ipv6_pkt) * 8; bit++) {
		memcpy(pkt, ipv6_pkt, sizeof(ipv6_pkt));
		pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		r = cstp_ip_source(pkt, sizeof(ipv6_pkt), &fam, src);
		ip_ok &= (r == 0 && (fam == AF_INET || fam == AF_INET6)) || r == ERR_FORMAT;
	}
	for (size_t k = 0; k < sizeof(ipv6_pkt); k++) {
		r = cstp_ip_source(ipv6_pkt, k, &fam, src);
		ip_ok &= r == ERR_FORMAT;
	}
	ok(ip_ok, "IP source: every bit flip and truncation is clean");
}

int main(void)
{
	parser = malloc(sizeof(*parser));
	if (!parser)
		abort();
	make_packets();
	make_stream();
	test_stream_whole();
	test_stream_splits();
	test_edges();
	test_bad_headers();
	test_disconnect();
	test_dtls();
	test_ip_source();
	test_mutations();
	free(parser);
	return done_testing();
}
