/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Software receive offload towards the tun device: consecutive TCP segments of one flow from
 * the client become one TSO super-packet behind a virtio-net header. Process: any. */
#include "vnetgro.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "log.h"

#define IP4_HDR	    20
#define IP6_HDR	    40
#define TCP_MIN_HDR 20
#define TCP_MAX_HDR 60
#define HDR_MAX	    (IP6_HDR + TCP_MAX_HDR)
#define PROTO_TCP   6
#define TCP_FLAGS   13 /* offsets in the TCP header */
#define TCP_CSUM    16
#define TCP_URP	    18

#define TCP_PSH 0x08
#define TCP_ACK 0x10

#define IP4_MF	   0x2000
#define IP4_OFFSET 0x1fff

/* One offered packet that passed parse(). */
struct seg {
	uint8_t hdr[HDR_MAX];  /* copy of its IP + TCP headers */
	struct buf_rd tcp;     /* TCP header + payload, inside the packet */
	struct buf_rd payload; /* inside the packet */
	size_t ip_hdr;	       /* 20 or 40 */
	size_t hlen;	       /* IP + TCP header bytes */
	uint32_t pseudo;       /* pseudo-header sum, not folded */
	uint32_t seq;
	uint16_t id; /* IPv4 only */
	uint8_t flags;
	bool v6;
};

/* A run of header bytes that every segment of a frame must share with the first. */
struct same {
	uint8_t off;
	uint8_t len;
};

/* Everything but the lengths, IPv4 id and checksums. */
static const struct same ip4_same[] = {
	{ 0, 2 },  /* version, IHL, TOS */
	{ 6, 4 },  /* DF (and the reserved bit), TTL, protocol */
	{ 12, 8 }, /* addresses */
};
static const struct same ip6_same[] = {
	{ 0, 4 },  /* version, traffic class, flow label */
	{ 6, 34 }, /* next header, hop limit, addresses */
};
/* Everything but sequence number, flags and checksum; the urgent pointer and the options
 * follow from TCP_URP to the end of the header. */
static const struct same tcp_same[] = {
	{ 0, 4 },  /* ports */
	{ 8, 5 },  /* acknowledgment number, data offset */
	{ 14, 2 }, /* window */
};

/* The sum of the n bytes under the cursor (which does not move); n was proven available. */
static uint32_t sum_bytes(uint32_t sum, const struct buf_rd *rd, size_t n)
{
	BUG(n > buf_remaining(rd));
	return vnet_csum_add(sum, buf_cur(rd), n);
}

/* Version 4, no options, not a fragment, protocol TCP, total length == packet length and a
 * header checksum that verifies. */
static int parse_ip4(struct seg *s, const struct buf_rd *pkt)
{
	struct buf_rd rd = *pkt;
	size_t len = buf_remaining(pkt);
	uint8_t vihl, proto;
	uint16_t tot, frag;

	if (buf_get_u8(&rd, &vihl) != 0 || buf_skip(&rd, 1) != 0 || buf_get_u16(&rd, &tot) != 0 ||
	    buf_get_u16(&rd, &s->id) != 0 || buf_get_u16(&rd, &frag) != 0 ||
	    buf_skip(&rd, 1) != 0 || buf_get_u8(&rd, &proto) != 0 || buf_skip(&rd, 2) != 0 ||
	    buf_remaining(&rd) < 8)
		return ERR_FORMAT;
	if (vihl != 0x45 || tot != len || (frag & (IP4_MF | IP4_OFFSET)) != 0 ||
	    proto != PROTO_TCP || vnet_csum_fold(sum_bytes(0, pkt, IP4_HDR)) != 0)
		return ERR_FORMAT;
	s->ip_hdr = IP4_HDR;
	s->pseudo = sum_bytes(0, &rd, 8) + PROTO_TCP + (uint32_t)(len - IP4_HDR);
	return 0;
}

/* Version 6 with TCP straight after the fixed header, payload length == what is left. */
static int parse_ip6(struct seg *s, const struct buf_rd *pkt)
{
	struct buf_rd rd = *pkt;
	uint32_t word;
	uint16_t plen;
	uint8_t next;

	if (buf_get_u32(&rd, &word) != 0 || buf_get_u16(&rd, &plen) != 0 ||
	    buf_get_u8(&rd, &next) != 0 || buf_skip(&rd, 1) != 0 || buf_remaining(&rd) < 32)
		return ERR_FORMAT;
	if ((word >> 28) != 6 || next != PROTO_TCP || plen != buf_remaining(&rd) - 32)
		return ERR_FORMAT;
	s->v6 = true;
	s->ip_hdr = IP6_HDR;
	s->pseudo = sum_bytes(0, &rd, 32) + PROTO_TCP + plen;
	return 0;
}

/* A TCP header within the packet, followed by at least one byte of payload. */
static int parse_tcp(struct seg *s, const struct buf_rd *pkt)
{
	struct buf_rd rd = *pkt;
	uint8_t doff;
	size_t thl;

	if (buf_skip(&rd, s->ip_hdr) != 0)
		return ERR_FORMAT;
	s->tcp = rd;
	if (buf_skip(&rd, 4) != 0 || buf_get_u32(&rd, &s->seq) != 0 || buf_skip(&rd, 4) != 0 ||
	    buf_get_u8(&rd, &doff) != 0 || buf_get_u8(&rd, &s->flags) != 0)
		return ERR_FORMAT;
	thl = (size_t)(doff >> 4) * 4;
	if (thl < TCP_MIN_HDR || thl >= buf_remaining(&s->tcp))
		return ERR_FORMAT;
	s->hlen = s->ip_hdr + thl;
	rd = *pkt;
	if (buf_get_bytes(&rd, s->hlen, s->hdr) != 0)
		return ERR_FORMAT;
	s->payload = rd;
	return 0;
}

/* Headers only: the TCP checksum is left to tcp_csum_ok(), the one costly check. */
static int parse(struct seg *s, const uint8_t *pkt, size_t len)
{
	struct buf_rd rd;
	uint8_t v;
	int r;

	memset(s, 0, sizeof(*s));
	buf_rd_init(&rd, pkt, len);
	if (buf_peek_u8(&rd, &v) != 0)
		return ERR_FORMAT;
	if ((v >> 4) == 4)
		r = parse_ip4(s, &rd);
	else if ((v >> 4) == 6)
		r = parse_ip6(s, &rd);
	else
		r = ERR_FORMAT;
	if (r == 0)
		r = parse_tcp(s, &rd);
	/* ACK, PSH at most besides: no SYN, FIN, RST, URG, ECE nor CWR, whose meaning would
	 * change (or be repeated) once the kernel re-segments. */
	if (r == 0 && (s->flags & ~TCP_PSH) != TCP_ACK)
		r = ERR_FORMAT;
	return r;
}

/* The pseudo-header and the whole segment fold to zero. Not merging a bad one keeps the
 * kernel's drop: it trusts the checksum of a NEEDS_CSUM frame. */
static bool tcp_csum_ok(const struct seg *s)
{
	return vnet_csum_fold(sum_bytes(s->pseudo, &s->tcp, buf_remaining(&s->tcp))) == 0;
}

static bool same_runs(const uint8_t *a, const uint8_t *b, const struct same *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(a + t[i].off, b + t[i].off, t[i].len) != 0)
			return false;
	return true;
}

/* Same flow and same header contents as the frame's first segment. */
static bool same_headers(const struct vnet_gro *g, const struct seg *s)
{
	const uint8_t *f = vnet_span(g->buf, g->len, VNET_HDR_LEN, g->hdr);
	const uint8_t *p = s->hdr;
	size_t t = s->ip_hdr;

	/* Equal versions and equal header lengths also mean equal TCP header lengths, all
	 * within hdr[] and within the frame's first packet. */
	if (!f || s->v6 != g->v6 || s->hlen != g->hdr)
		return false;
	if (s->v6 ? !same_runs(f, p, ip6_same, sizeof(ip6_same) / sizeof(ip6_same[0]))
		  : !same_runs(f, p, ip4_same, sizeof(ip4_same) / sizeof(ip4_same[0])))
		return false;
	return same_runs(f + t, p + t, tcp_same, sizeof(tcp_same) / sizeof(tcp_same[0])) &&
	       memcmp(f + t + TCP_URP, p + t + TCP_URP, s->hlen - t - TCP_URP) == 0;
}

static bool mergeable(const struct vnet_gro *g, const struct seg *s)
{
	size_t ip_len = g->len - VNET_HDR_LEN;

	if (g->closed || g->count >= VNET_GRO_MAX_SEGS || !same_headers(g, s))
		return false;
	if (s->seq != g->next_seq || buf_remaining(&s->payload) > g->gso_size)
		return false;
	/* Stacks either count the id up per segment or, with DF, keep it fixed. */
	if (!g->v6 && s->id != g->last_id && s->id != (uint16_t)(g->last_id + 1))
		return false;
	return buf_remaining(&s->payload) <= VNET_GRO_MAX_IP - ip_len &&
	       buf_remaining(&s->payload) <= g->cap - g->len;
}

static void note(struct vnet_gro *g, const struct seg *s)
{
	size_t plen = buf_remaining(&s->payload);

	g->count++;
	g->next_seq = s->seq + (uint32_t)plen;
	g->last_id = s->id;
	g->psh = (s->flags & TCP_PSH) != 0;
	g->closed = g->psh || plen < g->gso_size;
}

/* The first segment is kept whole: alone, it is written back exactly as it came. */
static void start(struct vnet_gro *g, const struct seg *s, const uint8_t *pkt, size_t len)
{
	uint8_t *dst = vnet_span(g->buf, g->cap, VNET_HDR_LEN, len);
	struct buf_rd rd;
	int r;

	buf_rd_init(&rd, pkt, len);
	r = dst ? buf_get_bytes(&rd, len, dst) : ERR_INTERNAL;
	BUG(r != 0);
	memset(g->buf, 0, VNET_HDR_LEN);
	g->len = VNET_HDR_LEN + len;
	g->hdr = s->hlen;
	g->v6 = s->v6;
	g->gso_size = (uint16_t)buf_remaining(&s->payload);
	note(g, s);
}

static void append(struct vnet_gro *g, const struct seg *s)
{
	struct buf_rd rd = s->payload;
	size_t plen = buf_remaining(&rd);
	uint8_t *dst = vnet_span(g->buf, g->cap, g->len, plen);
	int r = dst ? buf_get_bytes(&rd, plen, dst) : ERR_INTERNAL;

	BUG(r != 0);
	g->len += plen;
	note(g, s);
}

/* The virtio-net header's u16 fields are in host byte order (legacy header). */
static void put_host16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Turn the first segment's headers into the super-packet's, as a TSO sender would hand it
 * over: lengths, IPv4 header checksum, PSH, and a CHECKSUM_PARTIAL TCP checksum. */
static void finish(struct vnet_gro *g)
{
	size_t n = g->len - VNET_HDR_LEN, ihl = g->v6 ? IP6_HDR : IP4_HDR;
	uint8_t *ip = vnet_span(g->buf, g->len, VNET_HDR_LEN, n), *fl, vh[VNET_HDR_LEN];
	uint32_t pseudo;

	BUG(!ip || n < g->hdr);
	if (g->v6) {
		vnet_put16(ip, n, 4, (uint16_t)(n - IP6_HDR));
		pseudo = vnet_csum_add(0, vnet_span(ip, n, 8, 32), 32);
	} else {
		vnet_put16(ip, n, 2, (uint16_t)n);
		vnet_put16(ip, n, 10, 0);
		vnet_put16(ip, n, 10, vnet_csum_fold(vnet_csum_add(0, ip, IP4_HDR)));
		pseudo = vnet_csum_add(0, vnet_span(ip, n, 12, 8), 8);
	}
	pseudo += PROTO_TCP + (uint32_t)(n - ihl);
	fl = vnet_span(ip, n, ihl + TCP_FLAGS, 1);
	BUG(!fl);
	if (g->psh)
		*fl |= TCP_PSH;
	/* Folded, not complemented: the device (here the kernel) adds the segment's sum to it
	 * and complements, or never looks as it trusts the data. */
	vnet_put16(ip, n, ihl + TCP_CSUM, (uint16_t)~vnet_csum_fold(pseudo));
	vh[0] = VNET_F_NEEDS_CSUM;
	vh[1] = g->v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4;
	put_host16(vh + 2, (uint16_t)g->hdr);
	put_host16(vh + 4, g->gso_size);
	put_host16(vh + 6, (uint16_t)ihl);
	put_host16(vh + 8, TCP_CSUM);
	memcpy(g->buf, vh, sizeof(vh));
}

static void reset(struct vnet_gro *g)
{
	uint8_t *buf = g->buf;
	size_t cap = g->cap;

	memset(g, 0, sizeof(*g));
	g->buf = buf;
	g->cap = cap;
}

void vnet_gro_init(struct vnet_gro *g, uint8_t *buf, size_t cap)
{
	BUG(!buf || cap < VNET_GRO_MIN_CAP);
	memset(g, 0, sizeof(*g));
	g->buf = buf;
	g->cap = cap;
}

int vnet_gro_add(struct vnet_gro *g, const uint8_t *pkt, size_t len)
{
	struct seg s;
	bool good = parse(&s, pkt, len) == 0;

	if (g->len == 0) {
		/* A PSH segment would end its own frame: written alone, it costs no copy. */
		if (!good || (s.flags & TCP_PSH) || len > VNET_GRO_MAX_IP ||
		    len > g->cap - VNET_HDR_LEN || !tcp_csum_ok(&s))
			return VNET_GRO_ALONE;
		start(g, &s, pkt, len);
		return VNET_GRO_MERGED;
	}
	/* The checksum comes last, so a segment of another flow is summed only once: when it
	 * is offered again after the flush. */
	if (!good || !mergeable(g, &s) || !tcp_csum_ok(&s))
		return VNET_GRO_FLUSH;
	append(g, &s);
	return VNET_GRO_MERGED;
}

size_t vnet_gro_take(struct vnet_gro *g, uint8_t **frame)
{
	size_t len = g->len;

	*frame = NULL;
	if (len == 0)
		return 0;
	if (g->count > 1)
		finish(g);
	*frame = g->buf;
	reset(g);
	return len;
}

bool vnet_gro_pending(const struct vnet_gro *g)
{
	return g->len != 0;
}
