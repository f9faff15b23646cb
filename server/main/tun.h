/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tun devices for sessions: created, addressed and brought up by main, then handed to a
 * worker as a file descriptor. Process: main (needs CAP_NET_ADMIN). */
#ifndef CSTPD_SERVER_MAIN_TUN_H
#define CSTPD_SERVER_MAIN_TUN_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>

struct tun_params {
	char prefix[16]; /* `device` config, e.g. "vpns": the kernel picks prefix%d */
	bool has4;
	struct in_addr local4, peer4; /* point-to-point: gateway end, client end */
	bool has6;
	struct in6_addr local6, peer6; /* local6/128 on the device, peer6/prefix6 routed to it */
	unsigned prefix6;
	int mtu;
	bool offload; /* virtio-net headers and TCP segmentation offload (tun-offload) */
};

/* Create a tun device (IFF_TUN|IFF_NO_PI, and IFF_VNET_HDR with checksum and TCP segmentation
 * offload when tp->offload: reads then return a virtio-net header and possibly a TCP
 * super-packet, writes need the header), give it tp's addresses and MTU, and bring it up.
 * Without has6, IPv6 is disabled on the device before it goes up. *fd is O_NONBLOCK|
 * O_CLOEXEC; the device disappears when its last fd is closed. name gets IFNAMSIZ bytes.
 * 0, or ERR_SYS with errno kept (nothing left behind). Blocks only on kernel calls. */
int tun_create(const struct tun_params *tp, int *fd, char name[static IFNAMSIZ]);

#endif
