/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which client file a GET target names (PROTOCOL.md §1.2, §9.2), and the conditional and
 * Range request headers of a download (RFC 7232, RFC 7233). Pure. Process: worker. */
#ifndef CSTPD_COMMON_URLMAP_H
#define CSTPD_COMMON_URLMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manifest.h"

/* Where things are announced and served. The profile path is ocserv's; the packages live
 * under an ASA-like base-package-uri, each file at <base>/binaries/<file>. */
#define URLMAP_PROFILE_PREFIX  "/profiles/"
#define URLMAP_PROFILE_ENCODED "/profiles%2F" /* what openconnect makes of webvpnc's fu */
#define URLMAP_PACKAGE_BASE    "/CACHE/stc/1"
#define URLMAP_PACKAGE_DIR     "binaries/" /* relative to the base, as in <uri> */
#define URLMAP_DATE_LEN	       29	   /* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define URLMAP_ETAG_MAX	       (MANIFEST_SHA1_HEX + 2)

enum urlmap_kind {
	URLMAP_NONE = 0,	   /* not ours: 404 */
	URLMAP_PROFILE = 1,	   /* name = the profile's file name */
	URLMAP_PACKAGE = 2,	   /* name = a package's file name */
	URLMAP_EMPTY_MANIFEST = 3, /* VPNManifest.xml, /+CSCOT+/...: <vpn rev="1.0"></vpn> */
	URLMAP_UPDATE_TXT = 4,	   /* binaries/update.txt: "0,0,0000\n" (no update) */
};

/* Map a request target (the path of the request line) to what it names. Only exact,
 * canonical paths match: a '%' escape (but for the "/profiles%2F" openconnect derives from
 * the webvpnc cookie), an empty, "." or ".." segment, a segment starting with '.', or any
 * byte outside [A-Za-z0-9._+~-] in the path gives URLMAP_NONE. A query is ignored; a
 * trailing ":<digits>" (openconnect's port bug, §1.2) is removed first. name
 * (name_size >= MANIFEST_NAME_MAX + 1) is set for PROFILE and PACKAGE, else empty. */
enum urlmap_kind urlmap_lookup(const char *target, char *name, size_t name_size);

/* One satisfiable byte range, both ends inclusive. */
struct urlmap_range {
	uint64_t first;
	uint64_t last;
};

/* Read a Range header value against a file of `size` bytes. 0: one satisfiable range in
 * *out (answer 206). ERR_RANGE: unsatisfiable (answer 416). ERR_FORMAT: not a single
 * well-formed bytes range (several ranges, another unit, bad syntax): ignore the header
 * and send the whole file, as RFC 7233 §3.1 allows. Numbers too large saturate. */
int urlmap_parse_range(const char *value, uint64_t size, struct urlmap_range *out);

/* True when an If-None-Match value ("*" or a list of possibly weak entity tags) matches the
 * opaque tag `tag` (our SHA-1, without quotes), by weak comparison (RFC 7232 §3.2). */
bool urlmap_etag_match(const char *value, const char *tag);

/* Parse an HTTP-date: IMF-fixdate, RFC 850 or asctime form (RFC 7231 §7.1.1.1) into
 * seconds since the epoch. 0 or ERR_FORMAT. */
int urlmap_parse_date(const char *value, int64_t *out);
/* Format t as an IMF-fixdate into dst (URLMAP_DATE_LEN + 1 bytes). */
void urlmap_format_date(int64_t t, char dst[static URLMAP_DATE_LEN + 1]);

#endif
