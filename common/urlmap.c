/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GET target -> client file, and the Range / If-None-Match / If-Modified-Since values of a
 * download. Pure: strings in, results out. Process: worker. */
#include "urlmap.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "strutil.h"

#define PATH_MAX_LEN 512 /* longest target path we look at */
#define PORT_DIGITS  5

/* Downloader probes (PROTOCOL.md §9.2) under the prefixes a client may combine from bu and
 * iu of the webvpnc cookie ("/", "/1/") or from base-package-uri. */
static const char *const empty_manifest_paths[] = {
	"/VPNManifest.xml",
	"/1/VPNManifest.xml",
	"/CACHE/stc/1/VPNManifest.xml",
};
static const char *const update_txt_paths[] = {
	"/binaries/update.txt",
	"/1/binaries/update.txt",
	"/CACHE/stc/1/binaries/update.txt",
};

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool is_path_char(uint8_t c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
	       c == '_' || c == '+' || c == '~' || c == '-';
}

/* Narrow path to its bytes before a trailing ":<digits>". False when a ':' is followed by
 * anything else (no valid path of ours holds a ':'). */
static bool strip_port(struct buf_rd *path)
{
	long at = buf_find(path, ':');
	struct buf_rd head, port;
	uint8_t c;

	if (at < 0)
		return true;
	buf_sub(path, (size_t)at, &head);
	buf_skip(path, 1);
	port = *path;
	if (buf_remaining(&port) == 0 || buf_remaining(&port) > PORT_DIGITS)
		return false;
	while (buf_get_u8(&port, &c) == 0)
		if (!is_digit(c))
			return false;
	*path = head;
	return true;
}

/* Copy a canonical path into dst: '/' then segments of path characters joined by single
 * slashes, none empty and none starting with '.'. False for anything else. */
static bool canonical_path(struct buf_rd *path, char *dst, size_t dst_size)
{
	struct buf_rd chk = *path;
	uint8_t c, prev = 0;

	if (buf_remaining(path) < 2 || buf_remaining(path) >= dst_size)
		return false;
	if (buf_peek_u8(&chk, &c) != 0 || c != '/')
		return false;
	while (buf_get_u8(&chk, &c) == 0) {
		if (c == '/') {
			if (prev == '/')
				return false;
		} else if (!is_path_char(c) || (c == '.' && prev == '/')) {
			return false;
		}
		prev = c;
	}
	if (prev == '/')
		return false;
	return buf_get_str(path, buf_remaining(path), dst, dst_size) == 0;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* The file name after prefix when p is prefix + one segment. */
static const char *leaf_after(const char *p, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(p, prefix, n) != 0 || strchr(p + n, '/') != NULL)
		return NULL;
	return p + n;
}

/* openconnect builds the profile URL from the webvpnc cookie as bu + fu without decoding fu,
 * which is "profiles%2F<name>" in ocserv's form (PROTOCOL.md §1.5). That one escaped slash
 * right after "/profiles" is the only escape accepted anywhere; it is turned back into '/'
 * in `fixed` and the path then goes through the same checks as any other. */
static void unescape_profiles(struct buf_rd *path, char *fixed, size_t fixed_size)
{
	const size_t n = sizeof(URLMAP_PROFILE_ENCODED) - 1;

	if (buf_remaining(path) <= n ||
	    strncasecmp((const char *)buf_cur(path), URLMAP_PROFILE_ENCODED, n) != 0)
		return;
	buf_skip(path, n);
	if (str_copy(fixed, fixed_size, URLMAP_PROFILE_PREFIX) != 0 ||
	    str_copyn(fixed + strlen(fixed), fixed_size - strlen(fixed),
		      (const char *)buf_cur(path), buf_remaining(path)) != 0)
		fixed[0] = '\0';
	buf_rd_init(path, fixed, strlen(fixed));
}

enum urlmap_kind urlmap_lookup(const char *target, char *name, size_t name_size)
{
	char p[PATH_MAX_LEN + 1], fixed[PATH_MAX_LEN + 1];
	struct buf_rd rd, path;
	const char *leaf;
	long q;

	if (name_size)
		name[0] = '\0';
	buf_rd_init(&rd, target, strlen(target));
	q = buf_find(&rd, '?');
	buf_sub(&rd, q < 0 ? buf_remaining(&rd) : (size_t)q, &path);
	if (!strip_port(&path))
		return URLMAP_NONE;
	unescape_profiles(&path, fixed, sizeof(fixed));
	if (!canonical_path(&path, p, sizeof(p)))
		return URLMAP_NONE;
	if (in_list(p, empty_manifest_paths, sizeof(empty_manifest_paths) / sizeof(char *)))
		return URLMAP_EMPTY_MANIFEST;
	if (in_list(p, update_txt_paths, sizeof(update_txt_paths) / sizeof(char *)))
		return URLMAP_UPDATE_TXT;
	if (strncmp(p, "/+CSCOT+/", 9) == 0)
		return URLMAP_EMPTY_MANIFEST;
	if ((leaf = leaf_after(p, URLMAP_PROFILE_PREFIX)) && manifest_name_ok(leaf) &&
	    str_copy(name, name_size, leaf) == 0)
		return URLMAP_PROFILE;
	if ((leaf = leaf_after(p, URLMAP_PACKAGE_BASE "/" URLMAP_PACKAGE_DIR)) &&
	    manifest_name_ok(leaf) && str_copy(name, name_size, leaf) == 0)
		return URLMAP_PACKAGE;
	return URLMAP_NONE;
}

/* --- Range --- */

static void skip_blanks(struct buf_rd *rd)
{
	uint8_t c;

	while (buf_peek_u8(rd, &c) == 0 && (c == ' ' || c == '\t'))
		buf_skip(rd, 1);
}

/* A run of digits as a number saturating at UINT64_MAX; *n_digits says how many. */
static uint64_t get_number(struct buf_rd *rd, size_t *n_digits)
{
	uint64_t v = 0;
	uint8_t c;

	*n_digits = 0;
	while (buf_peek_u8(rd, &c) == 0 && is_digit(c)) {
		unsigned d = (unsigned)(c - '0');

		v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
		buf_skip(rd, 1);
		(*n_digits)++;
	}
	return v;
}

static bool eat_ci(struct buf_rd *rd, const char *s)
{
	size_t n = strlen(s);

	if (buf_remaining(rd) < n || strncasecmp((const char *)buf_cur(rd), s, n) != 0)
		return false;
	buf_skip(rd, n);
	return true;
}

static int range_from(uint64_t first, uint64_t last, bool has_last, uint64_t size,
		      struct urlmap_range *out)
{
	if (has_last && last < first)
		return ERR_FORMAT;
	if (first >= size)
		return ERR_RANGE;
	out->first = first;
	out->last = !has_last || last >= size ? size - 1 : last;
	return 0;
}

static int range_suffix(uint64_t n, uint64_t size, struct urlmap_range *out)
{
	if (n == 0 || size == 0)
		return ERR_RANGE;
	out->first = n >= size ? 0 : size - n;
	out->last = size - 1;
	return 0;
}

int urlmap_parse_range(const char *value, uint64_t size, struct urlmap_range *out)
{
	uint64_t first = 0, last = 0;
	size_t nd1 = 0, nd2 = 0;
	struct buf_rd rd;
	bool suffix;

	memset(out, 0, sizeof(*out));
	buf_rd_init(&rd, value, strlen(value));
	skip_blanks(&rd);
	if (!eat_ci(&rd, "bytes"))
		return ERR_FORMAT;
	skip_blanks(&rd);
	if (!eat_ci(&rd, "=") || buf_find(&rd, ',') >= 0)
		return ERR_FORMAT; /* another unit, or several ranges: send it all */
	skip_blanks(&rd);
	suffix = eat_ci(&rd, "-");
	if (!suffix) {
		first = get_number(&rd, &nd1);
		if (nd1 == 0 || !eat_ci(&rd, "-"))
			return ERR_FORMAT;
	}
	last = get_number(&rd, &nd2);
	skip_blanks(&rd);
	if (buf_remaining(&rd) != 0 || (suffix && nd2 == 0))
		return ERR_FORMAT;
	if (suffix)
		return range_suffix(last, size, out);
	return range_from(first, last, nd2 > 0, size, out);
}

/* --- conditional requests --- */

bool urlmap_etag_match(const char *value, const char *tag)
{
	struct buf_rd rd, opaque;
	size_t n = strlen(tag);
	uint8_t c;
	long at;

	buf_rd_init(&rd, value, strlen(value));
	for (;;) {
		while (buf_peek_u8(&rd, &c) == 0 && (c == ' ' || c == '\t' || c == ','))
			buf_skip(&rd, 1);
		if (buf_remaining(&rd) == 0)
			return false;
		if (eat_ci(&rd, "*"))
			return true;
		eat_ci(&rd, "W/");
		if (!eat_ci(&rd, "\"") || (at = buf_find(&rd, '"')) < 0)
			return false;
		buf_sub(&rd, (size_t)at, &opaque);
		buf_skip(&rd, 1);
		if (buf_remaining(&opaque) == n && memcmp(buf_cur(&opaque), tag, n) == 0)
			return true;
	}
}

static const char *const day_short[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const day_long[] = { "Sunday",   "Monday", "Tuesday", "Wednesday",
					"Thursday", "Friday", "Saturday" };
static const char *const month_names[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

struct hdate {
	int year, month, day, hour, min, sec;
};

static bool eat(struct buf_rd *rd, const char *s)
{
	size_t n = strlen(s);

	if (buf_remaining(rd) < n || memcmp(buf_cur(rd), s, n) != 0)
		return false;
	buf_skip(rd, n);
	return true;
}

/* Exactly n digits. */
static bool get_digits(struct buf_rd *rd, size_t n, int *out)
{
	uint8_t c;

	*out = 0;
	for (size_t i = 0; i < n; i++) {
		if (buf_get_u8(rd, &c) != 0 || !is_digit(c))
			return false;
		*out = *out * 10 + (c - '0');
	}
	return true;
}

static bool get_month(struct buf_rd *rd, int *month)
{
	for (int i = 0; i < 12; i++) {
		if (eat(rd, month_names[i])) {
			*month = i + 1;
			return true;
		}
	}
	return false;
}

/* "HH:MM:SS" */
static bool get_time(struct buf_rd *rd, struct hdate *d)
{
	return get_digits(rd, 2, &d->hour) && eat(rd, ":") && get_digits(rd, 2, &d->min) &&
	       eat(rd, ":") && get_digits(rd, 2, &d->sec);
}

/* ", DD Mon YYYY HH:MM:SS GMT" after the day name (IMF-fixdate). */
static bool imf_rest(struct buf_rd *rd, struct hdate *d)
{
	return eat(rd, ", ") && get_digits(rd, 2, &d->day) && eat(rd, " ") &&
	       get_month(rd, &d->month) && eat(rd, " ") && get_digits(rd, 4, &d->year) &&
	       eat(rd, " ") && get_time(rd, d) && eat(rd, " GMT");
}

/* ", DD-Mon-YY HH:MM:SS GMT" after the long day name (RFC 850). Two-digit years below 70
 * are read as 20YY: the RFC's "50 years ahead" rule would need the current date. */
static bool rfc850_rest(struct buf_rd *rd, struct hdate *d)
{
	if (!(eat(rd, ", ") && get_digits(rd, 2, &d->day) && eat(rd, "-") &&
	      get_month(rd, &d->month) && eat(rd, "-") && get_digits(rd, 2, &d->year) &&
	      eat(rd, " ") && get_time(rd, d) && eat(rd, " GMT")))
		return false;
	d->year += d->year < 70 ? 2000 : 1900;
	return true;
}

/* " Mon  D HH:MM:SS YYYY" or " Mon DD ..." after the day name (asctime). */
static bool asctime_rest(struct buf_rd *rd, struct hdate *d)
{
	if (!(eat(rd, " ") && get_month(rd, &d->month) && eat(rd, " ")))
		return false;
	if (eat(rd, " ")) {
		if (!get_digits(rd, 1, &d->day))
			return false;
	} else if (!get_digits(rd, 2, &d->day)) {
		return false;
	}
	return eat(rd, " ") && get_time(rd, d) && eat(rd, " ") && get_digits(rd, 4, &d->year);
}

static bool date_fields(struct buf_rd *rd, struct hdate *d)
{
	for (int i = 0; i < 7; i++) {
		struct buf_rd t = *rd;

		if (eat(&t, day_long[i]))
			return rfc850_rest(&t, d) && buf_remaining(&t) == 0;
	}
	for (int i = 0; i < 7; i++) {
		struct buf_rd t = *rd;

		if (!eat(&t, day_short[i]))
			continue;
		if ((imf_rest(&t, d) && buf_remaining(&t) == 0))
			return true;
		t = *rd;
		eat(&t, day_short[i]);
		return asctime_rest(&t, d) && buf_remaining(&t) == 0;
	}
	return false;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (years >= 1). */
static int64_t days_since_epoch(int y, int m, int d)
{
	static const int before[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	int64_t yy = (int64_t)y - 1;
	int64_t days = yy * 365 + yy / 4 - yy / 100 + yy / 400; /* days before year y */

	days += before[m - 1] + (m > 2 && is_leap(y)) + (d - 1);
	return days - 719162; /* days before 1970 */
}

int urlmap_parse_date(const char *value, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct hdate d = { 0 };
	struct buf_rd rd;

	*out = 0;
	buf_rd_init(&rd, value, strlen(value));
	if (!date_fields(&rd, &d))
		return ERR_FORMAT;
	if (d.year < 1 || d.month < 1 || d.month > 12 || d.day < 1 || d.day > mdays[d.month - 1] ||
	    (d.month == 2 && d.day == 29 && !is_leap(d.year)) || d.hour > 23 || d.min > 59 ||
	    d.sec > 60)
		return ERR_FORMAT;
	*out = days_since_epoch(d.year, d.month, d.day) * 86400 + d.hour * 3600 + d.min * 60 +
	       d.sec;
	return 0;
}

void urlmap_format_date(int64_t t, char dst[static URLMAP_DATE_LEN + 1])
{
	const int64_t max = 253402300799LL; /* 9999-12-31 23:59:59: four-digit years only */
	time_t tt = (time_t)(t < 0 ? 0 : t > max ? max : t);
	char tmp[96];
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(tmp, sizeof(tmp), "%s, %02d %s %04d %02d:%02d:%02d GMT", day_short[tm.tm_wday],
		 tm.tm_mday, month_names[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
	str_copy(dst, URLMAP_DATE_LEN + 1, tmp);
}
