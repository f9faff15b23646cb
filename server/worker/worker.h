/* SPDX-License-Identifier: GPL-2.0-or-later */
/* State of one worker process (one client connection). Process: worker. */
#ifndef CSTPD_WORKER_WORKER_H
#define CSTPD_WORKER_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpparse.h"
#include "ipc.h"
#include "tls.h"

#define WORKER_CLIENT_FD    3 /* descriptors main places before exec */
#define WORKER_IPC_FD	    4
#define WORKER_MAX_REQUESTS 32 /* HTTP requests served on one connection */

struct worker {
	struct ipc_worker_init init;
	struct tls_conn tls;
	struct http_parser http;
	uint64_t deadline; /* now_ms() bound of the pre-tunnel phase */
	uint8_t in[16384]; /* bytes read from TLS, not yet parsed */
	size_t in_off, in_len;
	uint32_t ipc_seq;
	unsigned auth_rounds;
	bool authed;
	char user[IPC_NAME_MAX + 1];
	char aggauth_handle[16];
};

/* Send a request to main and wait (until w->deadline) for the reply of type rep_type.
 * The request's secrets are wiped. 0, ERR_TIMEOUT, ERR_PEER_CLOSED or ERR_FORMAT. */
int worker_ipc_call(struct worker *w, uint16_t type, void *msg, uint16_t rep_type, void *rep,
		    size_t rep_size);
/* Same, keeping a descriptor that came with the reply in *fd (-1 when none). */
int worker_ipc_call_fd(struct worker *w, uint16_t type, void *msg, uint16_t rep_type, void *rep,
		       size_t rep_size, int *fd);

#endif
