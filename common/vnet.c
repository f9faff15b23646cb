/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-net frames from the tun device: checksum completion and TCP segmentation (the
 * software side of TUNSETOFFLOAD TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO6). Process: any. */
#include "vnet.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "log.h"

#define IPPROTO_TCP_NUM 6
#define UDP_CSUM_OFFSET 6
#define TCP_MIN_HDR	20
#define TCP_CWR		0x80
#define TCP_PSH		0x08
#define TCP_FIN		0x01

enum vnet_kind {
	KIND_PLAIN = 0, /* returned as is */
	KIND_CSUM = 1,	/* NEEDS_CSUM without GSO: checksum completed in place */
	KIND_TSO4 = 2,
	KIND_TSO6 = 3,
};

/* The fields of struct virtio_net_hdr we act on. */
struct vhdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

uint8_t *vnet_span(uint8_t *base, size_t len, size_t off, size_t n)
{
	if (off > len || n > len - off)
		return NULL;
	return base + off;
}

void vnet_put16(uint8_t *base, size_t len, size_t off, uint16_t v)
{
	uint8_t *p = vnet_span(base, len, off, 2);
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	BUG(!p);
	memcpy(p, b, sizeof(b));
}

static void put32(uint8_t *base, size_t len, size_t off, uint32_t v)
{
	vnet_put16(base, len, off, (uint16_t)(v >> 16));
	vnet_put16(base, len, off + 2, (uint16_t)v);
}

/* The virtio header is in host byte order (legacy, no TUNSETVNETLE/BE), unlike the packet. */
static int get_host16(struct buf_rd *rd, uint16_t *v)
{
	uint8_t b[2];

	*v = 0;
	if (buf_get_bytes(rd, sizeof(b), b) != 0)
		return ERR_TRUNCATED;
	memcpy(v, b, sizeof(*v));
	return 0;
}

static int read_vhdr(struct buf_rd *rd, struct vhdr *h)
{
	/* hdr_len (bytes 2-3) is only a hint, and a lie from a hostile writer: the TCP header
	 * decides. */
	if (buf_get_u8(rd, &h->flags) != 0 || buf_get_u8(rd, &h->gso_type) != 0 ||
	    buf_skip(rd, 2) != 0 || get_host16(rd, &h->gso_size) != 0 ||
	    get_host16(rd, &h->csum_start) != 0 || get_host16(rd, &h->csum_offset) != 0)
		return ERR_FORMAT;
	return 0;
}

static int check_ip4(struct vnet_seg *s, struct buf_rd rd)
{
	uint8_t vihl, proto;
	uint16_t id;

	if (buf_get_u8(&rd, &vihl) != 0 || buf_skip(&rd, 3) != 0 || buf_get_u16(&rd, &id) != 0 ||
	    buf_skip(&rd, 3) != 0 || buf_get_u8(&rd, &proto) != 0)
		return ERR_FORMAT;
	/* IHL >= 5 follows from the check against csum_start >= 20 below. */
	if ((vihl >> 4) != 4 || (size_t)(vihl & 0x0f) * 4 != s->csum_start || s->csum_start < 20 ||
	    proto != IPPROTO_TCP_NUM)
		return ERR_FORMAT;
	s->ip_id = id;
	return 0;
}

static int check_ip6(struct vnet_seg *s, struct buf_rd rd)
{
	uint8_t v;

	/* Extension headers between the fixed header and csum_start are copied untouched. */
	if (buf_remaining(&rd) < 40 || buf_peek_u8(&rd, &v) != 0 || (v >> 4) != 6 ||
	    s->csum_start < 40)
		return ERR_FORMAT;
	return 0;
}

/* The TCP header at csum_start fixes the header length; hdr_len is not trusted. */
static int check_tcp(struct vnet_seg *s, struct buf_rd rd)
{
	uint8_t doff;
	size_t thl;

	if (buf_skip(&rd, s->csum_start) != 0 || buf_skip(&rd, 4) != 0 ||
	    buf_get_u32(&rd, &s->seq) != 0 || buf_skip(&rd, 4) != 0 ||
	    buf_get_u8(&rd, &doff) != 0 || buf_get_u8(&rd, &s->tcp_flags) != 0)
		return ERR_FORMAT;
	thl = (size_t)(doff >> 4) * 4;
	/* csum_start <= len was proven by the skip above. */
	if (thl < TCP_MIN_HDR || thl > s->len - s->csum_start)
		return ERR_FORMAT;
	s->hdr = s->csum_start + thl;
	return 0;
}

static int init_tso(struct vnet_seg *s, const struct vhdr *h)
{
	struct buf_rd rd;
	size_t payload, first;
	int r;

	if (h->gso_size == 0)
		return ERR_FORMAT;
	s->gso_size = h->gso_size;
	buf_rd_init(&rd, s->pkt, s->len);
	r = s->kind == KIND_TSO4 ? check_ip4(s, rd) : check_ip6(s, rd);
	if (r != 0 || (r = check_tcp(s, rd)) != 0)
		return r;
	payload = s->len - s->hdr;
	first = payload < s->gso_size ? payload : s->gso_size;
	s->max_seg = s->hdr + first;
	/* Every segment's length must fit the 16-bit IP length field. */
	if (s->kind == KIND_TSO4 && s->max_seg > 0xffff)
		return ERR_FORMAT;
	if (s->kind == KIND_TSO6 && s->max_seg - 40 > 0xffff)
		return ERR_FORMAT;
	return 0;
}

int vnet_seg_init(struct vnet_seg *s, uint8_t *frame, size_t len)
{
	struct buf_rd rd;
	struct vhdr h;
	int r = ERR_INTERNAL;

	memset(s, 0, sizeof(*s));
	s->done = true;
	buf_rd_init(&rd, frame, len);
	if ((r = read_vhdr(&rd, &h)) != 0)
		goto out;
	s->len = buf_remaining(&rd);
	s->pkt = vnet_span(frame, len, VNET_HDR_LEN, s->len);
	s->csum_start = h.csum_start;
	s->csum_offset = h.csum_offset;
	r = ERR_FORMAT;
	switch (h.gso_type) {
	case VNET_GSO_NONE:
		/* An empty packet is no packet at all. */
		if (!s->pkt || s->len == 0)
			goto out;
		s->kind = KIND_PLAIN;
		if (h.flags & VNET_F_NEEDS_CSUM) {
			if (!vnet_span(s->pkt, s->len, (size_t)h.csum_start + h.csum_offset, 2))
				goto out;
			s->kind = KIND_CSUM;
		}
		break;
	case VNET_GSO_TCPV4:
	case VNET_GSO_TCPV4 | VNET_GSO_ECN:
		s->kind = KIND_TSO4;
		if ((r = init_tso(s, &h)) != 0)
			goto out;
		break;
	case VNET_GSO_TCPV6:
	case VNET_GSO_TCPV6 | VNET_GSO_ECN:
		s->kind = KIND_TSO6;
		if ((r = init_tso(s, &h)) != 0)
			goto out;
		break;
	default:
		/* UDP (never enabled), USO, a lone ECN bit, or garbage. */
		goto out;
	}
	s->done = false;
	r = 0;
out:
	if (r != 0) {
		memset(s, 0, sizeof(*s));
		s->done = true;
	}
	return r;
}

/* The Linux semantics of CHECKSUM_PARTIAL: the field holds the pseudo-header sum, and the
 * one's complement of the sum from csum_start to the end of the packet replaces it. */
static void complete_csum(struct vnet_seg *s)
{
	size_t n = s->len - s->csum_start;
	uint16_t c =
		vnet_csum_fold(vnet_csum_add(0, vnet_span(s->pkt, s->len, s->csum_start, n), n));

	/* UDP sends 0 as "no checksum" (RFC 768), so a computed 0 goes out as all ones. */
	if (c == 0 && s->csum_offset == UDP_CSUM_OFFSET)
		c = 0xffff;
	vnet_put16(s->pkt, s->len, (size_t)s->csum_start + s->csum_offset, c);
}

/* IP fields of segment seg_len bytes long in scratch: lengths, id, header checksum. Returns
 * the pseudo-header sum for TCP. */
static uint32_t fix_ip(struct vnet_seg *s, uint8_t *seg, size_t seg_len)
{
	size_t tcp_len = seg_len - s->csum_start;
	uint32_t sum;

	if (s->kind == KIND_TSO6) {
		vnet_put16(seg, seg_len, 4, (uint16_t)(seg_len - 40));
		/* The fixed header's addresses even behind extension headers (no routing
		 * header rewriting: Linux itself never emits one from a TCP socket). */
		sum = vnet_csum_add(0, vnet_span(seg, seg_len, 8, 32), 32);
		return sum + IPPROTO_TCP_NUM + (uint32_t)tcp_len;
	}
	vnet_put16(seg, seg_len, 2, (uint16_t)seg_len);
	vnet_put16(seg, seg_len, 4, (uint16_t)(s->ip_id + s->index));
	vnet_put16(seg, seg_len, 10, 0);
	vnet_put16(seg, seg_len, 10, vnet_csum_fold(vnet_csum_add(0, seg, s->csum_start)));
	sum = vnet_csum_add(0, vnet_span(seg, seg_len, 12, 8), 8);
	return sum + IPPROTO_TCP_NUM + (uint32_t)tcp_len;
}

/* TCP fields of a segment: sequence number, flags, checksum over header and data. */
static void fix_tcp(struct vnet_seg *s, uint8_t *seg, size_t seg_len, uint32_t pseudo, bool last)
{
	size_t t = s->csum_start, tcp_len = seg_len - t;
	uint8_t flags = s->tcp_flags;
	uint8_t *fp = vnet_span(seg, seg_len, t + 13, 1);

	/* As the kernel's tcp_gso_segment: CWR announces once, FIN and PSH end the burst. */
	if (s->index > 0)
		flags &= (uint8_t)~TCP_CWR;
	if (!last)
		flags &= (uint8_t) ~(TCP_FIN | TCP_PSH);
	BUG(!fp);
	memcpy(fp, &flags, 1);
	put32(seg, seg_len, t + 4, s->seq + (uint32_t)s->off);
	vnet_put16(seg, seg_len, t + 16, 0);
	vnet_put16(seg, seg_len, t + 16,
		   vnet_csum_fold(
			   vnet_csum_add(pseudo, vnet_span(seg, seg_len, t, tcp_len), tcp_len)));
}

static int next_tso(struct vnet_seg *s, uint8_t *scratch, size_t cap, uint8_t **pkt, size_t *len)
{
	size_t left = s->len - s->hdr - s->off;
	size_t chunk = left < s->gso_size ? left : s->gso_size;
	size_t seg_len = s->hdr + chunk;
	bool last = chunk == left;
	struct buf_rd rd;
	uint8_t *data;

	if (!scratch || s->max_seg > cap)
		return ERR_TOO_LARGE;
	data = vnet_span(scratch, cap, s->hdr, chunk);
	buf_rd_init(&rd, s->pkt, s->len);
	if (!data || buf_get_bytes(&rd, s->hdr, scratch) != 0 || buf_skip(&rd, s->off) != 0 ||
	    buf_get_bytes(&rd, chunk, data) != 0)
		return ERR_INTERNAL;
	fix_tcp(s, scratch, seg_len, fix_ip(s, scratch, seg_len), last);
	s->off += chunk;
	s->index++;
	s->done = last;
	*pkt = scratch;
	*len = seg_len;
	return 1;
}

int vnet_seg_next(struct vnet_seg *s, uint8_t *scratch, size_t cap, uint8_t **pkt, size_t *len)
{
	*pkt = NULL;
	*len = 0;
	if (s->done)
		return 0;
	if (s->kind == KIND_TSO4 || s->kind == KIND_TSO6)
		return next_tso(s, scratch, cap, pkt, len);
	if (s->kind == KIND_CSUM)
		complete_csum(s);
	s->done = true;
	*pkt = s->pkt;
	*len = s->len;
	return 1;
}

/* Native 16-bit word to the value of the same two bytes read big-endian. */
static uint16_t native_to_be(uint16_t w)
{
	uint8_t b[2];

	memcpy(b, &w, sizeof(b));
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* The one's-complement sum does not care about byte order as long as it is undone at the
 * end (RFC 1071 §2(B)), nor about word width as long as carries wrap around (§2(C)): sum
 * native 64-bit loads with end-around carry, fold, and swap into network order once. */
uint32_t vnet_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t acc = 0, w[4], t;
	uint32_t w32;
	uint16_t w16;
	uint8_t tail[2] = { 0, 0 };
	size_t i = 0;

	for (; len - i >= sizeof(w); i += sizeof(w)) {
		memcpy(w, p + i, sizeof(w));
		for (size_t k = 0; k < 4; k++) {
			acc += w[k];
			acc += acc < w[k];
		}
	}
	for (; len - i >= sizeof(t); i += sizeof(t)) {
		memcpy(&t, p + i, sizeof(t));
		acc += t;
		acc += acc < t;
	}
	if (len - i >= sizeof(w32)) {
		memcpy(&w32, p + i, sizeof(w32));
		acc += w32;
		acc += acc < w32;
		i += sizeof(w32);
	}
	if (len - i >= sizeof(w16)) {
		memcpy(&w16, p + i, sizeof(w16));
		acc += w16;
		acc += acc < w16;
		i += sizeof(w16);
	}
	if (len - i == 1) {
		memcpy(tail, p + i, 1);
		memcpy(&w16, tail, sizeof(w16));
		acc += w16;
		acc += acc < w16;
	}
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	t = (uint64_t)sum + native_to_be((uint16_t)acc);
	return (uint32_t)((t & 0xffffffff) + (t >> 32));
}

uint16_t vnet_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
