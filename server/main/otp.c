/* SPDX-License-Identifier: GPL-2.0-or-later */
/* users.oath files: token lines, HOTP/TOTP checks with liboath, locked atomic update.
 * Process: helper. */
#include "otp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>

#include "confload.h"
#include "err.h"
#include "log.h"
#include "secmem.h"
#include "strutil.h"

#define LOCK_WAIT_MS 5000

/* --- parsing --- */

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The next blank-separated field into dst. ERR_RANGE when there is none. */
static int next_field(struct buf_rd *rd, char *dst, size_t size)
{
	size_t n = 0;
	uint8_t c;

	dst[0] = '\0';
	while (buf_peek_u8(rd, &c) == 0 && is_blank(c))
		buf_skip(rd, 1);
	while (buf_peek_at(rd, n, &c) == 0 && !is_blank(c))
		n++;
	if (n == 0)
		return ERR_RANGE;
	return buf_get_str(rd, n, dst, size);
}

/* TYPE -> digits and step; ERR_RANGE for a type that is not a token type. */
static int parse_type(const char *t, unsigned *digits, unsigned *step)
{
	const char *rest;

	*digits = 6;
	*step = 0;
	if (!strcmp(t, "HOTP") || !strcmp(t, "HOTP/E"))
		return 0;
	if (!strncmp(t, "HOTP/E/", 7))
		rest = t + 6;
	else if (!strncmp(t, "HOTP/T30", 8) || !strncmp(t, "HOTP/T60", 8)) {
		*step = t[6] == '3' ? 30 : 60;
		rest = t + 8;
		if (!rest[0])
			return 0;
	} else
		return ERR_RANGE;
	if (rest[0] != '/' || rest[1] < '6' || rest[1] > '8' || rest[2])
		return ERR_RANGE;
	*digits = (unsigned)(rest[1] - '0');
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The optional trailing fields: COUNTER [LAST-OTP [TIME]]. */
static int parse_tail(struct buf_rd *rd, struct otp_entry *e)
{
	char f[32];
	long long v;
	int r;

	if ((r = next_field(rd, f, sizeof(f))) == ERR_RANGE)
		return 0;
	if (r != 0 || str_to_ll(f, 0, LLONG_MAX, &v) != 0)
		return ERR_FORMAT;
	e->counter = (uint64_t)v;
	if ((r = next_field(rd, e->last_otp, sizeof(e->last_otp))) == ERR_RANGE)
		return 0;
	if (r != 0 || !all_digits(e->last_otp))
		return ERR_FORMAT;
	if ((r = next_field(rd, e->last_time, sizeof(e->last_time))) == ERR_RANGE)
		return 0;
	if (r != 0)
		return r;
	return next_field(rd, f, sizeof(f)) == ERR_RANGE ? 0 : ERR_FORMAT;
}

int otp_parse_line(const char *line, size_t len, struct otp_entry *e)
{
	char hex[2 * OTP_SECRET_MAX + 1];
	struct buf_rd rd;
	size_t hlen;
	int r = ERR_INTERNAL;

	memset(e, 0, sizeof(*e));
	buf_rd_init(&rd, line, len);
	if (len > OTP_LINE_MAX)
		return ERR_TOO_LARGE;
	if (next_field(&rd, e->type, sizeof(e->type)) != 0 || e->type[0] == '#' ||
	    parse_type(e->type, &e->digits, &e->step) != 0) {
		r = ERR_RANGE;
		goto out;
	}
	if ((r = next_field(&rd, e->user, sizeof(e->user))) != 0 ||
	    (r = next_field(&rd, e->pin, sizeof(e->pin))) != 0 ||
	    (r = next_field(&rd, hex, sizeof(hex))) != 0)
		goto out;
	hlen = strlen(hex);
	if (hlen % 2 || hlen == 0 || (r = hex_decode(e->secret, hlen / 2, hex, hlen)) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	e->secret_len = hlen / 2;
	r = parse_tail(&rd, e);
out:
	secmem_wipe(hex, sizeof(hex));
	if (r == ERR_RANGE && e->type[0] && e->user[0])
		r = ERR_FORMAT; /* a token line missing a field */
	if (r != 0)
		secmem_wipe(e, sizeof(*e));
	return r;
}

int otp_format_line(const struct otp_entry *e, char *out, size_t size)
{
	char hex[2 * OTP_SECRET_MAX + 1];
	int n;

	hex_encode(hex, e->secret, e->secret_len, false);
	if (e->last_otp[0])
		n = snprintf(out, size, "%s\t%s\t%s\t%s\t%llu\t%s\t%s\n", e->type, e->user, e->pin,
			     hex, (unsigned long long)e->counter, e->last_otp,
			     e->last_time[0] ? e->last_time : "-");
	else
		n = snprintf(out, size, "%s\t%s\t%s\t%s\t%llu\n", e->type, e->user, e->pin, hex,
			     (unsigned long long)e->counter);
	secmem_wipe(hex, sizeof(hex));
	if (n < 0 || (size_t)n >= size) {
		secmem_wipe(out, size);
		return ERR_TOO_LARGE;
	}
	return 0;
}

/* Calls fn for every line of data; stops when fn returns non-zero (that value is returned). */
typedef int (*line_fn)(const char *line, size_t len, void *arg);

static int each_line(const char *data, size_t len, line_fn fn, void *arg)
{
	struct buf_rd rd;

	buf_rd_init(&rd, data, len);
	while (buf_remaining(&rd)) {
		long nl = buf_find(&rd, '\n');
		size_t n = nl < 0 ? buf_remaining(&rd) : (size_t)nl;
		const char *p = (const char *)buf_cur(&rd);
		int r;

		buf_skip(&rd, nl < 0 ? n : n + 1);
		if ((r = fn(p, n, arg)) != 0)
			return r;
	}
	return 0;
}

struct find_ctx {
	const char *user;
	struct otp_entry *e;
	int result;
};

/* The user field of a line, for matching lines whose other fields may be broken. */
static bool line_is_user(const char *line, size_t len, const char *user)
{
	char type[OTP_TYPE_MAX + 1], u[OTP_USER_MAX + 1];
	unsigned d, s;
	struct buf_rd rd;

	buf_rd_init(&rd, line, len > OTP_LINE_MAX ? OTP_LINE_MAX : len);
	return next_field(&rd, type, sizeof(type)) == 0 && parse_type(type, &d, &s) == 0 &&
	       next_field(&rd, u, sizeof(u)) == 0 && strcmp(u, user) == 0;
}

static int find_fn(const char *line, size_t len, void *arg)
{
	struct find_ctx *f = arg;

	if (!line_is_user(line, len, f->user))
		return 0;
	f->result = otp_parse_line(line, len, f->e);
	return 1;
}

int otp_find(const char *data, size_t len, const char *user, struct otp_entry *e)
{
	struct find_ctx f = { user, e, ERR_RANGE };

	memset(e, 0, sizeof(*e));
	each_line(data, len, find_fn, &f);
	return f.result;
}

/* --- checking --- */

/* Compare code with the token's code for counter c (constant time). */
static bool code_at(const struct otp_entry *e, uint64_t c, const char *code)
{
	static bool inited;
	char want[OTP_DIGITS_MAX + 1];
	bool eq;

	if (!inited && oath_init() == OATH_OK)
		inited = true;
	if (oath_hotp_generate((const char *)e->secret, e->secret_len, c, e->digits, false,
			       OATH_HOTP_DYNAMIC_TRUNCATION, want) != OATH_OK)
		return false;
	eq = CRYPTO_memcmp(want, code, e->digits) == 0;
	secmem_wipe(want, sizeof(want));
	return eq;
}

/* The counter of the matching code in the accepted window, or -1. *seen: the code matches
 * a counter at or before the last one used. */
static int64_t find_counter(const struct otp_entry *e, const char *code, time_t now, bool *seen)
{
	int64_t found = -1;

	*seen = false;
	if (e->step == 0) {
		/* liboath stores the counter of the last code used, cstpd the next one: either
		 * way a code equal to last_otp is a replay, which the caller checks. */
		for (uint64_t c = e->counter; c <= e->counter + OTP_HOTP_WINDOW; c++)
			if (found < 0 && code_at(e, c, code))
				found = (int64_t)c;
		return found;
	}
	for (int d = -OTP_TOTP_WINDOW; d <= OTP_TOTP_WINDOW; d++) {
		int64_t t = (int64_t)(now / (time_t)e->step) + d;

		if (t < 0 || !code_at(e, (uint64_t)t, code))
			continue;
		if ((uint64_t)t <= e->counter)
			*seen = true;
		else if (found < 0)
			found = t;
	}
	return found;
}

int otp_check(struct otp_entry *e, const char *code, time_t now, const char *stamp, bool *replayed)
{
	int64_t c;

	*replayed = false;
	if (strlen(code) != e->digits || !all_digits(code))
		return strlen(code) >= 6 && strlen(code) <= OTP_DIGITS_MAX && all_digits(code)
			       ? ERR_DENIED
			       : ERR_FORMAT;
	if (e->last_otp[0] && strlen(e->last_otp) == e->digits &&
	    CRYPTO_memcmp(e->last_otp, code, e->digits) == 0) {
		*replayed = true;
		return ERR_DENIED;
	}
	c = find_counter(e, code, now, replayed);
	if (c < 0)
		return ERR_DENIED;
	*replayed = false;
	e->counter = e->step ? (uint64_t)c : (uint64_t)c + 1;
	str_copy(e->last_otp, sizeof(e->last_otp), code);
	str_copy(e->last_time, sizeof(e->last_time), stamp ? stamp : "");
	return 0;
}

/* --- rewriting --- */

struct replace_ctx {
	const char *user;
	const char *line;
	struct buf_wr *out;
	bool done;
};

static int replace_fn(const char *line, size_t len, void *arg)
{
	struct replace_ctx *x = arg;
	int r;

	if (!x->done && line_is_user(line, len, x->user)) {
		x->done = true;
		return buf_put_str(x->out, x->line);
	}
	if ((r = buf_put_bytes(x->out, line, len)) != 0)
		return r;
	return buf_put_u8(x->out, '\n');
}

int otp_replace_line(const char *data, size_t len, const char *user, const char *line,
		     struct buf_wr *out)
{
	struct replace_ctx x = { user, line, out, false };
	int r = each_line(data, len, replace_fn, &x);

	if (r != 0)
		return r;
	return x.done ? 0 : ERR_RANGE;
}

/* --- the file --- */

/* Take the lock liboath uses (fcntl on path.lock), waiting a bounded time; the lock file
 * must still be the one at that path (liboath unlinks it after use). */
static int lock_file(const char *path, int *fd_out)
{
	char lpath[PATH_MAX];
	uint64_t deadline = now_ms() + LOCK_WAIT_MS;

	*fd_out = -1;
	if (snprintf(lpath, sizeof(lpath), "%s.lock", path) >= (int)sizeof(lpath))
		return ERR_TOO_LARGE;
	for (;;) {
		struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		struct stat a, b;
		int fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0)
			return ERR_SYS;
		if (fcntl(fd, F_SETLK, &l) == 0) {
			if (fstat(fd, &a) == 0 && stat(lpath, &b) == 0 && a.st_ino == b.st_ino &&
			    a.st_dev == b.st_dev) {
				*fd_out = fd;
				return 0;
			}
		} else if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
			close(fd);
			return ERR_SYS;
		}
		close(fd);
		if (now_ms() >= deadline)
			return ERR_TIMEOUT;
		usleep(20000);
	}
}

/* Write data to a new file next to path (same owner and mode) and rename it over path. */
static int write_atomic(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	const uint8_t *p = data;
	char *slash;
	int fd = -1, dfd, r = ERR_SYS;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp) ||
	    str_copy(dir, sizeof(dir), path) != 0)
		return ERR_TOO_LARGE;
	if (stat(path, &st) != 0 || (fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return ERR_SYS;
	if (fchown(fd, st.st_uid, st.st_gid) != 0 || fchmod(fd, st.st_mode & 07777) != 0)
		goto out;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
out:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

static void stamp_now(time_t now, char *dst, size_t size)
{
	struct tm tm;

	/* liboath's format: local time with a trailing L. */
	if (!localtime_r(&now, &tm) || strftime(dst, size, "%Y-%m-%dT%H:%M:%SL", &tm) == 0)
		str_copy(dst, size, "-");
}

/* The check and the rewrite, with the lock held. */
static int authenticate_locked(const char *path, const char *user, const char *code, time_t now,
			       bool *replayed)
{
	char stamp[OTP_TIME_MAX + 1], line[OTP_LINE_MAX + 2];
	struct otp_entry e;
	struct buf_wr out;
	char *data = NULL;
	size_t len = 0;
	int r;

	buf_wr_init_alloc(&out, OTP_FILE_MAX + sizeof(line));
	if ((r = confload_read_file(path, OTP_FILE_MAX, &data, &len)) != 0)
		goto out;
	r = otp_find(data, len, user, &e);
	if (r == ERR_RANGE) {
		r = ERR_DENIED;
		goto out;
	}
	if (r != 0) {
		log_warn("%s: the line of user '%s' is malformed (%s)", path, user, err_str(r));
		r = ERR_FORMAT;
		goto out;
	}
	stamp_now(now, stamp, sizeof(stamp));
	if ((r = otp_check(&e, code, now, stamp, replayed)) != 0) {
		r = ERR_DENIED;
		goto out;
	}
	if ((r = otp_format_line(&e, line, sizeof(line))) != 0 ||
	    (r = otp_replace_line(data, len, user, line, &out)) != 0)
		goto out;
	r = write_atomic(path, out.p, out.len);
	if (r != 0)
		log_err_sys("%s: cannot store the moved counter of '%s'", path, user);
out:
	secmem_wipe(&e, sizeof(e));
	secmem_wipe(line, sizeof(line));
	if (data) {
		secmem_wipe(data, len);
		free(data);
	}
	if (out.p)
		secmem_wipe(out.p, out.len);
	buf_wr_free(&out);
	return r;
}

int otp_authenticate(const char *path, const char *user, const char *code, time_t now,
		     bool *replayed)
{
	int fd = -1, r;

	*replayed = false;
	if ((r = lock_file(path, &fd)) != 0) {
		log_err_sys("%s: cannot lock %s.lock (%s)", path, path, err_str(r));
		return r;
	}
	r = authenticate_locked(path, user, code, now, replayed);
	close(fd); /* releases the lock; the file stays for the next one */
	return r;
}
