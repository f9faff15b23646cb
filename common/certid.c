/* SPDX-License-Identifier: GPL-2.0-or-later */
/* User name and groups out of a client certificate. Process: any. */
#include "certid.h"

#include <string.h>
#include <strings.h>

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "err.h"
#include "strutil.h"

#define OID_TEXT_MAX 64

static int san_type(const char *spec)
{
	if (!strcasecmp(spec, CERTID_SAN_RFC822))
		return GEN_EMAIL;
	if (!strcasecmp(spec, CERTID_SAN_DNS))
		return GEN_DNS;
	return -1;
}

bool certid_spec_ok(const char *spec)
{
	size_t n = strlen(spec), dots = 0;
	char prev = '.';

	if (san_type(spec) >= 0)
		return true;
	if (n == 0 || n > OID_TEXT_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = spec[i];

		if (c == '.') {
			if (prev == '.')
				return false;
			dots++;
		} else if (c < '0' || c > '9') {
			return false;
		}
		prev = c;
	}
	return prev != '.' && dots > 0;
}

/* A certificate string as a safe name: UTF-8, no NUL, 1..63 characters of
 * [A-Za-z0-9._@+-]. */
static int value_to_name(const ASN1_STRING *s, char out[CERTID_NAME_MAX + 1])
{
	unsigned char *utf8 = NULL;
	struct buf_rd rd;
	int n, r;

	out[0] = '\0';
	n = ASN1_STRING_to_UTF8(&utf8, s);
	if (n < 0)
		return ERR_FORMAT;
	buf_rd_init(&rd, utf8, (size_t)n);
	r = buf_get_str(&rd, (size_t)n, out, CERTID_NAME_MAX + 1);
	OPENSSL_free(utf8);
	if (r != 0 || !str_is_name(out, CERTID_NAME_MAX)) {
		out[0] = '\0';
		return ERR_FORMAT;
	}
	return 0;
}

/* Call fn for every value of spec, in order, until fn returns non-zero (returned). ERR_RANGE
 * when there is no value at all. */
typedef int (*value_fn)(const ASN1_STRING *v, void *arg);

static int each_san(X509 *x, int type, value_fn fn, void *arg)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int r = ERR_RANGE;

	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type != type)
			continue;
		r = fn(type == GEN_EMAIL ? g->d.rfc822Name : g->d.dNSName, arg);
		if (r != 0 && r != ERR_RANGE)
			break;
	}
	GENERAL_NAMES_free(gens);
	return r;
}

static int each_value(X509 *x, const char *spec, value_fn fn, void *arg)
{
	const X509_NAME *name = X509_get_subject_name(x);
	ASN1_OBJECT *obj;
	int idx = -1, r = ERR_RANGE;

	if (!certid_spec_ok(spec))
		return ERR_FORMAT;
	if (san_type(spec) >= 0)
		return each_san(x, san_type(spec), fn, arg);
	obj = OBJ_txt2obj(spec, 1);
	if (!obj)
		return ERR_FORMAT;
	while (name && (idx = X509_NAME_get_index_by_OBJ(name, obj, idx)) >= 0) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, idx);

		r = e ? fn(X509_NAME_ENTRY_get_data(e), arg) : ERR_FORMAT;
		if (r != 0 && r != ERR_RANGE)
			break;
	}
	ASN1_OBJECT_free(obj);
	return r;
}

/* The first value, good or bad, ends the walk: the user name is that value or nothing. */
static int first_fn(const ASN1_STRING *v, void *arg)
{
	int r = value_to_name(v, arg);

	return r == 0 ? 1 : r;
}

int certid_user(X509 *x, const char *spec, char out[CERTID_NAME_MAX + 1])
{
	int r;

	out[0] = '\0';
	r = each_value(x, spec, first_fn, out);
	return r == 1 ? 0 : r;
}

struct groups_ctx {
	char (*out)[CERTID_NAME_MAX + 1];
	size_t max, n;
};

static int group_fn(const ASN1_STRING *v, void *arg)
{
	struct groups_ctx *g = arg;
	char name[CERTID_NAME_MAX + 1];

	if (value_to_name(v, name) != 0)
		return ERR_RANGE; /* skip it, go on */
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->out[i], name) == 0)
			return ERR_RANGE;
	if (g->n >= g->max)
		return 1;
	memcpy(g->out[g->n++], name, sizeof(name));
	return ERR_RANGE;
}

int certid_groups(X509 *x, const char *spec, char (*out)[CERTID_NAME_MAX + 1], size_t max,
		  size_t *n)
{
	struct groups_ctx g = { out, max, 0 };
	int r = each_value(x, spec, group_fn, &g);

	*n = g.n;
	return r == ERR_FORMAT || r == ERR_NOMEM ? r : 0;
}
