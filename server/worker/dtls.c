/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The DTLS channel of a tunnel (PROTOCOL.md §5): PSK-NEGOTIATE with a key exported from
 * the TLS session, or DTLS 1.2 "resumption" of a session built from the client's
 * X-DTLS-Master-Secret. Main hands over a UDP socket connected to the client together with
 * the ClientHello it read; a new flow handshakes beside the current one and replaces it
 * only when it succeeds, so a replayed ClientHello cannot break a live channel.
 * Process: worker. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#include "disc.h"
#include "err.h"
#include "log.h"
#include "secmem.h"
#include "strutil.h"
#include "tunint.h"

#define PSK_LABEL	"EXPORTER-openconnect-psk"
#define PSK_CIPHERS	"PSK-AES256-GCM-SHA384:PSK-AES128-GCM-SHA256:PSK-CHACHA20-POLY1305"
#define HANDSHAKE_LIMIT 20 /* seconds a new flow may take */

static struct tstate *g_t; /* the one tunnel of this worker, for OpenSSL callbacks */

/* --- mode and cipher choice --- */

struct resumable {
	const char *name; /* as the client names it */
	const char *ossl; /* OpenSSL's name */
	uint8_t id[2];
	bool aead;
};

/* In order of preference (AEAD first; ocserv's order among the GCM suites). */
static const struct resumable suites[] = {
	{ "AES256-GCM-SHA384", "AES256-GCM-SHA384", { 0x00, 0x9d }, true },
	{ "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", { 0xc0, 0x30 }, true },
	{ "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", { 0xc0, 0x2f }, true },
	{ "AES128-GCM-SHA256", "AES128-GCM-SHA256", { 0x00, 0x9c }, true },
	{ "DHE-RSA-AES256-SHA", "DHE-RSA-AES256-SHA", { 0x00, 0x39 }, false },
	{ "DHE-RSA-AES128-SHA", "DHE-RSA-AES128-SHA", { 0x00, 0x33 }, false },
	{ "AES256-SHA", "AES256-SHA", { 0x00, 0x35 }, false },
	{ "AES128-SHA", "AES128-SHA", { 0x00, 0x2f }, false },
};

/* Tunnel MTU over DTLS for a record budget R (PROTOCOL.md §3.6). */
static int data_mtu_for(const struct resumable *s, int budget)
{
	if (!s || s->aead)
		return budget - 37 - 1;
	/* CBC + HMAC-SHA1: whole 16-byte blocks after header and IV, minus pad byte and MAC */
	return ((budget - 13 - 16) / 16) * 16 - 1 - 20 - 1;
}

static const struct resumable *pick_resumable(const struct cstp_connect_req *cr,
					      bool *dtls12_header)
{
	*dtls12_header = false;
	if (cr->dtls12_ciphers[0]) {
		for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
			if (cstp_cipher_list_has(cr->dtls12_ciphers, suites[i].name)) {
				*dtls12_header = true;
				return &suites[i];
			}
	}
	if (cstp_cipher_list_has(cr->dtls_ciphers, "OC-DTLS1_2-AES256-GCM"))
		return &suites[0];
	if (cstp_cipher_list_has(cr->dtls_ciphers, "OC-DTLS1_2-AES128-GCM"))
		return &suites[3];
	return NULL;
}

unsigned dtls_choose(struct tstate *t, const struct cstp_connect_req *cr,
		     const struct ipc_tunnel_rep *rep, struct cstp_reply *reply)
{
	struct dtls_state *d = &t->dtls;
	static char idhex[2 * IPC_DTLS_ID_LEN + 1];
	static char oc_name[32];
	const struct resumable *rs = NULL;
	bool dtls12 = false;
	int ipbytes = t->peer_v6 ? 40 : 20;

	d->mode = 0;
	if (!rep->dtls_port)
		return 0;
	d->record_budget = (int)rep->base_mtu - ipbytes - 8;
	if ((rep->dtls_modes & IPC_DTLS_PSK) && cr->dtls_psk_offered) {
		d->mode = IPC_DTLS_PSK;
	} else if ((rep->dtls_modes & IPC_DTLS_RESUME) && cr->has_master_secret &&
		   (rs = pick_resumable(cr, &dtls12)) != NULL) {
		d->mode = IPC_DTLS_RESUME;
		memcpy(d->secret, cr->master_secret, 48);
		d->secret_len = 48;
		str_copy(d->cipher, sizeof(d->cipher), rs->ossl);
		memcpy(d->cipher_id, rs->id, 2);
	} else {
		if (cr->dtls_ciphers[0] || cr->dtls12_ciphers[0])
			log_info("DTLS not used: the client offers no mode this server serves "
				 "(legacy DTLS 0.9 needs a server side OpenSSL does not have)");
		return 0;
	}
	memcpy(d->id, rep->dtls_id, sizeof(d->id));
	hex_encode(idhex, d->id, sizeof(d->id), d->mode == IPC_DTLS_RESUME);
	d->data_mtu = data_mtu_for(rs, d->record_budget);
	reply->dtls_port = (int)rep->dtls_port;
	reply->dtls_dpd = (int)rep->dpd;
	reply->dtls_keepalive = (int)rep->keepalive;
	reply->dtls_rekey_method = "new-tunnel";
	reply->dtls_rekey_time = (int)rep->rekey_time;
	if (d->mode == IPC_DTLS_PSK) {
		reply->dtls_app_id = idhex;
		reply->dtls_cipher = "PSK-NEGOTIATE";
		return d->mode;
	}
	reply->dtls_session_id = idhex;
	if (dtls12) {
		reply->dtls12_cipher = rs->name;
	} else {
		snprintf(oc_name, sizeof(oc_name), "OC-DTLS1_2-%s",
			 rs == &suites[0] ? "AES256-GCM" : "AES128-GCM");
		reply->dtls_cipher = oc_name;
	}
	reply->dtls_mtu = d->data_mtu;
	/* One MTU whichever channel carries the data (PROTOCOL.md §3.6). */
	if (reply->mtu > d->data_mtu)
		reply->mtu = d->data_mtu;
	return d->mode;
}

/* --- OpenSSL callbacks --- */

static unsigned int psk_cb(SSL *ssl, const char *identity, unsigned char *psk, unsigned int max)
{
	struct dtls_state *d = &g_t->dtls;

	(void)ssl;
	(void)identity;
	if (d->mode != IPC_DTLS_PSK || d->secret_len > max)
		return 0;
	memcpy(psk, d->secret, d->secret_len);
	return (unsigned int)d->secret_len;
}

/* The session the client "resumes" was never negotiated: build it from the CONNECT's
 * master secret when the ClientHello names this tunnel's Session-ID. */
static SSL_SESSION *get_session_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
	struct dtls_state *d = &g_t->dtls;
	SSL_SESSION *s;

	*copy = 0;
	log_debug("DTLS session lookup (%d-byte id)", len);
	if (d->mode != IPC_DTLS_RESUME || len != IPC_DTLS_ID_LEN ||
	    !secmem_equal(id, d->id, IPC_DTLS_ID_LEN))
		return NULL;
	s = SSL_SESSION_new();
	if (!s)
		return NULL;
	if (SSL_SESSION_set1_id(s, d->id, IPC_DTLS_ID_LEN) != 1 ||
	    SSL_SESSION_set1_master_key(s, d->secret, d->secret_len) != 1 ||
	    SSL_SESSION_set_cipher(s, SSL_CIPHER_find(ssl, d->cipher_id)) != 1 ||
	    SSL_SESSION_set_protocol_version(s, DTLS1_2_VERSION) != 1) {
		SSL_SESSION_free(s);
		return NULL;
	}
	SSL_SESSION_set_time(s, (long)time(NULL));
	SSL_SESSION_set_timeout(s, 3600);
	return s;
}

int dtls_setup(struct tstate *t, SSL *tls)
{
	struct dtls_state *d = &t->dtls;

	g_t = t;
	d->active.fd = d->pending.fd = -1;
	d->ctx = SSL_CTX_new(DTLS_server_method());
	if (!d->ctx)
		goto fail;
	SSL_CTX_set_min_proto_version(d->ctx, DTLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(d->ctx, DTLS1_2_VERSION);
	SSL_CTX_set_read_ahead(d->ctx, 1);
	if (d->mode == IPC_DTLS_PSK) {
		if (SSL_export_keying_material(tls, d->secret, 32, PSK_LABEL, strlen(PSK_LABEL),
					       NULL, 0, 0) != 1)
			goto fail;
		d->secret_len = 32;
		SSL_CTX_set_session_cache_mode(d->ctx, SSL_SESS_CACHE_OFF);
		if (SSL_CTX_set_cipher_list(d->ctx, PSK_CIPHERS) != 1)
			goto fail;
		SSL_CTX_set_psk_server_callback(d->ctx, psk_cb);
	} else {
		/* openconnect's clients send no extended-master-secret; should a client send
		 * it, OpenSSL would refuse to resume a session made without it. */
		SSL_CTX_set_options(d->ctx, SSL_OP_NO_TICKET | SSL_OP_NO_EXTENDED_MASTER_SECRET);
		SSL_CTX_set_session_cache_mode(d->ctx,
					       SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
		SSL_CTX_sess_set_get_cb(d->ctx, get_session_cb);
		if (SSL_CTX_set_cipher_list(d->ctx, d->cipher) != 1)
			goto fail;
	}
	log_debug("DTLS ready (%s)", d->mode == IPC_DTLS_PSK ? "PSK-NEGOTIATE" : d->cipher);
	return 0;
fail:
	tls_log_errors(LOG_LVL_WARN, "DTLS set-up");
	SSL_CTX_free(d->ctx);
	d->ctx = NULL;
	secmem_wipe(d->secret, sizeof(d->secret));
	return ERR_TLS;
}

/* --- a BIO that returns the ClientHello main already read, then reads the socket --- */

#define BATCH_MAX   64	  /* datagrams sent with one sendmmsg() */
#define BATCH_DGRAM 2048  /* largest datagram a batch slot holds */
#define GSO_BYTES   60000 /* UDP payload one segmentation-offload send may carry */

struct inject {
	uint8_t data[IPC_DGRAM_MAX];
	size_t len;
	int fd;		/* the connected UDP socket (for sendmmsg) */
	bool batching;	/* writes are queued until dtls_batch_end() */
	bool no_gso;	/* the kernel refused UDP segmentation offload on this socket */
	size_t n;	/* queued datagrams */
	uint8_t *slots; /* BATCH_MAX * BATCH_DGRAM, allocated on first use */
	struct iovec iov[BATCH_MAX]; /* one a queued datagram */
	struct mmsghdr msgs[BATCH_MAX];
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl[BATCH_MAX];
	/* Receive side: datagrams read with one recvmmsg(), handed to OpenSSL one by one. */
	uint8_t *rslots; /* BATCH_MAX * BATCH_DGRAM, allocated on first use */
	struct mmsghdr rmsgs[BATCH_MAX];
	struct iovec riov[BATCH_MAX];
	size_t rhead, rn;
};

/* Refill the receive queue from the socket; false when nothing is waiting. */
static bool batch_receive(struct inject *in)
{
	int r;

	if (in->rhead < in->rn)
		return true;
	in->rhead = in->rn = 0;
	if (!in->rslots && !(in->rslots = OPENSSL_malloc(BATCH_MAX * BATCH_DGRAM)))
		return false;
	for (size_t i = 0; i < BATCH_MAX; i++) {
		in->riov[i].iov_base = in->rslots + i * BATCH_DGRAM;
		in->riov[i].iov_len = BATCH_DGRAM;
		memset(&in->rmsgs[i], 0, sizeof(in->rmsgs[0]));
		in->rmsgs[i].msg_hdr.msg_iov = &in->riov[i];
		in->rmsgs[i].msg_hdr.msg_iovlen = 1;
	}
	r = recvmmsg(in->fd, in->rmsgs, BATCH_MAX, MSG_DONTWAIT, NULL);
	if (r <= 0)
		return false;
	in->rn = (size_t)r;
	return true;
}

/* Group the queued datagrams into messages: with segmentation offload a run of equal-size
 * datagrams (and one shorter one ending it) goes as one buffer that the kernel cuts into
 * datagrams of that size, far later and cheaper than one send each. Groups the datagrams
 * from index first on; returns the number of messages. */
static size_t batch_group(struct inject *in, size_t first)
{
	size_t m = 0;

	for (size_t i = first; i < in->n; m++) {
		struct msghdr *h = &in->msgs[m].msg_hdr;
		size_t seg = in->iov[i].iov_len, k = 1, bytes = seg;

		memset(&in->msgs[m], 0, sizeof(in->msgs[0]));
		h->msg_iov = &in->iov[i];
		if (!in->no_gso) {
			while (i + k < in->n && bytes + in->iov[i + k].iov_len <= GSO_BYTES) {
				size_t next = in->iov[i + k].iov_len;

				if (next > seg)
					break;
				bytes += next;
				k++;
				if (next < seg)
					break; /* only the last segment may be shorter */
			}
		}
		h->msg_iovlen = k;
		if (k > 1) {
			struct cmsghdr *c;
			uint16_t gso = (uint16_t)seg;

			h->msg_control = in->ctl[m].buf;
			h->msg_controllen = sizeof(in->ctl[m].buf);
			c = CMSG_FIRSTHDR(h);
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(gso));
			memcpy(CMSG_DATA(c), &gso, sizeof(gso));
		}
		i += k;
	}
	return m;
}

/* Send the queued datagrams; what the socket refuses is dropped, as UDP would. */
static void batch_flush(struct inject *in)
{
	size_t done = 0, sent = 0, m;

	if (!in->n)
		return;
	m = batch_group(in, 0);
	while (done < m) {
		int r = sendmmsg(in->fd, in->msgs + done, (unsigned)(m - done), MSG_DONTWAIT);

		if (r < 0 && !in->no_gso &&
		    (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT)) {
			/* No segmentation offload on this path: datagram by datagram from now on. */
			log_debug("UDP segmentation offload refused (%s): sending datagrams singly",
				  strerror(errno));
			in->no_gso = true;
			m = batch_group(in, sent);
			done = 0;
			continue;
		}
		if (r <= 0)
			break;
		for (int j = 0; j < r; j++)
			sent += in->msgs[done + (size_t)j].msg_hdr.msg_iovlen;
		done += (size_t)r;
	}
	in->n = 0;
}

static BIO_METHOD *g_inject_meth;

static int inject_read(BIO *b, char *out, int outl)
{
	struct inject *in = BIO_get_data(b);
	int n;

	BIO_clear_retry_flags(b);
	if (in && in->len) {
		n = (int)in->len < outl ? (int)in->len : outl;
		memcpy(out, in->data, (size_t)n);
		in->len = 0;
		return n;
	}
	if (in && in->rhead < in->rn) {
		struct mmsghdr *m = &in->rmsgs[in->rhead];

		n = (int)m->msg_len < outl ? (int)m->msg_len : outl;
		memcpy(out, in->riov[in->rhead].iov_base, (size_t)n);
		in->rhead++;
		return n;
	}
	n = BIO_read(BIO_next(b), out, outl);
	BIO_copy_next_retry(b);
	return n;
}

static int inject_write(BIO *b, const char *buf, int len)
{
	struct inject *in = BIO_get_data(b);
	int n;

	BIO_clear_retry_flags(b);
	if (in && in->batching && len > 0 && len <= BATCH_DGRAM) {
		if (!in->slots)
			in->slots = OPENSSL_malloc(BATCH_MAX * BATCH_DGRAM);
		if (in->slots) {
			if (in->n == BATCH_MAX)
				batch_flush(in);
			memcpy(in->slots + in->n * BATCH_DGRAM, buf, (size_t)len);
			in->iov[in->n].iov_base = in->slots + in->n * BATCH_DGRAM;
			in->iov[in->n].iov_len = (size_t)len;
			in->n++;
			return len;
		}
	}
	n = BIO_write(BIO_next(b), buf, len);
	BIO_copy_next_retry(b);
	return n;
}

static long inject_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct inject *in = BIO_get_data(b);

	if (cmd == BIO_CTRL_PENDING && in && in->len)
		return (long)in->len;
	return BIO_ctrl(BIO_next(b), cmd, num, ptr);
}

static int inject_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static int inject_destroy(BIO *b)
{
	struct inject *in = BIO_get_data(b);

	if (in) {
		if (in->slots) {
			batch_flush(in);
			OPENSSL_free(in->slots);
		}
		OPENSSL_free(in->rslots);
		secmem_wipe(in, sizeof(*in));
		OPENSSL_free(in);
	}
	BIO_set_data(b, NULL);
	return 1;
}

static BIO *inject_bio(int fd, const uint8_t *dgram, size_t len)
{
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	struct inject *in;
	BIO *f, *dg;

	if (!g_inject_meth) {
		g_inject_meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_FILTER, "cstpd-inject");
		if (!g_inject_meth)
			return NULL;
		BIO_meth_set_read(g_inject_meth, inject_read);
		BIO_meth_set_write(g_inject_meth, inject_write);
		BIO_meth_set_ctrl(g_inject_meth, inject_ctrl);
		BIO_meth_set_create(g_inject_meth, inject_create);
		BIO_meth_set_destroy(g_inject_meth, inject_destroy);
	}
	in = OPENSSL_zalloc(sizeof(*in));
	f = BIO_new(g_inject_meth);
	dg = BIO_new_dgram(fd, BIO_NOCLOSE);
	if (!in || !f || !dg || len > sizeof(in->data) ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) != 0) {
		OPENSSL_free(in);
		BIO_free(f);
		BIO_free(dg);
		return NULL;
	}
	memcpy(in->data, dgram, len);
	in->len = len;
	in->fd = fd;
	BIO_set_data(f, in);
	BIO_ctrl(dg, BIO_CTRL_DGRAM_SET_CONNECTED, 0, &peer);
	return BIO_push(f, dg);
}

/* --- flows --- */

static void flow_free(struct tstate *t, struct dtls_flow *f)
{
	if (f->fd >= 0) {
		ev_io_stop(t->loop, &f->io);
		ev_timer_stop(t->loop, &f->hs_timer);
	}
	SSL_free(f->ssl);
	if (f->fd >= 0)
		close(f->fd);
	f->ssl = NULL;
	f->fd = -1;
	f->up = false;
}

static void report_state(struct tstate *t, bool up, const char *cipher)
{
	struct ipc_dtls_state st;

	(void)t;
	memset(&st, 0, sizeof(st));
	st.up = up;
	str_copy(st.cipher, sizeof(st.cipher), cipher ? cipher : "");
	ipc_send(WORKER_IPC_FD, IPC_DTLS_STATE, 0, &st, NULL, 0);
}

static void channel_down(struct tstate *t, const char *why)
{
	struct dtls_state *d = &t->dtls;

	if (!d->active.ssl)
		return;
	log_info("DTLS channel closed (%s): data goes over TLS", why);
	flow_free(t, &d->active);
	report_state(t, false, NULL);
}

static void schedule_retransmit(struct tstate *t, struct dtls_flow *f)
{
	struct timeval tv;

	ev_timer_stop(t->loop, &f->hs_timer);
	if (DTLSv1_get_timeout(f->ssl, &tv) == 1) {
		double after = (double)tv.tv_sec + tv.tv_usec / 1e6 + 0.001;

		ev_timer_set(&f->hs_timer, after < HANDSHAKE_LIMIT ? after : HANDSHAKE_LIMIT, 0.);
		ev_timer_start(t->loop, &f->hs_timer);
	}
}

static void handle_record(struct tstate *t, const uint8_t *rec, size_t len)
{
	struct cstp_frame fr;

	if (cstp_dtls_parse(rec, len, &fr) != 0)
		return;
	switch (fr.type) {
	case CSTP_DATA:
		t->dtls.prefer_cstp = false;
		tunnel_deliver(t, fr.payload, fr.len);
		break;
	case CSTP_DPD_REQ: {
		/* Echo byte for byte: openconnect probes the path MTU with padded DPDs. */
		static uint8_t resp[CSTP_MAX_PAYLOAD + 1];
		size_t n = 0;

		if (len > sizeof(resp))
			break;
		memcpy(resp, rec, len);
		resp[0] = CSTP_DPD_RESP;
		if (SSL_write_ex(t->dtls.active.ssl, resp, len, &n) != 1) {
			/* Too large for the path: a one-byte answer still proves life. */
			SSL_write_ex(t->dtls.active.ssl, resp, 1, &n);
		}
		break;
	}
	case CSTP_COMPRESSED:
		log_info("compressed DTLS packet without negotiated compression: dropped");
		break;
	default:
		break; /* DPD-RESP, KEEPALIVE, unknown: only proof of life */
	}
}

static void active_read_batch(struct tstate *t, struct dtls_flow *f)
{
	static uint8_t rec[CSTP_MAX_PAYLOAD + 64];

	t->now = now_ms(); /* once per wake-up, not per record */
	for (int i = 0; i < 256 && f->ssl; i++) {
		struct inject *in = BIO_get_data(SSL_get_rbio(f->ssl));
		size_t n = 0;
		int r, e;

		/* Many datagrams per syscall; OpenSSL still takes them one record at a time. */
		if (in && SSL_pending(f->ssl) == 0 && !batch_receive(in))
			return;
		ERR_clear_error();
		r = SSL_read_ex(f->ssl, rec, sizeof(rec), &n);

		if (r == 1) {
			t->dtls.last_rx = t->now;
			handle_record(t, rec, n);
			if (t->reason)
				return;
			continue;
		}
		e = SSL_get_error(f->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return;
		ERR_clear_error();
		if (e == SSL_ERROR_ZERO_RETURN) {
			channel_down(t, "the client closed it");
			return;
		}
		/* A bad datagram (ICMP error, garbage) must not end the channel. */
		if (e == SSL_ERROR_SYSCALL && (errno == ECONNREFUSED || errno == EAGAIN))
			return;
		channel_down(t, "read error");
		return;
	}
}

/* The records waiting on the live channel, then what they left for the tun device. */
static void active_read(struct tstate *t, struct dtls_flow *f)
{
	active_read_batch(t, f);
	tunnel_deliver_end(t);
}

static void flow_io_cb(struct ev_loop *loop, ev_io *w, int revents);
static void flow_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

static void promote(struct tstate *t, struct dtls_flow *f)
{
	struct dtls_state *d = &t->dtls;
	const char *cipher = SSL_get_cipher_name(f->ssl);
	size_t mtu;

	if (d->mode == IPC_DTLS_RESUME && SSL_session_reused(f->ssl) != 1) {
		log_notice("DTLS client did not resume the announced session: refused");
		flow_free(t, f);
		return;
	}
	/* Watchers cannot move while libev knows them: stop, move the flow, start again. */
	ev_io_stop(t->loop, &f->io);
	ev_timer_stop(t->loop, &f->hs_timer);
	if (d->active.ssl)
		flow_free(t, &d->active);
	d->active.ssl = f->ssl;
	d->active.fd = f->fd;
	d->active.t = t;
	d->active.up = true;
	f->ssl = NULL;
	f->fd = -1;
	ev_io_init(&d->active.io, flow_io_cb, d->active.fd, EV_READ);
	d->active.io.data = &d->active;
	ev_io_start(t->loop, &d->active.io);
	ev_timer_init(&d->active.hs_timer, flow_timer_cb, 1., 0.);
	d->active.hs_timer.data = &d->active;
	mtu = DTLS_get_data_mtu(d->active.ssl);
	if (mtu > 1 && (int)mtu - 1 < d->data_mtu)
		d->data_mtu = (int)mtu - 1;
	if (d->data_mtu <= 0 && mtu > 1)
		d->data_mtu = (int)mtu - 1;
	d->last_rx = now_ms();
	d->prefer_cstp = false;
	log_info("DTLS established (%s, %s), data MTU %d", SSL_get_version(d->active.ssl), cipher,
		 d->data_mtu);
	report_state(t, true, cipher);
	active_read(t, &d->active);
}

static void handshake_step(struct tstate *t, struct dtls_flow *f)
{
	int r, e;

	ERR_clear_error();
	r = SSL_accept(f->ssl);
	if (r == 1) {
		promote(t, f);
		return;
	}
	e = SSL_get_error(f->ssl, r);
	log_debug("DTLS handshake: %s", SSL_state_string_long(f->ssl));
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		schedule_retransmit(t, f);
		return;
	}
	tls_log_errors(LOG_LVL_INFO, "DTLS handshake");
	log_info("DTLS handshake failed; the current channel stays");
	flow_free(t, f);
}

static void flow_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dtls_flow *f = w->data;

	(void)loop;
	(void)revents;
	if (f->up)
		active_read(f->t, f);
	else
		handshake_step(f->t, f);
}

static void flow_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dtls_flow *f = w->data;

	(void)loop;
	(void)revents;
	if (f->up || !f->ssl)
		return;
	/* A client that does not finish (a replayed or forged ClientHello) must not keep a
	 * socket and retransmissions alive for OpenSSL's whole back-off schedule. */
	if (now_ms() - f->started > 1000ull * HANDSHAKE_LIMIT) {
		log_info("DTLS handshake not finished within %d s: dropped", HANDSHAKE_LIMIT);
		ERR_clear_error();
		flow_free(f->t, f);
		return;
	}
	if (DTLSv1_handle_timeout(f->ssl) < 0) {
		/* Leave nothing in the error queue: the live channel's next SSL_read would
		 * take it for its own failure. */
		ERR_clear_error();
		flow_free(f->t, f);
		return;
	}
	schedule_retransmit(f->t, f);
}

void dtls_new_flow(struct tstate *t, int fd, const uint8_t *dgram, size_t len)
{
	struct dtls_state *d = &t->dtls;
	struct dtls_flow *f = &d->pending;
	BIO *bio;

	if (!d->ctx) {
		close(fd);
		return;
	}
	d->handovers++;
	if (f->ssl)
		flow_free(t, f); /* a newer attempt replaces an unfinished one */
	f->t = t;
	f->fd = fd;
	f->up = false;
	f->started = now_ms();
	f->ssl = SSL_new(d->ctx);
	bio = f->ssl ? inject_bio(fd, dgram, len) : NULL;
	if (!bio) {
		log_warn("cannot start a DTLS flow");
		flow_free(t, f);
		return;
	}
	SSL_set_bio(f->ssl, bio, bio);
	SSL_set_options(f->ssl, SSL_OP_NO_QUERY_MTU);
	if (d->record_budget > 256)
		SSL_set_mtu(f->ssl, (long)d->record_budget);
	ev_io_init(&f->io, flow_io_cb, fd, EV_READ);
	f->io.data = f;
	ev_timer_init(&f->hs_timer, flow_timer_cb, 1., 0.);
	f->hs_timer.data = f;
	ev_io_start(t->loop, &f->io);
	log_debug("DTLS ClientHello handed over (%zu bytes)", len);
	handshake_step(t, f);
}

/* The inject BIO of the live channel, or NULL. */
static struct inject *active_inject(struct tstate *t)
{
	BIO *b;

	if (!t->dtls.active.up || !t->dtls.active.ssl)
		return NULL;
	b = SSL_get_wbio(t->dtls.active.ssl);
	return b ? BIO_get_data(b) : NULL;
}

void dtls_batch_begin(struct tstate *t)
{
	struct inject *in = active_inject(t);

	if (in)
		in->batching = true;
}

void dtls_batch_end(struct tstate *t)
{
	struct inject *in = active_inject(t);

	if (!in)
		return;
	in->batching = false;
	batch_flush(in);
}

bool dtls_send_packet(struct tstate *t, uint8_t *pkt, size_t len)
{
	struct dtls_state *d = &t->dtls;
	size_t n = 0;

	if (!d->active.up || d->prefer_cstp || (int)len > d->data_mtu)
		return false;
	pkt[-1] = CSTP_DATA;
	if (SSL_write_ex(d->active.ssl, pkt - 1, len + 1, &n) != 1) {
		int e = SSL_get_error(d->active.ssl, 0);

		ERR_clear_error();
		(void)e;
		return false; /* full socket buffer or an ICMP error: TLS carries it */
	}
	return true;
}

void dtls_tick(struct tstate *t, uint64_t now)
{
	struct dtls_state *d = &t->dtls;
	uint64_t quiet, dpd = 1000ull * t->dpd;

	if (!d->active.up || !dpd)
		return;
	quiet = now - d->last_rx;
	if (quiet >= 2 * dpd) {
		channel_down(t, "no answer to DTLS dead-peer detection");
		return;
	}
	if (quiet >= dpd && now - d->last_dpd >= dpd / 2) {
		uint8_t dpd_req = CSTP_DPD_REQ;
		size_t n;

		SSL_write_ex(d->active.ssl, &dpd_req, 1, &n);
		ERR_clear_error();
		d->last_dpd = now;
	}
}

void dtls_cleanup(struct tstate *t)
{
	struct dtls_state *d = &t->dtls;

	if (d->active.ssl && d->active.up)
		SSL_shutdown(d->active.ssl);
	if (d->active.ssl)
		flow_free(t, &d->active);
	if (d->pending.ssl)
		flow_free(t, &d->pending);
	SSL_CTX_free(d->ctx);
	d->ctx = NULL;
	secmem_wipe(d->secret, sizeof(d->secret));
}
