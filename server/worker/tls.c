/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The worker's TLS connection (OpenSSL). Process: worker. */
#include "tls.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certid.h"
#include "err.h"
#include "log.h"
#include "strutil.h"

#define TLS_READ_BUFFER (32 * 1024)

/* The first certificate verification error of this connection (one per process). */
static int g_verify_error = X509_V_OK;

static int compute_cert_hash(struct tls_conn *t)
{
	X509 *cert = SSL_CTX_get0_certificate(t->ctx);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!cert || !X509_digest(cert, EVP_sha1(), md, &n) || n != 20) {
		tls_log_errors(LOG_LVL_ERR, "certificate hash");
		return ERR_TLS;
	}
	hex_encode(t->cert_hash, md, n, true);
	return 0;
}

/* Map the GnuTLS-style tls-priorities string ocserv configs carry onto OpenSSL where a
 * token has an equivalent; the rest is ignored (the main process warned about it). */
static void apply_priorities(SSL_CTX *ctx, const char *prio, bool cisco)
{
	long max = 0;

	if (strstr(prio, "-VERS-TLS1.3") || cisco)
		max = TLS1_2_VERSION;
	if (strstr(prio, "%SERVER_PRECEDENCE"))
		SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (max)
		SSL_CTX_set_max_proto_version(ctx, max);
}

/* Optional certificates: a chain that does not verify is remembered, not fatal, so main
 * can choose between a password form and a refusal. */
static int verify_remember(int ok, X509_STORE_CTX *st)
{
	if (!ok && g_verify_error == X509_V_OK)
		g_verify_error = X509_STORE_CTX_get_error(st);
	return 1;
}

static int verify_required(int ok, X509_STORE_CTX *st)
{
	if (!ok && g_verify_error == X509_V_OK)
		g_verify_error = X509_STORE_CTX_get_error(st);
	return ok;
}

/* Ask for a client certificate: the CA names of ca-cert in the request, chains checked
 * against it and against the CRL (read now, at spawn: a reload reaches new workers). */
static int setup_client_certs(struct tls_conn *t, const struct ipc_worker_init *in)
{
	STACK_OF(X509_NAME) * names;
	int mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;

	str_copy(t->cert_user_oid, sizeof(t->cert_user_oid), in->cert_user_oid);
	str_copy(t->cert_group_oid, sizeof(t->cert_group_oid), in->cert_group_oid);
	if (SSL_CTX_load_verify_locations(t->ctx, in->ca_file, NULL) != 1 ||
	    !(names = SSL_load_client_CA_file(in->ca_file))) {
		log_err("cannot load ca-cert %s", in->ca_file);
		return ERR_TLS;
	}
	SSL_CTX_set_client_CA_list(t->ctx, names);
	if (in->crl_file[0]) {
		X509_STORE *store = SSL_CTX_get_cert_store(t->ctx);
		X509_LOOKUP *lu = X509_STORE_add_lookup(store, X509_LOOKUP_file());

		if (!lu || X509_load_crl_file(lu, in->crl_file, X509_FILETYPE_PEM) <= 0) {
			log_err("cannot load crl %s", in->crl_file);
			return ERR_TLS;
		}
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	}
	if (in->cert_mode == IPC_CERT_REQUIRED)
		SSL_CTX_set_verify(t->ctx, mode | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_required);
	else
		SSL_CTX_set_verify(t->ctx, mode, verify_remember);
	/* A resumed session skips the chain and CRL check: full handshakes only. */
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(t->ctx, 0);
	SSL_CTX_set_session_id_context(t->ctx, (const unsigned char *)"cstpd", 5);
	return 0;
}

/* After the handshake: is there a client certificate, does it verify, whom does it name? */
static void read_client_cert(struct tls_conn *t)
{
	X509 *peer = SSL_get1_peer_certificate(t->ssl);
	long vr = SSL_get_verify_result(t->ssl);
	size_t n = 0;
	int r;

	t->cert_status = IPC_CERTST_NONE;
	if (!peer)
		return;
	t->cert_status = IPC_CERTST_INVALID;
	if (vr == X509_V_OK)
		vr = g_verify_error;
	if (vr != X509_V_OK) {
		log_notice("client certificate not accepted: %s",
			   X509_verify_cert_error_string(vr));
		goto out;
	}
	if ((r = certid_user(peer, t->cert_user_oid, t->cert_user)) != 0) {
		log_notice("client certificate without a usable user name in %s (%s)",
			   t->cert_user_oid, err_str(r));
		goto out;
	}
	if (t->cert_group_oid[0] &&
	    certid_groups(peer, t->cert_group_oid, t->cert_groups, IPC_GROUPS_MAX, &n) == 0)
		t->n_cert_groups = (uint32_t)n;
	t->cert_status = IPC_CERTST_VALID;
	log_info("client certificate of '%s' verified", t->cert_user);
out:
	X509_free(peer);
}

int tls_setup(struct tls_conn *t, const struct ipc_worker_init *init)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
	t->ctx = SSL_CTX_new(TLS_server_method());
	if (!t->ctx)
		goto fail;
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	/* A client that drops TCP without close_notify is normal (openconnect does). */
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
					    SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* Read whole runs of records per recv() instead of a header and a body each. */
	SSL_CTX_set_read_ahead(t->ctx, 1);
	SSL_CTX_set_default_read_buffer_len(t->ctx, TLS_READ_BUFFER);
	apply_priorities(t->ctx, init->tls_priorities, init->flags & IPC_WF_CISCO_COMPAT);
	if (SSL_CTX_use_certificate_chain_file(t->ctx, init->cert_file) != 1) {
		log_err("cannot load server-cert %s", init->cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, init->key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(t->ctx) != 1) {
		log_err("cannot load server-key %s (or it does not match the certificate)",
			init->key_file);
		goto fail;
	}
	/* Workers are separate processes: resumption across them works through tickets
	 * sealed with a key that main shares with every worker. */
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	if (init->cert_mode != IPC_CERT_OFF && init->ca_file[0]) {
		if (setup_client_certs(t, init) != 0)
			goto fail;
	} else if (SSL_CTX_set_tlsext_ticket_keys(t->ctx, (void *)init->ticket_key,
						  sizeof(init->ticket_key)) != 1) {
		goto fail;
	}
	return compute_cert_hash(t);
fail:
	tls_log_errors(LOG_LVL_ERR, "TLS set-up");
	SSL_CTX_free(t->ctx);
	t->ctx = NULL;
	return ERR_TLS;
}

/* Wait for the socket per OpenSSL's wish; ERR_TIMEOUT when the deadline passes. */
static int wait_io(struct tls_conn *t, int ssl_err, uint64_t deadline)
{
	struct pollfd p = { .fd = t->fd };
	uint64_t now = now_ms();
	int r;

	if (now >= deadline)
		return ERR_TIMEOUT;
	p.events = ssl_err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
	r = poll(&p, 1, (int)(deadline - now));
	if (r == 0)
		return ERR_TIMEOUT;
	if (r < 0 && errno != EINTR)
		return ERR_SYS;
	return 0;
}

static int map_error(struct tls_conn *t, int ret, const char *what)
{
	int e = SSL_get_error(t->ssl, ret);

	if (e == SSL_ERROR_ZERO_RETURN)
		return ERR_PEER_CLOSED;
	if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
		return ERR_PEER_CLOSED;
	tls_log_errors(LOG_LVL_INFO, what);
	return ERR_TLS;
}

int tls_handshake(struct tls_conn *t, int fd, uint64_t deadline)
{
	int r;

	t->fd = fd;
	t->ssl = SSL_new(t->ctx);
	if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1)
		return ERR_TLS;
	for (;;) {
		int ret = SSL_accept(t->ssl);
		int e;

		if (ret == 1)
			break;
		e = SSL_get_error(t->ssl, ret);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return map_error(t, ret, "TLS handshake");
		if ((r = wait_io(t, e, deadline)) != 0)
			return r;
	}
	str_copy(t->version, sizeof(t->version), SSL_get_version(t->ssl));
	str_copy(t->cipher, sizeof(t->cipher), SSL_get_cipher_name(t->ssl));
	if (SSL_CTX_get_verify_mode(t->ctx) != SSL_VERIFY_NONE)
		read_client_cert(t);
	return 0;
}

int tls_read(struct tls_conn *t, void *buf, size_t n, size_t *got, uint64_t deadline)
{
	int r;

	*got = 0;
	for (;;) {
		size_t k = 0;
		int ret = SSL_read_ex(t->ssl, buf, n, &k);
		int e;

		if (ret == 1) {
			*got = k;
			return 0;
		}
		e = SSL_get_error(t->ssl, ret);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return map_error(t, ret, "TLS read");
		if ((r = wait_io(t, e, deadline)) != 0)
			return r;
	}
}

int tls_write_all(struct tls_conn *t, const void *buf, size_t n, uint64_t deadline)
{
	const uint8_t *p = buf;
	int r;

	while (n) {
		size_t k = 0;
		int ret = SSL_write_ex(t->ssl, p, n, &k);
		int e;

		if (ret == 1) {
			p += k;
			n -= k;
			continue;
		}
		e = SSL_get_error(t->ssl, ret);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return map_error(t, ret, "TLS write");
		if ((r = wait_io(t, e, deadline)) != 0)
			return r;
	}
	return 0;
}

void tls_close(struct tls_conn *t)
{
	if (t->ssl) {
		SSL_shutdown(t->ssl);
		SSL_free(t->ssl);
	}
	SSL_CTX_free(t->ctx);
	t->ssl = NULL;
	t->ctx = NULL;
}
