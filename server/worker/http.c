/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading requests from and writing responses to the TLS connection. Process: worker. */
#include "http.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "log.h"

int http_next_request(struct worker *w)
{
	int r;

	http_parser_reset(&w->http);
	for (;;) {
		size_t used = 0, got = 0;

		if (w->in_off < w->in_len) {
			r = http_parser_feed(&w->http, w->in + w->in_off, w->in_len - w->in_off,
					     &used);
			w->in_off += used;
			if (r == 0)
				return 0;
			if (r != ERR_TRUNCATED) {
				log_info("malformed HTTP request (%s)", err_str(r));
				http_send_error(w, 400, "Bad Request");
				return r;
			}
		}
		w->in_off = w->in_len = 0;
		r = tls_read(&w->tls, w->in, sizeof(w->in), &got, w->deadline);
		if (r != 0)
			return r;
		w->in_len = got;
	}
}

int http_send(struct worker *w, const struct http_resp *r)
{
	static uint8_t out[HTTP_BODY_MAX + 8192];
	struct buf_wr wr;
	int rc;

	buf_wr_init(&wr, out, sizeof(out));
	rc = buf_printf(&wr, "HTTP/1.1 %d %s\r\n", r->status, r->reason);
	if (!rc && r->content_type)
		rc = buf_printf(&wr, "Content-Type: %s\r\n", r->content_type);
	if (!rc)
		rc = buf_printf(&wr, "Content-Length: %zu\r\n", r->body_len);
	if (!rc)
		rc = buf_put_str(&wr,
				 r->close ? "Connection: close\r\n" : "Connection: Keep-Alive\r\n");
	if (!rc && r->headers)
		rc = buf_put_str(&wr, r->headers);
	if (!rc)
		rc = buf_put_str(&wr, "\r\n");
	if (!rc && r->body_len)
		rc = buf_put_bytes(&wr, r->body, r->body_len);
	if (rc)
		return rc;
	return tls_write_all(&w->tls, wr.p, wr.len, w->deadline);
}

int http_send_error(struct worker *w, int status, const char *reason)
{
	char body[256];
	struct http_resp r = { 0 };
	int n = snprintf(
		body, sizeof(body),
		"<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>\n",
		status, reason, status, reason);

	r.status = status;
	r.reason = reason;
	r.content_type = "text/html";
	r.body = body;
	r.body_len = (size_t)n;
	r.close = true;
	return http_send(w, &r);
}
