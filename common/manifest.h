/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Client files: the packages manifest (client-packages = DIR, DIR/manifest), the announcement
 * main hands a worker for one session, and checks of the client profile. Process: any. */
#ifndef CSTPD_COMMON_MANIFEST_H
#define CSTPD_COMMON_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MANIFEST_FILE_MAX    (64u << 10) /* bytes of a manifest or an announcement */
#define MANIFEST_LINE_MAX    1024	 /* one line, newline included */
#define MANIFEST_ENTRIES_MAX 64		 /* packages in one manifest */
#define MANIFEST_ID_MAX	     63		 /* "VPNCore", "DART", ... */
#define MANIFEST_VERSION_MAX 31		 /* "4.10.08029" */
#define MANIFEST_OS_MAX	     63		 /* "win:6.1.7601", "linux-64", "mac-intel" */
#define MANIFEST_TYPE_MAX    15		 /* "msi", "sh", "dmg", "pkg", "exe", "zip" */
#define MANIFEST_NAME_MAX    127	 /* a file name inside DIR, or a profile's name */
#define MANIFEST_DISPLAY_MAX 127	 /* <display-name> */
#define MANIFEST_SHA1_HEX    40
#define MANIFEST_PROFILE_MAX (1u << 20) /* largest client profile accepted */

/* The id of the core package: announced with is_core="yes" and as vpn-client-pkg-version. */
#define MANIFEST_CORE_ID "VPNCore"

enum manifest_flags {
	/* Accept one "profile NAME SHA1" line: only in the announcement main sends a worker,
	 * never in an administrator's manifest file. */
	MANIFEST_ANNOUNCE = 1u << 0,
};

/* One "package ID VERSION OS TYPE FILE [DISPLAY NAME]" line. */
struct manifest_entry {
	char id[MANIFEST_ID_MAX + 1];
	char version[MANIFEST_VERSION_MAX + 1];
	char os[MANIFEST_OS_MAX + 1];
	char type[MANIFEST_TYPE_MAX + 1];
	char file[MANIFEST_NAME_MAX + 1];
	char display[MANIFEST_DISPLAY_MAX + 1]; /* empty = none */
};

/* A parsed manifest; callers may read every field. */
struct manifest {
	size_t n;
	struct manifest_entry e[MANIFEST_ENTRIES_MAX];
	bool has_profile; /* MANIFEST_ANNOUNCE only */
	char profile_name[MANIFEST_NAME_MAX + 1];
	char profile_sha1[MANIFEST_SHA1_HEX + 1];
};

/* Parse a manifest (blank lines and # comments allowed; LF or CRLF). out is cleared first.
 * 0, or ERR_FORMAT (bad syntax, a bad character, a duplicate file or ID+OS pair, a reserved
 * file name), ERR_TOO_LARGE (a field, a line, the file or the entry count over its limit);
 * err (may be NULL) then reads "line N: what". Pure. */
int manifest_parse(const uint8_t *data, size_t len, unsigned flags, struct manifest *out, char *err,
		   size_t err_size);
/* Append m in the canonical text form manifest_parse() reads back (with the profile line
 * when m->has_profile). 0, ERR_TOO_LARGE or ERR_NOMEM. */
int manifest_write(const struct manifest *m, struct buf_wr *out);
/* The entry serving file `name`, or NULL. */
const struct manifest_entry *manifest_find(const struct manifest *m, const char *name);
/* True when name may name a served file: 1..MANIFEST_NAME_MAX bytes of [A-Za-z0-9._+-],
 * not starting with '.', so it is one path component that cannot climb or hide. */
bool manifest_name_ok(const char *name);
/* Check a client profile: at most MANIFEST_PROFILE_MAX bytes of well-formed XML without a
 * DOCTYPE, whose root element is AnyConnectProfile. Parsed by libxml2 without network
 * access or entity substitution. 0, ERR_TOO_LARGE, ERR_FORMAT or ERR_NOMEM; err (may be
 * NULL) says why, with the line of an XML error. */
int manifest_profile_check(const uint8_t *data, size_t len, char *err, size_t err_size);
/* SHA-1 of data as 40 upper-case hex digits: the form PROTOCOL.md §8.3 announces.
 * 0, or ERR_INTERNAL (the digest is unavailable; out is then empty). */
int manifest_sha1_hex(const void *data, size_t len, char out[static MANIFEST_SHA1_HEX + 1]);
/* True when s is exactly 40 upper-case hex digits. */
bool manifest_sha1_ok(const char *s);

#endif
