/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CONNECT /CSCOSSLC/tunnel and the CSTP data path between the tun device and TLS.
 * Process: worker. */
#ifndef CSTPD_WORKER_TUNNEL_H
#define CSTPD_WORKER_TUNNEL_H

#include "worker.h"

/* Handle the CONNECT in w->http.req: ask main for the session, answer the client, and
 * carry the tunnel until it ends. Returns when the connection must close (0 or ERR_*). */
int tunnel_connect(struct worker *w);

#endif
