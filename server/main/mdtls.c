/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shared UDP port and the hand-over of DTLS flows to workers. Process: main. */
#include "mdtls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dtlshello.h"
#include "err.h"
#include "log.h"
#include "mainint.h"
#include "strutil.h"

#define UDP_MAX		 8
#define DTLS_BUCKETS	 16384
#define REPEAT_WINDOW_MS 3000 /* retransmitted ClientHellos from the same address */

static struct {
	int fd[UDP_MAX];
	int family[UDP_MAX];
	ev_io io[UDP_MAX];
	size_t n;
	struct conn *by_id[DTLS_BUCKETS];
	uint64_t dropped;
} D;

static size_t id_bucket(const uint8_t *id)
{
	/* The id is random: its first bytes hash well enough. */
	return ((size_t)id[0] << 8 | id[1] | (size_t)id[2] << 16) & (DTLS_BUCKETS - 1);
}

void mdtls_unregister(struct conn *c)
{
	struct conn **pp;

	if (!c->has_dtls_id)
		return;
	for (pp = &D.by_id[id_bucket(c->dtls_id)]; *pp; pp = &(*pp)->next_by_dtls)
		if (*pp == c) {
			*pp = c->next_by_dtls;
			break;
		}
	c->has_dtls_id = false;
}

void mdtls_register(struct conn *c, const uint8_t id[IPC_DTLS_ID_LEN])
{
	size_t b;

	mdtls_unregister(c);
	memcpy(c->dtls_id, id, IPC_DTLS_ID_LEN);
	c->has_dtls_id = true;
	b = id_bucket(id);
	c->next_by_dtls = D.by_id[b];
	D.by_id[b] = c;
}

static struct conn *find(const uint8_t *id)
{
	for (struct conn *c = D.by_id[id_bucket(id)]; c; c = c->next_by_dtls)
		if (memcmp(c->dtls_id, id, IPC_DTLS_ID_LEN) == 0)
			return c;
	return NULL;
}

uint64_t mdtls_dropped(void)
{
	return D.dropped;
}

/* The local address the datagram was sent to (for binding the connected socket). */
static void local_addr(struct msghdr *mh, int family, struct sockaddr_storage *local, int port)
{
	struct cmsghdr *cm;

	memset(local, 0, sizeof(*local));
	local->ss_family = (sa_family_t)family;
	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_addr;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			((struct sockaddr_in6 *)local)->sin6_addr = pi.ipi6_addr;
		}
	}
	if (family == AF_INET)
		((struct sockaddr_in *)local)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)local)->sin6_port = htons((uint16_t)port);
}

static int connected_socket(const struct sockaddr_storage *local,
			    const struct sockaddr_storage *peer, socklen_t plen)
{
	int one = 1;
	int fd = socket(local->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	socklen_t llen = local->ss_family == AF_INET ? sizeof(struct sockaddr_in)
						     : sizeof(struct sockaddr_in6);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (local->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)local, llen) != 0 ||
	    connect(fd, (const struct sockaddr *)peer, plen) != 0) {
		log_warn_sys("cannot set up a DTLS socket");
		close(fd);
		return -1;
	}
	return fd;
}

static bool same_peer(const struct conn *c, const struct sockaddr_storage *peer, uint64_t now)
{
	return now - c->udp_handover_ms < REPEAT_WINDOW_MS &&
	       memcmp(&c->udp_peer, peer, sizeof(*peer)) == 0;
}

static void handle_datagram(int family, const uint8_t *dg, size_t len, struct msghdr *mh,
			    const struct sockaddr_storage *peer, socklen_t plen)
{
	static struct ipc_udp_fd msg;
	struct sockaddr_storage local;
	uint8_t id[DTLSHELLO_ID_MAX];
	size_t id_len;
	struct conn *c;
	uint64_t now = now_ms();
	int fd;

	if (dtlshello_session_id(dg, len, id, &id_len) != 0 || id_len != IPC_DTLS_ID_LEN ||
	    !(c = find(id)) || c->state != CONN_TUNNEL || len > sizeof(msg.data)) {
		/* Garbage, stray application data, or an id no live tunnel holds. */
		D.dropped++;
		return;
	}
	if (same_peer(c, peer, now))
		return; /* a retransmission: the worker's socket gets the next ones itself */
	local_addr(mh, family, &local, M.conf->udp_port);
	fd = connected_socket(&local, peer, plen);
	if (fd < 0)
		return;
	c->udp_peer = *peer;
	c->udp_handover_ms = now;
	memset(&msg, 0, sizeof(msg));
	format_addr(peer, msg.peer, sizeof(msg.peer));
	msg.len = (uint32_t)len;
	memcpy(msg.data, dg, len);
	log_debug("%s: DTLS ClientHello from %s handed to worker %d", c->peer_str, msg.peer,
		  (int)c->pid);
	send_to_worker(c, IPC_UDP_FD, 0, &msg, &fd, 1);
	close(fd);
}

static void udp_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	size_t idx = (size_t)(w - D.io);
	static uint8_t dg[IPC_DGRAM_MAX + 1];

	(void)loop;
	(void)revents;
	for (int i = 0; i < 64; i++) {
		union {
			struct cmsghdr hdr;
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		} ctrl;
		struct sockaddr_storage peer;
		struct iovec iov = { dg, sizeof(dg) };
		struct msghdr mh;
		ssize_t n;

		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &peer;
		mh.msg_namelen = sizeof(peer);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctrl.buf;
		mh.msg_controllen = sizeof(ctrl.buf);
		n = recvmsg(D.fd[idx], &mh, MSG_DONTWAIT);
		if (n < 0)
			return;
		if (mh.msg_flags & MSG_TRUNC) {
			D.dropped++;
			continue;
		}
		handle_datagram(D.family[idx], dg, (size_t)n, &mh, &peer, mh.msg_namelen);
	}
}

static int open_one(const struct addrinfo *ai)
{
	int one = 1, fd;

	if (D.n >= UDP_MAX)
		return 0;
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ERR_SYS;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		log_err_sys("cannot bind UDP port %d", M.conf->udp_port);
		close(fd);
		return ERR_SYS;
	}
	D.fd[D.n] = fd;
	D.family[D.n] = ai->ai_family;
	ev_io_init(&D.io[D.n], udp_cb, fd, EV_READ);
	ev_io_start(M.loop, &D.io[D.n]);
	D.n++;
	return 0;
}

int mdtls_start(void)
{
	const char *host =
		M.conf->udp_listen_host[0] ? M.conf->udp_listen_host : M.conf->listen_host;
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int r;

	if (!M.conf->udp_port)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(port, sizeof(port), "%d", M.conf->udp_port);
	r = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (r != 0) {
		log_err("cannot resolve the UDP listen host: %s", gai_strerror(r));
		return ERR_SYS;
	}
	for (ai = res; ai; ai = ai->ai_next)
		open_one(ai);
	freeaddrinfo(res);
	if (!D.n) {
		log_err("no UDP socket could be opened on port %d", M.conf->udp_port);
		return ERR_SYS;
	}
	log_notice("DTLS on UDP port %d (%zu sockets)", M.conf->udp_port, D.n);
	return 0;
}

void mdtls_stop(void)
{
	for (size_t i = 0; i < D.n; i++) {
		ev_io_stop(M.loop, &D.io[i]);
		close(D.fd[i]);
	}
	D.n = 0;
}
