/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Incremental, bounded HTTP/1.x request parser for the worker's TLS connection.
 * Process: worker. */
#include "httpparse.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "secmem.h"
#include "strutil.h"

enum parse_state {
	PS_REQLINE = 0,
	PS_HEADER = 1,
	PS_BODY = 2,
	PS_DONE = 3,
	PS_ERROR = 4,
};

/* Headers that must not repeat: two different values would let a proxy in front of us and
 * this parser disagree about the request (RFC 7230 3.3.2, 5.4). */
enum seen_hdr {
	SEEN_HOST = 1u << 0,
	SEEN_UA = 1u << 1,
	SEEN_CTYPE = 1u << 2,
	SEEN_RANGE = 1u << 3,
	SEEN_IMS = 1u << 4,
	SEEN_IF_RANGE = 1u << 5,
	SEEN_INM_DROPPED = 1u << 6, /* not a header: If-None-Match was too long to keep */
};

static const char *const xhdr_prefixes[] = { "X-CSTP-", "X-DTLS-", "X-DTLS12-", "X-AnyConnect-" };

/* Zero bytes [from, to) of the request (counters and the padding around them). */
static void clear_between(struct http_req *r, size_t from, size_t to)
{
	memset((char *)r + from, 0, to - from);
}

void http_parser_init(struct http_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->state = PS_REQLINE;
}

void http_parser_reset(struct http_parser *p)
{
	struct http_req *r = &p->req;
	size_t body = r->body_len < sizeof(r->body) ? r->body_len : sizeof(r->body);
	size_t xv = r->xvals_len < sizeof(r->xvals) ? r->xvals_len : sizeof(r->xvals);
	size_t nx = r->n_xhdr < HTTP_XHDR_MAX ? r->n_xhdr : HTTP_XHDR_MAX;

	/* Clear what the last request used rather than all ~100 KiB: every page a memset
	 * touches stays in the worker's memory for the rest of its life. */
	secmem_wipe(r->body, body);
	secmem_wipe(r->xvals, xv);
	memset(r->xhdr, 0, nx * sizeof(r->xhdr[0]));
	secmem_wipe(p->line, sizeof(p->line));
	secmem_wipe(p->scratch, sizeof(p->scratch));
	memset(r, 0, offsetof(struct http_req, xvals));
	clear_between(r, offsetof(struct http_req, xvals) + sizeof(r->xvals),
		      offsetof(struct http_req, xhdr));
	clear_between(r, offsetof(struct http_req, xhdr) + sizeof(r->xhdr),
		      offsetof(struct http_req, body));
	clear_between(r, offsetof(struct http_req, body) + sizeof(r->body), sizeof(*r));
	p->err = 0;
	p->n_empty = 0;
	p->keep_alive = false;
	p->seen = 0;
	p->line_len = 0;
	p->head_bytes = 0;
	p->state = PS_REQLINE;
}

void http_parser_wipe(struct http_parser *p)
{
	secmem_wipe(p, sizeof(*p));
	p->state = PS_REQLINE;
}

/* RFC 7230 3.2.6 tchar. */
static bool is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}
/* Move past a token (RFC 7230 tchar+) of exactly n bytes and copy it into dst (size includes
 * the NUL). ERR_TOO_LARGE when it does not fit: the cursor has moved past it all the same. */
static int get_token(struct buf_rd *rd, size_t n, char *dst, size_t dst_size)
{
	struct buf_rd t, chk;
	uint8_t c;
	int r;

	dst[0] = '\0';
	if (n == 0)
		return ERR_FORMAT;
	if ((r = buf_sub(rd, n, &t)) != 0)
		return r;
	chk = t;
	while (buf_get_u8(&chk, &c) == 0) {
		if (!is_tchar(c))
			return ERR_FORMAT;
	}
	return buf_get_str(&t, n, dst, dst_size);
}

static enum http_method method_of(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return HTTP_M_GET;
	if (strcmp(m, "POST") == 0)
		return HTTP_M_POST;
	if (strcmp(m, "CONNECT") == 0)
		return HTTP_M_CONNECT;
	if (strcmp(m, "HEAD") == 0)
		return HTTP_M_HEAD;
	return HTTP_M_OTHER;
}

/* METHOD SP request-target SP HTTP-version (RFC 7230 3.1.1); only HTTP/1.0 and 1.1. */
static int parse_reqline(struct http_req *req, struct buf_rd *rd)
{
	char method[16], version[9];
	struct buf_rd target, chk;
	long at;
	uint8_t c;
	int r;

	if ((at = buf_find(rd, ' ')) <= 0)
		return ERR_FORMAT;
	/* A long method is still a valid token: it is simply not one we serve. */
	r = get_token(rd, (size_t)at, method, sizeof(method));
	if (r != 0 && r != ERR_TOO_LARGE)
		return r;
	req->method = method_of(method);
	buf_skip(rd, 1);

	if ((at = buf_find(rd, ' ')) <= 0)
		return ERR_FORMAT;
	if ((r = buf_sub(rd, (size_t)at, &target)) != 0)
		return r;
	buf_skip(rd, 1);
	chk = target;
	while (buf_get_u8(&chk, &c) == 0) {
		if (c < 0x21 || c > 0x7e)
			return ERR_FORMAT;
	}
	if ((r = buf_get_str(&target, buf_remaining(&target), req->path, sizeof(req->path))) != 0)
		return r;

	if (buf_remaining(rd) != 8 || buf_get_str(rd, 8, version, sizeof(version)) != 0)
		return ERR_FORMAT;
	if (strcmp(version, "HTTP/1.1") == 0)
		req->version_minor = 1;
	else if (strcmp(version, "HTTP/1.0") == 0)
		req->version_minor = 0;
	else
		return ERR_FORMAT;

	/* The Clavister client sends the CONNECT target without its leading slash. */
	if (req->path[0] != '/' &&
	    !(req->method == HTTP_M_CONNECT && strcmp(req->path, "CSCOSSLC/tunnel") == 0))
		return ERR_FORMAT;
	return 0;
}

static int parse_content_length(struct http_req *req, const char *v)
{
	struct buf_rd rd;
	size_t n = 0;
	bool big = false;
	uint8_t c;

	buf_rd_init(&rd, v, strlen(v));
	if (buf_remaining(&rd) == 0)
		return ERR_FORMAT;
	while (buf_get_u8(&rd, &c) == 0) {
		if (c < '0' || c > '9')
			return ERR_FORMAT;
		if (!big)
			n = n * 10 + (size_t)(c - '0');
		if (n > HTTP_BODY_MAX)
			big = true;
	}
	if (big)
		return ERR_TOO_LARGE;
	if (req->has_content_length && req->content_length != n)
		return ERR_FORMAT;
	req->has_content_length = true;
	req->content_length = n;
	return 0;
}

static void parse_connection(struct http_parser *p, const char *v)
{
	struct buf_rd rd, item;
	long at;

	buf_rd_init(&rd, v, strlen(v));
	while (buf_remaining(&rd)) {
		at = buf_find(&rd, ',');
		buf_sub(&rd, at < 0 ? buf_remaining(&rd) : (size_t)at, &item);
		if (at >= 0)
			buf_skip(&rd, 1);
		buf_trim(&item, false);
		if (buf_remaining(&item) == 5 &&
		    strncasecmp((const char *)buf_cur(&item), "close", 5) == 0)
			p->req.conn_close = true;
		if (buf_remaining(&item) == 10 &&
		    strncasecmp((const char *)buf_cur(&item), "keep-alive", 10) == 0)
			p->keep_alive = true;
	}
}

/* RFC 6265 cookie-octet, which keeps tokens free of separators and quoting tricks. */
static bool is_cookie_octet(uint8_t c)
{
	return c >= 0x21 && c <= 0x7e && c != ';' && c != ',' && c != '"' && c != '\\';
}

/* Store one cookie value; a bad or oversized one is ignored (the cookie then counts as
 * absent, which makes the caller answer 401), and the first good one wins. */
static void take_cookie(struct buf_rd *val, bool *has, char *dst, size_t dst_size)
{
	struct buf_rd chk = *val;
	uint8_t c;

	if (*has || buf_remaining(val) == 0)
		return;
	while (buf_get_u8(&chk, &c) == 0) {
		if (!is_cookie_octet(c))
			return;
	}
	if (buf_get_str(val, buf_remaining(val), dst, dst_size) == 0)
		*has = true;
}

static void parse_cookies(struct http_req *req, const char *v)
{
	struct buf_rd rd, item, name;
	long at;

	buf_rd_init(&rd, v, strlen(v));
	while (buf_remaining(&rd)) {
		at = buf_find(&rd, ';');
		buf_sub(&rd, at < 0 ? buf_remaining(&rd) : (size_t)at, &item);
		if (at >= 0)
			buf_skip(&rd, 1);
		buf_trim(&item, false);
		if ((at = buf_find(&item, '=')) < 0)
			continue;
		buf_sub(&item, (size_t)at, &name);
		buf_skip(&item, 1);
		if (buf_equals(&name, "webvpn", false))
			take_cookie(&item, &req->has_webvpn, req->webvpn, sizeof(req->webvpn));
		else if (buf_equals(&name, "webvpncontext", false))
			take_cookie(&item, &req->has_webvpncontext, req->webvpncontext,
				    sizeof(req->webvpncontext));
	}
}

static bool is_stored_header(const char *name)
{
	for (size_t i = 0; i < sizeof(xhdr_prefixes) / sizeof(xhdr_prefixes[0]); i++) {
		if (str_has_prefix_ci(name, xhdr_prefixes[i]))
			return true;
	}
	return false;
}

static int store_header(struct http_req *req, const char *name, const char *v)
{
	struct http_xhdr *x;
	size_t n = strlen(v);
	int r;

	if (req->n_xhdr >= HTTP_XHDR_MAX || n >= sizeof(req->xvals) - req->xvals_len)
		return ERR_TOO_LARGE;
	x = &req->xhdr[req->n_xhdr];
	if ((r = str_copy(x->name, sizeof(x->name), name)) != 0)
		return r;
	memcpy(req->xvals + req->xvals_len, v, n + 1);
	x->off = (uint16_t)req->xvals_len;
	x->len = (uint16_t)n;
	req->xvals_len += n + 1;
	req->n_xhdr++;
	return 0;
}

static int once(struct http_parser *p, unsigned bit)
{
	if (p->seen & bit)
		return ERR_FORMAT;
	p->seen |= bit;
	return 0;
}

/* Keep a conditional or Range value; one too long to keep reads as absent (see the header). */
static void take_value(const char *v, bool *has, char *dst, size_t dst_size)
{
	*has = str_copy(dst, dst_size, v) == 0;
}

/* If-None-Match is a list header: several lines mean one list (RFC 7230 3.2.2). Once the
 * list no longer fits, it stays dropped for the rest of the request. */
static void add_if_none_match(struct http_parser *p, const char *v)
{
	struct http_req *req = &p->req;
	size_t n = strlen(req->if_none_match), vn = strlen(v);

	if (p->seen & SEEN_INM_DROPPED)
		return;
	if (!req->has_if_none_match) {
		take_value(v, &req->has_if_none_match, req->if_none_match,
			   sizeof(req->if_none_match));
	} else if (vn + 2 < sizeof(req->if_none_match) - n) {
		memcpy(req->if_none_match + n, ", ", 2);
		memcpy(req->if_none_match + n + 2, v, vn + 1);
	} else {
		req->has_if_none_match = false;
		req->if_none_match[0] = '\0';
	}
	if (!req->has_if_none_match)
		p->seen |= SEEN_INM_DROPPED;
}

static int download_header(struct http_parser *p, const char *name, const char *v, bool *hit)
{
	struct http_req *req = &p->req;
	int r = 0;

	*hit = true;
	if (strcasecmp(name, "If-None-Match") == 0) {
		add_if_none_match(p, v);
	} else if (strcasecmp(name, "If-Modified-Since") == 0) {
		if ((r = once(p, SEEN_IMS)) == 0)
			take_value(v, &req->has_if_modified_since, req->if_modified_since,
				   sizeof(req->if_modified_since));
	} else if (strcasecmp(name, "Range") == 0) {
		if ((r = once(p, SEEN_RANGE)) == 0)
			take_value(v, &req->has_range, req->range, sizeof(req->range));
	} else if (strcasecmp(name, "If-Range") == 0) {
		if ((r = once(p, SEEN_IF_RANGE)) == 0) {
			take_value(v, &req->has_if_range, req->if_range, sizeof(req->if_range));
			req->has_if_range = true;
		}
	} else {
		*hit = false;
	}
	return r;
}

static int dispatch_header(struct http_parser *p, const char *name, const char *v)
{
	struct http_req *req = &p->req;
	bool hit;
	int r;

	if (strcasecmp(name, "Host") == 0) {
		if ((r = once(p, SEEN_HOST)) != 0)
			return r;
		req->has_host = true;
		return str_copy(req->host, sizeof(req->host), v);
	}
	if (strcasecmp(name, "User-Agent") == 0) {
		if ((r = once(p, SEEN_UA)) != 0 ||
		    (r = str_copy(req->user_agent, sizeof(req->user_agent), v)) != 0)
			return r;
		req->ua = http_ua_classify(req->user_agent);
		return 0;
	}
	if (strcasecmp(name, "Content-Type") == 0) {
		if ((r = once(p, SEEN_CTYPE)) != 0)
			return r;
		return str_copy(req->content_type, sizeof(req->content_type), v);
	}
	if (strcasecmp(name, "Content-Length") == 0)
		return parse_content_length(req, v);
	if ((r = download_header(p, name, v, &hit)) != 0 || hit)
		return r;
	/* We never accept chunked (or any transfer-coded) request bodies: refusing the header
	 * outright also rules out CL/TE request smuggling. */
	if (strcasecmp(name, "Transfer-Encoding") == 0)
		return ERR_FORMAT;
	if (strcasecmp(name, "Connection") == 0)
		parse_connection(p, v);
	else if (strcasecmp(name, "Expect") == 0)
		req->expect_continue |= strcasecmp(v, "100-continue") == 0;
	else if (strcasecmp(name, "X-Aggregate-Auth") == 0)
		req->x_aggregate_auth |= strcmp(v, "1") == 0;
	else if (strcasecmp(name, "Cookie") == 0)
		parse_cookies(req, v);
	else if (is_stored_header(name))
		return store_header(req, name, v);
	return 0;
}

/* field-name ":" OWS field-value OWS (RFC 7230 3.2). */
static int parse_header(struct http_parser *p, struct buf_rd *rd)
{
	char name[HTTP_NAME_MAX + 1];
	struct buf_rd chk;
	long at;
	uint8_t c;
	int r;

	/* obs-fold: a line starting with a blank continues the previous one; refused as
	 * RFC 7230 3.2.4 allows, since nothing we serve sends it. */
	if (buf_peek_u8(rd, &c) == 0 && is_blank(c))
		return ERR_FORMAT;
	if ((at = buf_find(rd, ':')) <= 0)
		return ERR_FORMAT;
	if ((size_t)at > HTTP_NAME_MAX)
		return ERR_TOO_LARGE;
	if ((r = get_token(rd, (size_t)at, name, sizeof(name))) != 0)
		return r;
	buf_skip(rd, 1);
	chk = *rd;
	while (buf_get_u8(&chk, &c) == 0) {
		if (c != '\t' && (c < 0x20 || c == 0x7f))
			return ERR_FORMAT;
	}
	if ((r = buf_get_str(rd, buf_remaining(rd), p->scratch, sizeof(p->scratch))) != 0)
		return r;
	return dispatch_header(p, name, str_trim(p->scratch));
}

static int end_of_head(struct http_parser *p)
{
	struct http_req *req = &p->req;

	if (req->version_minor == 0 && !p->keep_alive)
		req->conn_close = true;
	if (!req->has_content_length || req->content_length == 0) {
		p->state = PS_DONE;
		return 0;
	}
	/* Bytes after a CONNECT head are CSTP frames, never a request body. */
	if (req->method == HTTP_M_CONNECT)
		return ERR_FORMAT;
	p->state = PS_BODY;
	return 0;
}

static int process_line(struct http_parser *p)
{
	struct buf_rd rd;
	size_t n = p->line_len;
	uint8_t c;
	int r;

	buf_rd_init(&rd, p->line, n);
	if (n && buf_peek_at(&rd, n - 1, &c) == 0 && c == '\r')
		buf_rd_init(&rd, p->line, n - 1);
	p->line_len = 0;
	if (buf_find(&rd, '\0') >= 0)
		return ERR_FORMAT;
	if (p->state == PS_REQLINE) {
		/* RFC 7230 3.5: tolerate a stray CRLF after the previous body, a few times. */
		if (buf_remaining(&rd) == 0)
			return ++p->n_empty > HTTP_EMPTY_MAX ? ERR_FORMAT : 0;
		if ((r = parse_reqline(&p->req, &rd)) != 0)
			return r;
		p->state = PS_HEADER;
		return 0;
	}
	if (buf_remaining(&rd) == 0)
		return end_of_head(p);
	return parse_header(p, &rd);
}

/* Accumulate up to one line; 0 after a complete line was processed, ERR_TRUNCATED when the
 * input ran out first. Limits are checked on every byte count, so how the input was split
 * into feeds never changes the result. */
static int take_line(struct http_parser *p, struct buf_rd *rd)
{
	long at = buf_find(rd, '\n');
	size_t n = at < 0 ? buf_remaining(rd) : (size_t)at;
	size_t with_lf = n + (at < 0 ? 0 : 1);
	int r;

	if (n > HTTP_LINE_MAX - 1 - p->line_len || with_lf > HTTP_HEAD_MAX - p->head_bytes)
		return ERR_TOO_LARGE;
	if ((r = buf_get_bytes(rd, n, p->line + p->line_len)) != 0)
		return r;
	p->line_len += n;
	p->head_bytes += with_lf;
	if (at < 0)
		return ERR_TRUNCATED;
	buf_skip(rd, 1);
	return process_line(p);
}

static int take_body(struct http_parser *p, struct buf_rd *rd)
{
	struct http_req *req = &p->req;
	size_t n = req->content_length - req->body_len;
	int r;

	if (n > buf_remaining(rd))
		n = buf_remaining(rd);
	if ((r = buf_get_bytes(rd, n, req->body + req->body_len)) != 0)
		return r;
	req->body_len += n;
	if (req->body_len < req->content_length)
		return ERR_TRUNCATED;
	p->state = PS_DONE;
	return 0;
}

int http_parser_feed(struct http_parser *p, const uint8_t *data, size_t len, size_t *consumed)
{
	struct buf_rd rd;
	int r = 0;

	*consumed = 0;
	if (p->state == PS_ERROR)
		return p->err;
	buf_rd_init(&rd, data, len);
	while (p->state != PS_DONE) {
		if (p->state == PS_BODY)
			r = take_body(p, &rd);
		else
			r = take_line(p, &rd);
		if (r != 0)
			break;
	}
	*consumed = rd.off;
	if (r != 0 && r != ERR_TRUNCATED) {
		p->state = PS_ERROR;
		p->err = r;
	}
	return r;
}

const char *http_req_xhdr(const struct http_req *r, const char *name, unsigned idx)
{
	for (size_t i = 0; i < r->n_xhdr; i++) {
		if (strcasecmp(r->xhdr[i].name, name) != 0)
			continue;
		if (idx-- == 0)
			return r->xvals + r->xhdr[i].off;
	}
	return NULL;
}

static const struct {
	const char *prefix;
	enum http_ua ua;
} ua_prefixes[] = {
	/* Order matters (PROTOCOL.md §1.4): longer openconnect prefixes before "AnyConnect". */
	{ "AnyConnect-compatible OpenConnect", HTTP_UA_OPENCONNECT },
	{ "Open AnyConnect VPN Agent v", HTTP_UA_OPENCONNECT },
	{ "OpenConnect VPN Agent", HTTP_UA_OPENCONNECT_FRONTEND },
	{ "Cisco AnyConnect VPN Agent for Apple", HTTP_UA_CISCO_IOS },
	{ "Cisco AnyConnect", HTTP_UA_CISCO_MOBILE },
	{ "AnyConnect", HTTP_UA_ANYCONNECT },
	{ "Clavister OneConnect VPN", HTTP_UA_OTHER_COMPAT },
	{ "AnyLink Secure Client", HTTP_UA_OTHER_COMPAT },
	{ "Cisco SVC IPPhone Client", HTTP_UA_OTHER_COMPAT },
};

/* openconnect up to v3 wants the old form dialect (§2.6); read the major version after 'v'. */
static bool is_old_openconnect(const char *version)
{
	struct buf_rd rd;
	unsigned major = 0, digits = 0;
	uint8_t c;

	buf_rd_init(&rd, version, strlen(version));
	while (buf_get_u8(&rd, &c) == 0 && c >= '0' && c <= '9' && digits < 9) {
		major = major * 10 + (unsigned)(c - '0');
		digits++;
	}
	return digits > 0 && digits < 9 && major <= 3;
}

enum http_ua http_ua_classify(const char *ua)
{
	for (size_t i = 0; i < sizeof(ua_prefixes) / sizeof(ua_prefixes[0]); i++) {
		const char *prefix = ua_prefixes[i].prefix;

		if (!str_has_prefix_ci(ua, prefix))
			continue;
		if (i == 1 && is_old_openconnect(ua + strlen(prefix)))
			return HTTP_UA_OPENCONNECT_V3;
		return ua_prefixes[i].ua;
	}
	return HTTP_UA_UNKNOWN;
}

const char *http_ua_name(enum http_ua ua)
{
	switch (ua) {
	case HTTP_UA_OPENCONNECT:
		return "openconnect";
	case HTTP_UA_OPENCONNECT_V3:
		return "openconnect-v3";
	case HTTP_UA_OPENCONNECT_FRONTEND:
		return "openconnect-frontend";
	case HTTP_UA_CISCO_IOS:
		return "cisco-ios";
	case HTTP_UA_CISCO_MOBILE:
		return "cisco-mobile";
	case HTTP_UA_ANYCONNECT:
		return "anyconnect";
	case HTTP_UA_OTHER_COMPAT:
		return "other-compatible";
	case HTTP_UA_UNKNOWN:
		break;
	}
	return "unknown";
}
