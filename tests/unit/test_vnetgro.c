/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for TCP segment coalescing towards the tun device: every frame is re-segmented
 * with vnet.c and must give back the packets that went in. Process: any (test). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "tap.h"
#include "vnet.h"
#include "vnetgro.h"

#define PKT_MAX	  2048
#define NPKT	  80
#define PAY	  1388
#define TCP_OPTS  32	      /* doff 8: NOP NOP timestamp */
#define SEQ0	  0xfffff000u /* wraps inside the first run */
#define ID0	  0xfffe      /* wraps at the third segment */
#define TCP_FIN	  0x01
#define TCP_SYN	  0x02
#define TCP_RST	  0x04
#define TCP_PSH	  0x08
#define TCP_ACK	  0x10
#define TCP_URG	  0x20
#define TCP_ECE	  0x40
#define TCP_CWR	  0x80
#define N_MUT_RUN 5

struct spec {
	bool v6;
	bool no_opts; /* doff 5 instead of 8 */
	uint32_t seq;
	uint16_t id;
	size_t plen;
	uint8_t flags;
};

struct pkt {
	const uint8_t *p;
	size_t len;
};

static uint8_t store[NPKT][PKT_MAX];
static struct pkt run[NPKT];
static uint8_t gbuf[VNET_GRO_MIN_CAP], work[VNET_GRO_MIN_CAP], scratch[65536];

static uint16_t host16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static size_t ip_hdr_len(const uint8_t *p)
{
	return (p[0] >> 4) == 6 ? 40 : (size_t)(p[0] & 0x0f) * 4;
}

/* Pseudo-header sum (proto 6) of a TCP segment of tcp_len bytes. */
static uint32_t pseudo_sum(const uint8_t *ip, size_t tcp_len)
{
	uint8_t ph[40];

	memset(ph, 0, sizeof(ph));
	if ((ip[0] >> 4) != 6) {
		memcpy(ph, ip + 12, 8);
		ph[9] = 6;
		wr16(ph + 10, (uint16_t)tcp_len);
		return vnet_csum_add(0, ph, 12);
	}
	memcpy(ph, ip + 8, 32);
	wr32(ph + 32, (uint32_t)tcp_len);
	ph[39] = 6;
	return vnet_csum_add(0, ph, 40);
}

/* Recompute the IPv4 header checksum and the TCP checksum after an edit. */
static void fix_csum(uint8_t *p, size_t len)
{
	size_t ihl = ip_hdr_len(p), tl = len - ihl;

	if ((p[0] >> 4) == 4) {
		wr16(p + 10, 0);
		wr16(p + 10, vnet_csum_fold(vnet_csum_add(0, p, ihl)));
	}
	wr16(p + ihl + 16, 0);
	wr16(p + ihl + 16, vnet_csum_fold(vnet_csum_add(pseudo_sum(p, tl), p + ihl, tl)));
}

/* A TCP segment from the client, with valid checksums; returns its length. */
static size_t build(uint8_t *p, const struct spec *s)
{
	size_t ihl = s->v6 ? 40 : 20, thl = s->no_opts ? 20 : TCP_OPTS, len = ihl + thl + s->plen;
	uint8_t *t = p + ihl;

	memset(p, 0, ihl + thl);
	if (!s->v6) {
		p[0] = 0x45;
		wr16(p + 2, (uint16_t)len);
		wr16(p + 4, s->id);
		wr16(p + 6, 0x4000);
		p[8] = 64;
		p[9] = 6;
		memcpy(p + 12, "\x0a\x07\x00\x02\xc0\x00\x02\x01", 8);
	} else {
		wr32(p, 0x60012345);
		wr16(p + 4, (uint16_t)(len - 40));
		p[6] = 6;
		p[7] = 64;
		memcpy(p + 8, "\x20\x01\x0d\xb8", 4);
		p[23] = 2;
		memcpy(p + 24, "\x20\x01\x0d\xb8", 4);
		p[39] = 1;
	}
	wr16(t, 51000);
	wr16(t + 2, 443);
	wr32(t + 4, s->seq);
	wr32(t + 8, 0x01020304);
	t[12] = (uint8_t)(thl / 4) << 4;
	t[13] = s->flags;
	wr16(t + 14, 502);
	if (!s->no_opts)
		memcpy(t + 20, "\x01\x01\x08\x0a\x00\x00\x10\x00\x00\x00\x20\x00", 12);
	for (size_t i = 0; i < s->plen; i++)
		t[thl + i] = (uint8_t)((s->seq + i) * 7 + 3);
	fix_csum(p, len);
	return len;
}

/* n consecutive segments of one flow in store[first..], plens[i] payload bytes each (PAY
 * when plens is NULL), ACK only; run[] points at them. */
static void make_run(bool v6, size_t first, size_t n, const size_t *plens)
{
	struct spec s = { .v6 = v6, .seq = SEQ0, .id = ID0, .flags = TCP_ACK };

	for (size_t i = first; i < first + n; i++) {
		s.plen = plens ? plens[i - first] : PAY;
		run[i].p = store[i];
		run[i].len = build(store[i], &s);
		s.seq += (uint32_t)s.plen;
		s.id++;
	}
}

/* Change a built packet in place and make its checksums valid again. */
static void edit(size_t i, size_t off, uint8_t xor_mask)
{
	store[i][off] ^= xor_mask;
	fix_csum(store[i], run[i].len);
}

static void set_flags(size_t i, uint8_t flags)
{
	store[i][ip_hdr_len(store[i]) + 13] = flags;
	fix_csum(store[i], run[i].len);
}

/* Re-segment a frame as the worker does when it reads one from the device; true when the
 * wire packets are exactly pkts[0..n). With ignore_id, IPv4 id and header checksum may
 * differ (the originals kept a fixed id). */
static bool resegments_to(const uint8_t *frame, size_t flen, const struct pkt *pkts, size_t n,
			  bool ignore_id)
{
	struct vnet_seg s;
	uint8_t *out;
	size_t olen, i = 0;
	int r;

	if (flen > sizeof(work))
		return false;
	memcpy(work, frame, flen);
	if (vnet_seg_init(&s, work, flen) != 0) {
		diag("vnet_seg_init refused the frame");
		return false;
	}
	while ((r = vnet_seg_next(&s, scratch, sizeof(scratch), &out, &olen)) == 1) {
		bool same = i < n && olen == pkts[i].len;

		if (same && ignore_id)
			same = memcmp(out, pkts[i].p, 4) == 0 &&
			       memcmp(out + 6, pkts[i].p + 6, 4) == 0 &&
			       memcmp(out + 12, pkts[i].p + 12, olen - 12) == 0;
		else if (same)
			same = memcmp(out, pkts[i].p, olen) == 0;
		if (!same) {
			diag("segment %zu of %zu differs (len %zu)", i, n, olen);
			return false;
		}
		i++;
	}
	if (r != 0 || i != n)
		diag("segmentation gave %zu of %zu packets, r %d", i, n, r);
	return r == 0 && i == n;
}

/* The TCP checksum field of a merged frame holds the folded, uncomplemented pseudo-header
 * sum, and completing it as CHECKSUM_PARTIAL gives a checksum valid over the whole frame. */
static bool partial_csum_ok(const uint8_t *frame, size_t flen)
{
	const uint8_t *ip = frame + VNET_HDR_LEN;
	size_t ihl = ip_hdr_len(ip), tl = flen - VNET_HDR_LEN - ihl;
	uint16_t want = (uint16_t)~vnet_csum_fold(pseudo_sum(ip, tl)), c;

	if (rd16(ip + ihl + 16) != want)
		return false;
	memcpy(work, ip, flen - VNET_HDR_LEN);
	c = vnet_csum_fold(vnet_csum_add(0, work + ihl, tl));
	wr16(work + ihl + 16, c);
	return vnet_csum_fold(vnet_csum_add(pseudo_sum(work, tl), work + ihl, tl)) == 0;
}

static bool zero_hdr(const uint8_t *frame)
{
	static const uint8_t z[VNET_HDR_LEN];

	return memcmp(frame, z, sizeof(z)) == 0;
}

/* Every field of a merged frame's virtio header and IP lengths. */
static void check_merged_hdr(const char *name, const uint8_t *f, size_t flen, bool v6, uint16_t gso)
{
	const uint8_t *ip = f + VNET_HDR_LEN;
	size_t ihl = v6 ? 40 : 20;

	is_int(f[0], VNET_F_NEEDS_CSUM, "%s: flags NEEDS_CSUM", name);
	is_int(f[1], v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4, "%s: gso_type", name);
	is_int(host16(f + 2), ihl + TCP_OPTS, "%s: hdr_len", name);
	is_int(host16(f + 4), gso, "%s: gso_size", name);
	is_int(host16(f + 6), ihl, "%s: csum_start", name);
	is_int(host16(f + 8), 16, "%s: csum_offset", name);
	if (v6) {
		is_int(rd16(ip + 4), flen - VNET_HDR_LEN - 40, "%s: IPv6 payload length", name);
	} else {
		is_int(rd16(ip + 2), flen - VNET_HDR_LEN, "%s: IPv4 total length", name);
		is_int(vnet_csum_fold(vnet_csum_add(0, ip, 20)), 0, "%s: IPv4 header checksum",
		       name);
		is_int(rd16(ip + 4), ID0, "%s: IPv4 id is the first segment's", name);
	}
	ok(partial_csum_ok(f, flen), "%s: TCP checksum is the CHECKSUM_PARTIAL pseudo sum", name);
}

static void test_merge(bool v6)
{
	const char *name = v6 ? "IPv6 run of 10" : "IPv4 run of 10";
	struct vnet_gro g;
	uint8_t *f;
	size_t flen, hdr = (v6 ? 40 : 20) + TCP_OPTS;
	bool merged = true;

	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	ok(!vnet_gro_pending(&g), "%s: nothing pending after init", name);
	make_run(v6, 0, 10, NULL);
	for (size_t i = 0; i < 10; i++)
		merged &= vnet_gro_add(&g, run[i].p, run[i].len) == VNET_GRO_MERGED;
	ok(merged, "%s: every segment merged", name);
	ok(vnet_gro_pending(&g), "%s: a frame is pending", name);
	flen = vnet_gro_take(&g, &f);
	is_int(flen, VNET_HDR_LEN + hdr + 10 * PAY, "%s: one frame of all the payloads", name);
	ok(f == gbuf, "%s: the frame is in the caller's buffer", name);
	check_merged_hdr(name, f, flen, v6, PAY);
	is_int(f[VNET_HDR_LEN + hdr - TCP_OPTS + 13], TCP_ACK, "%s: flags stay ACK", name);
	ok(resegments_to(f, flen, run, 10, false), "%s: re-segments to the 10 originals", name);
	ok(!vnet_gro_pending(&g), "%s: nothing pending after take", name);
	flen = vnet_gro_take(&g, &f);
	ok(flen == 0 && f == NULL, "%s: a second take gives nothing", name);
}

static void test_single(bool v6)
{
	const char *name = v6 ? "IPv6 single" : "IPv4 single";
	struct vnet_gro g;
	uint8_t *f;
	size_t flen;

	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	make_run(v6, 0, 1, NULL);
	is_int(vnet_gro_add(&g, run[0].p, run[0].len), VNET_GRO_MERGED, "%s: starts a frame", name);
	flen = vnet_gro_take(&g, &f);
	ok(flen == VNET_HDR_LEN + run[0].len && zero_hdr(f) &&
		   memcmp(f + VNET_HDR_LEN, run[0].p, run[0].len) == 0,
	   "%s: taken byte-identical behind an all-zero header", name);
}

/* Offer run[0..n): all but the last must merge, and the last must give last_want. */
static bool offer_all(struct vnet_gro *g, size_t n, int last_want)
{
	bool good = true;

	for (size_t i = 0; i + 1 < n; i++)
		good &= vnet_gro_add(g, run[i].p, run[i].len) == VNET_GRO_MERGED;
	return good && vnet_gro_add(g, run[n - 1].p, run[n - 1].len) == last_want;
}

static void test_short_last(void)
{
	static const size_t plens[6] = { PAY, PAY, PAY, PAY, 500, PAY };
	struct vnet_gro g;
	uint8_t *f;
	size_t flen;

	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	make_run(false, 0, 6, plens);
	ok(offer_all(&g, 5, VNET_GRO_MERGED), "short last: 4 full and a short one merge");
	is_int(vnet_gro_add(&g, run[5].p, run[5].len), VNET_GRO_FLUSH,
	       "short last: nothing merges after the short one");
	flen = vnet_gro_take(&g, &f);
	is_int(flen, VNET_HDR_LEN + 52 + 4 * PAY + 500, "short last: frame length");
	check_merged_hdr("short last", f, flen, false, PAY);
	ok(resegments_to(f, flen, run, 5, false), "short last: re-segments to the 5 originals");
	is_int(vnet_gro_add(&g, run[5].p, run[5].len), VNET_GRO_MERGED,
	       "short last: the next one starts a new frame");

	/* A longer segment than the first cannot merge either. */
	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	{
		static const size_t grow[2] = { 500, 501 };

		make_run(true, 0, 2, grow);
	}
	ok(offer_all(&g, 2, VNET_GRO_FLUSH), "longer than gso_size: flush");
}

static void test_psh(void)
{
	struct vnet_gro g;
	uint8_t *f;
	size_t flen;

	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	make_run(false, 0, 5, NULL);
	set_flags(3, TCP_ACK | TCP_PSH);
	ok(offer_all(&g, 4, VNET_GRO_MERGED), "PSH: the PSH segment merges");
	is_int(vnet_gro_add(&g, run[4].p, run[4].len), VNET_GRO_FLUSH,
	       "PSH: nothing merges after it");
	flen = vnet_gro_take(&g, &f);
	is_int(f[VNET_HDR_LEN + 20 + 13], TCP_ACK | TCP_PSH, "PSH: set in the merged header");
	check_merged_hdr("PSH", f, flen, false, PAY);
	ok(resegments_to(f, flen, run, 4, false), "PSH: re-segments to the 4 originals");
	make_run(true, 0, 1, NULL);
	set_flags(0, TCP_ACK | TCP_PSH);
	is_int(vnet_gro_add(&g, run[0].p, run[0].len), VNET_GRO_ALONE,
	       "PSH: a PSH segment with nothing pending is written alone");
}

static void test_seq(void)
{
	struct vnet_gro g;
	struct spec s = { .seq = SEQ0, .id = ID0, .plen = PAY, .flags = TCP_ACK };
	uint8_t *f;

	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	make_run(false, 0, 4, NULL);
	run[3].len = build(store[3], &(struct spec){ .seq = SEQ0 + 4 * PAY,
						     .id = (uint16_t)(ID0 + 3),
						     .plen = PAY,
						     .flags = TCP_ACK });
	ok(offer_all(&g, 4, VNET_GRO_FLUSH), "gap in seq: flush");
	ok(vnet_gro_take(&g, &f) > 0 && vnet_gro_add(&g, run[3].p, run[3].len) == VNET_GRO_MERGED,
	   "gap in seq: the segment starts the next frame");
	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	run[1].len = build(store[1], &s); /* a retransmission of the first */
	ok(offer_all(&g, 2, VNET_GRO_FLUSH), "repeated seq: flush");
}

struct mismatch {
	const char *name;
	bool v6;
	size_t off; /* in the packet */
	uint8_t mask;
};

static void test_mismatch(void)
{
	static const struct mismatch m[] = {
		{ "IPv4 TOS", false, 1, 0x04 },
		{ "IPv4 ECN", false, 1, 0x03 },
		{ "IPv4 id jump", false, 5, 0x10 },
		{ "IPv4 DF", false, 6, 0x40 },
		{ "IPv4 TTL", false, 8, 0x01 },
		{ "IPv4 source", false, 15, 0x01 },
		{ "IPv4 destination", false, 19, 0x80 },
		{ "source port", false, 20 + 1, 0x01 },
		{ "destination port", false, 20 + 3, 0x01 },
		{ "ack", false, 20 + 11, 0x01 },
		{ "window", false, 20 + 15, 0x01 },
		{ "reserved bits", false, 20 + 12, 0x01 },
		{ "urgent pointer", false, 20 + 19, 0x01 },
		{ "timestamp", false, 20 + 27, 0x01 },
		{ "timestamp echo", false, 20 + 31, 0x01 },
		{ "IPv6 traffic class", true, 0, 0x01 },
		{ "IPv6 flow label", true, 3, 0x01 },
		{ "IPv6 hop limit", true, 7, 0x01 },
		{ "IPv6 source", true, 23, 0x01 },
		{ "IPv6 destination", true, 39, 0x01 },
		{ "IPv6 source port", true, 40 + 1, 0x01 },
		{ "IPv6 ack", true, 40 + 8, 0x80 },
		{ "IPv6 timestamp", true, 40 + 24, 0x01 },
	};
	struct vnet_gro g;
	uint8_t *f;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		vnet_gro_init(&g, gbuf, sizeof(gbuf));
		make_run(m[i].v6, 0, 3, NULL);
		edit(2, m[i].off, m[i].mask);
		ok(offer_all(&g, 3, VNET_GRO_FLUSH), "different %s: flush", m[i].name);
		ok(vnet_gro_take(&g, &f) > 0 &&
			   vnet_gro_add(&g, run[2].p, run[2].len) == VNET_GRO_MERGED,
		   "different %s: valid on its own", m[i].name);
	}

	/* Same flow, another TCP header length. */
	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	make_run(false, 0, 2, NULL);
	run[1].len = build(store[1], &(struct spec){ .seq = SEQ0 + PAY,
						     .id = (uint16_t)(ID0 + 1),
						     .plen = PAY,
						     .flags = TCP_ACK,
						     .no_opts = true });
	ok(offer_all(&g, 2, VNET_GRO_FLUSH), "different TCP header length: flush");
	/* Other IP version, same ports and sequence. */
	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	make_run(false, 0, 1, NULL);
	run[1].len = build(
		store[1],
		&(struct spec){ .v6 = true, .seq = SEQ0 + PAY, .plen = PAY, .flags = TCP_ACK });
	run[1].p = store[1];
	ok(offer_all(&g, 2, VNET_GRO_FLUSH), "other IP version: flush");
}

static void test_same_id(void)
{
	struct vnet_gro g;
	uint8_t *f;
	size_t flen;
	bool merged = true;

	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	make_run(false, 0, 5, NULL);
	for (size_t i = 1; i < 5; i++) {
		wr16(store[i] + 4, ID0);
		fix_csum(store[i], run[i].len);
	}
	for (size_t i = 0; i < 5; i++)
		merged &= vnet_gro_add(&g, run[i].p, run[i].len) == VNET_GRO_MERGED;
	ok(merged, "fixed IPv4 id (DF): merged");
	flen = vnet_gro_take(&g, &f);
	check_merged_hdr("fixed id", f, flen, false, PAY);
	ok(resegments_to(f, flen, run, 5, true), "fixed id: re-segments (ids counted up)");
}

static void test_bad_csum(void)
{
	struct vnet_gro g;
	uint8_t *f;
	size_t flen;

	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	make_run(false, 0, 3, NULL);
	store[0][20 + TCP_OPTS + 100] ^= 0x01;
	is_int(vnet_gro_add(&g, run[0].p, run[0].len), VNET_GRO_ALONE,
	       "bad TCP checksum, nothing pending: alone");
	store[0][20 + TCP_OPTS + 100] ^= 0x01;
	store[2][20 + 17] ^= 0x01;
	ok(offer_all(&g, 3, VNET_GRO_FLUSH), "bad TCP checksum after a run: flush");
	flen = vnet_gro_take(&g, &f);
	ok(resegments_to(f, flen, run, 2, false), "bad TCP checksum: the run before is intact");
	is_int(vnet_gro_add(&g, run[2].p, run[2].len), VNET_GRO_ALONE,
	       "bad TCP checksum: then alone");
	make_run(true, 0, 1, NULL);
	store[0][40 + 4] ^= 0x01;
	is_int(vnet_gro_add(&g, run[0].p, run[0].len), VNET_GRO_ALONE,
	       "IPv6, bad TCP checksum: alone");
	make_run(false, 0, 1, NULL);
	store[0][8] ^= 0x01;
	is_int(vnet_gro_add(&g, run[0].p, run[0].len), VNET_GRO_ALONE,
	       "bad IPv4 header checksum: alone");
}

static void test_flags(void)
{
	static const struct {
		const char *name;
		uint8_t flags;
	} f[] = {
		{ "SYN", TCP_SYN | TCP_ACK },
		{ "FIN", TCP_FIN | TCP_ACK },
		{ "RST", TCP_RST | TCP_ACK },
		{ "URG", TCP_URG | TCP_ACK },
		{ "ECE", TCP_ECE | TCP_ACK },
		{ "CWR", TCP_CWR | TCP_ACK },
		{ "no ACK", 0 },
		{ "PSH without ACK", TCP_PSH },
		{ "bare SYN", TCP_SYN },
	};
	struct vnet_gro g;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		vnet_gro_init(&g, gbuf, sizeof(gbuf));
		make_run(i % 2 == 1, 0, 2, NULL);
		set_flags(0, f[i].flags);
		set_flags(1, f[i].flags);
		is_int(vnet_gro_add(&g, run[0].p, run[0].len), VNET_GRO_ALONE, "%s: alone",
		       f[i].name);
		make_run(i % 2 == 1, 0, 2, NULL);
		set_flags(1, f[i].flags);
		ok(offer_all(&g, 2, VNET_GRO_FLUSH), "%s after a segment: flush", f[i].name);
	}
}

/* Packets that are not plain TCP over a plain IP header. */
static void test_not_tcp(void)
{
	struct vnet_gro g;
	struct spec s = { .seq = SEQ0, .id = ID0, .plen = 100, .flags = TCP_ACK };
	size_t len;

	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	len = build(store[0], &s);
	store[0][9] = 17;
	fix_csum(store[0], len);
	is_int(vnet_gro_add(&g, store[0], len), VNET_GRO_ALONE, "UDP: alone");
	store[0][9] = 1;
	fix_csum(store[0], len);
	is_int(vnet_gro_add(&g, store[0], len), VNET_GRO_ALONE, "ICMP: alone");

	s.v6 = true;
	len = build(store[0], &s);
	store[0][6] = 17;
	fix_csum(store[0], len);
	is_int(vnet_gro_add(&g, store[0], len), VNET_GRO_ALONE, "IPv6 UDP: alone");
	/* A hop-by-hop header (PadN) in front of the TCP segment. */
	len = build(store[0] + 8, &s) + 8;
	memmove(store[0], store[0] + 8, 40);
	memcpy(store[0] + 40, "\x06\x00\x01\x04\x00\x00\x00\x00", 8);
	store[0][6] = 0;
	wr16(store[0] + 4, (uint16_t)(len - 40));
	is_int(vnet_gro_add(&g, store[0], len), VNET_GRO_ALONE, "IPv6 extension header: alone");
	len = build(store[0], &s);
	is_int(vnet_gro_add(&g, store[0], len - 1), VNET_GRO_ALONE,
	       "IPv6 payload length above the packet: alone");
	store[0][len] = 0;
	is_int(vnet_gro_add(&g, store[0], len + 1), VNET_GRO_ALONE,
	       "IPv6 payload length below the packet: alone");
	store[0][0] = 0x50;
	is_int(vnet_gro_add(&g, store[0], len), VNET_GRO_ALONE, "IP version 5: alone");
	is_int(vnet_gro_add(&g, NULL, 0), VNET_GRO_ALONE, "empty packet: alone");
}

static void test_ip4_shape(void)
{
	struct vnet_gro g;
	struct spec s = { .seq = SEQ0, .id = ID0, .plen = 100, .flags = TCP_ACK };
	size_t len;

	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	/* IHL 6: a router alert option between IP and TCP. */
	len = build(store[0] + 4, &s) + 4;
	memmove(store[0], store[0] + 4, 20);
	memcpy(store[0] + 20, "\x94\x04\x00\x00", 4);
	store[0][0] = 0x46;
	wr16(store[0] + 2, (uint16_t)len);
	fix_csum(store[0], len);
	is_int(vnet_gro_add(&g, store[0], len), VNET_GRO_ALONE, "IPv4 options: alone");

	/* IHL 6 whose option bytes (the ports ffff 0000 of the segment built at offset 20) add
	 * nothing to the sum: the header checksum holds for 20 and for 24 bytes, and a segment
	 * that would be valid at offset 20 is not where IHL says it starts. */
	len = build(store[0], &s);
	wr16(store[0] + 20, 0xffff);
	wr16(store[0] + 22, 0);
	fix_csum(store[0], len);
	store[0][0] = 0x46;
	wr16(store[0] + 10, 0);
	wr16(store[0] + 10, vnet_csum_fold(vnet_csum_add(0, store[0], 20)));
	is_int(vnet_csum_fold(vnet_csum_add(0, store[0], 24)), 0, "IHL 6 sample: checksum holds");
	is_int(vnet_gro_add(&g, store[0], len), VNET_GRO_ALONE, "IPv4 IHL 6: alone");

	len = build(store[0], &s);
	store[0][6] |= 0x20;
	fix_csum(store[0], len);
	is_int(vnet_gro_add(&g, store[0], len), VNET_GRO_ALONE, "IPv4 MF: alone");
	len = build(store[0], &s);
	store[0][7] = 0x10;
	fix_csum(store[0], len);
	is_int(vnet_gro_add(&g, store[0], len), VNET_GRO_ALONE, "IPv4 fragment offset: alone");
	len = build(store[0], &s);
	is_int(vnet_gro_add(&g, store[0], len - 1), VNET_GRO_ALONE,
	       "IPv4 total length above the packet: alone");
	store[0][len] = 0;
	is_int(vnet_gro_add(&g, store[0], len + 1), VNET_GRO_ALONE,
	       "IPv4 total length below the packet: alone");
	is_int(vnet_gro_add(&g, store[0], 19), VNET_GRO_ALONE, "half an IPv4 header: alone");
	/* TCP data offset beyond the packet, and below 5. */
	s.plen = 10;
	len = build(store[0], &s);
	store[0][20 + 12] = 0xf0;
	fix_csum(store[0], len);
	is_int(vnet_gro_add(&g, store[0], len), VNET_GRO_ALONE, "TCP header past the end: alone");
	store[0][20 + 12] = 0x40;
	fix_csum(store[0], len);
	is_int(vnet_gro_add(&g, store[0], len), VNET_GRO_ALONE, "TCP data offset 4: alone");
}

static void test_no_payload(void)
{
	static const size_t plens[2] = { PAY, 0 };
	struct vnet_gro g;

	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	make_run(false, 0, 1, plens + 1);
	is_int(vnet_gro_add(&g, run[0].p, run[0].len), VNET_GRO_ALONE, "bare ACK: alone");
	make_run(true, 0, 2, plens);
	ok(offer_all(&g, 2, VNET_GRO_FLUSH), "bare ACK after a segment: flush");
}

/* 47 full segments fill a frame to hdr + 65236 bytes; the 48th fits only when short. */
static void test_size_limit(bool v6)
{
	const char *name = v6 ? "IPv6 65535 limit" : "IPv4 65535 limit";
	size_t hdr = (v6 ? 40 : 20) + TCP_OPTS, rest = 65535 - hdr - 47 * PAY;
	static uint8_t big[VNET_GRO_MIN_CAP + 4096];
	size_t plens[48];
	struct vnet_gro g;
	uint8_t *f;
	size_t flen;

	for (size_t i = 0; i < 48; i++)
		plens[i] = PAY;
	/* Room to spare in the buffer: the IP limit alone must stop the merge. */
	vnet_gro_init(&g, big, sizeof(big));
	make_run(v6, 0, 48, plens);
	ok(offer_all(&g, 48, VNET_GRO_FLUSH), "%s: a 48th full segment does not fit", name);
	vnet_gro_init(&g, big, sizeof(big));
	plens[47] = rest + 1;
	make_run(v6, 0, 48, plens);
	ok(offer_all(&g, 48, VNET_GRO_FLUSH), "%s: one byte over does not fit", name);
	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	plens[47] = rest;
	make_run(v6, 0, 48, plens);
	ok(offer_all(&g, 48, VNET_GRO_MERGED), "%s: exactly 65535 fits", name);
	flen = vnet_gro_take(&g, &f);
	is_int(flen, VNET_GRO_MIN_CAP, "%s: a full frame", name);
	check_merged_hdr(name, f, flen, v6, PAY);
	ok(resegments_to(f, flen, run, 48, false), "%s: re-segments to the 48 originals", name);
}

/* A lone IPv6 packet above 65535 bytes (payload length 65500) is not taken in, even with
 * room in the buffer. */
static void test_huge_v6(void)
{
	static uint8_t huge[65540], big[VNET_GRO_MIN_CAP + 4096];
	struct spec s = { .v6 = true, .seq = SEQ0, .plen = 65500 - TCP_OPTS, .flags = TCP_ACK };
	struct vnet_gro g;
	size_t len = build(huge, &s);

	vnet_gro_init(&g, big, sizeof(big));
	is_int(len, 65540, "IPv6 65540-byte sample");
	is_int(vnet_gro_add(&g, huge, len), VNET_GRO_ALONE, "IPv6 packet over 65535 bytes: alone");
}

static void test_seg_limit(void)
{
	size_t plens[65];
	struct vnet_gro g;
	uint8_t *f;
	size_t flen;

	for (size_t i = 0; i < 65; i++)
		plens[i] = 100;
	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	make_run(false, 0, 65, plens);
	ok(offer_all(&g, 65, VNET_GRO_FLUSH), "64 segments merge, the 65th flushes");
	flen = vnet_gro_take(&g, &f);
	check_merged_hdr("64 segments", f, flen, false, 100);
	ok(resegments_to(f, flen, run, 64, false), "64 segments: re-segment to the originals");
	is_int(vnet_gro_add(&g, run[64].p, run[64].len), VNET_GRO_MERGED,
	       "the 65th starts the next frame");
}

/* Counters over simulate() calls. */
struct sim {
	size_t frames, merged, alone;
};

static bool take_check(struct vnet_gro *g, const struct pkt *pkts, size_t n, struct sim *st)
{
	uint8_t *f;
	size_t flen = vnet_gro_take(g, &f);

	st->frames++;
	if (n == 0 || flen > sizeof(gbuf) || f != gbuf)
		return false;
	if (n == 1)
		return flen == VNET_HDR_LEN + pkts[0].len && zero_hdr(f) &&
		       memcmp(f + VNET_HDR_LEN, pkts[0].p, pkts[0].len) == 0;
	st->merged++;
	return resegments_to(f, flen, pkts, n, false) && partial_csum_ok(f, flen);
}

/* What the worker would do with a stream of packets, checking every frame against the
 * packets that went into it. Returns false on any inconsistency. */
static bool simulate(const struct pkt *pkts, size_t n, struct sim *st)
{
	struct vnet_gro g;
	size_t first = 0, cnt = 0;
	bool good = true;

	vnet_gro_init(&g, gbuf, sizeof(gbuf));
	for (size_t i = 0; i < n; i++) {
		int v = vnet_gro_add(&g, pkts[i].p, pkts[i].len);

		if (v == VNET_GRO_FLUSH) {
			good &= cnt > 0 && take_check(&g, pkts + first, cnt, st);
			cnt = 0;
			v = vnet_gro_add(&g, pkts[i].p, pkts[i].len);
		}
		if (v == VNET_GRO_MERGED) {
			if (cnt++ == 0)
				first = i;
		} else if (v == VNET_GRO_ALONE) {
			st->alone++;
			good &= cnt == 0 && !vnet_gro_pending(&g);
		} else {
			good = false;
		}
	}
	if (vnet_gro_pending(&g))
		good &= take_check(&g, pkts + first, cnt, st);
	return good;
}

static void test_interleaved(void)
{
	struct pkt p[8];
	struct sim st = { 0 };

	make_run(false, 0, 4, NULL);
	make_run(true, 4, 4, NULL);
	for (size_t i = 0; i < 4; i++) {
		p[2 * i] = run[i];
		p[2 * i + 1] = run[4 + i];
	}
	ok(simulate(p, 8, &st) && st.frames == 8 && st.merged == 0,
	   "two interleaved flows: eight single frames");
	st = (struct sim){ 0 };
	ok(simulate(run, 8, &st) && st.frames == 2 && st.merged == 2,
	   "two flows one after the other: two merged frames");
}

/* Truncate the middle packet of a run at every length and flip each of its bits; each
 * variant is offered from an exactly sized heap copy so ASan sees any stray read. */
static void mutate(bool v6)
{
	const char *name = v6 ? "IPv6" : "IPv4";
	struct pkt p[N_MUT_RUN];
	uint8_t *heap[N_MUT_RUN], *orig;
	const size_t mid = N_MUT_RUN / 2;
	size_t mlen, runs = 0, bad = 0;
	struct sim st = { 0 };

	make_run(v6, 0, N_MUT_RUN, NULL);
	for (size_t i = 0; i < N_MUT_RUN; i++) {
		heap[i] = malloc(run[i].len);
		memcpy(heap[i], run[i].p, run[i].len);
		p[i].p = heap[i];
		p[i].len = run[i].len;
	}
	ok(simulate(p, N_MUT_RUN, &st) && st.merged == 1 && st.frames == 1,
	   "%s mutation run: unmutated, one merged frame", name);
	orig = heap[mid];
	mlen = run[mid].len;
	for (size_t n = 0; n < mlen; n++) {
		uint8_t *t = malloc(n ? n : 1);

		memcpy(t, orig, n);
		p[mid].p = t;
		p[mid].len = n;
		runs++;
		bad += !simulate(p, N_MUT_RUN, &st);
		free(t);
	}
	ok(bad == 0, "%s: %zu truncations of the middle packet handled", name, runs);
	p[mid].len = mlen;
	runs = bad = 0;
	for (size_t bit = 0; bit < mlen * 8; bit++) {
		uint8_t *t = malloc(mlen);

		memcpy(t, orig, mlen);
		t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		p[mid].p = t;
		runs++;
		bad += !simulate(p, N_MUT_RUN, &st);
		free(t);
	}
	ok(bad == 0, "%s: %zu bit flips of the middle packet handled", name, runs);
	diag("%s: %zu frames taken, %zu merged, %zu packets alone", name, st.frames, st.merged,
	     st.alone);
	for (size_t i = 0; i < N_MUT_RUN; i++)
		free(heap[i]);
}

int main(void)
{
	test_merge(false);
	test_merge(true);
	test_single(false);
	test_single(true);
	test_short_last();
	test_psh();
	test_seq();
	test_mismatch();
	test_same_id();
	test_bad_csum();
	test_flags();
	test_not_tcp();
	test_ip4_shape();
	test_no_payload();
	test_size_limit(false);
	test_size_limit(true);
	test_huge_v6();
	test_seg_limit();
	test_interleaved();
	mutate(false);
	mutate(true);
	return done_testing();
}
