/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for GET target mapping, Range, If-None-Match and HTTP dates. Process: any
 * (test). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "manifest.h"
#include "tap.h"
#include "urlmap.h"

struct map_case {
	const char *target;
	enum urlmap_kind kind;
	const char *name;
};

static const struct map_case good_maps[] = {
	{ "/profiles/profile.xml", URLMAP_PROFILE, "profile.xml" },
	{ "/profiles/profile.xml:8443", URLMAP_PROFILE, "profile.xml" },
	{ "/profiles/p.xml?x=1", URLMAP_PROFILE, "p.xml" },
	{ "/profiles/p.xml:443?x=1", URLMAP_PROFILE, "p.xml" },
	{ "/profiles%2Fprofile.xml", URLMAP_PROFILE, "profile.xml" },
	{ "/profiles%2fp.xml:8443", URLMAP_PROFILE, "p.xml" },
	{ "/CACHE/stc/1/binaries/anyconnect-linux64-4.10.08029-core-vpn-webdeploy-k9.sh",
	  URLMAP_PACKAGE, "anyconnect-linux64-4.10.08029-core-vpn-webdeploy-k9.sh" },
	{ "/CACHE/stc/1/binaries/a+b_c.msi", URLMAP_PACKAGE, "a+b_c.msi" },
	{ "/CACHE/stc/1/binaries/update.txt", URLMAP_UPDATE_TXT, "" },
	{ "/1/binaries/update.txt", URLMAP_UPDATE_TXT, "" },
	{ "/binaries/update.txt", URLMAP_UPDATE_TXT, "" },
	{ "/VPNManifest.xml", URLMAP_EMPTY_MANIFEST, "" },
	{ "/1/VPNManifest.xml", URLMAP_EMPTY_MANIFEST, "" },
	{ "/CACHE/stc/1/VPNManifest.xml", URLMAP_EMPTY_MANIFEST, "" },
	{ "/+CSCOT+/translation-table?textdomain%3DAnyConnect%26type%3Dmanifest",
	  URLMAP_EMPTY_MANIFEST, "" },
	{ "/+CSCOT+/oem-customization?app=AnyConnect&type=oem&platform=linux",
	  URLMAP_EMPTY_MANIFEST, "" },
};

/* Every one of these must be a plain 404: traversal, encodings, odd shapes. */
static const char *const bad_maps[] = {
	"/",
	"",
	"profiles/p.xml",
	"/profiles",
	"/profiles/",
	"/profiles//p.xml",
	"//profiles/p.xml",
	"/profiles/./p.xml",
	"/profiles/../p.xml",
	"/profiles/..",
	"/profiles/.",
	"/profiles/.p.xml",
	"/profiles/p.xml/",
	"/profiles/p.xml/.",
	"/profiles/a/p.xml",
	"/profiles/..%2fetc%2fpasswd",
	"/profiles/%2e%2e/etc/passwd",
	"/profiles/%2E%2E%2Fetc%2Fpasswd",
	"/profiles/p%2exml",
	"/profiles%2F",
	"/profiles%2F..",
	"/profiles%2F.p.xml",
	"/profiles%2F..%2Fmanifest",
	"/profiles%2F%2e%2e",
	"/profiles%2F/p.xml",
	"/profiles%2Fa/p.xml",
	"/profiles%2F%2Fp.xml",
	"/profiles%252Fp.xml",
	"/profiles%2F..\\p.xml",
	"/CACHE/stc/1/binaries%2Fx.msi",
	"/profiles/%2Fp.xml",
	"/profiles/p.xml%00",
	"/profiles/..\\..\\etc\\passwd",
	"/profiles/p.xml;x",
	"/profiles/p.xml#x",
	"/profiles/p.xml:",
	"/profiles/p.xml:abc",
	"/profiles/p.xml:123456",
	"/profiles/p.xml:80:80",
	"/profiles:80/p.xml",
	"/Profiles/p.xml",
	"/profiles/p~.xml",
	"/CACHE/stc/1/binaries/../../../../etc/shadow",
	"/CACHE/stc/1/binaries/..%2f..%2fmanifest",
	"/CACHE/stc/1/binaries/%2e%2e/manifest",
	"/CACHE/stc/1/binaries//x.msi",
	"/CACHE/stc/1/binaries/sub/x.msi",
	"/CACHE/stc/1/binaries/",
	"/CACHE/stc/1/binaries",
	"/CACHE/stc/1/../1/binaries/x.msi",
	"/CACHE/stc/2/binaries/x.msi",
	"/cache/stc/1/binaries/x.msi",
	"/1/binaries/x.msi",
	"/binaries/x.msi",
	"/1/binaries/vpndownloader.sh",
	"/1/index.html",
	"/1/Linux_64",
	"/1/Windows",
	"/+CSCOT+",
	"/+CSCOT+/",
	"/+CSCOE+/sdesktop/wait.html",
	"/logout",
	"/auth",
	"/CSCOSSLC/tunnel",
};

static void test_lookup(void)
{
	char name[MANIFEST_NAME_MAX + 1], *big;
	enum urlmap_kind k;

	for (size_t i = 0; i < sizeof(good_maps) / sizeof(good_maps[0]); i++) {
		const struct map_case *c = &good_maps[i];

		k = urlmap_lookup(c->target, name, sizeof(name));
		ok(k == c->kind && strcmp(name, c->name) == 0, "%s -> %d '%s' (got %d '%s')",
		   c->target, c->kind, c->name, k, name);
	}
	for (size_t i = 0; i < sizeof(bad_maps) / sizeof(bad_maps[0]); i++) {
		k = urlmap_lookup(bad_maps[i], name, sizeof(name));
		ok(k == URLMAP_NONE && name[0] == '\0', "%s -> 404 (got %d '%s')", bad_maps[i], k,
		   name);
	}
	big = malloc(700);
	strcpy(big, "/profiles/");
	memset(big + 10, 'a', MANIFEST_NAME_MAX);
	big[10 + MANIFEST_NAME_MAX] = '\0';
	k = urlmap_lookup(big, name, sizeof(name));
	ok(k == URLMAP_PROFILE && strlen(name) == MANIFEST_NAME_MAX, "longest name");
	strcat(big, "a");
	is_int(urlmap_lookup(big, name, sizeof(name)), URLMAP_NONE, "name one byte too long");
	memset(big + 10, 'a', 650);
	big[660] = '\0';
	is_int(urlmap_lookup(big, name, sizeof(name)), URLMAP_NONE, "very long path");
	free(big);
	is_int(urlmap_lookup("/profiles/p.xml", name, 4), URLMAP_NONE,
	       "name buffer too small: no match");
}

/* Flip every bit of each valid target: the result is a clean 404 or still a safe name. */
static void test_lookup_mutations(void)
{
	char name[MANIFEST_NAME_MAX + 1], m[256];
	size_t bad = 0, hits = 0;

	for (size_t i = 0; i < sizeof(good_maps) / sizeof(good_maps[0]); i++) {
		const char *t = good_maps[i].target;
		size_t len = strlen(t);

		for (size_t j = 0; j < len; j++) {
			for (int b = 0; b < 8; b++) {
				enum urlmap_kind k;

				memcpy(m, t, len + 1);
				m[j] ^= (char)(1u << b);
				k = urlmap_lookup(m, name, sizeof(name));
				if (k == URLMAP_PROFILE || k == URLMAP_PACKAGE) {
					const char *pct = strchr(m, '%');
					bool encoded_ok = pct == m + 9 && k == URLMAP_PROFILE &&
							  strncasecmp(m, "/profiles%2F", 12) == 0 &&
							  !strchr(pct + 1, '%');

					hits++;
					if (!manifest_name_ok(name) || strstr(m, "..") ||
					    strstr(m, "//") || (pct && !encoded_ok))
						bad++;
				}
			}
		}
	}
	ok(bad == 0, "bit flips: every match is a safe name (%zu matches)", hits);
}

struct range_case {
	const char *v;
	uint64_t size;
	int want;
	uint64_t first, last;
};

static const struct range_case ranges[] = {
	{ "bytes=0-499", 1000, 0, 0, 499 },
	{ "bytes=500-", 1000, 0, 500, 999 },
	{ "bytes=-200", 1000, 0, 800, 999 },
	{ "bytes=-2000", 1000, 0, 0, 999 },
	{ "bytes=999-999", 1000, 0, 999, 999 },
	{ "bytes=0-0", 1, 0, 0, 0 },
	{ "bytes=0-5000", 1000, 0, 0, 999 },
	{ " BYTES = 10-20 ", 1000, 0, 10, 20 },
	{ "bytes=0-", 5242880, 0, 0, 5242879 },
	{ "bytes=1000-", 1000, ERR_RANGE, 0, 0 },
	{ "bytes=1000-2000", 1000, ERR_RANGE, 0, 0 },
	{ "bytes=-0", 1000, ERR_RANGE, 0, 0 },
	{ "bytes=0-", 0, ERR_RANGE, 0, 0 },
	{ "bytes=-5", 0, ERR_RANGE, 0, 0 },
	{ "bytes=99999999999999999999999999-", 1000, ERR_RANGE, 0, 0 },
	{ "bytes=18446744073709551615-", UINT64_MAX, ERR_RANGE, 0, 0 },
	{ "bytes=18446744073709551614-", UINT64_MAX, 0, UINT64_MAX - 1, UINT64_MAX - 1 },
	{ "bytes=0-99999999999999999999999999", 1000, 0, 0, 999 },
	{ "bytes=-99999999999999999999999999", 1000, 0, 0, 999 },
	{ "bytes=18446744073709551616-18446744073709551617", 1000, ERR_RANGE, 0, 0 },
	{ "bytes=5-4", 1000, ERR_FORMAT, 0, 0 },
	{ "bytes=0-1,5-6", 1000, ERR_FORMAT, 0, 0 },
	{ "bytes=0-1, 2000-3000", 1000, ERR_FORMAT, 0, 0 },
	{ "bytes=0-1,", 1000, ERR_FORMAT, 0, 0 },
	{ "items=0-1", 1000, ERR_FORMAT, 0, 0 },
	{ "bytes", 1000, ERR_FORMAT, 0, 0 },
	{ "bytes=", 1000, ERR_FORMAT, 0, 0 },
	{ "bytes=-", 1000, ERR_FORMAT, 0, 0 },
	{ "bytes=abc", 1000, ERR_FORMAT, 0, 0 },
	{ "bytes=1-2x", 1000, ERR_FORMAT, 0, 0 },
	{ "bytes=1", 1000, ERR_FORMAT, 0, 0 },
	{ "bytes=+1-2", 1000, ERR_FORMAT, 0, 0 },
	{ "bytes=-1-2", 1000, ERR_FORMAT, 0, 0 },
	{ "bytes=1--2", 1000, ERR_FORMAT, 0, 0 },
	{ "bytes=0x10-", 1000, ERR_FORMAT, 0, 0 },
	{ "", 1000, ERR_FORMAT, 0, 0 },
};

static void test_range(void)
{
	struct urlmap_range r;

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const struct range_case *c = &ranges[i];
		int got = urlmap_parse_range(c->v, c->size, &r);

		ok(got == c->want && (got != 0 || (r.first == c->first && r.last == c->last)),
		   "Range '%s' of %llu bytes -> %s %llu-%llu (got %s %llu-%llu)", c->v,
		   (unsigned long long)c->size, err_str(c->want), (unsigned long long)c->first,
		   (unsigned long long)c->last, err_str(got), (unsigned long long)r.first,
		   (unsigned long long)r.last);
	}
}

static void test_range_mutations(void)
{
	struct urlmap_range r;
	char m[64];
	size_t bad = 0;

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		size_t len = strlen(ranges[i].v);

		for (size_t j = 0; j <= len; j++) {
			memcpy(m, ranges[i].v, len + 1);
			m[j] = '\0';
			if (urlmap_parse_range(m, 1000, &r) == 0 &&
			    (r.first > r.last || r.last > 999))
				bad++;
			for (int b = 0; b < 8 && j < len; b++) {
				memcpy(m, ranges[i].v, len + 1);
				m[j] ^= (char)(1u << b);
				if (urlmap_parse_range(m, 1000, &r) == 0 &&
				    (r.first > r.last || r.last > 999))
					bad++;
			}
		}
	}
	ok(bad == 0, "Range truncations and bit flips: every accepted range lies in the file");
}

static void test_etag(void)
{
	const char *tag = "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709";

	ok(urlmap_etag_match("\"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709\"", tag), "exact");
	ok(urlmap_etag_match("W/\"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709\"", tag), "weak");
	ok(urlmap_etag_match("*", tag), "star");
	ok(urlmap_etag_match(" \"x\" , \"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709\"", tag), "list");
	ok(urlmap_etag_match("\"x\",W/\"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709\"", tag),
	   "list, weak second");
	ok(!urlmap_etag_match("\"da39a3ee5e6b4b0d3255bfef95601890afd80709\"", tag),
	   "opaque tags compare exactly");
	ok(!urlmap_etag_match("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", tag), "unquoted");
	ok(!urlmap_etag_match("\"DA39A3EE5E6B4B0D3255BFEF95601890AFD8070\"", tag), "prefix");
	ok(!urlmap_etag_match("\"DA39A3EE5E6B4B0D3255BFEF95601890AFD807091\"", tag), "longer");
	ok(!urlmap_etag_match("\"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", tag), "unterminated");
	ok(!urlmap_etag_match("", tag), "empty");
	ok(!urlmap_etag_match("\"x\", junk, \"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709\"", tag),
	   "a malformed element ends the list");
}

struct date_case {
	const char *v;
	int64_t t;
};

static const struct date_case dates[] = {
	{ "Sun, 06 Nov 1994 08:49:37 GMT", 784111777 },
	{ "Sunday, 06-Nov-94 08:49:37 GMT", 784111777 },
	{ "Sun Nov  6 08:49:37 1994", 784111777 },
	{ "Thu, 01 Jan 1970 00:00:00 GMT", 0 },
	{ "Tue, 29 Feb 2000 12:00:00 GMT", 951825600 },
	{ "Wed, 01 Mar 2100 00:00:00 GMT", 4107542400 },
	{ "Fri, 31 Dec 9999 23:59:59 GMT", 253402300799 },
	{ "Wed, 31 Dec 1969 23:59:59 GMT", -1 },
	{ "Thursday, 01-Jan-70 00:00:00 GMT", 0 },
	{ "Saturday, 01-Jan-00 00:00:00 GMT", 946684800 },
	{ "Mon Jan 19 03:14:08 2038", 2147483648 },
};

static const char *const bad_dates[] = {
	"Sun, 06 Nov 1994 08:49:37 UTC",
	"Sun, 06 Nov 1994 08:49:37 GMT ",
	"Sun, 6 Nov 1994 08:49:37 GMT",
	"Sun, 06 nov 1994 08:49:37 GMT",
	"Sun, 31 Feb 1994 08:49:37 GMT",
	"Sun, 29 Feb 1900 08:49:37 GMT",
	"Sun, 00 Nov 1994 08:49:37 GMT",
	"Sun, 06 Nov 1994 24:00:00 GMT",
	"Sun, 06 Nov 1994 08:60:00 GMT",
	"Sun, 06 Nov 1994 08:49:61 GMT",
	"Sun, 06 Nov 0000 08:49:37 GMT",
	"Xyz, 06 Nov 1994 08:49:37 GMT",
	"Sun 06 Nov 1994 08:49:37 GMT",
	"Sunday, 06-Nov-1994 08:49:37 GMT",
	"Sun Nov 6 08:49:37 1994",
	"Sun Nov  6 08:49:37 94",
	"1994-11-06T08:49:37Z",
	"784111777",
	"",
};

static void test_dates(void)
{
	char buf[URLMAP_DATE_LEN + 1];
	int64_t t;
	int r;

	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		r = urlmap_parse_date(dates[i].v, &t);
		ok(r == 0 && t == dates[i].t, "'%s' -> %lld (got %s %lld)", dates[i].v,
		   (long long)dates[i].t, err_str(r), (long long)t);
	}
	for (size_t i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++) {
		r = urlmap_parse_date(bad_dates[i], &t);
		ok(r == ERR_FORMAT && t == 0, "'%s' refused", bad_dates[i]);
	}
	urlmap_format_date(784111777, buf);
	is_str(buf, "Sun, 06 Nov 1994 08:49:37 GMT", "format");
	urlmap_format_date(0, buf);
	is_str(buf, "Thu, 01 Jan 1970 00:00:00 GMT", "format the epoch");
	urlmap_format_date(-5, buf);
	is_str(buf, "Thu, 01 Jan 1970 00:00:00 GMT", "negative clamps to the epoch");
	urlmap_format_date(INT64_MAX, buf);
	is_str(buf, "Fri, 31 Dec 9999 23:59:59 GMT", "huge clamps to year 9999");
	{
		size_t bad = 0;

		for (int64_t s = 0; s < 253402300799LL; s += 86399LL * 37 + 7777) {
			urlmap_format_date(s, buf);
			if (urlmap_parse_date(buf, &t) != 0 || t != s)
				bad++;
		}
		ok(bad == 0, "format + parse round trip over the whole range");
	}
}

static void test_date_mutations(void)
{
	size_t bad = 0;
	char m[64];
	int64_t t;

	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		size_t len = strlen(dates[i].v);

		for (size_t j = 0; j < len; j++) {
			for (int b = 0; b < 8; b++) {
				int r;

				memcpy(m, dates[i].v, len + 1);
				m[j] ^= (char)(1u << b);
				r = urlmap_parse_date(m, &t);
				if (r != 0 && (r != ERR_FORMAT || t != 0))
					bad++;
			}
			memcpy(m, dates[i].v, len + 1);
			m[j] = '\0';
			if (urlmap_parse_date(m, &t) != ERR_FORMAT)
				bad++;
		}
	}
	ok(bad == 0, "date truncations and bit flips: clean results");
}

int main(void)
{
	test_lookup();
	test_lookup_mutations();
	test_range();
	test_range_mutations();
	test_etag();
	test_dates();
	test_date_mutations();
	return done_testing();
}
