/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small string helpers. Process: any. */
#include "strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"

int str_copyn(char *dst, size_t dst_size, const char *src, size_t n)
{
	const char *nul = memchr(src, '\0', n);

	if (nul)
		n = (size_t)(nul - src);
	if (!dst_size)
		return ERR_TOO_LARGE;
	if (n >= dst_size) {
		dst[0] = '\0';
		return ERR_TOO_LARGE;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int str_copy(char *dst, size_t dst_size, const char *src)
{
	return str_copyn(dst, dst_size, src, strlen(src));
}

bool str_has_prefix_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

char *str_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

void hex_encode(char *dst, const void *src, size_t n, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	const unsigned char *s = src;

	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = digits[s[i] >> 4];
		dst[2 * i + 1] = digits[s[i] & 15];
	}
	dst[2 * n] = '\0';
}

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(void *dst, size_t n, const char *src, size_t src_len)
{
	unsigned char *d = dst;

	if (src_len != 2 * n)
		return ERR_FORMAT;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(src[2 * i]), lo = hex_digit(src[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return ERR_FORMAT;
		d[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int str_to_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	*out = 0;
	if (!*s || isspace((unsigned char)*s))
		return ERR_FORMAT;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return ERR_FORMAT;
	if (errno == ERANGE || v < min || v > max)
		return ERR_RANGE;
	*out = v;
	return 0;
}

bool str_is_name(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n]; n++) {
		char c = s[n];

		if (n >= max)
			return false;
		if (!isalnum((unsigned char)c) && c != '.' && c != '_' && c != '@' && c != '+' &&
		    c != '-')
			return false;
	}
	return n > 0;
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
