/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Frames from an IFF_VNET_HDR tun device (virtio-net header + packet, possibly a TCP
 * super-packet) turned into wire-ready IP packets, and the Internet checksum. Process: any. */
#ifndef CSTPD_COMMON_VNET_H
#define CSTPD_COMMON_VNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The legacy struct virtio_net_hdr (<linux/virtio_net.h>); its u16 fields are in host order. */
#define VNET_HDR_LEN 10

/* virtio_net_hdr.flags bit. */
#define VNET_F_NEEDS_CSUM 0x01

/* virtio_net_hdr.gso_type values; VNET_GSO_ECN may be or'ed into the TCP ones. */
enum vnet_gso {
	VNET_GSO_NONE = 0,
	VNET_GSO_TCPV4 = 1,
	VNET_GSO_UDP = 3,
	VNET_GSO_TCPV6 = 4,
	VNET_GSO_ECN = 0x80,
};

/* Iterator over the wire packets of one frame. Callers place it on the stack and touch no
 * field; vnet_seg_init() sets every one. */
struct vnet_seg {
	uint8_t *pkt;	      /* borrowed: the IP packet, inside the caller's frame */
	size_t len;	      /* bytes at pkt */
	size_t hdr;	      /* GSO: IP + TCP header bytes repeated in every segment */
	size_t max_seg;	      /* GSO: bytes of the largest (first) segment */
	size_t off;	      /* GSO: payload bytes already emitted */
	uint32_t seq;	      /* GSO: sequence number of the first payload byte */
	uint32_t index;	      /* GSO: segments already emitted */
	uint16_t gso_size;    /* GSO: payload bytes per segment */
	uint16_t csum_start;  /* offset in pkt where checksumming starts (GSO: the TCP header) */
	uint16_t csum_offset; /* offset of the checksum field from csum_start */
	uint16_t ip_id;	      /* TCPV4: identification of the first segment */
	uint8_t tcp_flags;    /* GSO: flags byte of the super-packet */
	uint8_t kind;	      /* what next() does: plain, complete a checksum, or segment */
	bool done;	      /* nothing left to return */
};

/* Parse the virtio-net header of one frame read from the tun device (frame = header +
 * packet, len bytes in all; frame stays borrowed and is written by vnet_seg_next()).
 * 0, or ERR_FORMAT when the header does not describe the packet (the caller drops it). */
int vnet_seg_init(struct vnet_seg *s, uint8_t *frame, size_t len);
/* Next wire packet: 1 with *pkt and *len set, 0 when none is left. A frame without GSO gives one
 * packet inside the frame (checksum completed in place); a TCP super-packet gives segments
 * built one at a time in scratch (valid until the next call). ERR_TOO_LARGE when cap is below
 * the largest segment (the caller drops the frame). Never blocks, allocates nothing. */
int vnet_seg_next(struct vnet_seg *s, uint8_t *scratch, size_t cap, uint8_t **pkt, size_t *len);
/* The RFC 1071 sum of len bytes at p (read as big-endian 16-bit words starting at p, an odd
 * last byte padded with zero) added to a partial sum; not folded. Cannot fail. */
uint32_t vnet_csum_add(uint32_t sum, const uint8_t *p, size_t len);
/* Fold a partial sum to 16 bits and complement it: the value to store big-endian. */
uint16_t vnet_csum_fold(uint32_t sum);
/* base + off when [off, off + n) lies within [0, len), NULL otherwise: every pointer the
 * vnet code forms into a frame or a scratch buffer comes from here. */
uint8_t *vnet_span(uint8_t *base, size_t len, size_t off, size_t n);
/* Store v big-endian at base + off; the caller proved the bounds beforehand, so a miss is a
 * bug (BUG()), not bad input. */
void vnet_put16(uint8_t *base, size_t len, size_t off, uint16_t v);

#endif
