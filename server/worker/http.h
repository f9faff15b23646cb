/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading requests from and writing responses to the TLS connection. Process: worker. */
#ifndef CSTPD_WORKER_HTTP_H
#define CSTPD_WORKER_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "worker.h"

/* Read until w->http.req holds a whole request. On malformed or oversize input a 400 is
 * sent here. 0, or a negative ERR_* code (the connection must then be closed). Blocks. */
int http_next_request(struct worker *w);

struct http_resp {
	int status;
	const char *reason;
	const char *content_type; /* NULL = no body type */
	const char *headers;	  /* extra "Name: value\r\n" lines, or NULL */
	const void *body;
	size_t body_len;
	bool close; /* send Connection: close */
};

/* Send a whole response in one write. 0 or a negative ERR_* code. Blocks. */
int http_send(struct worker *w, const struct http_resp *r);
/* A small HTML error page (404, 400, 401 ...) with Connection: close. */
int http_send_error(struct worker *w, int status, const char *reason);

#endif
