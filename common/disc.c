/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tunnel end reasons. Process: any. */
#include "disc.h"

const char *disc_str(unsigned reason)
{
	static const char *const names[] = {
		"none",		"user-disconnect", "peer-closed", "dpd-timeout",
		"idle-timeout", "session-timeout", "terminated",  "protocol-error",
		"error",	"taken-over",
	};

	return reason <= DISC_MAX ? names[reason] : "unknown";
}

bool disc_ends_session(unsigned reason)
{
	return reason == DISC_USER || reason == DISC_IDLE || reason == DISC_SESSION_TIMEOUT ||
	       reason == DISC_TERMINATED;
}
