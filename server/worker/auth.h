/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The login dialogue: aggregate-auth XML (and the legacy form flow) over HTTP; passwords
 * are checked by main. Process: worker. */
#ifndef CSTPD_WORKER_AUTH_H
#define CSTPD_WORKER_AUTH_H

#include <stdbool.h>

#include "worker.h"

/* Handle a POST (XML init / auth-reply / logout, or a legacy form). *close is set when
 * the connection must end after the reply. 0 or a negative ERR_* code. */
int auth_handle_post(struct worker *w, bool *close);
/* GET of the login page: the legacy form (PROTOCOL.md §2.6). */
int auth_handle_get(struct worker *w, bool *close);

#endif
