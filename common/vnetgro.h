/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Coalescing of consecutive TCP segments of one flow into one virtio-net super-packet for an
 * IFF_VNET_HDR tun device (receive offload done in software). Process: any. */
#ifndef CSTPD_COMMON_VNETGRO_H
#define CSTPD_COMMON_VNETGRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vnet.h"

/* The largest IP packet a frame may hold (16-bit IPv4 total length; IPv6 kept to the same). */
#define VNET_GRO_MAX_IP 65535
/* The smallest buffer vnet_gro_init() accepts: a virtio-net header and the largest packet. */
#define VNET_GRO_MIN_CAP (VNET_HDR_LEN + VNET_GRO_MAX_IP)
/* Segments per frame at most (the kernel's own GRO stops at the same count). */
#define VNET_GRO_MAX_SEGS 64

/* What vnet_gro_add() asks of its caller. */
enum vnet_gro_verdict {
	VNET_GRO_MERGED = 0, /* kept in the pending frame: nothing to write yet */
	VNET_GRO_FLUSH = 1,  /* write vnet_gro_take()'s frame, then offer the packet again */
	VNET_GRO_ALONE = 2,  /* nothing pending: write the packet alone, all-zero header */
};

/* The frame being built. Callers place it where they like and touch no field;
 * vnet_gro_init() sets every one. */
struct vnet_gro {
	uint8_t *buf;	   /* borrowed: caller storage, virtio header + IP packet */
	size_t cap;	   /* bytes at buf */
	size_t len;	   /* bytes of the pending frame at buf; 0 when none */
	size_t hdr;	   /* IP + TCP header bytes of the first segment */
	uint32_t next_seq; /* sequence number the next segment must carry */
	uint16_t gso_size; /* payload bytes of the first segment */
	uint16_t last_id;  /* IPv4: identification of the last merged segment */
	uint8_t count;	   /* segments merged */
	bool v6;	   /* IPv6 (40-byte header) rather than IPv4 (20 bytes) */
	bool psh;	   /* the last merged segment had PSH */
	bool closed;	   /* a short or PSH segment ended the frame */
};

/* Build frames in buf (cap bytes, at least VNET_GRO_MIN_CAP; less is a BUG), which stays the
 * caller's and must outlive g. Nothing is pending afterwards. */
void vnet_gro_init(struct vnet_gro *g, uint8_t *buf, size_t cap);
/* Offer one IP packet of len bytes (untrusted, any bytes; only read, never kept): returns an
 * enum vnet_gro_verdict. Never fails, blocks or allocates; a merged packet is copied. */
int vnet_gro_add(struct vnet_gro *g, const uint8_t *pkt, size_t len);
/* The pending frame (virtio header completed), ready for one write(): sets *frame inside the
 * caller's buf and returns its length, valid until the next vnet_gro_add(); 0 and NULL when
 * nothing is pending. Nothing is pending afterwards. */
size_t vnet_gro_take(struct vnet_gro *g, uint8_t **frame);
/* True when a frame is waiting for vnet_gro_take(). */
bool vnet_gro_pending(const struct vnet_gro *g);

#endif
