/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parser and writer of the client packages manifest and of per-session announcements, and
 * the client profile's checks and hash. Process: any (pure: no I/O). */
#include "manifest.h"

#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <openssl/evp.h>

#include "err.h"
#include "strutil.h"

/* Names a client could probe for that must never resolve to a package, and the manifest
 * itself (it lives in the same directory). */
static const char *const reserved_names[] = { "manifest", "update.txt", "vpndownloader.sh",
					      "VPNManifest.xml" };

enum char_class { C_ID, C_VERSION, C_OS, C_TYPE, C_NAME, C_HEX };

struct pstate {
	struct manifest *m;
	unsigned flags;
	unsigned lineno;
	char *err;
	size_t err_size;
};

static int fail(struct pstate *ps, int code, const char *what)
{
	if (ps->err && ps->err_size)
		snprintf(ps->err, ps->err_size, "line %u: %s", ps->lineno, what);
	return code;
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static bool in_class(uint8_t c, enum char_class k)
{
	switch (k) {
	case C_ID:
		return is_alnum(c) || c == '_' || c == '-';
	case C_VERSION:
		return is_alnum(c) || c == '.' || c == '_' || c == '-';
	case C_OS:
		return is_alnum(c) || c == '.' || c == '_' || c == '-' || c == ':';
	case C_TYPE:
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
	case C_NAME:
		return is_alnum(c) || c == '.' || c == '_' || c == '+' || c == '-';
	case C_HEX:
		return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
	}
	return false;
}

/* The next blank-separated token of line; empty at the end of the line. */
static void next_token(struct buf_rd *line, struct buf_rd *tok)
{
	size_t n = 0;
	uint8_t c;

	while (buf_peek_u8(line, &c) == 0 && is_blank(c))
		buf_skip(line, 1);
	while (buf_peek_at(line, n, &c) == 0 && !is_blank(c))
		n++;
	buf_sub(line, n, tok);
}

static bool tok_is(const struct buf_rd *tok, const char *s)
{
	size_t n = strlen(s);

	return buf_remaining(tok) == n && memcmp(buf_cur(tok), s, n) == 0;
}

/* Copy the next token of line into dst (dst_size includes the NUL), checking its bytes. */
static int take(struct pstate *ps, struct buf_rd *line, enum char_class k, char *dst,
		size_t dst_size, const char *what)
{
	char msg[96];
	struct buf_rd tok, chk;
	uint8_t c;

	next_token(line, &tok);
	if (buf_remaining(&tok) == 0) {
		snprintf(msg, sizeof(msg), "missing %s", what);
		return fail(ps, ERR_FORMAT, msg);
	}
	if (buf_remaining(&tok) >= dst_size) {
		snprintf(msg, sizeof(msg), "%s longer than %zu bytes", what, dst_size - 1);
		return fail(ps, ERR_TOO_LARGE, msg);
	}
	chk = tok;
	while (buf_get_u8(&chk, &c) == 0) {
		if (!in_class(c, k)) {
			snprintf(msg, sizeof(msg), "invalid character in %s", what);
			return fail(ps, ERR_FORMAT, msg);
		}
	}
	return buf_get_str(&tok, buf_remaining(&tok), dst, dst_size);
}

/* The rest of the line without its surrounding blanks (an optional display name). */
static int take_rest(struct pstate *ps, struct buf_rd *line, char *dst, size_t dst_size)
{
	size_t n;
	uint8_t c;

	while (buf_peek_u8(line, &c) == 0 && is_blank(c))
		buf_skip(line, 1);
	n = buf_remaining(line);
	while (n && buf_peek_at(line, n - 1, &c) == 0 && is_blank(c))
		n--;
	if (n >= dst_size)
		return fail(ps, ERR_TOO_LARGE, "display name too long");
	return buf_get_str(line, n, dst, dst_size);
}

static bool is_reserved(const char *name)
{
	for (size_t i = 0; i < sizeof(reserved_names) / sizeof(reserved_names[0]); i++)
		if (strcmp(name, reserved_names[i]) == 0)
			return true;
	return false;
}

static int check_new_entry(struct pstate *ps, const struct manifest_entry *e)
{
	const struct manifest *m = ps->m;

	if (!manifest_name_ok(e->file))
		return fail(ps, ERR_FORMAT, "file name must not start with '.'");
	if (is_reserved(e->file))
		return fail(ps, ERR_FORMAT, "reserved file name");
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->e[i].file, e->file) == 0)
			return fail(ps, ERR_FORMAT, "file listed twice");
		if (strcmp(m->e[i].id, e->id) == 0 && strcmp(m->e[i].os, e->os) == 0)
			return fail(ps, ERR_FORMAT, "package ID listed twice for the same OS");
	}
	return 0;
}

/* package ID VERSION OS TYPE FILE [DISPLAY NAME] */
static int parse_package(struct pstate *ps, struct buf_rd *line)
{
	struct manifest *m = ps->m;
	struct manifest_entry *e;
	int r;

	if (m->n >= MANIFEST_ENTRIES_MAX)
		return fail(ps, ERR_TOO_LARGE, "too many packages");
	e = &m->e[m->n];
	if ((r = take(ps, line, C_ID, e->id, sizeof(e->id), "package ID")) != 0 ||
	    (r = take(ps, line, C_VERSION, e->version, sizeof(e->version), "version")) != 0 ||
	    (r = take(ps, line, C_OS, e->os, sizeof(e->os), "OS")) != 0 ||
	    (r = take(ps, line, C_TYPE, e->type, sizeof(e->type), "type")) != 0 ||
	    (r = take(ps, line, C_NAME, e->file, sizeof(e->file), "file name")) != 0 ||
	    (r = take_rest(ps, line, e->display, sizeof(e->display))) != 0 ||
	    (r = check_new_entry(ps, e)) != 0) {
		memset(e, 0, sizeof(*e));
		return r;
	}
	m->n++;
	return 0;
}

/* profile NAME SHA1 (announcements only) */
static int parse_profile(struct pstate *ps, struct buf_rd *line)
{
	struct manifest *m = ps->m;
	struct buf_rd tok;
	int r;

	if (m->has_profile)
		return fail(ps, ERR_FORMAT, "profile listed twice");
	if ((r = take(ps, line, C_NAME, m->profile_name, sizeof(m->profile_name),
		      "profile name")) != 0 ||
	    (r = take(ps, line, C_HEX, m->profile_sha1, sizeof(m->profile_sha1), "SHA-1")) != 0)
		return r;
	next_token(line, &tok);
	if (buf_remaining(&tok) != 0)
		return fail(ps, ERR_FORMAT, "text after the profile's SHA-1");
	if (!manifest_name_ok(m->profile_name) || !manifest_sha1_ok(m->profile_sha1))
		return fail(ps, ERR_FORMAT, "bad profile name or SHA-1");
	m->has_profile = true;
	return 0;
}

static int parse_line(struct pstate *ps, struct buf_rd *line)
{
	struct buf_rd tok, chk = *line;
	uint8_t c;

	while (buf_get_u8(&chk, &c) == 0) {
		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return fail(ps, ERR_FORMAT, "control or non-ASCII character");
	}
	next_token(line, &tok);
	if (buf_remaining(&tok) == 0 || (buf_peek_u8(&tok, &c) == 0 && c == '#'))
		return 0;
	if (tok_is(&tok, "package"))
		return parse_package(ps, line);
	if (tok_is(&tok, "profile") && (ps->flags & MANIFEST_ANNOUNCE))
		return parse_profile(ps, line);
	return fail(ps, ERR_FORMAT, "unknown keyword (a line starts with 'package' or '#')");
}

int manifest_parse(const uint8_t *data, size_t len, unsigned flags, struct manifest *out, char *err,
		   size_t err_size)
{
	struct pstate ps = { .m = out, .flags = flags, .err = err, .err_size = err_size };
	struct buf_rd rd, whole, line;
	int r = ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	if (err && err_size)
		err[0] = '\0';
	if (len > MANIFEST_FILE_MAX) {
		r = fail(&ps, ERR_TOO_LARGE, "manifest larger than 64 KiB");
		goto out;
	}
	buf_rd_init(&rd, data, len);
	while (buf_remaining(&rd)) {
		long at = buf_find(&rd, '\n');
		size_t n = at < 0 ? buf_remaining(&rd) : (size_t)at;
		uint8_t c;

		ps.lineno++;
		if (n >= MANIFEST_LINE_MAX) {
			r = fail(&ps, ERR_TOO_LARGE, "line too long");
			goto out;
		}
		buf_sub(&rd, n, &whole);
		if (at >= 0)
			buf_skip(&rd, 1);
		if (n && buf_peek_at(&whole, n - 1, &c) == 0 && c == '\r')
			n--;
		buf_sub(&whole, n, &line);
		if ((r = parse_line(&ps, &line)) != 0)
			goto out;
	}
	r = 0;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

int manifest_write(const struct manifest *m, struct buf_wr *out)
{
	int r = 0;

	if (m->has_profile)
		r = buf_printf(out, "profile %s %s\n", m->profile_name, m->profile_sha1);
	for (size_t i = 0; r == 0 && i < m->n; i++) {
		const struct manifest_entry *e = &m->e[i];

		r = buf_printf(out, "package %s %s %s %s %s%s%s\n", e->id, e->version, e->os,
			       e->type, e->file, e->display[0] ? " " : "", e->display);
	}
	return r;
}

const struct manifest_entry *manifest_find(const struct manifest *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].file, name) == 0)
			return &m->e[i];
	return NULL;
}

bool manifest_name_ok(const char *name)
{
	size_t n = strlen(name);
	struct buf_rd rd;
	uint8_t c;

	if (n == 0 || n > MANIFEST_NAME_MAX || name[0] == '.')
		return false;
	buf_rd_init(&rd, name, n);
	while (buf_get_u8(&rd, &c) == 0)
		if (!in_class(c, C_NAME))
			return false;
	return true;
}

bool manifest_sha1_ok(const char *s)
{
	struct buf_rd rd;
	uint8_t c;

	buf_rd_init(&rd, s, strlen(s));
	if (buf_remaining(&rd) != MANIFEST_SHA1_HEX)
		return false;
	while (buf_get_u8(&rd, &c) == 0)
		if (!in_class(c, C_HEX))
			return false;
	return true;
}

int manifest_sha1_hex(const void *data, size_t len, char out[static MANIFEST_SHA1_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	out[0] = '\0';
	if (EVP_Digest(data, len, md, &md_len, EVP_sha1(), NULL) != 1 || md_len != 20)
		return ERR_INTERNAL;
	hex_encode(out, md, 20, true);
	return 0;
}

static void xml_error(xmlParserCtxtPtr ctxt, char *err, size_t err_size)
{
	const xmlError *e = xmlCtxtGetLastError(ctxt);
	char msg[160] = "not well-formed XML";

	if (e && e->message) {
		str_copyn(msg, sizeof(msg), e->message, strcspn(e->message, "\n"));
		snprintf(err, err_size, "line %d: %s", e->line, msg);
		return;
	}
	snprintf(err, err_size, "%s", msg);
}

int manifest_profile_check(const uint8_t *data, size_t len, char *err, size_t err_size)
{
	/* No XML_PARSE_NOENT or DTDLOAD: entities stay unexpanded, nothing is fetched. */
	const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	char dummy[8];
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	int r = ERR_INTERNAL;

	if (!err || !err_size) {
		err = dummy;
		err_size = sizeof(dummy);
	}
	err[0] = '\0';
	if (len > MANIFEST_PROFILE_MAX) {
		snprintf(err, err_size, "larger than %u bytes", MANIFEST_PROFILE_MAX);
		r = ERR_TOO_LARGE;
		goto out;
	}
	if (!(ctxt = xmlNewParserCtxt())) {
		r = ERR_NOMEM;
		goto out;
	}
	doc = xmlCtxtReadMemory(ctxt, (const char *)data, (int)len, "profile.xml", NULL, opts);
	if (!doc || !ctxt->wellFormed) {
		xml_error(ctxt, err, err_size);
		r = ERR_FORMAT;
		goto out;
	}
	if (doc->intSubset || doc->extSubset) {
		snprintf(err, err_size, "a DOCTYPE is not allowed in a profile");
		r = ERR_FORMAT;
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || !root->name || strcmp((const char *)root->name, "AnyConnectProfile") != 0) {
		snprintf(err, err_size, "the root element is not AnyConnectProfile");
		r = ERR_FORMAT;
		goto out;
	}
	r = 0;
out:
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return r;
}
