/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Incremental parser for the HTTP/1.x requests of AnyConnect clients (PROTOCOL.md §1).
 * Process: worker. */
#ifndef CSTPD_COMMON_HTTPPARSE_H
#define CSTPD_COMMON_HTTPPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_LINE_MAX  8192  /* request line or one header line, CRLF included */
#define HTTP_HEAD_MAX  32768 /* all header bytes of one request */
#define HTTP_BODY_MAX  65536 /* Content-Length cap */
#define HTTP_XHDR_MAX  48    /* stored X-CSTP-* / X-DTLS* / X-AnyConnect-* headers */
#define HTTP_NAME_MAX  255   /* longest header name accepted at all */
#define HTTP_EMPTY_MAX 4     /* blank lines tolerated before a request line (RFC 7230 3.5) */

enum http_method {
	HTTP_M_OTHER = 0,
	HTTP_M_GET = 1,
	HTTP_M_POST = 2,
	HTTP_M_CONNECT = 3,
	HTTP_M_HEAD = 4,
};

enum http_ua {
	HTTP_UA_UNKNOWN = 0,
	HTTP_UA_OPENCONNECT = 1,
	HTTP_UA_OPENCONNECT_V3 = 2, /* "Open AnyConnect VPN Agent v" with major version <= 3 */
	HTTP_UA_OPENCONNECT_FRONTEND = 3,
	HTTP_UA_CISCO_IOS = 4,
	HTTP_UA_CISCO_MOBILE = 5,
	HTTP_UA_ANYCONNECT = 6,
	HTTP_UA_OTHER_COMPAT = 7,
};

/* One stored header; its value is the NUL-terminated string at req->xvals + off. */
struct http_xhdr {
	char name[64];
	uint16_t off;
	uint16_t len;
};

/* A parsed request. Callers read every field once http_parser_feed() returned 0. */
struct http_req {
	enum http_method method;
	char path[2048];   /* target as sent; starts with '/' except CONNECT "CSCOSSLC/tunnel" */
	int version_minor; /* HTTP/1.0 -> 0, HTTP/1.1 -> 1 */
	bool has_host;
	char host[256];
	char user_agent[512];
	enum http_ua ua; /* from User-Agent, PROTOCOL.md §1.4 order */
	char content_type[128];
	bool has_content_length;
	size_t content_length;
	bool conn_close;       /* "Connection: close", or HTTP/1.0 without keep-alive */
	bool expect_continue;  /* Expect: 100-continue */
	bool x_aggregate_auth; /* X-Aggregate-Auth: 1 */
	bool has_webvpn;
	char webvpn[256]; /* Cookie: webvpn=... (value only; secret) */
	bool has_webvpncontext;
	char webvpncontext[128];
	char xvals[8192]; /* storage for stored header values */
	size_t xvals_len;
	struct http_xhdr xhdr[HTTP_XHDR_MAX];
	size_t n_xhdr;
	uint8_t body[HTTP_BODY_MAX]; /* may hold a password: see http_parser_wipe() */
	size_t body_len;
	/* Download headers (RFC 7232, 7233), trimmed. A value too long to keep counts as absent,
	 * which only costs a full 200 reply; If-Range then reads as present but empty so that
	 * it can never validate a Range. Range, If-Modified-Since and If-Range must not repeat;
	 * repeated If-None-Match lines are joined with ", ". */
	bool has_if_none_match;
	char if_none_match[512];
	bool has_if_modified_since;
	char if_modified_since[64];
	bool has_range;
	char range[128];
	bool has_if_range;
	char if_range[128];
};

/* Parser state; callers read only `req`, and only after a complete request. */
struct http_parser {
	int state;		     /* private */
	int err;		     /* private: sticky error once the parser failed */
	unsigned n_empty;	     /* private: blank lines skipped before the request line */
	bool keep_alive;	     /* private: "Connection: keep-alive" seen */
	unsigned seen;		     /* private: single-instance headers already seen */
	size_t line_len;	     /* private: bytes accumulated in line[] */
	size_t head_bytes;	     /* private: header bytes consumed so far */
	char line[HTTP_LINE_MAX];    /* private */
	char scratch[HTTP_LINE_MAX]; /* private */
	struct http_req req;
};

/* Reset for the next request on the connection (keep-alive); also the first-time init.
 * The previous request's body and cookies are cleared. Cannot fail. */
void http_parser_init(struct http_parser *p);
/* The same for a parser that was initialised (or zero-filled, as a static one is) before:
 * clears only what the previous request used, so the untouched parts of the ~100 KiB
 * struct cost no memory. Cannot fail. */
void http_parser_reset(struct http_parser *p);
/* Wipe everything the parser holds (cookies, bodies with passwords); call before freeing. */
void http_parser_wipe(struct http_parser *p);
/* Feed bytes. 0: a whole request (head + Content-Length body) is parsed and *consumed bytes
 * of data belong to it (the rest belong to the next request). ERR_TRUNCATED: all bytes were
 * consumed, more are needed. ERR_FORMAT (answer 400 and close) or ERR_TOO_LARGE (a limit was
 * exceeded; 400/413 and close): the error sticks until http_parser_init(), and so does a
 * complete request (later feeds consume nothing and return 0). Never blocks. */
int http_parser_feed(struct http_parser *p, const uint8_t *data, size_t len, size_t *consumed);
/* The idx-th (0-based) value of a stored header, name compared case-insensitively; NULL when
 * absent. The string lives inside r. */
const char *http_req_xhdr(const struct http_req *r, const char *name, unsigned idx);
/* Short constant name of a client family for logs ("openconnect", "anyconnect"); never NULL. */
const char *http_ua_name(enum http_ua ua);
/* Classify a User-Agent string (PROTOCOL.md §1.4); exposed for tests. */
enum http_ua http_ua_classify(const char *user_agent);

#endif
