/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RADIUS authentication and accounting through libradcli. radcli's calls block for up to
 * radius_timeout x radius_retries per server, so these run only inside the auth helper
 * processes, never on main's loop. Process: helper. */
#ifndef CSTPD_MAIN_RADIUS_H
#define CSTPD_MAIN_RADIUS_H

#include "ipc.h"

/* Send an Access-Request for req (User-Name, User-Password, State of a challenge being
 * answered, Acct-Session-Id, NAS-Identifier, Calling-Station-Id) and fill rep: OK with
 * groups from Class and, with groupconfig, the session settings; CHALLENGE with the State
 * and Reply-Message; FAILED with Reply-Message; UNAVAILABLE when no server answered (the
 * servers tried are logged). Blocks. */
void radius_auth(const struct ipc_helper_auth_req *req, struct ipc_helper_auth_rep *rep);
/* Send one Accounting-Request (with failover as radcli does). 0 when a server
 * acknowledged it, ERR_TIMEOUT when none did, ERR_SYS for a bad client config. Blocks. */
int radius_acct(const struct ipc_helper_acct_req *req);

#endif
