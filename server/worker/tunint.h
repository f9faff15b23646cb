/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals of the worker's tunnel: the state shared by the CSTP path (tunnel.c) and the
 * DTLS path (dtls.c). Process: worker. */
#ifndef CSTPD_WORKER_TUNINT_H
#define CSTPD_WORKER_TUNINT_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>
#include <openssl/ssl.h>

#include "cstpconnect.h"
#include "cstpframe.h"
#include "ipc.h"
#include "vnet.h"
#include "vnetgro.h"
#include "worker.h"

/* One DTLS flow: a UDP socket connected to the client and its DTLS state. */
struct dtls_flow {
	SSL *ssl;
	int fd;
	ev_io io;
	ev_timer hs_timer; /* handshake retransmissions */
	bool up;
	uint64_t started; /* now_ms() when the handshake began */
	struct tstate *t; /* borrowed */
};

struct dtls_state {
	SSL_CTX *ctx;
	unsigned mode; /* IPC_DTLS_PSK, IPC_DTLS_RESUME, 0 = no DTLS */
	uint8_t id[IPC_DTLS_ID_LEN];
	uint8_t secret[48]; /* PSK (32 bytes) or the client's master secret (48) */
	size_t secret_len;
	char cipher[64]; /* OpenSSL name of the resumed suite */
	uint8_t cipher_id[2];
	struct dtls_flow active, pending;
	int record_budget; /* UDP payload bytes a record may use: L - IP - 8 */
	int data_mtu;	   /* largest IP packet that goes over DTLS */
	uint64_t last_rx, last_dpd;
	bool prefer_cstp; /* the client sent data over CSTP since DTLS came up */
	uint64_t handovers;
};

#define PAIR_SIZE   (160 * 1024)  /* encrypted bytes waiting for the socket, at most */
#define RECORD_ROOM (16384 + 512) /* room one record of a tun packet may need */
/* Room the records of one TCP super-packet from an offloading tun device may need: 64 KiB
 * of data cut into segments of at least 536 bytes, 8 + 29 bytes of framing each. */
#define FRAME_ROOM (65536 + 123 * 37)
#define TUN_BATCH  64		 /* tun reads per wake-up before yielding */
#define TX_HEAD	   16		 /* room before a packet for the CSTP or the virtio-net header */
#define TX_MAX	   (65536 + 256) /* a frame: at most 64 KiB of IP packet, and slack */

struct tstate {
	struct worker *w;
	struct ev_loop *loop;
	SSL *ssl;
	BIO *in_bio;  /* SSL side of the pair */
	BIO *net_bio; /* socket side of the pair */
	int sock, tun;
	ev_io sock_r, sock_w, tun_r, tun_w, ipc_r;
	ev_timer tick;
	struct cstp_parser parser;
	uint8_t rx[CSTP_MAX_PAYLOAD + CSTP_HDR_LEN + 512];
	uint8_t tx[TX_HEAD + TX_MAX];		 /* one read from the tun device */
	uint8_t seg[TX_HEAD + CSTP_MAX_PAYLOAD]; /* one segment of a TCP super-packet */
	/* A packet the tun device could not take yet, after room for a virtio-net header. */
	uint8_t tunq[VNET_HDR_LEN + CSTP_MAX_PAYLOAD];
	size_t tunq_len;
	bool vnet; /* the tun device has virtio-net headers (tun-offload) */
	/* Client TCP segments coalesced into one write to the tun device (vnet only). */
	struct vnet_gro gro;
	uint8_t grobuf[VNET_HDR_LEN + 65535];
	size_t read_room; /* pair room a tun read needs: RECORD_ROOM or FRAME_ROOM */
	bool has4, has6;
	uint8_t addr4[4], addr6[16];
	unsigned prefix6;
	uint64_t last_rx, last_data, last_dpd, end_at, next_stats;
	unsigned dpd, idle, stats_period;
	struct ipc_worker_stats st;
	uint64_t dropped;     /* client packets with a source address not theirs */
	uint64_t dropped_out; /* tun packets not sent: socket far behind, bad offload header */
	unsigned reason;
	struct dtls_state dtls;
	bool peer_v6; /* the client reached us over IPv6 */
	uint64_t now; /* now_ms() at the start of the current callback */
};

/* tunnel.c */
void tunnel_stop(struct tstate *t, unsigned reason);
/* Deliver one packet from the client (either channel) to the tun device. With tun-offload,
 * TCP segments of one flow may wait to go out together: the end of each batch of client
 * packets must call tunnel_deliver_end(). */
void tunnel_deliver(struct tstate *t, const uint8_t *pkt, size_t len);
void tunnel_deliver_end(struct tstate *t);

/* dtls.c */
/* Choose the DTLS mode from the client's offer and what main allows; fill the reply's DTLS
 * fields (strings point into t). Returns the mode (0 = no DTLS). */
unsigned dtls_choose(struct tstate *t, const struct cstp_connect_req *cr,
		     const struct ipc_tunnel_rep *rep, struct cstp_reply *reply);
/* Create the DTLS context for the chosen mode (PSK key exported from the TLS session).
 * 0 or ERR_TLS; on failure the tunnel runs over TLS only. */
int dtls_setup(struct tstate *t, SSL *tls);
/* A UDP socket connected to the client and its first datagram arrived from main. */
void dtls_new_flow(struct tstate *t, int fd, const uint8_t *dgram, size_t len);
/* Send one IP packet over DTLS if DTLS is up and the packet fits; buf has one free byte
 * before pkt. False when it must go over CSTP instead. */
bool dtls_send_packet(struct tstate *t, uint8_t *pkt, size_t len);
/* Around a run of dtls_send_packet() calls: the datagrams go out in one sendmmsg(). */
void dtls_batch_begin(struct tstate *t);
void dtls_batch_end(struct tstate *t);
/* Once a second: DTLS DPD, switch-to-TLS decisions. */
void dtls_tick(struct tstate *t, uint64_t now);
void dtls_cleanup(struct tstate *t);

#endif
