/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CONNECT and the CSTP data path. Design (DESIGN.md "Data path"): fixed buffers, no
 * allocation per packet; TLS records are written into a bounded BIO pair and flushed to
 * the socket in as few send() calls as possible, one CSTP packet per record; when the
 * pair is full the tun device is not read (backpressure), and when the tun device cannot
 * take a packet the socket is not read. Process: worker. */
#include "config.h"
#include "tunnel.h"

#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <ev.h>
#include <openssl/bio.h>
#include <openssl/err.h>

#include "buf.h"
#include "cstpconnect.h"
#include "cstpframe.h"
#include "disc.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "secmem.h"
#include "strutil.h"
#include "tunint.h"

static struct tstate T;

void tunnel_stop(struct tstate *t, unsigned reason)
{
	if (!t->reason)
		t->reason = reason;
	ev_break(t->loop, EVBREAK_ALL);
}

/* --- output --- */

static size_t room(struct tstate *t)
{
	return BIO_ctrl_get_write_guarantee(t->in_bio);
}

/* Move encrypted bytes from the pair to the socket; returns false on a fatal error. */
static bool flush(struct tstate *t)
{
	for (;;) {
		char *p;
		int n = BIO_nread0(t->net_bio, &p);
		ssize_t s;

		if (n <= 0) {
			/* Drained: whoever flushed, tun reading resumes if it was paused. */
			ev_io_stop(t->loop, &t->sock_w);
			if (t->tun_r.data && !ev_is_active(&t->tun_r) && room(t) >= t->read_room)
				ev_io_start(t->loop, &t->tun_r);
			return true;
		}
		s = send(t->sock, p, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (s < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				ev_io_start(t->loop, &t->sock_w);
				return true;
			}
			tunnel_stop(t, DISC_PEER_CLOSED);
			return false;
		}
		BIO_nread(t->net_bio, &p, (int)s);
		if (s < n) {
			ev_io_start(t->loop, &t->sock_w);
			return true;
		}
	}
}

/* Encrypt one CSTP packet whose 8 header bytes precede payload in buf. */
static bool write_record(struct tstate *t, uint8_t *buf, uint8_t type, size_t len)
{
	size_t done = 0;

	cstp_put_header(buf, type, (uint16_t)len);
	if (SSL_write_ex(t->ssl, buf, CSTP_HDR_LEN + len, &done) != 1) {
		tls_log_errors(LOG_LVL_INFO, "TLS write");
		tunnel_stop(t, DISC_ERROR);
		return false;
	}
	return true;
}

/* A control packet (DPD, TERMINATE): dropped when the pair is full, the peer retries. */
static void send_control(struct tstate *t, uint8_t type, const uint8_t *payload, size_t len)
{
	static uint8_t buf[CSTP_HDR_LEN + CSTP_MAX_PAYLOAD];

	if (len > CSTP_MAX_PAYLOAD)
		return;
	if (room(t) < len + 512)
		flush(t);
	if (room(t) < len + 512)
		return;
	if (len)
		memcpy(buf + CSTP_HDR_LEN, payload, len);
	write_record(t, buf, type, len);
}

/* --- tun -> client --- */

/* One IP packet to the client, over DTLS when it is up and the packet fits, else over CSTP;
 * pkt has TX_HEAD writable bytes before it. False when the tunnel stopped. */
static bool send_packet(struct tstate *t, uint8_t *pkt, size_t len)
{
	size_t need = CSTP_HDR_LEN + len + 512;

	t->st.bytes_out += len;
	t->st.packets_out++;
	if (dtls_send_packet(t, pkt, len))
		return true;
	if (room(t) < need && (!flush(t) || room(t) < need)) {
		t->dropped_out++; /* the socket is that far behind: TCP inside will resend */
		return !t->reason;
	}
	return write_record(t, pkt - CSTP_HDR_LEN, CSTP_DATA, len);
}

/* A frame from a tun device with virtio-net headers: a packet, or a TCP super-packet that
 * goes out as the segments the kernel left to us. */
static bool send_frame(struct tstate *t, uint8_t *frame, size_t len)
{
	struct vnet_seg vs;
	uint8_t *pkt;
	size_t plen;
	int r;

	if (vnet_seg_init(&vs, frame, len) != 0)
		goto bad;
	while ((r = vnet_seg_next(&vs, t->seg + TX_HEAD, sizeof(t->seg) - TX_HEAD, &pkt, &plen)) ==
	       1) {
		if (!send_packet(t, pkt, plen))
			return false;
	}
	if (r == 0)
		return true;
bad:
	if (t->dropped_out++ % 1000 == 0)
		log_debug("dropped a frame the tun device gave with a bad offload header");
	return true;
}

static void tun_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct tstate *t = w->data;
	size_t head = t->vnet ? VNET_HDR_LEN : 0;

	(void)loop;
	(void)revents;
	t->now = now_ms(); /* once per wake-up, not per packet */
	dtls_batch_begin(t);
	for (int i = 0; i < TUN_BATCH && room(t) >= t->read_room; i++) {
		uint8_t *frame = t->tx + TX_HEAD - head;
		ssize_t n = read(t->tun, frame, TX_MAX + head);
		bool ok;

		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				log_warn_sys("tun read");
			break;
		}
		t->last_data = t->now;
		if (t->vnet)
			ok = send_frame(t, frame, (size_t)n);
		else
			ok = send_packet(t, frame, (size_t)n);
		if (!ok)
			break;
	}
	dtls_batch_end(t);
	if (t->reason || !flush(t))
		return;
	if (room(t) < t->read_room)
		ev_io_stop(t->loop, &t->tun_r); /* resumed by sock_write_cb */
}

static void sock_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct tstate *t = w->data;

	(void)loop;
	(void)revents;
	if (!flush(t))
		return;
	if (room(t) >= t->read_room && !ev_is_active(&t->tun_r))
		ev_io_start(t->loop, &t->tun_r);
}

/* --- client -> tun --- */

static bool source_ok(struct tstate *t, const uint8_t *pkt, size_t len)
{
	uint8_t src[16];
	int family;

	if (cstp_ip_source(pkt, len, &family, src) != 0)
		return false;
	if (family == AF_INET)
		return t->has4 && memcmp(src, t->addr4, 4) == 0;
	if (!t->has6)
		return false;
	for (unsigned bit = 0; bit < t->prefix6; bit += 8) {
		unsigned left = t->prefix6 - bit;
		uint8_t mask = left >= 8 ? 0xff : (uint8_t)(0xff << (8 - left));

		if ((src[bit / 8] & mask) != (t->addr6[bit / 8] & mask))
			return false;
	}
	return true;
}

void tunnel_deliver(struct tstate *t, const uint8_t *pkt, size_t len)
{
	ssize_t n;

	if (!source_ok(t, pkt, len)) {
		/* Clients' tun devices emit IPv6 link-local traffic even without IPv6. */
		if (t->dropped++ % 1000 == 0)
			log_debug(
				"dropped a packet with a source address not the client's own (%llu "
				"so far)",
				(unsigned long long)t->dropped);
		return;
	}
	t->st.bytes_in += len;
	t->st.packets_in++;
	t->last_data = t->now;
	if (t->vnet) {
		/* No offload asked for: an all-zero virtio-net header. */
		static const uint8_t plain[VNET_HDR_LEN];
		struct iovec iov[2] = { { (void *)plain, sizeof(plain) }, { (void *)pkt, len } };
		int r;

		while ((r = vnet_gro_add(&t->gro, pkt, len)) == VNET_GRO_FLUSH)
			tunnel_deliver_end(t);
		if (r == VNET_GRO_MERGED)
			return;
		n = writev(t->tun, iov, 2);
	} else {
		n = write(t->tun, pkt, len);
	}
	if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
		return;
	if (len > sizeof(t->tunq) - VNET_HDR_LEN)
		return;
	/* The device is full: keep this packet (with its header) and stop reading the client. */
	memset(t->tunq, 0, VNET_HDR_LEN);
	memcpy(t->tunq + VNET_HDR_LEN, pkt, len);
	t->tunq_len = len;
	ev_io_stop(t->loop, &t->sock_r);
	ev_io_start(t->loop, &t->tun_w);
}

void tunnel_deliver_end(struct tstate *t)
{
	static uint64_t refused;
	uint8_t *frame;
	size_t len = vnet_gro_take(&t->gro, &frame);

	/* A tun device takes what it is given (a full backlog drops inside the kernel); a
	 * refused write of coalesced segments loses them as a full queue would. */
	if (len && write(t->tun, frame, len) < 0 && refused++ % 1000 == 0)
		log_debug("tun write of %zu coalesced bytes: %s", len, strerror(errno));
}

static void handle_frame(struct tstate *t, const struct cstp_frame *f)
{
	bool has_reason;
	uint8_t reason;
	char text[128];

	switch (f->type) {
	case CSTP_DATA:
		/* Data over TLS while DTLS is up: the client switched; answer in kind until
		 * a DTLS packet arrives again (PROTOCOL.md §4.6). */
		if (t->dtls.active.up)
			t->dtls.prefer_cstp = true;
		tunnel_deliver(t, f->payload, f->len);
		break;
	case CSTP_DPD_REQ:
		send_control(t, CSTP_DPD_RESP, f->payload, f->len);
		break;
	case CSTP_DPD_RESP:
	case CSTP_KEEPALIVE:
		break;
	case CSTP_DISCONNECT:
		cstp_parse_disconnect(f, &has_reason, &reason, text, sizeof(text));
		log_info("client disconnect (reason 0x%02x: %s)", has_reason ? reason : 0, text);
		tunnel_stop(t, has_reason && reason == 0xb0 ? DISC_USER : DISC_PEER_CLOSED);
		break;
	case CSTP_COMPRESSED:
		log_notice("compressed packet, but no compression was negotiated: disconnecting");
		tunnel_stop(t, DISC_PROTOCOL);
		break;
	default:
		log_debug("ignoring CSTP packet of unknown type 0x%02x", f->type);
		break;
	}
}

static void sock_read(struct tstate *t)
{
	t->now = now_ms(); /* once per wake-up, not per record */
	for (;;) {
		struct cstp_frame f;
		struct buf_rd rd;
		size_t n = 0;
		int r, e;

		if (t->tunq_len || t->reason) {
			tunnel_deliver_end(t);
			return;
		}
		r = SSL_read_ex(t->ssl, t->rx, sizeof(t->rx), &n);
		if (r != 1) {
			e = SSL_get_error(t->ssl, r);
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				break;
			if (e == SSL_ERROR_ZERO_RETURN ||
			    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
				tunnel_stop(t, DISC_PEER_CLOSED);
			} else {
				tls_log_errors(LOG_LVL_INFO, "TLS read");
				tunnel_stop(t, DISC_PEER_CLOSED);
			}
			return;
		}
		t->last_rx = t->now;
		buf_rd_init(&rd, t->rx, n);
		while ((r = cstp_parser_next(&t->parser, &rd, &f)) == 0) {
			handle_frame(t, &f);
			if (t->reason)
				return;
		}
		if (r != ERR_TRUNCATED) {
			log_notice("malformed CSTP stream (%s): disconnecting", err_str(r));
			tunnel_stop(t, DISC_PROTOCOL);
			return;
		}
	}
	tunnel_deliver_end(t);
	flush(t);
}

static void feed_leftover(struct tstate *t)
{
	struct worker *w = t->w;
	struct cstp_frame f;
	struct buf_rd rd;
	int r;

	if (w->in_off >= w->in_len)
		return;
	buf_rd_init(&rd, w->in + w->in_off, w->in_len - w->in_off);
	w->in_off = w->in_len = 0;
	while ((r = cstp_parser_next(&t->parser, &rd, &f)) == 0 && !t->reason)
		handle_frame(t, &f);
	tunnel_deliver_end(t);
	if (r != 0 && r != ERR_TRUNCATED)
		tunnel_stop(t, DISC_PROTOCOL);
}

static void sock_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	sock_read(w->data);
}

static void tun_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct tstate *t = w->data;
	size_t head = t->vnet ? VNET_HDR_LEN : 0;

	(void)revents;
	if (write(t->tun, t->tunq + VNET_HDR_LEN - head, head + t->tunq_len) < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	t->tunq_len = 0;
	ev_io_stop(loop, &t->tun_w);
	ev_io_start(loop, &t->sock_r);
	sock_read(t); /* OpenSSL may hold records it already read */
}

/* --- control from main, timers --- */

static void send_stats(struct tstate *t)
{
	if (ipc_send(WORKER_IPC_FD, IPC_WORKER_STATS, 0, &t->st, NULL, 0) != 0)
		log_warn_sys("cannot report counters to main");
}

static void ipc_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct tstate *t = w->data;
	static uint8_t buf[IPC_MSG_MAX];
	static struct ipc_udp_fd udp;
	struct ipc_terminate term;
	struct ipc_hdr hdr;
	int fds[IPC_MAX_FDS];
	size_t len, nfds;
	uint16_t type;
	int r;

	(void)revents;
	r = ipc_recv(WORKER_IPC_FD, buf, sizeof(buf), &len, fds, &nfds);
	if (r == ERR_SYS && (errno == EAGAIN || errno == EINTR))
		return;
	type = ipc_peek_type(buf, len);
	if (r == 0 && type == IPC_UDP_FD && nfds == 1) {
		r = ipc_decode(buf, len, &hdr, &udp, sizeof(udp));
		if (r == 0 && udp.len <= sizeof(udp.data)) {
			dtls_new_flow(t, fds[0], udp.data, udp.len);
			return;
		}
	}
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
	if (r == 0)
		r = ipc_decode(buf, len, &hdr, &term, sizeof(term));
	if (r != 0 || hdr.type != IPC_TERMINATE || term.reason > DISC_MAX) {
		log_err("lost main or bad message from it (%s): ending", err_str(r));
		ev_io_stop(loop, w);
		tunnel_stop(t, DISC_ERROR);
		return;
	}
	tunnel_stop(t, term.reason ? term.reason : DISC_TERMINATED);
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct tstate *t = w->data;
	uint64_t now = now_ms();

	(void)loop;
	(void)revents;
	if (t->dpd) {
		uint64_t quiet = now - t->last_rx, d = 1000ull * t->dpd;

		/* Probe after DPD seconds of silence; a peer that answers nothing for twice
		 * that long is dead (openconnect applies the same rule to us). */
		if (quiet >= 2 * d) {
			log_notice("no packet from the client for %u s: dead peer", 2 * t->dpd);
			tunnel_stop(t, DISC_DPD);
			return;
		}
		if (quiet >= d && now - t->last_dpd >= d / 2) {
			send_control(t, CSTP_DPD_REQ, NULL, 0);
			flush(t);
			t->last_dpd = now;
		}
	}
	if (t->idle && now - t->last_data >= 1000ull * t->idle) {
		log_notice("idle for %u s: disconnecting", t->idle);
		tunnel_stop(t, DISC_IDLE);
		return;
	}
	if (t->end_at && now >= t->end_at) {
		log_notice("session-timeout reached: disconnecting");
		tunnel_stop(t, DISC_SESSION_TIMEOUT);
		return;
	}
	dtls_tick(t, now);
	if (t->stats_period && now >= t->next_stats) {
		send_stats(t);
		t->next_stats = now + 1000ull * t->stats_period;
	}
}

/* --- CONNECT --- */

static uint32_t tcp_path_mtu(int fd, bool v6)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);
	int mss = 0;

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l) == 0 && ti.tcpi_pmtu)
		return ti.tcpi_pmtu;
	l = sizeof(mss);
	if (getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, &l) == 0 && mss > 0)
		return (uint32_t)mss + (v6 ? 60 : 40);
	return 0;
}

static bool peer_is_v6(int fd)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &l) != 0 || ss.ss_family != AF_INET6)
		return false;
	return !IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&ss)->sin6_addr);
}

static bool is_cisco(enum http_ua ua)
{
	return ua == HTTP_UA_ANYCONNECT || ua == HTTP_UA_CISCO_IOS || ua == HTTP_UA_CISCO_MOBILE;
}

static void build_request(struct worker *w, const struct cstp_connect_req *cr,
			  struct ipc_tunnel_req *tr)
{
	bool v6 = peer_is_v6(WORKER_CLIENT_FD);

	memset(tr, 0, sizeof(*tr));
	str_copy(tr->cookie, sizeof(tr->cookie), cr->cookie);
	tr->flags = (cr->want_v4 ? IPC_TR_WANT_V4 : 0) | (cr->want_v6 ? IPC_TR_WANT_V6 : 0) |
		    (cr->full_ipv6 ? IPC_TR_FULL_V6 : 0) | (v6 ? IPC_TR_IPV6_PATH : 0) |
		    (cr->mobile ? IPC_TR_MOBILE : 0) |
		    (is_cisco(w->http.req.ua) ? IPC_TR_CISCO : 0);
	tr->base_mtu = (uint32_t)cr->base_mtu;
	tr->client_mtu = (uint32_t)cr->mtu;
	tr->tcp_pmtu = tcp_path_mtu(WORKER_CLIENT_FD, v6);
	if (cr->has_addr4)
		inet_ntop(AF_INET, &cr->addr4, tr->addr4, sizeof(tr->addr4));
	if (cr->has_addr6)
		inet_ntop(AF_INET6, &cr->addr6, tr->addr6, sizeof(tr->addr6));
	str_copy(tr->hostname, sizeof(tr->hostname), cr->hostname);
	str_copy(tr->user_agent, sizeof(tr->user_agent), w->http.req.user_agent);
	str_copy(tr->tls_cipher, sizeof(tr->tls_cipher), w->tls.cipher);
	if (cr->dtls_psk_offered)
		tr->dtls_offer |= IPC_DTLS_PSK;
	if (cr->has_master_secret &&
	    (cr->dtls12_ciphers[0] ||
	     cstp_cipher_list_has(cr->dtls_ciphers, "OC-DTLS1_2-AES256-GCM") ||
	     cstp_cipher_list_has(cr->dtls_ciphers, "OC-DTLS1_2-AES128-GCM")))
		tr->dtls_offer |= IPC_DTLS_RESUME;
}

static int refuse(struct worker *w, int status, const char *reason, const char *why)
{
	struct http_resp r = { 0 };
	char hdr[IPC_TEXT_MAX + 32];

	snprintf(hdr, sizeof(hdr), "X-Reason: %s\r\n", why);
	r.status = status;
	r.reason = reason;
	r.headers = hdr;
	r.close = true;
	return http_send(w, &r);
}

static const char *rekey_name(uint32_t m)
{
	return m == 1 ? "ssl" : m == 2 ? "none" : "new-tunnel";
}

static int send_reply(struct worker *w, const struct cstp_connect_req *cr,
		      const struct ipc_tunnel_rep *rep)
{
	static struct cstp_reply r;
	static uint8_t out[65536];
	struct buf_wr wr;
	int rc;

	memset(&r, 0, sizeof(r));
	r.server_name = "cstpd " PACKAGE_VERSION;
	r.hostname = cr->hostname;
	r.cisco = is_cisco(w->http.req.ua);
	r.full_ipv6 = cr->full_ipv6;
	r.addr4 = rep->addr4[0] ? rep->addr4 : NULL;
	r.netmask4 = rep->netmask4;
	r.addr6 = rep->addr6[0] ? rep->addr6 : NULL;
	r.prefix6 = rep->prefix6;
	for (size_t i = 0; i < rep->n_dns && i < CSTP_REPLY_LIST_MAX; i++)
		r.dns[r.n_dns++] = rep->dns[i];
	for (size_t i = 0; i < rep->n_nbns && i < CSTP_REPLY_LIST_MAX; i++)
		r.nbns[r.n_nbns++] = rep->nbns[i];
	r.default_domain = rep->default_domain;
	for (size_t i = 0; i < rep->n_split_dns && i < CSTP_REPLY_LIST_MAX; i++)
		r.split_dns[r.n_split_dns++] = rep->split_dns[i];
	r.tunnel_all_dns = rep->tunnel_all_dns;
	for (size_t i = 0; i < rep->n_routes && i < CSTP_REPLY_LIST_MAX; i++)
		r.split_include[r.n_split_include++] = rep->routes[i];
	for (size_t i = 0; i < rep->n_no_routes && i < CSTP_REPLY_LIST_MAX; i++)
		r.split_exclude[r.n_split_exclude++] = rep->no_routes[i];
	r.keepalive = (int)rep->keepalive;
	r.dpd = (int)rep->dpd;
	r.idle_timeout = (int)rep->idle_timeout;
	r.session_timeout = (int)rep->session_timeout;
	r.session_timeout_remaining =
		rep->session_remaining == IPC_NONE ? -1 : (int)rep->session_remaining;
	r.disconnected_timeout = (int)rep->disconnected_timeout;
	r.rekey_time = (int)rep->rekey_time;
	r.rekey_method = rekey_name(rep->rekey_method);
	r.banner = rep->banner;
	r.client_bypass_protocol = rep->client_bypass_protocol;
	r.base_mtu = (int)rep->base_mtu;
	r.mtu = (int)rep->mtu;
	dtls_choose(&T, cr, rep, &r);
	buf_wr_init(&wr, out, sizeof(out));
	if ((rc = cstp_reply_build(&r, &wr)) != 0) {
		log_err("cannot build the CONNECT reply: %s", err_str(rc));
		return rc;
	}
	/* The reply headers and the first CSTP packet go in separate records. */
	return tls_write_all(&w->tls, wr.p, wr.len, w->deadline);
}

static void set_client_addrs(struct tstate *t, const struct ipc_tunnel_rep *rep)
{
	t->has4 = rep->addr4[0] && inet_pton(AF_INET, rep->addr4, t->addr4) == 1;
	t->has6 = rep->addr6[0] && inet_pton(AF_INET6, rep->addr6, t->addr6) == 1;
	t->prefix6 = rep->prefix6 <= 128 ? rep->prefix6 : 128;
}

static int setup_bio(struct tstate *t)
{
	BIO *in = NULL, *net = NULL;

	if (BIO_new_bio_pair(&in, PAIR_SIZE, &net, 4096) != 1)
		return ERR_NOMEM;
	SSL_set0_wbio(t->ssl, in);
	t->in_bio = in;
	t->net_bio = net;
	return 0;
}

static void start_watchers(struct tstate *t)
{
	ev_io_init(&t->sock_r, sock_read_cb, t->sock, EV_READ);
	ev_io_init(&t->sock_w, sock_write_cb, t->sock, EV_WRITE);
	ev_io_init(&t->tun_r, tun_read_cb, t->tun, EV_READ);
	ev_io_init(&t->tun_w, tun_write_cb, t->tun, EV_WRITE);
	ev_io_init(&t->ipc_r, ipc_read_cb, WORKER_IPC_FD, EV_READ);
	ev_timer_init(&t->tick, tick_cb, 1., 1.);
	t->sock_r.data = t->sock_w.data = t->tun_r.data = t->tun_w.data = t;
	t->ipc_r.data = t->tick.data = t;
	ev_io_start(t->loop, &t->sock_r);
	ev_io_start(t->loop, &t->tun_r);
	ev_io_start(t->loop, &t->ipc_r);
	ev_timer_start(t->loop, &t->tick);
}

/* Push what is queued to the client within a short bound (shutdown paths). */
static void flush_blocking(struct tstate *t, uint64_t deadline)
{
	while (BIO_ctrl_pending(t->net_bio) > 0 && now_ms() < deadline) {
		struct pollfd p = { .fd = t->sock, .events = POLLOUT };

		if (!flush(t))
			return;
		if (BIO_ctrl_pending(t->net_bio) > 0)
			poll(&p, 1, (int)(deadline - now_ms()));
	}
}

/* Whether main opened the device with virtio-net headers (tun-offload = true). */
static bool tun_has_vnet(int fd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	return ioctl(fd, TUNGETIFF, &ifr) == 0 && (ifr.ifr_flags & IFF_VNET_HDR);
}

static int run_tunnel(struct worker *w, const struct ipc_tunnel_rep *rep, int tun_fd)
{
	struct tstate *t = &T;
	struct ipc_worker_bye bye;
	uint64_t now = now_ms();

	t->w = w;
	t->ssl = w->tls.ssl;
	t->sock = WORKER_CLIENT_FD;
	t->tun = tun_fd;
	t->vnet = tun_has_vnet(tun_fd);
	vnet_gro_init(&t->gro, t->grobuf, sizeof(t->grobuf));
	t->read_room = t->vnet ? FRAME_ROOM : RECORD_ROOM;
	t->loop = ev_default_loop(EVFLAG_AUTO);
	if (!t->loop || setup_bio(t) != 0)
		return ERR_NOMEM;
	cstp_parser_init(&t->parser);
	set_client_addrs(t, rep);
	t->dpd = rep->dpd;
	t->idle = rep->idle_timeout;
	t->stats_period = rep->stats_report_time;
	t->now = t->last_rx = t->last_data = now;
	t->next_stats = now + 1000ull * t->stats_period;
	if (rep->session_remaining != IPC_NONE)
		t->end_at = now + 1000ull * rep->session_remaining;
	if (t->dtls.mode && dtls_setup(t, t->ssl) != 0)
		t->dtls.mode = 0;
	/* The login left freed heap behind (XML trees, handshake state): give those pages
	 * back, this process now lives as long as the tunnel. */
	malloc_trim(0);
	start_watchers(t);
	feed_leftover(t); /* CSTP bytes read together with the CONNECT request */
	sock_read(t);	  /* and bytes that may already wait inside OpenSSL */
	if (!t->reason)
		ev_run(t->loop, 0);
	if (t->reason == DISC_TERMINATED || t->reason == DISC_IDLE ||
	    t->reason == DISC_SESSION_TIMEOUT)
		send_control(t, CSTP_TERMINATE, NULL, 0);
	if (t->reason != DISC_PEER_CLOSED && t->reason != DISC_TAKEOVER) {
		SSL_shutdown(t->ssl);
		flush_blocking(t, now_ms() + 1000);
	}
	dtls_cleanup(t);
	memset(&bye, 0, sizeof(bye));
	bye.reason = t->reason ? t->reason : DISC_ERROR;
	bye.bytes_in = t->st.bytes_in;
	bye.bytes_out = t->st.bytes_out;
	bye.packets_in = t->st.packets_in;
	bye.packets_out = t->st.packets_out;
	ipc_send(WORKER_IPC_FD, IPC_WORKER_BYE, 0, &bye, NULL, 0);
	log_info("tunnel ended (%s): %llu bytes in, %llu bytes out", disc_str(bye.reason),
		 (unsigned long long)bye.bytes_in, (unsigned long long)bye.bytes_out);
	close(tun_fd);
	return ERR_PEER_CLOSED;
}

int tunnel_connect(struct worker *w)
{
	static struct cstp_connect_req cr;
	static struct ipc_tunnel_rep rep;
	struct ipc_tunnel_req tr;
	int tun_fd = -1;
	int r;

	r = cstp_connect_parse(&w->http.req, &cr);
	if (r != 0) {
		log_info("malformed CONNECT request (%s)", err_str(r));
		return http_send_error(w, 400, "Bad Request");
	}
	if (!cr.has_cookie) {
		log_info("CONNECT without a valid session cookie");
		return refuse(w, 401, "Cookie is not acceptable", "missing cookie");
	}
	build_request(w, &cr, &tr);
	T.peer_v6 = tr.flags & IPC_TR_IPV6_PATH;
	r = worker_ipc_call_fd(w, IPC_TUNNEL_REQ, &tr, IPC_TUNNEL_REP, &rep, sizeof(rep), &tun_fd);
	if (r != 0)
		return r;
	if (rep.status != IPC_TUNNEL_OK || tun_fd < 0) {
		if (tun_fd >= 0)
			close(tun_fd);
		if (rep.status == IPC_TUNNEL_BAD_COOKIE)
			return refuse(w, 401, "Cookie is not acceptable", rep.message);
		if (rep.status == IPC_TUNNEL_REFUSED)
			return refuse(w, 403, "Forbidden", rep.message);
		return refuse(w, 503, "Service Unavailable", rep.message);
	}
	str_copy(w->user, sizeof(w->user), rep.username);
	log_set_prefix("worker[%d] %s@%s", (int)getpid(), w->user, w->init.client_addr);
	r = send_reply(w, &cr, &rep); /* copies the master secret when DTLS resumes */
	secmem_wipe(cr.master_secret, sizeof(cr.master_secret));
	if (r != 0) {
		close(tun_fd);
		return r;
	}
	log_info("tunnel up on %s: %s%s%s, MTU %u", rep.device, rep.addr4, rep.addr6[0] ? " " : "",
		 rep.addr6, rep.mtu);
	return run_tunnel(w, &rep, tun_fd);
}
