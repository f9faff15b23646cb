/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for certid: user names and groups from client certificates made here. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "certid.h"
#include "err.h"
#include "tap.h"

static EVP_PKEY *g_key;

static void add_entry(X509_NAME *nm, const char *field, const char *v, int len)
{
	X509_NAME_add_entry_by_txt(nm, field, MBSTRING_UTF8, (const unsigned char *)v, len, -1, 0);
}

/* A self-signed certificate with these subject entries ("CN=alice" pairs, NULL ended)
 * and, when san is given, that subjectAltName ("email:a@b,DNS:h"). */
static X509 *make_cert(const char *const *entries, const char *san)
{
	X509 *x = X509_new();
	X509_NAME *nm = X509_get_subject_name(x);

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, g_key);
	for (size_t i = 0; entries && entries[i]; i += 2)
		add_entry(nm, entries[i], entries[i + 1], -1);
	X509_set_issuer_name(x, nm);
	if (san) {
		X509V3_CTX ctx;
		X509_EXTENSION *ext;

		X509V3_set_ctx_nodb(&ctx);
		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	X509_sign(x, g_key, EVP_sha256());
	return x;
}

static void test_specs(void)
{
	static const char *const good[] = {
		"2.5.4.3",	   "0.9.2342.19200300.100.1.1", "1.2",
		"SAN(rfc822name)", "san(RFC822NAME)",		"SAN(dnsname)"
	};
	static const char *const bad[] = {
		"",   "2",     "2..5",	   ".2.5",	     "2.5.",
		"CN", "2.5.a", "SAN(foo)", "SAN(rfc822name", " 2.5.4.3"
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(certid_spec_ok(good[i]), "good spec '%s'", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!certid_spec_ok(bad[i]), "bad spec '%s'", bad[i]);
}

static void test_user(void)
{
	static const char *const e1[] = { "O",	 "Example", "CN",	    "alice",
					  "UID", "alice.u", "emailAddress", "alice@example.com",
					  "OU",	 "staff",   "OU",	    "vpn-users",
					  "OU",	 "staff",   "OU",	    "Bad Group",
					  NULL };
	static const char *const e_space[] = { "CN", "Alice Smith", NULL };
	static const char *const e_utf8[] = { "CN", "\xc3\xa9lise", NULL };
	char user[CERTID_NAME_MAX + 1], groups[4][CERTID_NAME_MAX + 1], longcn[120];
	const char *e_long[] = { "UID", longcn, NULL }; /* CN is capped at 64 by OpenSSL */
	X509 *x = make_cert(e1, "email:carol@example.com,DNS:host.example.net,email:c2@x.org");
	size_t n;

	is_int(certid_user(x, CERTID_OID_CN, user), 0, "CN");
	is_str(user, "alice", "CN value");
	is_int(certid_user(x, CERTID_OID_UID, user), 0, "UID");
	is_str(user, "alice.u", "UID value");
	is_int(certid_user(x, CERTID_OID_EMAIL, user), 0, "emailAddress");
	is_str(user, "alice@example.com", "emailAddress value");
	is_int(certid_user(x, CERTID_SAN_RFC822, user), 0, "SAN(rfc822name)");
	is_str(user, "carol@example.com", "the first e-mail SAN");
	is_int(certid_user(x, CERTID_SAN_DNS, user), 0, "SAN(dnsname)");
	is_str(user, "host.example.net", "the DNS SAN");
	is_int(certid_user(x, "2.5.4.4", user), ERR_RANGE, "no surname in the subject");
	is_str(user, "", "empty on error");
	is_int(certid_user(x, "not-an-oid", user), ERR_FORMAT, "bad spec");
	is_int(certid_groups(x, CERTID_OID_OU, groups, 4, &n), 0, "OU groups");
	is_int((int)n, 2, "two distinct safe OU values");
	is_str(groups[0], "staff", "first OU");
	is_str(groups[1], "vpn-users", "second OU");
	is_int(certid_groups(x, CERTID_OID_OU, groups, 1, &n), 0, "OU groups, room for one");
	is_int((int)n, 1, "only one kept");
	is_int(certid_groups(x, "2.5.4.4", groups, 4, &n), 0, "no such groups");
	is_int((int)n, 0, "none");
	is_int(certid_groups(x, "x", groups, 4, &n), ERR_FORMAT, "bad group spec");
	X509_free(x);

	x = make_cert(e_space, NULL);
	is_int(certid_user(x, CERTID_OID_CN, user), ERR_FORMAT, "a CN with a blank");
	is_int(certid_user(x, CERTID_SAN_RFC822, user), ERR_RANGE, "no SAN at all");
	X509_free(x);
	x = make_cert(e_utf8, NULL);
	is_int(certid_user(x, CERTID_OID_CN, user), ERR_FORMAT, "a non-ASCII CN");
	X509_free(x);
	memset(longcn, 'a', 100);
	longcn[100] = '\0';
	x = make_cert(e_long, NULL);
	is_int(certid_user(x, CERTID_OID_UID, user), ERR_FORMAT, "a 100-character UID");
	X509_free(x);
	longcn[63] = '\0';
	x = make_cert(e_long, NULL);
	is_int(certid_user(x, CERTID_OID_UID, user), 0, "a 63-character UID");
	X509_free(x);

	/* An embedded NUL in the CN ("ab\0cd"). */
	x = make_cert(NULL, NULL);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"ab\0cd", 5, -1, 0);
	is_int(certid_user(x, CERTID_OID_CN, user), ERR_FORMAT, "a CN with a NUL");
	X509_free(x);
	x = make_cert(NULL, "email:bad\x01name@x.org");
	if (x) {
		int r = certid_user(x, CERTID_SAN_RFC822, user);

		ok(r == ERR_FORMAT || r == ERR_RANGE, "a SAN with a control character refused");
		X509_free(x);
	}
}

/* DER of a certificate truncated at every offset and with every bit flipped: whatever
 * OpenSSL still parses gives a clean result. */
static void test_mutation(void)
{
	static const char *const e[] = { "CN", "alice", "OU", "staff", "OU", "vpn", NULL };
	char user[CERTID_NAME_MAX + 1], groups[8][CERTID_NAME_MAX + 1];
	X509 *x = make_cert(e, "email:carol@example.com");
	unsigned char *der = NULL, *copy;
	int len = i2d_X509(x, &der);
	unsigned bad = 0, parsed = 0;

	copy = malloc((size_t)len);
	for (int cut = 0; cut <= len; cut++) {
		const unsigned char *p = der;
		X509 *y = d2i_X509(NULL, &p, cut);

		if (y) {
			parsed++;
			X509_free(y);
		}
	}
	for (int bit = 0; bit < len * 8; bit++) {
		const unsigned char *p = copy;
		X509 *y;
		size_t n;

		memcpy(copy, der, (size_t)len);
		copy[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		y = d2i_X509(NULL, &p, len);
		if (!y)
			continue;
		parsed++;
		for (int k = 0; k < 3; k++) {
			const char *spec = k == 0   ? CERTID_OID_CN
					   : k == 1 ? CERTID_SAN_RFC822
						    : "2.5.4.11";
			int r = certid_user(y, spec, user);

			bad += !(r == 0 || r == ERR_RANGE || r == ERR_FORMAT);
			bad += r == 0 && !user[0];
		}
		bad += certid_groups(y, CERTID_OID_OU, groups, 8, &n) != 0;
		X509_free(y);
	}
	is_int(bad, 0, "mutated certificates (%u parsed) give clean results", parsed);
	free(copy);
	OPENSSL_free(der);
	X509_free(x);
}

int main(void)
{
	g_key = EVP_EC_gen("P-256");
	if (!g_key) {
		ok(0, "an EC key");
		return done_testing();
	}
	test_specs();
	test_user();
	test_mutation();
	EVP_PKEY_free(g_key);
	return done_testing();
}
