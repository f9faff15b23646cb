/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the DTLS ClientHello session-id extractor. */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "dtlshello.h"
#include "err.h"
#include "tap.h"

/* A real ClientHello from OpenSSL's DTLS client offering a session with id `sid`, the way
 * openconnect's OpenSSL build carries the App-ID (PROTOCOL.md §5.4). */
static size_t openssl_hello(const uint8_t *sid, size_t sid_len, uint8_t *out, size_t cap)
{
	SSL_CTX *ctx = SSL_CTX_new(DTLS_client_method());
	SSL *ssl;
	SSL_SESSION *sess = SSL_SESSION_new();
	BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	uint8_t key[48] = { 1 };
	int n;

	SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
	SSL_CTX_set_cipher_list(ctx, "PSK:AES128-SHA");
	ssl = SSL_new(ctx);
	SSL_SESSION_set1_id(sess, sid, (unsigned)sid_len);
	SSL_SESSION_set1_master_key(sess, key, sizeof(key));
	SSL_SESSION_set_cipher(sess, SSL_CIPHER_find(ssl, (const unsigned char *)"\x00\x2f"));
	SSL_SESSION_set_protocol_version(sess, DTLS1_2_VERSION);
	SSL_set_session(ssl, sess);
	SSL_set_bio(ssl, rb, wb);
	SSL_connect(ssl);
	n = BIO_read(wb, out, (int)cap);
	SSL_SESSION_free(sess);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return n > 0 ? (size_t)n : 0;
}

/* Hand-made minimal ClientHello: record + handshake header + body. */
static size_t make_hello(uint8_t *p, uint8_t sid_len, const uint8_t *sid, int frag, int zero_rand,
			 const uint8_t *ext, size_t ext_len)
{
	size_t body = 2 + 32 + 1 + sid_len + 1 + 2 + 2 + 1 + 1 + (ext ? 2 + ext_len : 0);
	size_t o = 0;

	p[o++] = 22;
	p[o++] = 0xfe, p[o++] = 0xfd;
	p[o++] = 0, p[o++] = 0;
	memset(p + o, 0, 6), o += 6;
	p[o++] = (uint8_t)((12 + body) >> 8), p[o++] = (uint8_t)(12 + body);
	p[o++] = 1;
	p[o++] = 0, p[o++] = (uint8_t)(body >> 8), p[o++] = (uint8_t)body;
	p[o++] = 0, p[o++] = 0;
	p[o++] = 0, p[o++] = 0, p[o++] = (uint8_t)(frag ? 1 : 0);
	p[o++] = 0, p[o++] = (uint8_t)(body >> 8), p[o++] = (uint8_t)body;
	p[o++] = 0xfe, p[o++] = 0xfd;
	memset(p + o, zero_rand ? 0 : 0x5a, 32), o += 32;
	p[o++] = sid_len;
	if (sid_len)
		memcpy(p + o, sid, sid_len), o += sid_len;
	p[o++] = 0;		/* cookie */
	p[o++] = 0, p[o++] = 2; /* suites */
	p[o++] = 0x00, p[o++] = 0x2f;
	p[o++] = 1, p[o++] = 0; /* compression */
	if (ext) {
		p[o++] = (uint8_t)(ext_len >> 8), p[o++] = (uint8_t)ext_len;
		memcpy(p + o, ext, ext_len), o += ext_len;
	}
	return o;
}

int main(void)
{
	uint8_t sid[32], id[DTLSHELLO_ID_MAX], dg[2048], copy[2048];
	size_t n, id_len;
	int bad_accept = 0, positive = 0;

	for (int i = 0; i < 32; i++)
		sid[i] = (uint8_t)(0xa0 + i);

	n = openssl_hello(sid, 32, dg, sizeof(dg));
	ok(n > 60, "OpenSSL produced a ClientHello (%zu bytes)", n);
	is_int(dtlshello_session_id(dg, n, id, &id_len), 0, "parse OpenSSL's ClientHello");
	is_int(id_len, 32, "32-byte session id");
	ok(memcmp(id, sid, 32) == 0, "the App-ID comes back");

	/* Truncation at every offset never yields a session id. */
	for (size_t cut = 0; cut < n; cut++)
		if (dtlshello_session_id(dg, cut, id, &id_len) == 0)
			bad_accept++;
	is_int(bad_accept, 0, "no truncated ClientHello parses");
	/* Every bit flip gives 0 or a clean negative code. */
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++) {
			memcpy(copy, dg, n);
			copy[i] ^= (uint8_t)(1u << b);
			if (dtlshello_session_id(copy, n, id, &id_len) > 0)
				positive++;
		}
	is_int(positive, 0, "bit flips give clean results");

	n = make_hello(dg, 32, sid, 0, 0, NULL, 0);
	is_int(dtlshello_session_id(dg, n, id, &id_len), 0, "hand-made hello");
	ok(id_len == 32 && memcmp(id, sid, 32) == 0, "its id");
	n = make_hello(dg, 16, sid, 0, 0, NULL, 0);
	is_int(dtlshello_session_id(dg, n, id, &id_len), 0, "16-byte id");
	is_int(id_len, 16, "length 16");
	n = make_hello(dg, 32, sid, 1, 0, NULL, 0);
	is_int(dtlshello_session_id(dg, n, id, &id_len), ERR_FORMAT, "fragmented refused");
	n = make_hello(dg, 32, sid, 0, 1, NULL, 0);
	is_int(dtlshello_session_id(dg, n, id, &id_len), ERR_FORMAT, "all-zero random refused");
	n = make_hello(dg, 32, sid, 0, 0, NULL, 0);
	dg[0] = 23;
	is_int(dtlshello_session_id(dg, n, id, &id_len), ERR_FORMAT, "application data refused");
	n = make_hello(dg, 32, sid, 0, 0, NULL, 0);
	dg[4] = 1;
	is_int(dtlshello_session_id(dg, n, id, &id_len), ERR_FORMAT, "epoch 1 refused");
	n = make_hello(dg, 32, sid, 0, 0, NULL, 0);
	dg[1] = 0x03, dg[2] = 0x03;
	is_int(dtlshello_session_id(dg, n, id, &id_len), ERR_FORMAT, "TLS record version refused");
	n = make_hello(dg, 32, sid, 0, 0, NULL, 0);
	dg[13] = 2;
	is_int(dtlshello_session_id(dg, n, id, &id_len), ERR_FORMAT, "ServerHello refused");
	n = make_hello(dg, 32, sid, 0, 0, NULL, 0);
	dg[59] = 33;
	ok(dtlshello_session_id(dg, n, id, &id_len) < 0, "id length 33 refused");
	n = make_hello(dg, 32, sid, 0, 0, NULL, 0);
	dg[11] = 0xff, dg[12] = 0xff;
	is_int(dtlshello_session_id(dg, n, id, &id_len), ERR_TRUNCATED,
	       "record length beyond the datagram");
	{
		/* Early openconnect: empty session id, App-ID in extension 48018. */
		uint8_t ext[4 + 1 + 32] = { 0xbb, 0x92, 0, 33, 32 };

		memcpy(ext + 5, sid, 32);
		n = make_hello(dg, 0, NULL, 0, 0, ext, sizeof(ext));
		is_int(dtlshello_session_id(dg, n, id, &id_len), 0, "App-ID extension");
		ok(id_len == 32 && memcmp(id, sid, 32) == 0, "the extension's id");
		ext[4] = 40;
		n = make_hello(dg, 0, NULL, 0, 0, ext, sizeof(ext));
		ok(dtlshello_session_id(dg, n, id, &id_len) < 0, "oversize App-ID refused");
		n = make_hello(dg, 0, NULL, 0, 0, NULL, 0);
		is_int(dtlshello_session_id(dg, n, id, &id_len), ERR_FORMAT,
		       "no id at all refused");
	}
	is_int(dtlshello_session_id(dg, 0, id, &id_len), ERR_TRUNCATED, "empty datagram");
	return done_testing();
}
