/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One-time passwords from a users.oath file (the format of oathtool, pam_oath and ocserv):
 * HOTP (event) and TOTP (time) tokens, replay protection, atomic update of the moving
 * counter. Runs only inside the auth helper processes (it blocks on file I/O).
 * Process: helper. */
#ifndef CSTPD_MAIN_OTP_H
#define CSTPD_MAIN_OTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

#define OTP_FILE_MAX	(1u << 20) /* largest users.oath file read */
#define OTP_LINE_MAX	1024
#define OTP_TYPE_MAX	15
#define OTP_USER_MAX	63
#define OTP_PIN_MAX	127
#define OTP_SECRET_MAX	64 /* key bytes (hex in the file) */
#define OTP_DIGITS_MAX	8
#define OTP_TIME_MAX	31
#define OTP_HOTP_WINDOW 10 /* event tokens: codes this far ahead of the counter are taken */
#define OTP_TOTP_WINDOW 1  /* time tokens: one step either side of now */

/* One token line: TYPE USER PIN SECRET [COUNTER [LAST-OTP [TIME]]], blank separated.
 * TYPE is HOTP, HOTP/E, HOTP/E/6..8 (event) or HOTP/T30, HOTP/T60 with an optional /6..8
 * (time). PIN ("-", "+" or a static password) is kept as written and not checked here: the
 * password factor is the passwd file. For time tokens cstpd keeps the time-step number of
 * the last accepted code in COUNTER. */
struct otp_entry {
	char type[OTP_TYPE_MAX + 1];
	unsigned digits;
	unsigned step; /* 0 = event token, else the TOTP step in seconds */
	char user[OTP_USER_MAX + 1];
	char pin[OTP_PIN_MAX + 1]; /* secret when it is a static password */
	uint8_t secret[OTP_SECRET_MAX];
	size_t secret_len;
	uint64_t counter;
	char last_otp[OTP_DIGITS_MAX + 1]; /* "" = none */
	char last_time[OTP_TIME_MAX + 1];  /* "" = none */
};

/* Parse one line (without its newline). 0; ERR_RANGE for a line that is no token line
 * (blank, # comment, unknown type: kept as it is); ERR_FORMAT or ERR_TOO_LARGE for a token
 * line with a bad field. e is cleared first and wiped on error. Pure. */
int otp_parse_line(const char *line, size_t len, struct otp_entry *e);
/* The line for e, tab separated, with a trailing newline, into out (size bytes).
 * 0 or ERR_TOO_LARGE. Pure. */
int otp_format_line(const struct otp_entry *e, char *out, size_t size);
/* The first token line of `user` in a file's bytes. 0, ERR_RANGE (no such user) or the
 * error of that user's first line. Pure. */
int otp_find(const char *data, size_t len, const char *user, struct otp_entry *e);
/* Check `code` against e at time `now` and, when it is good, move e past it (counter,
 * last_otp, last_time = stamp). 0; ERR_DENIED (wrong code, *replayed true when it is a
 * code that was already used or an older one); ERR_FORMAT (not 6..8 digits). Pure. */
int otp_check(struct otp_entry *e, const char *code, time_t now, const char *stamp, bool *replayed);
/* Copy a file's bytes to out with the first token line of `user` replaced by `line`.
 * 0, ERR_RANGE (no such user), ERR_TOO_LARGE. Pure. */
int otp_replace_line(const char *data, size_t len, const char *user, const char *line,
		     struct buf_wr *out);
/* Check a code for user against the file at path and store the moved counter: under a
 * lock (path.lock, as liboath takes it), through a new file renamed over the old one.
 * 0; ERR_DENIED (wrong, replayed: *replayed set, or unknown user); ERR_SYS / ERR_TIMEOUT /
 * ERR_FORMAT when the file cannot be read, locked or written (nothing accepted then).
 * Blocks on file I/O (at most a few seconds for the lock). */
int otp_authenticate(const char *path, const char *user, const char *code, time_t now,
		     bool *replayed);

#endif
