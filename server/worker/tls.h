/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The worker's TLS connection: context set-up from the init message, handshake and
 * blocking I/O with deadlines (pre-tunnel phase). Process: worker. */
#ifndef CSTPD_WORKER_TLS_H
#define CSTPD_WORKER_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "ipc.h"

struct tls_conn {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;		    /* borrowed: the client socket */
	char cert_hash[41]; /* SHA-1 of the server certificate, upper-case hex */
	char version[16];   /* "TLSv1.3" after the handshake */
	char cipher[64];
	/* The client certificate, after the handshake (when init asked for one). */
	uint32_t cert_status; /* enum ipc_cert_status */
	char cert_user[IPC_NAME_MAX + 1];
	uint32_t n_cert_groups;
	char cert_groups[IPC_GROUPS_MAX][IPC_NAME_MAX + 1];
	char cert_user_oid[IPC_NAME_MAX + 1]; /* from init: where the identity sits */
	char cert_group_oid[IPC_NAME_MAX + 1];
};

/* Build the context: certificate and key (read now, before privileges are dropped), the
 * shared session-ticket key, protocol versions; with init->cert_mode, the client
 * certificate request (ca-cert names, CRL). 0 or ERR_TLS (logged). */
int tls_setup(struct tls_conn *t, const struct ipc_worker_init *init);
/* Run the server handshake on fd until deadline (now_ms() clock); then cert_status,
 * cert_user and cert_groups say what the client certificate proved. 0, ERR_TIMEOUT,
 * ERR_PEER_CLOSED or ERR_TLS. Blocks. */
int tls_handshake(struct tls_conn *t, int fd, uint64_t deadline);
/* Read up to n bytes (at least one) before deadline. 0 with *got set, ERR_PEER_CLOSED,
 * ERR_TIMEOUT or ERR_TLS. Blocks. */
int tls_read(struct tls_conn *t, void *buf, size_t n, size_t *got, uint64_t deadline);
/* Write all n bytes as one record sequence before deadline. 0, ERR_TIMEOUT, ERR_TLS. */
int tls_write_all(struct tls_conn *t, const void *buf, size_t n, uint64_t deadline);
/* Send close_notify (best effort) and free everything. */
void tls_close(struct tls_conn *t);

#endif
