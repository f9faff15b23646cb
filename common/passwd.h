/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ocpasswd password file: parsing, lookup, crypt(3) verification and formatting.
 * Process: any (main verifies in its auth helpers; cstppasswd writes). */
#ifndef CSTPD_COMMON_PASSWD_H
#define CSTPD_COMMON_PASSWD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWD_USER_MAX	    63
#define PASSWD_GROUPS_MAX   16
#define PASSWD_HASH_MAX	    255
#define PASSWD_LINE_MAX	    1024 /* bytes of one line, not counting its \n or \r\n */
#define PASSWD_PASSWORD_MAX 1023 /* longer passwords never verify */

/* One user line "username:groups:hash". `hash` never starts with '!': the lock marker is
 * taken off into `locked`. Callers may read and write every field. */
struct passwd_entry {
	char user[PASSWD_USER_MAX + 1];
	char groups[PASSWD_GROUPS_MAX][PASSWD_USER_MAX + 1];
	size_t n_groups;
	char hash[PASSWD_HASH_MAX + 1];
	bool locked;
};

/* Parse one line (a trailing \n, \r\n or \r is ignored). 0: *out filled; 1: a line to skip
 * (4 bytes or fewer, blank, or a '#' comment); ERR_FORMAT or ERR_TOO_LARGE when malformed.
 * Names must satisfy str_is_name(). *out is zeroed unless 0 is returned. */
int passwd_parse_line(const char *line, size_t len, struct passwd_entry *out);

/* Find `user` in a whole file's contents; pure, no I/O. 0: found (*out filled); ERR_DENIED:
 * not found. Malformed lines are skipped and counted in *n_bad (which may be NULL). */
int passwd_find(const char *contents, size_t len, const char *user, struct passwd_entry *out,
		unsigned *n_bad);

/* Check a password with crypt_r. 0 on a match; ERR_DENIED for a wrong, empty or too long
 * password, a locked account or an unusable hash; ERR_NOMEM. Blocks for the hash's cost
 * (tens of ms): never call it from an event loop. */
int passwd_verify(const struct passwd_entry *e, const char *password);

/* True when the entry lists `group` (exact, case-sensitive match). */
bool passwd_in_group(const struct passwd_entry *e, const char *group);

/* Hash a new password with a fresh random salt; method "yescrypt" ($y$) or "sha512" ($6$).
 * Returns 0, ERR_FORMAT (unknown method, empty or too long password), ERR_TOO_LARGE
 * (dst too small; dst is then ""), ERR_NOMEM or ERR_INTERNAL. Blocks like passwd_verify. */
int passwd_hash_new(const char *password, const char *method, char *dst, size_t dst_size);

/* The method cstppasswd uses by default: "yescrypt" when libcrypt supports $y$, else
 * "sha512". Never NULL. */
const char *passwd_default_method(void);

/* Format an entry as "user:g1,g2:hash\n" ('*' when no group, '!' before the hash when
 * locked). ERR_FORMAT when a field would not parse back; ERR_TOO_LARGE when the line exceeds
 * PASSWD_LINE_MAX or dst_size (dst is then ""). */
int passwd_format_line(const struct passwd_entry *e, char *dst, size_t dst_size);

#endif
