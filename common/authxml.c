/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Aggregate-auth XML with libxml2: hardened parsing of client requests, escaped replies.
 * Process: worker. */
#include "authxml.h"

#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>

#include "err.h"
#include "secmem.h"
#include "strutil.h"

/* No network, no DTD loading, no entity substitution, default (non-HUGE) limits. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

/* Fields that may appear only once: a second copy would make it ambiguous which one the
 * client meant (and which one a log or an auth back end saw). */
enum seen_field {
	SEEN_VERSION = 1u << 0,
	SEEN_DEVICE = 1u << 1,
	SEEN_GROUP = 1u << 2,
	SEEN_ACCESS = 1u << 3,
	SEEN_USER = 1u << 4,
	SEEN_PASS = 1u << 5,
	SEEN_SECOND = 1u << 6,
	SEEN_HANDLE = 1u << 7,
	SEEN_TOKEN = 1u << 8,
};

static void silent_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

#if LIBXML_VERSION >= 21200
static void silent_structured(void *ctx, const xmlError *e)
#else
static void silent_structured(void *ctx, xmlErrorPtr e)
#endif
{
	(void)ctx;
	(void)e;
}

/* libxml2 copies the document into its own buffers, dictionary and text nodes; wiping on free
 * keeps parsed passwords and tokens from lingering in the worker's heap. */
static void wipe_free(void *p)
{
	if (!p)
		return;
	secmem_wipe(p, malloc_usable_size(p));
	free(p);
}

static void *wipe_realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(n);
	old = malloc_usable_size(p);
	q = malloc(n ? n : 1);
	if (!q)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	wipe_free(p);
	return q;
}

void authxml_global_init(void)
{
	xmlMemSetup(wipe_free, malloc, wipe_realloc, strdup);
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, silent_generic);
	xmlSetStructuredErrorFunc(NULL, silent_structured);
}

static bool rd_has_prefix(const struct buf_rd *rd, const char *s)
{
	size_t n = strlen(s);

	return buf_remaining(rd) >= n && memcmp(buf_cur(rd), s, n) == 0;
}

bool authxml_looks_like_xml(const uint8_t *body, size_t len)
{
	struct buf_rd rd;
	uint8_t c;
	long at;

	buf_rd_init(&rd, body, len);
	if (rd_has_prefix(&rd, "\xef\xbb\xbf"))
		buf_skip(&rd, 3);
	while (buf_peek_u8(&rd, &c) == 0 && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
		buf_skip(&rd, 1);
	if (rd_has_prefix(&rd, "<?xml"))
		return true;
	while ((at = buf_find(&rd, '<')) >= 0) {
		buf_skip(&rd, (size_t)at);
		if (rd_has_prefix(&rd, "<config-auth"))
			return true;
		buf_skip(&rd, 1);
	}
	return false;
}

/* True when every byte of s is allowed in our strings: no C0 control character, no DEL. */
static bool no_controls(const char *s)
{
	struct buf_rd rd;
	uint8_t c;

	buf_rd_init(&rd, s, strlen(s));
	while (buf_get_u8(&rd, &c) == 0) {
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static bool name_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name);
}

/* Compare an attribute (without namespace) with want; false when absent. */
static bool attr_is(xmlNode *n, const char *attr, const char *want)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST attr);
	bool eq = v && xmlStrEqual(v, BAD_CAST want);

	xmlFree(v);
	return eq;
}

/* Copy the text of a leaf element into dst. ERR_FORMAT when it has child elements, does not
 * fit, repeats an already seen field, or holds control characters (after trimming). */
static int leaf_text(xmlNode *n, unsigned *seen, unsigned bit, bool trim, char *dst,
		     size_t dst_size)
{
	struct buf_wr wr;
	char *s;

	if (*seen & bit)
		return ERR_FORMAT;
	*seen |= bit;
	buf_wr_init(&wr, dst, dst_size - 1);
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE)
			continue;
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
			return ERR_FORMAT;
		if (c->content && buf_put_str(&wr, (const char *)c->content) != 0) {
			dst[0] = '\0';
			return ERR_FORMAT;
		}
	}
	dst[wr.len] = '\0';
	s = trim ? str_trim(dst) : dst;
	if (s != dst)
		memmove(dst, s, strlen(s) + 1);
	return no_controls(dst) ? 0 : ERR_FORMAT;
}

static int parse_auth(xmlNode *auth, struct authxml_req *out, unsigned *seen)
{
	int r = 0;

	for (xmlNode *n = auth->children; n && r == 0; n = n->next) {
		if (name_is(n, "username")) {
			out->has_username = true;
			r = leaf_text(n, seen, SEEN_USER, false, out->username,
				      sizeof(out->username));
		} else if (name_is(n, "password")) {
			out->has_password = true;
			r = leaf_text(n, seen, SEEN_PASS, false, out->password,
				      sizeof(out->password));
		} else if (name_is(n, "secondary_password") || name_is(n, "answer")) {
			out->has_secondary = true;
			r = leaf_text(n, seen, SEEN_SECOND, false, out->secondary,
				      sizeof(out->secondary));
		}
	}
	return r;
}

static int parse_opaque(xmlNode *opaque, struct authxml_req *out, unsigned *seen)
{
	if (!attr_is(opaque, "is-for", "sg"))
		return 0;
	for (xmlNode *n = opaque->children; n; n = n->next) {
		if (name_is(n, "aggauth-handle"))
			return leaf_text(n, seen, SEEN_HANDLE, true, out->aggauth_handle,
					 sizeof(out->aggauth_handle));
	}
	return 0;
}

static int parse_child(xmlNode *n, struct authxml_req *out, unsigned *seen)
{
	int r = 0;

	if (name_is(n, "version")) {
		if (attr_is(n, "who", "vpn"))
			r = leaf_text(n, seen, SEEN_VERSION, true, out->version,
				      sizeof(out->version));
	} else if (name_is(n, "device-id")) {
		r = leaf_text(n, seen, SEEN_DEVICE, true, out->device_id, sizeof(out->device_id));
	} else if (name_is(n, "group-select")) {
		r = leaf_text(n, seen, SEEN_GROUP, true, out->group_select,
			      sizeof(out->group_select));
		out->has_group_select = r == 0 && out->group_select[0] != '\0';
	} else if (name_is(n, "group-access")) {
		r = leaf_text(n, seen, SEEN_ACCESS, true, out->group_access,
			      sizeof(out->group_access));
	} else if (name_is(n, "session-token")) {
		r = leaf_text(n, seen, SEEN_TOKEN, true, out->session_token,
			      sizeof(out->session_token));
	} else if (name_is(n, "client-cert-fail")) {
		out->client_cert_fail = true;
	} else if (name_is(n, "opaque")) {
		r = parse_opaque(n, out, seen);
	} else if (name_is(n, "auth")) {
		r = parse_auth(n, out, seen);
	}
	return r;
}

static int parse_root(xmlNode *root, struct authxml_req *out)
{
	xmlChar *type = NULL, *ver = NULL;
	unsigned seen = 0;
	long long v;
	int r = ERR_FORMAT;

	if (!root || !name_is(root, "config-auth"))
		goto out;
	type = xmlGetNoNsProp(root, BAD_CAST "type");
	if (type && xmlStrEqual(type, BAD_CAST "init"))
		out->type = AUTHXML_INIT;
	else if (type && xmlStrEqual(type, BAD_CAST "auth-reply"))
		out->type = AUTHXML_AUTH_REPLY;
	else if (type && xmlStrEqual(type, BAD_CAST "logout"))
		out->type = AUTHXML_LOGOUT;
	else
		goto out;
	ver = xmlGetNoNsProp(root, BAD_CAST "aggregate-auth-version");
	if (ver && str_to_ll((const char *)ver, 1, 1000, &v) != 0)
		goto out;
	out->aggregate_auth_version = ver ? (int)v : 0;
	for (xmlNode *n = root->children; n; n = n->next) {
		if ((r = parse_child(n, out, &seen)) != 0)
			goto out;
	}
	r = 0;
out:
	xmlFree(type);
	xmlFree(ver);
	return r;
}

/* A DOCTYPE is refused before its internal subset is read, so no entity is ever declared
 * (billion laughs) and no external DTD or entity is fetched (XXE). */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)name;
	(void)ext_id;
	(void)sys_id;
	*(bool *)ctxt->_private = true;
	xmlStopParser(ctxt);
}

int authxml_parse(const uint8_t *body, size_t len, struct authxml_req *out)
{
	struct buf_rd rd;
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	bool doctype = false;
	int r = ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	buf_rd_init(&rd, body, len);
	r = ERR_TOO_LARGE;
	if (len > AUTHXML_MAX)
		goto out;
	/* Also refuses UTF-16/32 documents: no client sends them. */
	r = ERR_FORMAT;
	if (len == 0 || buf_find(&rd, '\0') >= 0)
		goto out;
	r = ERR_NOMEM;
	if (!(ctxt = xmlCreateMemoryParserCtxt((const char *)buf_cur(&rd), (int)len)))
		goto out;
	xmlCtxtUseOptions(ctxt, PARSE_OPTIONS);
	/* Whatever the process-wide libxml2 defaults are: no substitution, no DTD loading. */
	ctxt->replaceEntities = 0;
	ctxt->loadsubset = 0;
	ctxt->validate = 0;
	ctxt->_private = &doctype;
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->externalSubset = NULL;
	xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	r = ERR_FORMAT;
	if (doctype || !ctxt->wellFormed || !doc || doc->intSubset || doc->extSubset)
		goto out;
	r = parse_root(xmlDocGetRootElement(doc), out);
out:
	if (r != 0)
		authxml_req_wipe(out);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return r;
}

/* Percent-decode all of in ('+' is a blank) into dst, or only check it when dst is NULL.
 * ERR_FORMAT on a bad escape or a decoded control character, ERR_TOO_LARGE when it does
 * not fit. */
static int url_decode(struct buf_rd *in, char *dst, size_t dst_size)
{
	struct buf_wr wr;
	uint8_t c, h, l;
	int r;

	buf_wr_init(&wr, dst, dst ? dst_size - 1 : 0);
	while (buf_get_u8(in, &c) == 0) {
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (buf_get_u8(in, &h) != 0 || buf_get_u8(in, &l) != 0 ||
			    hex_digit(h) < 0 || hex_digit(l) < 0)
				return ERR_FORMAT;
			c = (uint8_t)(hex_digit(h) << 4 | hex_digit(l));
		}
		if (c < 0x20 || c == 0x7f)
			return ERR_FORMAT;
		if (dst && (r = buf_put_u8(&wr, c)) != 0)
			return r;
	}
	if (dst)
		dst[wr.len] = '\0';
	return 0;
}

/* Legacy form fields we read, and where each goes. */
static const struct form_field {
	const char *name;
	size_t str_off;
	size_t has_off;
	size_t size;
	unsigned bit;
} form_fields[] = {
#define FIELD(name, str, has, bit)                                                                 \
	{                                                                                          \
		name, offsetof(struct authxml_req, str), offsetof(struct authxml_req, has),        \
			sizeof(((struct authxml_req *)0)->str), bit                                \
	}
	FIELD("username", username, has_username, SEEN_USER),
	FIELD("password", password, has_password, SEEN_PASS),
	FIELD("secondary_password", secondary, has_secondary, SEEN_SECOND),
	FIELD("answer", secondary, has_secondary, SEEN_SECOND),
	FIELD("group_list", group_select, has_group_select, SEEN_GROUP),
#undef FIELD
};

static const struct form_field *find_form_field(const char *name)
{
	for (size_t i = 0; i < sizeof(form_fields) / sizeof(form_fields[0]); i++) {
		if (strcmp(form_fields[i].name, name) == 0)
			return &form_fields[i];
	}
	return NULL;
}

static int parse_pair(struct buf_rd *pair, struct authxml_req *out, unsigned *seen)
{
	const struct form_field *f;
	struct buf_rd name;
	char key[32], *dst;
	long eq = buf_find(pair, '=');
	int r;

	buf_sub(pair, eq < 0 ? buf_remaining(pair) : (size_t)eq, &name);
	if (eq >= 0)
		buf_skip(pair, 1);
	/* A name too long for key[] is no field of ours: only check its value's encoding. */
	r = url_decode(&name, key, sizeof(key));
	if (r == ERR_TOO_LARGE || (r == 0 && !(f = find_form_field(key))))
		return url_decode(pair, NULL, 0);
	if (r != 0)
		return r;
	if (*seen & f->bit)
		return ERR_FORMAT;
	*seen |= f->bit;
	dst = (char *)out + f->str_off;
	if (url_decode(pair, dst, f->size) != 0 || !xmlCheckUTF8((const unsigned char *)dst))
		return ERR_FORMAT;
	/* Like <group-select>: an empty group choice is no choice. */
	*(bool *)((char *)out + f->has_off) = f->bit != SEEN_GROUP || dst[0] != '\0';
	return 0;
}

int authxml_parse_form(const uint8_t *body, size_t len, struct authxml_req *out)
{
	struct buf_rd rd, pair;
	unsigned seen = 0;
	long at;
	int r = ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	buf_rd_init(&rd, body, len);
	r = ERR_TOO_LARGE;
	if (len > AUTHXML_MAX)
		goto out;
	while (buf_remaining(&rd)) {
		at = buf_find(&rd, '&');
		buf_sub(&rd, at < 0 ? buf_remaining(&rd) : (size_t)at, &pair);
		if (at >= 0)
			buf_skip(&rd, 1);
		if (buf_remaining(&pair) && (r = parse_pair(&pair, out, &seen)) != 0)
			goto out;
	}
	out->type = AUTHXML_AUTH_REPLY;
	r = 0;
out:
	if (r != 0)
		authxml_req_wipe(out);
	return r;
}

void authxml_req_wipe(struct authxml_req *r)
{
	secmem_wipe(r, sizeof(*r));
}

/* An xmlTextWriter whose first failure sticks, so a document is built as a plain sequence
 * of calls and checked once at the end. */
struct xw {
	xmlTextWriterPtr w;
	int r;
};

/* Text we put into a document must be UTF-8 and legal in XML 1.0 (no C0 but tab/LF/CR): a
 * RADIUS Reply-Message, for one, is not ours to trust. */
static bool is_xml_text(const char *s)
{
	struct buf_rd rd;
	uint8_t c;

	buf_rd_init(&rd, s, strlen(s));
	while (buf_get_u8(&rd, &c) == 0) {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return false;
	}
	return xmlCheckUTF8((const unsigned char *)s) != 0;
}

static void xw_check(struct xw *x, int rc)
{
	if (x->r == 0 && rc < 0)
		x->r = ERR_NOMEM;
}

static void xw_start(struct xw *x, const char *name)
{
	if (x->r == 0)
		xw_check(x, xmlTextWriterStartElement(x->w, BAD_CAST name));
}

static void xw_end(struct xw *x)
{
	if (x->r == 0)
		xw_check(x, xmlTextWriterEndElement(x->w));
}

/* End with an explicit end tag, even when empty (<message ...></message> as the ASA does). */
static void xw_full_end(struct xw *x)
{
	if (x->r == 0)
		xw_check(x, xmlTextWriterFullEndElement(x->w));
}

static void xw_attr(struct xw *x, const char *name, const char *value)
{
	if (x->r != 0)
		return;
	if (!is_xml_text(value))
		x->r = ERR_FORMAT;
	else
		xw_check(x, xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value));
}

static void xw_text(struct xw *x, const char *text)
{
	if (x->r != 0)
		return;
	if (!is_xml_text(text))
		x->r = ERR_FORMAT;
	else
		xw_check(x, xmlTextWriterWriteString(x->w, BAD_CAST text));
}

/* <name>text</name>, left out when text is NULL. */
static void xw_elem(struct xw *x, const char *name, const char *text)
{
	if (!text)
		return;
	xw_start(x, name);
	xw_text(x, text);
	xw_full_end(x);
}

/* Start a document in a fresh memory buffer. */
static int xw_open(struct xw *x, xmlBufferPtr *buf)
{
	x->w = NULL;
	x->r = ERR_NOMEM;
	if (!(*buf = xmlBufferCreate()))
		return x->r;
	if (!(x->w = xmlNewTextWriterMemory(*buf, 0)))
		return x->r;
	x->r = 0;
	xw_check(x, xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL));
	return x->r;
}

/* Finish the document and append it to out; frees the writer and the buffer. */
static int xw_close(struct xw *x, xmlBufferPtr buf, struct buf_wr *out)
{
	int r;

	if (x->w && x->r == 0)
		xw_check(x, xmlTextWriterEndDocument(x->w));
	xmlFreeTextWriter(x->w);
	x->w = NULL;
	r = x->r;
	if (r == 0 && buf)
		r = buf_put_bytes(out, xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
	xmlBufferFree(buf);
	return r;
}

static void write_input(struct xw *x, const char *type, const char *name, const char *label)
{
	xw_start(x, "input");
	xw_attr(x, "type", type);
	xw_attr(x, "name", name);
	xw_attr(x, "label", label);
	xw_end(x);
}

static void write_groups(struct xw *x, const struct authxml_form *f)
{
	xw_start(x, "select");
	xw_attr(x, "name", "group_list");
	xw_attr(x, "label", "GROUP:");
	for (size_t i = 0; i < f->n_groups; i++) {
		const struct authxml_group *g = &f->groups[i];

		xw_start(x, "option");
		xw_attr(x, "value", g->value);
		if (i == f->selected)
			xw_attr(x, "selected", "true");
		xw_text(x, g->label ? g->label : g->value);
		xw_full_end(x);
	}
	xw_end(x);
}

static void write_form_auth(struct xw *x, const struct authxml_form *f)
{
	xw_start(x, "auth");
	xw_attr(x, "id", f->auth_id ? f->auth_id : "main");
	xw_elem(x, "title", f->title);
	xw_elem(x, "message", f->message);
	xw_elem(x, "banner", f->banner);
	if (f->error) {
		/* openconnect fills %s in the text from param1/param2; the id is free. */
		xw_start(x, "error");
		xw_attr(x, "id", "98");
		xw_attr(x, "param1", "");
		xw_attr(x, "param2", "");
		xw_text(x, f->error);
		xw_full_end(x);
	}
	xw_start(x, "form");
	xw_attr(x, "method", "post");
	if (f->action)
		xw_attr(x, "action", f->action);
	if (f->ask_username)
		write_input(x, "text", "username", "Username:");
	if (f->password_name)
		write_input(x, "password", f->password_name,
			    f->password_label ? f->password_label : "Password:");
	if (f->n_groups > 1)
		write_groups(x, f);
	xw_end(x);
	xw_end(x);
}

static void write_opaque_sg(struct xw *x, const struct authxml_form *f)
{
	if (!f->tunnel_group && !f->group_alias && !f->aggauth_handle && !f->config_hash)
		return;
	xw_start(x, "opaque");
	xw_attr(x, "is-for", "sg");
	xw_elem(x, "tunnel-group", f->tunnel_group);
	xw_elem(x, "group-alias", f->group_alias);
	xw_elem(x, "aggauth-handle", f->aggauth_handle);
	xw_elem(x, "config-hash", f->config_hash);
	xw_end(x);
}

static void write_config_auth(struct xw *x, const char *type)
{
	xw_start(x, "config-auth");
	xw_attr(x, "client", "vpn");
	xw_attr(x, "type", type);
	xw_attr(x, "aggregate-auth-version", "2");
}

int authxml_build_form(const struct authxml_form *f, struct buf_wr *out)
{
	xmlBufferPtr buf = NULL;
	struct xw x;

	if (f->n_groups > 1 && (f->selected >= f->n_groups || !f->groups))
		return ERR_RANGE;
	if (xw_open(&x, &buf) == 0) {
		if (!f->legacy) {
			write_config_auth(&x, "auth-request");
			write_opaque_sg(&x, f);
		}
		write_form_auth(&x, f);
		if (!f->legacy)
			xw_end(&x);
	}
	return xw_close(&x, buf, out);
}

static void write_profile(struct xw *x, const struct authxml_complete *c)
{
	xw_start(x, "vpn-profile-manifest");
	xw_start(x, "vpn");
	xw_attr(x, "rev", "1.0");
	xw_start(x, "file");
	xw_attr(x, "type", "profile");
	xw_attr(x, "service-type", "user");
	xw_elem(x, "uri", c->profile_uri);
	if (c->profile_hash) {
		xw_start(x, "hash");
		xw_attr(x, "type", "sha1");
		xw_text(x, c->profile_hash);
		xw_full_end(x);
	}
	xw_end(x);
	xw_end(x);
	xw_end(x);
}

/* <vpn-core-manifest><vpn rev="1.0"><file ...> per package, in the ASA's attribute order. */
static void write_core_manifest(struct xw *x, const struct authxml_complete *c)
{
	xw_start(x, "vpn-core-manifest");
	xw_start(x, "vpn");
	xw_attr(x, "rev", "1.0");
	for (size_t i = 0; i < c->n_packages; i++) {
		const struct authxml_package *p = &c->packages[i];

		xw_start(x, "file");
		xw_attr(x, "version", p->version);
		xw_attr(x, "id", p->id);
		if (p->is_core)
			xw_attr(x, "is_core", "yes");
		xw_attr(x, "type", p->type);
		xw_attr(x, "action", "install");
		xw_attr(x, "os", p->os);
		xw_elem(x, "uri", p->uri);
		xw_elem(x, "display-name", p->display_name);
		xw_end(x);
	}
	xw_end(x);
	xw_end(x);
}

static void write_client_opaque(struct xw *x, const struct authxml_complete *c)
{
	xw_start(x, "opaque");
	xw_attr(x, "is-for", "vpn-client");
	if (c->pkg_version) {
		xw_start(x, "vpn-client-pkg-version");
		xw_elem(x, "pkgversion", c->pkg_version);
		xw_end(x);
	}
	if (c->n_packages)
		write_core_manifest(x, c);
	xw_end(x);
}

static void write_complete(struct xw *x, const struct authxml_complete *c)
{
	write_config_auth(x, "complete");
	xw_elem(x, "session-id", c->session_id);
	xw_elem(x, "session-token", c->session_token);
	xw_start(x, "auth");
	xw_attr(x, "id", "success");
	xw_elem(x, "banner", c->banner);
	xw_start(x, "message");
	xw_attr(x, "id", "0");
	xw_attr(x, "param1", "");
	xw_attr(x, "param2", "");
	xw_full_end(x);
	xw_end(x);
	xw_start(x, "capabilities");
	xw_elem(x, "crypto-supported", "ssl-dhe");
	xw_end(x);
	xw_start(x, "config");
	xw_attr(x, "client", "vpn");
	xw_attr(x, "type", "private");
	if (c->server_cert_hash || c->base_package_uri) {
		xw_start(x, "vpn-base-config");
		xw_elem(x, "base-package-uri", c->base_package_uri);
		xw_elem(x, "server-cert-hash", c->server_cert_hash);
		xw_end(x);
	}
	write_client_opaque(x, c);
	if (c->profile_uri)
		write_profile(x, c);
	xw_end(x);
	xw_end(x);
}

static void write_legacy_success(struct xw *x)
{
	xw_start(x, "auth");
	xw_attr(x, "id", "success");
	xw_elem(x, "title", "SSL VPN Service");
	xw_elem(x, "message", "Success");
	xw_start(x, "success");
	xw_end(x);
	xw_end(x);
}

static bool packages_complete(const struct authxml_complete *c)
{
	if (c->n_packages && !c->packages)
		return false;
	for (size_t i = 0; i < c->n_packages; i++) {
		const struct authxml_package *p = &c->packages[i];

		if (!p->id || !p->version || !p->os || !p->type || !p->uri)
			return false;
	}
	return true;
}

int authxml_build_complete(const struct authxml_complete *c, struct buf_wr *out)
{
	xmlBufferPtr buf = NULL;
	struct xw x;

	if (!packages_complete(c))
		return ERR_RANGE;

	if (xw_open(&x, &buf) == 0) {
		if (c->legacy)
			write_legacy_success(&x);
		else
			write_complete(&x, c);
	}
	return xw_close(&x, buf, out);
}
