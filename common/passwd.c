/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ocpasswd password file: parsing, lookup, crypt(3) verification and formatting.
 * Process: any. */
#include "passwd.h"

#include <crypt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "secmem.h"
#include "strutil.h"

/* crypt_gensalt needs at least 16 random bytes for yescrypt; sha512crypt uses fewer. */
#define SALT_RANDOM_BYTES 16

/* ocserv skips lines this short: too short to hold "u:g:h" plus anything useful. */
#define SHORT_LINE_MAX 4

/* Length of the line without its \n, \r\n or \r terminator. */
static size_t content_len(const char *line, size_t len)
{
	struct buf_rd rd;
	uint8_t c;

	buf_rd_init(&rd, line, len);
	if (len && buf_peek_at(&rd, len - 1, &c) == 0 && c == '\n')
		len--;
	if (len && buf_peek_at(&rd, len - 1, &c) == 0 && c == '\r')
		len--;
	return len;
}

/* A line with only blanks, or starting with '#'. */
static bool is_skippable(struct buf_rd rd)
{
	uint8_t c;

	if (buf_peek_u8(&rd, &c) == 0 && c == '#')
		return true;
	while (buf_get_u8(&rd, &c) == 0) {
		if (c != ' ' && c != '\t')
			return false;
	}
	return true;
}

/* Crypt strings are printable ASCII without blanks; ':' would end the field. */
static bool hash_bytes_ok(struct buf_rd rd)
{
	uint8_t c;

	while (buf_get_u8(&rd, &c) == 0) {
		if (c < 0x21 || c > 0x7e || c == ':')
			return false;
	}
	return true;
}

/* Cut the next ':'-terminated field off rd into *field, and step over the ':'. */
static int next_field(struct buf_rd *rd, struct buf_rd *field)
{
	long pos = buf_find(rd, ':');
	int r;

	if (pos < 0)
		return ERR_FORMAT;
	if ((r = buf_sub(rd, (size_t)pos, field)) != 0)
		return r;
	return buf_skip(rd, 1);
}

/* Copy a whole field into dst as a name: at most PASSWD_USER_MAX bytes of str_is_name. */
static int get_name(struct buf_rd *field, char *dst, bool trim)
{
	char tmp[PASSWD_USER_MAX + 1];
	const char *s = tmp;
	int r;

	if ((r = buf_get_str(field, buf_remaining(field), tmp, sizeof(tmp))) != 0)
		return r;
	if (trim)
		s = str_trim(tmp);
	if (!str_is_name(s, PASSWD_USER_MAX))
		return ERR_FORMAT;
	return str_copy(dst, PASSWD_USER_MAX + 1, s);
}

/* "*" or "" means no group; otherwise comma-separated names, blanks around them allowed
 * because hand-edited files have them. */
static int parse_groups(struct buf_rd field, struct passwd_entry *out)
{
	struct buf_rd one;
	uint8_t c;
	long pos;
	int r;

	if (!buf_remaining(&field))
		return 0;
	if (buf_remaining(&field) == 1 && buf_peek_u8(&field, &c) == 0 && c == '*')
		return 0;
	for (;;) {
		if (out->n_groups == PASSWD_GROUPS_MAX)
			return ERR_TOO_LARGE;
		pos = buf_find(&field, ',');
		if ((r = buf_sub(&field, pos < 0 ? buf_remaining(&field) : (size_t)pos, &one)) != 0)
			return r;
		if ((r = get_name(&one, out->groups[out->n_groups], true)) != 0)
			return r;
		out->n_groups++;
		if (pos < 0)
			return 0;
		if ((r = buf_skip(&field, 1)) != 0)
			return r;
	}
}

/* The hash field; leading '!' marks are taken off into `locked`. */
static int parse_hash(struct buf_rd field, struct passwd_entry *out)
{
	uint8_t c;

	if (!hash_bytes_ok(field))
		return ERR_FORMAT;
	while (buf_peek_u8(&field, &c) == 0 && c == '!') {
		out->locked = true;
		buf_skip(&field, 1);
	}
	return buf_get_str(&field, buf_remaining(&field), out->hash, sizeof(out->hash));
}

static int parse_fields(struct buf_rd rd, struct passwd_entry *out)
{
	struct buf_rd user, groups;
	int r;

	if ((r = next_field(&rd, &user)) != 0)
		return r;
	if ((r = next_field(&rd, &groups)) != 0)
		return r;
	if ((r = get_name(&user, out->user, false)) != 0)
		return r;
	if ((r = parse_groups(groups, out)) != 0)
		return r;
	return parse_hash(rd, out);
}

int passwd_parse_line(const char *line, size_t len, struct passwd_entry *out)
{
	struct buf_rd rd;
	int r = ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	len = content_len(line, len);
	buf_rd_init(&rd, line, len);
	if (len <= SHORT_LINE_MAX || is_skippable(rd)) {
		r = 1;
		goto out;
	}
	if (len > PASSWD_LINE_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	if ((r = parse_fields(rd, out)) != 0)
		goto out;
	r = 0;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

int passwd_find(const char *contents, size_t len, const char *user, struct passwd_entry *out,
		unsigned *n_bad)
{
	struct buf_rd rd, line;
	size_t n;
	long pos;
	int r;

	memset(out, 0, sizeof(*out));
	if (n_bad)
		*n_bad = 0;
	buf_rd_init(&rd, contents, len);
	while (buf_remaining(&rd)) {
		pos = buf_find(&rd, '\n');
		n = pos < 0 ? buf_remaining(&rd) : (size_t)pos + 1;
		if (buf_sub(&rd, n, &line) != 0)
			break;
		r = passwd_parse_line((const char *)buf_cur(&line), n, out);
		if (r < 0 && n_bad)
			(*n_bad)++;
		if (r == 0 && strcmp(out->user, user) == 0)
			return 0;
	}
	memset(out, 0, sizeof(*out));
	return ERR_DENIED;
}

/* "*", "!" and "" are what admins write to disable an account; never hand them to crypt. */
static bool hash_usable(const struct passwd_entry *e)
{
	return !e->locked && e->hash[0] != '\0' && e->hash[0] != '*' && e->hash[0] != '!';
}

static bool password_ok(const char *password)
{
	size_t n = strnlen(password, PASSWD_PASSWORD_MAX + 1);

	return n > 0 && n <= PASSWD_PASSWORD_MAX;
}

/* crypt_r output equals the stored hash; the comparison does not leak where they differ. */
static bool crypt_matches(const char *got, const char *want)
{
	size_t n = strlen(want);

	if (!got || got[0] == '*' || strlen(got) != n)
		return false;
	return secmem_equal(got, want, n);
}

int passwd_verify(const struct passwd_entry *e, const char *password)
{
	struct crypt_data *cd = NULL;
	int r = ERR_INTERNAL;

	if (!hash_usable(e) || !password_ok(password)) {
		r = ERR_DENIED;
		goto out;
	}
	/* struct crypt_data is ~32 KiB: too big for a worker or helper stack. */
	if (!(cd = calloc(1, sizeof(*cd)))) {
		r = ERR_NOMEM;
		goto out;
	}
	if (!crypt_matches(crypt_r(password, e->hash, cd), e->hash)) {
		r = ERR_DENIED;
		goto out;
	}
	r = 0;
out:
	if (cd) {
		secmem_wipe(cd, sizeof(*cd));
		free(cd);
	}
	return r;
}

bool passwd_in_group(const struct passwd_entry *e, const char *group)
{
	for (size_t i = 0; i < e->n_groups && i < PASSWD_GROUPS_MAX; i++) {
		if (strcmp(e->groups[i], group) == 0)
			return true;
	}
	return false;
}

static const char *method_prefix(const char *method)
{
	if (!method)
		return NULL;
	if (strcmp(method, "yescrypt") == 0)
		return "$y$";
	if (strcmp(method, "sha512") == 0)
		return "$6$";
	return NULL;
}

/* A setting string ("$y$j9T$salt") with the library's default cost and a fresh salt. */
static int make_setting(const char *prefix, char *setting, size_t size)
{
	uint8_t rnd[SALT_RANDOM_BYTES];
	int r = ERR_INTERNAL;

	if ((r = secmem_random(rnd, sizeof(rnd))) != 0)
		goto out;
	r = ERR_INTERNAL;
	if (!crypt_gensalt_rn(prefix, 0, (const char *)rnd, (int)sizeof(rnd), setting, (int)size))
		goto out;
	r = 0;
out:
	secmem_wipe(rnd, sizeof(rnd));
	return r;
}

int passwd_hash_new(const char *password, const char *method, char *dst, size_t dst_size)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = NULL;
	const char *prefix = method_prefix(method);
	const char *h;
	int r = ERR_INTERNAL;

	if (dst_size)
		dst[0] = '\0';
	if (!prefix || !password_ok(password)) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = make_setting(prefix, setting, sizeof(setting))) != 0)
		goto out;
	if (!(cd = calloc(1, sizeof(*cd)))) {
		r = ERR_NOMEM;
		goto out;
	}
	r = ERR_INTERNAL;
	h = crypt_r(password, setting, cd);
	if (!h || h[0] == '*')
		goto out;
	if (strlen(h) > PASSWD_HASH_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	if ((r = str_copy(dst, dst_size, h)) != 0)
		goto out;
	r = 0;
out:
	if (cd) {
		secmem_wipe(cd, sizeof(*cd));
		free(cd);
	}
	return r;
}

const char *passwd_default_method(void)
{
	/* Only probing whether the prefix is known: the salt made here is thrown away. */
	static const char probe[SALT_RANDOM_BYTES] = { 0 };
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];

	if (crypt_gensalt_rn("$y$", 0, probe, (int)sizeof(probe), setting, (int)sizeof(setting)))
		return "yescrypt";
	return "sha512";
}

static bool entry_ok(const struct passwd_entry *e)
{
	struct buf_rd rd;

	if (!str_is_name(e->user, PASSWD_USER_MAX) || e->n_groups > PASSWD_GROUPS_MAX)
		return false;
	for (size_t i = 0; i < e->n_groups; i++) {
		if (!str_is_name(e->groups[i], PASSWD_USER_MAX))
			return false;
	}
	if (strnlen(e->hash, sizeof(e->hash)) == sizeof(e->hash))
		return false;
	buf_rd_init(&rd, e->hash, strlen(e->hash));
	return hash_bytes_ok(rd);
}

static int put_line(struct buf_wr *wr, const struct passwd_entry *e)
{
	int r;

	if ((r = buf_printf(wr, "%s:", e->user)) != 0)
		return r;
	if (!e->n_groups && (r = buf_put_str(wr, "*")) != 0)
		return r;
	for (size_t i = 0; i < e->n_groups; i++) {
		if ((r = buf_printf(wr, "%s%s", i ? "," : "", e->groups[i])) != 0)
			return r;
	}
	if ((r = buf_put_str(wr, ":")) != 0)
		return r;
	if (e->locked && e->hash[0] != '!' && (r = buf_put_str(wr, "!")) != 0)
		return r;
	return buf_printf(wr, "%s\n", e->hash);
}

int passwd_format_line(const struct passwd_entry *e, char *dst, size_t dst_size)
{
	struct buf_wr wr;
	int r = ERR_INTERNAL;

	if (!dst_size)
		return ERR_TOO_LARGE;
	dst[0] = '\0';
	if (!entry_ok(e)) {
		r = ERR_FORMAT;
		goto out;
	}
	buf_wr_init(&wr, dst, dst_size - 1);
	if ((r = put_line(&wr, e)) != 0)
		goto out;
	if (wr.len - 1 > PASSWD_LINE_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	dst[wr.len] = '\0';
	r = 0;
out:
	if (r != 0)
		dst[0] = '\0';
	return r;
}
