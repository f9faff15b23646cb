/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one error space of cstpd: negative codes returned by every fallible call. Process: any. */
#ifndef CSTPD_COMMON_ERR_H
#define CSTPD_COMMON_ERR_H

enum err_code {
	ERR_OK = 0,
	ERR_INTERNAL = -1,
	ERR_NOMEM = -2,
	ERR_SYS = -3,	    /* errno holds the cause */
	ERR_TRUNCATED = -4, /* more bytes are needed */
	ERR_FORMAT = -5,    /* the bytes are not what the format allows */
	ERR_TOO_LARGE = -6, /* a size limit was hit */
	ERR_RANGE = -7,	    /* a number or enum is out of its range */
	ERR_DENIED = -8,    /* authentication or authorisation refused */
	ERR_TLS = -9,	    /* TLS/DTLS failure (the OpenSSL queue was logged) */
	ERR_PEER_CLOSED = -10,
	ERR_TIMEOUT = -11,
};

/* Name of an error code ("ERR_FORMAT"); never NULL. */
const char *err_str(int code);

#endif
