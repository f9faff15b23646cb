/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Names of the error codes. Process: any. */
#include "err.h"

const char *err_str(int code)
{
	switch (code) {
	case ERR_OK:
		return "OK";
	case ERR_INTERNAL:
		return "ERR_INTERNAL";
	case ERR_NOMEM:
		return "ERR_NOMEM";
	case ERR_SYS:
		return "ERR_SYS";
	case ERR_TRUNCATED:
		return "ERR_TRUNCATED";
	case ERR_FORMAT:
		return "ERR_FORMAT";
	case ERR_TOO_LARGE:
		return "ERR_TOO_LARGE";
	case ERR_RANGE:
		return "ERR_RANGE";
	case ERR_DENIED:
		return "ERR_DENIED";
	case ERR_TLS:
		return "ERR_TLS";
	case ERR_PEER_CLOSED:
		return "ERR_PEER_CLOSED";
	case ERR_TIMEOUT:
		return "ERR_TIMEOUT";
	}
	return "ERR_UNKNOWN";
}
