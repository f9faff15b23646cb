/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Client files on the worker's side: what the login reply announces, and GETs of the
 * profile, the packages and the downloader probes. The worker never opens a file: main
 * hands it a read-only descriptor of a file it announced. Process: worker. */
#include "files.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "manifest.h"
#include "strutil.h"
#include "urlmap.h"

/* PROTOCOL.md §9.2: ocserv's answers, which make the Cisco downloader skip updates. */
#define EMPTY_MANIFEST "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vpn rev=\"1.0\">\n</vpn>\n"
#define UPDATE_TXT     "0,0,0000\n"
/* webvpnc fields (§1.5) as ocserv sends them: bu + fu is the profile's URI. */
#define WEBVPNC_BASE "bu:/&p:t&iu:1/"
#define WEBVPNC_LU   "/+CSCOT+/translation-table?textdomain%3DAnyConnect%26type%3Dmanifest"
#define WEBVPNC_ATTR "; path=/; Secure; HttpOnly\r\n"

static uint8_t chunk[FILES_CHUNK];

static int send_fixed(struct worker *w, const char *ctype, const char *body, bool closing)
{
	struct http_resp r = { 0 };

	r.status = 200;
	r.reason = "OK";
	r.content_type = ctype;
	r.body = body;
	r.body_len = strlen(body);
	r.close = closing;
	return http_send(w, &r);
}

/* pread exactly n bytes at off. */
static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? ERR_SYS : ERR_TRUNCATED;
		got += (size_t)k;
	}
	return 0;
}

/* --- downloads --- */

/* RFC 7232 §6: If-None-Match decides alone when present; else If-Modified-Since. */
static bool not_modified(const struct http_req *h, const struct ipc_file_rep *rep)
{
	int64_t since;

	if (h->has_if_none_match)
		return urlmap_etag_match(h->if_none_match, rep->sha1);
	return h->has_if_modified_since && urlmap_parse_date(h->if_modified_since, &since) == 0 &&
	       (int64_t)rep->mtime <= since;
}

/* RFC 7233 §3.2: a Range counts only when If-Range (if any) names what we would send. */
static bool range_applies(const struct http_req *h, const struct ipc_file_rep *rep)
{
	char etag[URLMAP_ETAG_MAX + 1];
	int64_t t;

	if (!h->has_range)
		return false;
	if (!h->has_if_range)
		return true;
	snprintf(etag, sizeof(etag), "\"%s\"", rep->sha1);
	if (strcmp(h->if_range, etag) == 0)
		return true;
	return urlmap_parse_date(h->if_range, &t) == 0 && t == (int64_t)rep->mtime;
}

static const char *reason_of(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 206:
		return "Partial Content";
	case 304:
		return "Not Modified";
	default:
		return "Range Not Satisfiable";
	}
}

/* Status line and headers of a download answer; body_len bytes are to follow. */
static int send_head(struct worker *w, int status, const struct ipc_file_rep *rep,
		     const struct urlmap_range *rg, uint64_t body_len, bool closing)
{
	char head[1024], date[URLMAP_DATE_LEN + 1];
	struct buf_wr wr;
	int r;

	urlmap_format_date((int64_t)rep->mtime, date);
	buf_wr_init(&wr, head, sizeof(head));
	r = buf_printf(&wr, "HTTP/1.1 %d %s\r\n", status, reason_of(status));
	/* A 304 carries no Content-Length: it would have to be the 200's (RFC 7230 §3.3.2). */
	if (!r && status != 304)
		r = buf_printf(&wr, "Content-Type: %s\r\nContent-Length: %llu\r\n",
			       status == 416 ? "text/plain" : rep->content_type,
			       (unsigned long long)body_len);
	if (!r && status == 206)
		r = buf_printf(&wr, "Content-Range: bytes %llu-%llu/%llu\r\n",
			       (unsigned long long)rg->first, (unsigned long long)rg->last,
			       (unsigned long long)rep->size);
	if (!r && status == 416)
		r = buf_printf(&wr, "Content-Range: bytes */%llu\r\n",
			       (unsigned long long)rep->size);
	if (!r)
		r = buf_printf(&wr, "ETag: \"%s\"\r\nLast-Modified: %s\r\nAccept-Ranges: bytes\r\n",
			       rep->sha1, date);
	if (!r)
		r = buf_printf(&wr, "Connection: %s\r\n\r\n", closing ? "close" : "Keep-Alive");
	if (r)
		return r;
	return tls_write_all(&w->tls, wr.p, wr.len, now_ms() + FILES_CHUNK_TIMEOUT_MS);
}

/* Stream len bytes from off; each chunk has its own time limit, not the login deadline. */
static int send_body(struct worker *w, int fd, uint64_t off, uint64_t len)
{
	int r;

	while (len) {
		size_t n = len < sizeof(chunk) ? (size_t)len : sizeof(chunk);

		if ((r = read_at(fd, chunk, n, off)) != 0) {
			log_warn("a client file ended early while being sent (%s)", err_str(r));
			return r;
		}
		if ((r = tls_write_all(&w->tls, chunk, n, now_ms() + FILES_CHUNK_TIMEOUT_MS)) != 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

static int send_file(struct worker *w, const struct ipc_file_rep *rep, int fd, bool *closing)
{
	const struct http_req *h = &w->http.req;
	struct urlmap_range rg = { 0, rep->size ? rep->size - 1 : 0 };
	uint64_t len = rep->size;
	int status = 200, r;

	if (not_modified(h, rep))
		return send_head(w, 304, rep, NULL, 0, *closing);
	if (range_applies(h, rep)) {
		r = urlmap_parse_range(h->range, rep->size, &rg);
		if (r == ERR_RANGE)
			return send_head(w, 416, rep, NULL, 0, *closing);
		if (r == 0) {
			status = 206;
			len = rg.last - rg.first + 1;
		} else {
			rg.first = 0; /* not a range we serve: the whole file (RFC 7233 §3.1) */
		}
	}
	if ((r = send_head(w, status, rep, &rg, len, *closing)) != 0 ||
	    (r = send_body(w, fd, rg.first, len)) != 0)
		return r;
	log_info("GET %s: %d, %llu bytes", h->path, status, (unsigned long long)len);
	/* A long download may have used up the login bound: let the client reconnect. */
	if (now_ms() >= w->deadline)
		*closing = true;
	return 0;
}

/* What main sent must describe the descriptor it came with. */
static bool reply_sane(const struct ipc_file_rep *rep, int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       (uint64_t)st.st_size == rep->size && rep->size <= FILES_SIZE_MAX &&
	       manifest_sha1_ok(rep->sha1) && rep->content_type[0];
}

static int serve_file(struct worker *w, enum ipc_file_kind kind, const char *name, bool *closing)
{
	const struct http_req *h = &w->http.req;
	struct ipc_file_req req;
	struct ipc_file_rep rep;
	int fd = -1, r;

	memset(&req, 0, sizeof(req));
	/* No content and no hint about what exists without a session. */
	if (!h->has_webvpn || str_copy(req.cookie, sizeof(req.cookie), h->webvpn) != 0) {
		*closing = true;
		return http_send_error(w, 401, "Unauthorized");
	}
	req.kind = (uint32_t)kind;
	str_copy(req.name, sizeof(req.name), name);
	r = worker_ipc_call_fd(w, IPC_FILE_REQ, &req, IPC_FILE_REP, &rep, sizeof(rep), &fd);
	if (r != 0)
		return r;
	if (rep.status == IPC_FILE_OK && reply_sane(&rep, fd)) {
		r = send_file(w, &rep, fd, closing);
	} else if (rep.status == IPC_FILE_OK) {
		log_err("main sent a file that does not match its description");
		r = ERR_FORMAT;
	} else {
		*closing = true;
		r = rep.status == IPC_FILE_UNAUTHORIZED ? http_send_error(w, 401, "Unauthorized")
							: http_send_error(w, 404, "Not Found");
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int files_handle_get(struct worker *w, bool *closing)
{
	const struct http_req *h = &w->http.req;
	char name[MANIFEST_NAME_MAX + 1], esc[128];

	switch (urlmap_lookup(h->path, name, sizeof(name))) {
	case URLMAP_EMPTY_MANIFEST:
		return send_fixed(w, "text/xml", EMPTY_MANIFEST, *closing);
	case URLMAP_UPDATE_TXT:
		return send_fixed(w, "text/plain", UPDATE_TXT, *closing);
	case URLMAP_PROFILE:
		return serve_file(w, IPC_FILE_PROFILE, name, closing);
	case URLMAP_PACKAGE:
		return serve_file(w, IPC_FILE_PACKAGE, name, closing);
	case URLMAP_NONE:
		break;
	}
	log_info("GET %s: not found", log_escape(esc, sizeof(esc), h->path, strlen(h->path)));
	*closing = true;
	return http_send_error(w, 404, "Not Found");
}

/* --- the announcement in the login reply --- */

/* Main's list of what this session is told about; empty when main has nothing. */
static int fetch_announcement(struct worker *w, const char *cookie, struct manifest *ann)
{
	static uint8_t text[MANIFEST_FILE_MAX];
	struct ipc_file_req req;
	struct ipc_file_rep rep;
	char err[128];
	int fd = -1, r;

	memset(ann, 0, sizeof(*ann));
	memset(&req, 0, sizeof(req));
	if (str_copy(req.cookie, sizeof(req.cookie), cookie) != 0)
		return ERR_FORMAT;
	req.kind = IPC_FILE_PACKAGE; /* with no name: the announcement */
	r = worker_ipc_call_fd(w, IPC_FILE_REQ, &req, IPC_FILE_REP, &rep, sizeof(rep), &fd);
	if (r != 0 || rep.status != IPC_FILE_OK)
		goto out;
	if (fd < 0 || rep.size > sizeof(text) || read_at(fd, text, (size_t)rep.size, 0) != 0) {
		log_err("main sent an unreadable client-files announcement");
		r = ERR_FORMAT;
		goto out;
	}
	r = manifest_parse(text, (size_t)rep.size, MANIFEST_ANNOUNCE, ann, err, sizeof(err));
	if (r != 0)
		log_err("main sent a bad client-files announcement: %s", err);
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* "4.10.08029" -> "4,10,08029", the form of <pkgversion> (PROTOCOL.md §2.5). */
static void comma_version(const char *v, char *out, size_t out_size)
{
	str_copy(out, out_size, v);
	for (char *p = out; *p; p++)
		if (*p == '.')
			*p = ',';
}

static void set_packages(const struct manifest *ann, struct authxml_complete *c)
{
	static struct authxml_package pkgs[MANIFEST_ENTRIES_MAX];
	static char uris[MANIFEST_ENTRIES_MAX][sizeof(URLMAP_PACKAGE_DIR) + MANIFEST_NAME_MAX];
	static char pkgver[MANIFEST_VERSION_MAX + 1];

	c->pkg_version = NULL;
	for (size_t i = 0; i < ann->n; i++) {
		const struct manifest_entry *e = &ann->e[i];
		struct authxml_package *p = &pkgs[i];

		snprintf(uris[i], sizeof(uris[i]), "%s%s", URLMAP_PACKAGE_DIR, e->file);
		memset(p, 0, sizeof(*p));
		p->id = e->id;
		p->version = e->version;
		p->os = e->os;
		p->type = e->type;
		p->uri = uris[i];
		p->display_name = e->display[0] ? e->display : NULL;
		p->is_core = strcmp(e->id, MANIFEST_CORE_ID) == 0;
		if (p->is_core && !c->pkg_version) {
			comma_version(e->version, pkgver, sizeof(pkgver));
			c->pkg_version = pkgver;
		}
	}
	c->packages = ann->n ? pkgs : NULL;
	c->n_packages = ann->n;
	c->base_package_uri = ann->n ? URLMAP_PACKAGE_BASE : NULL;
}

int files_announce(struct worker *w, const char *cookie, struct authxml_complete *c, char *cookies,
		   size_t cookies_size)
{
	static struct manifest ann;
	static char uri[sizeof(URLMAP_PROFILE_PREFIX) + MANIFEST_NAME_MAX];
	char fu[64 + MANIFEST_NAME_MAX + MANIFEST_SHA1_HEX] = "";
	int n, r;

	cookies[0] = '\0';
	if ((r = fetch_announcement(w, cookie, &ann)) != 0)
		return r;
	c->profile_uri = c->profile_hash = NULL;
	if (ann.has_profile) {
		snprintf(uri, sizeof(uri), "%s%s", URLMAP_PROFILE_PREFIX, ann.profile_name);
		c->profile_uri = uri;
		c->profile_hash = ann.profile_sha1;
		snprintf(fu, sizeof(fu), "&fu:profiles%%2F%s&fh:%s", ann.profile_name,
			 ann.profile_sha1);
	}
	set_packages(&ann, c);
	/* ocserv expires webvpnc before setting it; clients apply the lines in order. */
	n = snprintf(cookies, cookies_size,
		     "Set-Cookie: webvpnc=; expires=Thu, 01 Jan 1970 22:00:00 GMT" WEBVPNC_ATTR
		     "Set-Cookie: webvpnc=" WEBVPNC_BASE "&sh:%s&lu:%s%s" WEBVPNC_ATTR,
		     w->tls.cert_hash, WEBVPNC_LU, fu);
	if (n < 0 || (size_t)n >= cookies_size) {
		cookies[0] = '\0';
		return ERR_TOO_LARGE;
	}
	return 0;
}
