/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the virtio-net frame module: checksums, completion in place, TCP
 * segmentation, malformed headers and a mutation pass. Process: any (test). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "err.h"
#include "tap.h"
#include "vnet.h"

#define MAX_FRAME   (VNET_HDR_LEN + 80000)
#define TCP_OPT_HDR 32 /* doff 8: NOP NOP timestamp */
#define GSO	    1388
#define MSS_SEG	    (20 + TCP_OPT_HDR + GSO)
#define TCP_CWR	    0x80
#define TCP_ACK	    0x10
#define TCP_PSH	    0x08
#define TCP_FIN	    0x01
#define SCRATCH_CAP 2048
#define START_SEQ   0xfffff000u /* wraps inside the 5000-byte payload */
#define START_ID    0xfffe	/* wraps at the third segment */

static uint32_t rng_state = 0x12345678;

static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* The virtio header, u16 fields in host order. */
static void put_vhdr(uint8_t *f, uint8_t flags, uint8_t gso_type, uint16_t hdr_len,
		     uint16_t gso_size, uint16_t csum_start, uint16_t csum_offset)
{
	f[0] = flags;
	f[1] = gso_type;
	memcpy(f + 2, &hdr_len, 2);
	memcpy(f + 4, &gso_size, 2);
	memcpy(f + 6, &csum_start, 2);
	memcpy(f + 8, &csum_offset, 2);
}

/* Slow reference: big-endian 16-bit words, one at a time. */
static uint16_t ref_csum(const uint8_t *p, size_t len, uint32_t start)
{
	uint64_t s = start;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += rd16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void test_csum(void)
{
	/* RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
	static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static uint8_t buf[300 + 16];
	static uint8_t ones[301];
	bool same = true;

	is_int(vnet_csum_fold(vnet_csum_add(0, rfc, sizeof(rfc))), 0x220d, "RFC 1071 example");
	is_int(vnet_csum_fold(vnet_csum_add(vnet_csum_add(0, rfc, 4), rfc + 4, 4)), 0x220d,
	       "RFC 1071 example in two even parts");
	is_int(vnet_csum_fold(vnet_csum_add(0, rfc, 0)), 0xffff, "empty buffer");
	is_int(vnet_csum_fold(vnet_csum_add(0x1ffff, NULL, 0)), 0xfffe, "partial sum is folded");
	is_int(vnet_csum_fold(vnet_csum_add(0xffffffffu, rfc, sizeof(rfc))),
	       ref_csum(rfc, sizeof(rfc), 0xffffffffu), "huge partial sum carries around");
	memset(ones, 0xff, sizeof(ones));
	for (size_t n = 0; n <= 300; n++)
		same &= vnet_csum_fold(vnet_csum_add(0, ones, n)) == ref_csum(ones, n, 0);
	ok(same, "all-ones buffers of every length match the reference");

	same = true;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rng();
	for (size_t align = 0; align < 8; align++) {
		for (size_t n = 0; n <= 300; n++) {
			uint32_t start = (n % 3 == 0) ? 0 : rng();

			if (vnet_csum_fold(vnet_csum_add(start, buf + align, n)) !=
			    ref_csum(buf + align, n, start)) {
				diag("mismatch at align %zu len %zu", align, n);
				same = false;
			}
		}
	}
	ok(same, "random buffers, lengths 0..300, alignments 0..7 match the reference");
}

struct tso_spec {
	bool v6;
	uint8_t gso_type;
	size_t paylen;
	uint16_t gso;
	size_t ip_hdr; /* 20/24 (IPv4 options) or 40/48 (IPv6 hop-by-hop) */
};

static uint8_t payload[80000];

/* A TCP super-packet as the kernel hands it over with TSO: returns the frame length. */
static size_t build_tso(uint8_t *f, const struct tso_spec *t)
{
	size_t h = t->ip_hdr + TCP_OPT_HDR, plen = h + t->paylen;
	uint8_t *ip = f + VNET_HDR_LEN, *tcp = ip + t->ip_hdr;

	memset(f, 0, VNET_HDR_LEN + h);
	put_vhdr(f, VNET_F_NEEDS_CSUM, t->gso_type, (uint16_t)h, t->gso, (uint16_t)t->ip_hdr, 16);
	if (!t->v6) {
		ip[0] = (uint8_t)(0x40 | t->ip_hdr / 4);
		wr16(ip + 2, (uint16_t)plen);
		wr16(ip + 4, START_ID);
		wr16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = 6;
		wr16(ip + 10, 0xbeef); /* stale; must be recomputed */
		memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
		if (t->ip_hdr > 20)
			memcpy(ip + 20, "\x94\x04\x00\x00", 4); /* router alert */
	} else {
		ip[0] = 0x60;
		wr16(ip + 4, (uint16_t)(plen - 40));
		ip[6] = t->ip_hdr > 40 ? 0 : 6;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1;
		ip[24] = 0xfd;
		ip[39] = 2;
		if (t->ip_hdr > 40)
			memcpy(ip + 40, "\x06\x00\x01\x04\x00\x00\x00\x00", 8); /* hbh, PadN */
	}
	wr16(tcp, 443);
	wr16(tcp + 2, 51000);
	wr32(tcp + 4, START_SEQ);
	wr32(tcp + 8, 0x01020304);
	tcp[12] = (TCP_OPT_HDR / 4) << 4;
	tcp[13] = TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR;
	wr16(tcp + 14, 502);
	wr16(tcp + 16, 0x5a5a); /* "some pseudo sum": never relied on */
	memcpy(tcp + 20, "\x01\x01\x08\x0a\x00\x00\x10\x00\x00\x00\x20\x00", 12);
	memcpy(tcp + TCP_OPT_HDR, payload, t->paylen);
	return VNET_HDR_LEN + plen;
}

/* Pseudo-header sum of a TCP segment (addresses from the fixed IP header). */
static uint32_t pseudo_sum(const uint8_t *seg, bool v6, size_t tcp_len)
{
	uint8_t ph[40];

	memset(ph, 0, sizeof(ph));
	if (!v6) {
		memcpy(ph, seg + 12, 8);
		ph[9] = 6;
		wr16(ph + 10, (uint16_t)tcp_len);
		return vnet_csum_add(0, ph, 12);
	}
	memcpy(ph, seg + 8, 32);
	wr32(ph + 32, (uint32_t)tcp_len);
	ph[39] = 6;
	return vnet_csum_add(0, ph, 40);
}

static uint8_t frame[MAX_FRAME], scratch[2048], joined[80000];

/* Segment a super-packet and check every field the brief lists. */
static void check_tso(const char *name, const struct tso_spec *t)
{
	size_t flen = build_tso(frame, t), h = t->ip_hdr + TCP_OPT_HDR;
	size_t want_n = t->paylen ? (t->paylen + t->gso - 1) / t->gso : 1, n = 0, got = 0;
	bool lens = true, ids = true, ipsum = true, tcpsum = true, seqs = true, flags = true;
	bool where = true, hdrs = true;
	struct vnet_seg s;
	uint8_t *pkt, orig[128];
	size_t len;
	int r;

	memcpy(orig, frame + VNET_HDR_LEN, h);
	is_int(vnet_seg_init(&s, frame, flen), 0, "%s: init", name);
	while ((r = vnet_seg_next(&s, scratch, sizeof(scratch), &pkt, &len)) == 1) {
		size_t data = len - h, tcp_len = len - t->ip_hdr;
		const uint8_t *tcp = pkt + t->ip_hdr;
		bool first = n == 0, last = got + data == t->paylen;
		uint8_t fl = tcp[13];

		where &= pkt == scratch && len <= sizeof(scratch) && len >= h;
		lens &= len <= t->ip_hdr + TCP_OPT_HDR + t->gso && (data == t->gso || last);
		if (!t->v6) {
			lens &= rd16(pkt + 2) == len;
			ids &= rd16(pkt + 4) == (uint16_t)(START_ID + n);
			ipsum &= vnet_csum_fold(vnet_csum_add(0, pkt, t->ip_hdr)) == 0;
			hdrs &= memcmp(pkt + 12, orig + 12, t->ip_hdr - 12) == 0;
		} else {
			lens &= rd16(pkt + 4) == len - 40;
			hdrs &= memcmp(pkt + 6, orig + 6, t->ip_hdr - 6) == 0;
		}
		tcpsum &= vnet_csum_fold(vnet_csum_add(pseudo_sum(pkt, t->v6, tcp_len), tcp,
						       tcp_len)) == 0;
		seqs &= rd32(tcp + 4) == START_SEQ + (uint32_t)got;
		flags &= (fl & TCP_ACK) && !!(fl & TCP_CWR) == first && !!(fl & TCP_FIN) == last &&
			 !!(fl & TCP_PSH) == last;
		hdrs &= memcmp(tcp, orig + t->ip_hdr, 4) == 0 &&
			memcmp(tcp + 8, orig + t->ip_hdr + 8, 5) == 0 &&
			memcmp(tcp + 18, orig + t->ip_hdr + 18, TCP_OPT_HDR - 18) == 0;
		if (got + data <= sizeof(joined))
			memcpy(joined + got, pkt + h, data);
		got += data;
		n++;
	}
	is_int(r, 0, "%s: ends with 0", name);
	is_int(n, want_n, "%s: %zu segments", name, want_n);
	ok(where && lens, "%s: segments in scratch, lengths and IP length fields right", name);
	if (!t->v6)
		ok(ids && ipsum, "%s: IP ids consecutive (wrapping), header checksums verify",
		   name);
	ok(tcpsum, "%s: TCP checksums verify", name);
	ok(seqs && flags, "%s: sequence numbers, CWR first only, FIN/PSH last only, ACK all", name);
	ok(hdrs, "%s: other header bytes copied unchanged", name);
	ok(got == t->paylen && memcmp(joined, payload, t->paylen) == 0,
	   "%s: payloads concatenate to the original", name);
	is_int(vnet_seg_next(&s, scratch, sizeof(scratch), &pkt, &len), 0, "%s: stays done", name);
}

static void test_tso(void)
{
	static const struct {
		const char *name;
		struct tso_spec t;
	} cases[] = {
		{ "v4 5000/1388", { false, VNET_GSO_TCPV4, 5000, GSO, 20 } },
		{ "v6 5000/1388", { true, VNET_GSO_TCPV6, 5000, GSO, 40 } },
		{ "v4 ECN", { false, VNET_GSO_TCPV4 | VNET_GSO_ECN, 5000, GSO, 20 } },
		{ "v6 ECN", { true, VNET_GSO_TCPV6 | VNET_GSO_ECN, 5000, GSO, 40 } },
		{ "v4 exact multiple", { false, VNET_GSO_TCPV4, 3 * GSO, GSO, 20 } },
		{ "v6 exact multiple", { true, VNET_GSO_TCPV6, 3 * GSO, GSO, 40 } },
		{ "v4 below gso_size", { false, VNET_GSO_TCPV4, 700, GSO, 20 } },
		{ "v6 below gso_size", { true, VNET_GSO_TCPV6, 1, GSO, 40 } },
		{ "v4 empty payload", { false, VNET_GSO_TCPV4, 0, GSO, 20 } },
		{ "v6 empty payload", { true, VNET_GSO_TCPV6, 0, GSO, 40 } },
		{ "v4 IP options", { false, VNET_GSO_TCPV4, 4000, 1000, 24 } },
		{ "v6 hop-by-hop", { true, VNET_GSO_TCPV6, 4000, 999, 48 } },
		{ "v4 64 KiB", { false, VNET_GSO_TCPV4, 65483, GSO, 20 } },
		{ "v4 gso_size 7", { false, VNET_GSO_TCPV4, 100, 7, 20 } },
	};

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)rng();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_tso(cases[i].name, &cases[i].t);
}

/* IPv4 UDP with an odd payload, checksum left partial as the kernel does. */
static size_t build_udp4(uint8_t *f, size_t data_len)
{
	uint8_t *ip = f + VNET_HDR_LEN, *udp = ip + 20;
	size_t udp_len = 8 + data_len;
	uint8_t ph[12] = { 10, 0, 0, 1, 10, 0, 0, 2, 0, 17 };

	memset(f, 0, VNET_HDR_LEN + 28);
	put_vhdr(f, VNET_F_NEEDS_CSUM, VNET_GSO_NONE, 0, 0, 20, 6);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(20 + udp_len));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, ph, 8);
	wr16(udp, 5353);
	wr16(udp + 2, 53);
	wr16(udp + 4, (uint16_t)udp_len);
	memcpy(udp + 8, payload, data_len);
	wr16(ph + 10, (uint16_t)udp_len);
	/* The field holds the folded, uncomplemented pseudo-header sum. */
	wr16(udp + 6, (uint16_t)~vnet_csum_fold(vnet_csum_add(0, ph, 12)));
	return VNET_HDR_LEN + 20 + udp_len;
}

/* IPv6 TCP without GSO, checksum left partial. */
static size_t build_tcp6(uint8_t *f, size_t data_len)
{
	struct tso_spec t = { true, VNET_GSO_NONE, data_len, GSO, 40 };
	size_t flen = build_tso(f, &t), tcp_len = TCP_OPT_HDR + data_len;
	uint8_t *ip = f + VNET_HDR_LEN;

	wr16(ip + 40 + 16, (uint16_t)~vnet_csum_fold(pseudo_sum(ip, true, tcp_len)));
	return flen;
}

static void test_csum_in_place(void)
{
	static uint8_t tmp[256];
	struct vnet_seg s;
	uint8_t *pkt, copy[256];
	size_t flen, len;
	uint32_t ph;
	int r;

	flen = build_udp4(frame, 37);
	is_int(vnet_seg_init(&s, frame, flen), 0, "udp4: init");
	r = vnet_seg_next(&s, NULL, 0, &pkt, &len);
	is_int(r, 1, "udp4: one packet (no scratch needed)");
	ok(pkt == frame + VNET_HDR_LEN && len == flen - VNET_HDR_LEN,
	   "udp4: points into the frame");
	ph = pseudo_sum(pkt, false, len - 20);
	/* pseudo_sum put 6 in the protocol; UDP is 17. */
	ph += 17 - 6;
	ok(vnet_csum_fold(vnet_csum_add(ph, pkt + 20, len - 20)) == 0, "udp4: checksum verifies");
	is_int(vnet_seg_next(&s, NULL, 0, &pkt, &len), 0, "udp4: then none left");

	/* A data word equal to the checksum computed without it makes the sum all ones. */
	flen = build_udp4(frame, 38);
	wr16(frame + VNET_HDR_LEN + 20 + 8 + 36, 0);
	memcpy(tmp, frame, flen);
	vnet_seg_init(&s, tmp, flen);
	vnet_seg_next(&s, NULL, 0, &pkt, &len);
	wr16(frame + VNET_HDR_LEN + 20 + 8 + 36, rd16(tmp + VNET_HDR_LEN + 26));
	is_int(vnet_seg_init(&s, frame, flen), 0, "udp4 zero: init");
	is_int(vnet_seg_next(&s, NULL, 0, &pkt, &len), 1, "udp4 zero: one packet");
	is_int(rd16(pkt + 26), 0xffff, "udp4: a computed 0 is sent as 0xffff");
	ph = pseudo_sum(pkt, false, len - 20) + 17 - 6;
	ok(vnet_csum_fold(vnet_csum_add(ph, pkt + 20, len - 20)) == 0, "udp4 zero: verifies");

	flen = build_tcp6(frame, 1001);
	is_int(vnet_seg_init(&s, frame, flen), 0, "tcp6: init");
	is_int(vnet_seg_next(&s, NULL, 0, &pkt, &len), 1, "tcp6: one packet");
	ok(pkt == frame + VNET_HDR_LEN && len == flen - VNET_HDR_LEN,
	   "tcp6: points into the frame");
	ok(vnet_csum_fold(vnet_csum_add(pseudo_sum(pkt, true, len - 40), pkt + 40, len - 40)) == 0,
	   "tcp6: checksum verifies");

	flen = build_udp4(frame, 100);
	frame[0] = 0;
	memcpy(copy, frame, flen);
	is_int(vnet_seg_init(&s, frame, flen), 0, "plain: init");
	is_int(vnet_seg_next(&s, NULL, 0, &pkt, &len), 1, "plain: one packet");
	ok(pkt == frame + VNET_HDR_LEN && len == flen - VNET_HDR_LEN &&
		   memcmp(frame, copy, flen) == 0,
	   "plain: returned untouched");

	memset(frame, 0, VNET_HDR_LEN);
	memcpy(frame + VNET_HDR_LEN, "\x00\x01\x02", 3);
	is_int(vnet_seg_init(&s, frame, VNET_HDR_LEN + 3), 0, "non-IP packet: init");
	ok(vnet_seg_next(&s, NULL, 0, &pkt, &len) == 1 && len == 3,
	   "non-IP packet: returned as is");
}

/* Init of a mutated valid frame: expect err. */
static int init_with(uint8_t *f, size_t flen)
{
	struct vnet_seg s;

	return vnet_seg_init(&s, f, flen);
}

static void test_malformed(void)
{
	struct tso_spec v4 = { false, VNET_GSO_TCPV4, 3000, GSO, 20 };
	struct tso_spec v6 = { true, VNET_GSO_TCPV6, 3000, GSO, 40 };
	uint8_t *ip = frame + VNET_HDR_LEN, *pkt;
	struct vnet_seg s;
	size_t flen, len;
	bool all = true;
	uint16_t v;

	for (size_t n = 0; n < VNET_HDR_LEN; n++)
		all &= init_with(frame, n) == ERR_FORMAT;
	ok(all, "frames shorter than the header");
	is_int(init_with(NULL, 0), ERR_FORMAT, "NULL frame");
	memset(frame, 0, VNET_HDR_LEN);
	is_int(init_with(frame, VNET_HDR_LEN), ERR_FORMAT, "header without a packet");

	flen = build_udp4(frame, 37);
	v = (uint16_t)(flen - VNET_HDR_LEN + 1);
	memcpy(frame + 6, &v, 2);
	is_int(init_with(frame, flen), ERR_FORMAT, "csum_start past the end");
	flen = build_udp4(frame, 37);
	v = (uint16_t)(flen - VNET_HDR_LEN - 20 - 1);
	memcpy(frame + 8, &v, 2);
	is_int(init_with(frame, flen), ERR_FORMAT, "checksum field one byte past the end");
	v--;
	memcpy(frame + 8, &v, 2);
	is_int(init_with(frame, flen), 0, "checksum field in the last two bytes");

	flen = build_tso(frame, &v4);
	is_int(init_with(frame, flen), 0, "v4 sample is valid");
	v = 0;
	memcpy(frame + 4, &v, 2);
	is_int(init_with(frame, flen), ERR_FORMAT, "gso_size 0");

	flen = build_tso(frame, &v4);
	ip[20 + 12] = 4 << 4;
	is_int(init_with(frame, flen), ERR_FORMAT, "TCP doff 4");
	flen = build_tso(frame, &v4);
	is_int(init_with(frame, VNET_HDR_LEN + 20 + 31), ERR_FORMAT, "TCP options past the end");
	is_int(init_with(frame, VNET_HDR_LEN + 20 + 13), ERR_FORMAT, "TCP header cut short");
	ip[20 + 12] = 15 << 4;
	is_int(init_with(frame, VNET_HDR_LEN + 20 + 59), ERR_FORMAT, "doff 15 past the end");
	is_int(init_with(frame, VNET_HDR_LEN + 20 + 60), 0, "doff 15, header only: valid");

	flen = build_tso(frame, &v4);
	ip[0] = 0x65;
	is_int(init_with(frame, flen), ERR_FORMAT, "TCPV4 on an IPv6 packet");
	flen = build_tso(frame, &v4);
	ip[0] = 0x46;
	is_int(init_with(frame, flen), ERR_FORMAT, "IHL != csum_start");
	flen = build_tso(frame, &v4);
	ip[0] = 0x44;
	v = 16;
	memcpy(frame + 6, &v, 2);
	is_int(init_with(frame, flen), ERR_FORMAT, "IHL 4 with csum_start 16");
	flen = build_tso(frame, &v4);
	ip[9] = 17;
	is_int(init_with(frame, flen), ERR_FORMAT, "TCPV4 on a UDP packet");

	flen = build_tso(frame, &v6);
	is_int(init_with(frame, flen), 0, "v6 sample is valid");
	ip[0] = 0x45;
	is_int(init_with(frame, flen), ERR_FORMAT, "TCPV6 on an IPv4 packet");
	flen = build_tso(frame, &v6);
	v = 20;
	memcpy(frame + 6, &v, 2);
	is_int(init_with(frame, flen), ERR_FORMAT, "TCPV6 with csum_start 20");

	static const uint8_t bad_types[] = {
		VNET_GSO_UDP, VNET_GSO_UDP | VNET_GSO_ECN, VNET_GSO_ECN, 2, 5, 0x7f, 0xff
	};
	all = true;
	for (size_t i = 0; i < sizeof(bad_types); i++) {
		flen = build_tso(frame, &v4);
		frame[1] = bad_types[i];
		all &= init_with(frame, flen) == ERR_FORMAT;
	}
	ok(all, "UDP, ECN alone and unknown gso types");

	flen = build_tso(frame, &v4);
	is_int(vnet_seg_init(&s, frame, flen), 0, "small scratch: init");
	is_int(vnet_seg_next(&s, scratch, MSS_SEG - 1, &pkt, &len), ERR_TOO_LARGE,
	       "scratch one byte short");
	ok(pkt == NULL && len == 0, "outputs cleared on error");
	is_int(vnet_seg_next(&s, NULL, 0, &pkt, &len), ERR_TOO_LARGE, "no scratch");
	is_int(vnet_seg_next(&s, scratch, MSS_SEG, &pkt, &len), 1, "exact scratch works");

	/* 65535 - 52 bytes of payload in one segment still fit the IPv4 length; one more not. */
	struct tso_spec big = { false, VNET_GSO_TCPV4, 65483, 65535, 20 };
	flen = build_tso(frame, &big);
	is_int(init_with(frame, flen), 0, "segment of 65535 bytes");
	big.paylen++;
	flen = build_tso(frame, &big);
	is_int(init_with(frame, flen), ERR_FORMAT, "segment over 65535 bytes");
	big = (struct tso_spec){ true, VNET_GSO_TCPV6, 65535 - 32 + 1, 65535, 40 };
	flen = build_tso(frame, &big);
	is_int(init_with(frame, flen), ERR_FORMAT, "v6 segment payload over 65535 bytes");

	memset(&s, 0xaa, sizeof(s));
	is_int(vnet_seg_init(&s, frame, 3), ERR_FORMAT, "failed init");
	is_int(vnet_seg_next(&s, scratch, sizeof(scratch), &pkt, &len), 0,
	       "next after a failed init yields nothing");
}

/* Run a (possibly broken) frame to the end in exact-size heap copies so that ASan sees any
 * access outside them. False when a result is neither a clean code nor a packet in bounds. */
static bool run_clean(const uint8_t *src, size_t flen, size_t *n_err)
{
	uint8_t *f = malloc(flen ? flen : 1), *sc = malloc(SCRATCH_CAP), *pkt;
	struct vnet_seg s;
	size_t len, n = 0;
	bool good = true;
	int r;

	if (!f || !sc)
		abort();
	memcpy(f, src, flen);
	r = vnet_seg_init(&s, f, flen);
	if (r != 0) {
		good = r == ERR_FORMAT;
		(*n_err)++;
		goto out;
	}
	while ((r = vnet_seg_next(&s, sc, SCRATCH_CAP, &pkt, &len)) == 1 && n++ <= flen) {
		uintptr_t at = (uintptr_t)pkt, lo = (uintptr_t)f + VNET_HDR_LEN;
		bool in_frame = at >= lo && at - lo <= flen - VNET_HDR_LEN &&
				len <= flen - VNET_HDR_LEN - (at - lo);

		good &= in_frame || (pkt == sc && len <= SCRATCH_CAP);
	}
	if (r < 0)
		(*n_err)++;
	good &= r == 0 || r == ERR_TOO_LARGE;
out:
	free(f);
	free(sc);
	return good;
}

static void mutate(const char *name, const uint8_t *src, size_t flen)
{
	static uint8_t m[MAX_FRAME];
	bool trunc = true, flip = true;
	size_t n_err = 0;

	for (size_t k = 0; k < flen; k++)
		trunc &= run_clean(src, k, &n_err);
	ok(trunc, "%s: every truncation is clean", name);
	n_err = 0;
	for (size_t bit = 0; bit < flen * 8; bit++) {
		memcpy(m, src, flen);
		m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		flip &= run_clean(m, flen, &n_err);
	}
	ok(flip, "%s: every bit flip is clean (%zu of %zu rejected)", name, n_err, flen * 8);
}

static void test_mutations(void)
{
	static uint8_t sample[MAX_FRAME];
	struct tso_spec v4 = { false, VNET_GSO_TCPV4 | VNET_GSO_ECN, 5000, GSO, 20 };
	struct tso_spec v6 = { true, VNET_GSO_TCPV6, 5000, GSO, 48 };
	size_t n;

	n = build_tso(sample, &v4);
	mutate("v4 super-packet", sample, n);
	n = build_tso(sample, &v6);
	mutate("v6 super-packet", sample, n);
	n = build_udp4(sample, 37);
	mutate("udp4 partial checksum", sample, n);
	n = build_tcp6(sample, 301);
	mutate("tcp6 partial checksum", sample, n);
	n = build_udp4(sample, 20);
	sample[0] = 0;
	mutate("plain", sample, n);
}

int main(void)
{
	test_csum();
	test_tso();
	test_csum_in_place();
	test_malformed();
	test_mutations();
	return done_testing();
}
