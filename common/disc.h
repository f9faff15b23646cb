/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Why a tunnel ended: carried from worker to main (IPC_WORKER_BYE) and main to worker
 * (IPC_TERMINATE), logged, and used to decide whether the session survives. Process: any. */
#ifndef CSTPD_COMMON_DISC_H
#define CSTPD_COMMON_DISC_H

#include <stdbool.h>

enum disc_reason {
	DISC_NONE = 0,
	DISC_USER = 1,		  /* client DISCONNECT with reason 0xb0: log out */
	DISC_PEER_CLOSED = 2,	  /* TCP/TLS closed or reset, or DISCONNECT with another reason */
	DISC_DPD = 3,		  /* the peer stopped answering */
	DISC_IDLE = 4,		  /* idle-timeout */
	DISC_SESSION_TIMEOUT = 5, /* session-timeout */
	DISC_TERMINATED = 6,	  /* server shutdown or admin disconnect */
	DISC_PROTOCOL = 7,	  /* the peer broke the CSTP rules */
	DISC_ERROR = 8,		  /* local error */
	DISC_TAKEOVER = 9,	  /* the client reconnected on another connection */
	DISC_MAX = 9,
};

/* Short name for logs ("user-disconnect"). */
const char *disc_str(unsigned reason);
/* True when the session must end with the tunnel (no reconnect allowed). */
bool disc_ends_session(unsigned reason);

#endif
