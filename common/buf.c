/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bounded read cursors and fixed-capacity writers. Process: any. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"

void buf_rd_init(struct buf_rd *rd, const void *p, size_t len)
{
	rd->p = p;
	rd->len = p ? len : 0;
	rd->off = 0;
}

size_t buf_remaining(const struct buf_rd *rd)
{
	return rd->len - rd->off;
}

const uint8_t *buf_cur(const struct buf_rd *rd)
{
	return rd->p ? rd->p + rd->off : NULL;
}

static int get_be(struct buf_rd *rd, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	*v = 0;
	if (n > buf_remaining(rd))
		return ERR_TRUNCATED;
	for (size_t i = 0; i < n; i++)
		x = (x << 8) | rd->p[rd->off + i];
	rd->off += n;
	*v = x;
	return 0;
}

int buf_get_u8(struct buf_rd *rd, uint8_t *v)
{
	uint64_t x;
	int r = get_be(rd, 1, &x);

	*v = (uint8_t)x;
	return r;
}

int buf_get_u16(struct buf_rd *rd, uint16_t *v)
{
	uint64_t x;
	int r = get_be(rd, 2, &x);

	*v = (uint16_t)x;
	return r;
}

int buf_get_u24(struct buf_rd *rd, uint32_t *v)
{
	uint64_t x;
	int r = get_be(rd, 3, &x);

	*v = (uint32_t)x;
	return r;
}

int buf_get_u32(struct buf_rd *rd, uint32_t *v)
{
	uint64_t x;
	int r = get_be(rd, 4, &x);

	*v = (uint32_t)x;
	return r;
}

int buf_get_u64(struct buf_rd *rd, uint64_t *v)
{
	return get_be(rd, 8, v);
}

int buf_get_bytes(struct buf_rd *rd, size_t n, void *dst)
{
	if (n > buf_remaining(rd))
		return ERR_TRUNCATED;
	if (n)
		memcpy(dst, rd->p + rd->off, n);
	rd->off += n;
	return 0;
}

int buf_skip(struct buf_rd *rd, size_t n)
{
	if (n > buf_remaining(rd))
		return ERR_TRUNCATED;
	rd->off += n;
	return 0;
}

int buf_peek_at(const struct buf_rd *rd, size_t at, uint8_t *v)
{
	*v = 0;
	if (at >= buf_remaining(rd))
		return ERR_TRUNCATED;
	*v = rd->p[rd->off + at];
	return 0;
}

int buf_peek_u8(const struct buf_rd *rd, uint8_t *v)
{
	return buf_peek_at(rd, 0, v);
}

int buf_peek_u16(const struct buf_rd *rd, uint16_t *v)
{
	*v = 0;
	if (2 > buf_remaining(rd))
		return ERR_TRUNCATED;
	*v = (uint16_t)(rd->p[rd->off] << 8 | rd->p[rd->off + 1]);
	return 0;
}

int buf_sub(struct buf_rd *rd, size_t n, struct buf_rd *child)
{
	buf_rd_init(child, NULL, 0);
	if (n > buf_remaining(rd))
		return ERR_TRUNCATED;
	buf_rd_init(child, rd->p + rd->off, n);
	rd->off += n;
	return 0;
}

long buf_find(const struct buf_rd *rd, uint8_t c)
{
	const uint8_t *hit;

	if (!buf_remaining(rd))
		return -1;
	hit = memchr(rd->p + rd->off, c, buf_remaining(rd));
	return hit ? (long)(hit - (rd->p + rd->off)) : -1;
}

static bool trim_char(uint8_t c, bool crlf)
{
	return c == ' ' || c == '\t' || (crlf && (c == '\r' || c == '\n'));
}

void buf_trim(struct buf_rd *rd, bool crlf)
{
	size_t n;

	while (rd->off < rd->len && trim_char(rd->p[rd->off], crlf))
		rd->off++;
	n = rd->len;
	while (n > rd->off && trim_char(rd->p[n - 1], crlf))
		n--;
	rd->len = n;
}

bool buf_equals(const struct buf_rd *rd, const char *s, bool ci)
{
	size_t n = strlen(s);

	if (buf_remaining(rd) != n)
		return false;
	if (n == 0)
		return true;
	return ci ? strncasecmp((const char *)rd->p + rd->off, s, n) == 0
		  : memcmp(rd->p + rd->off, s, n) == 0;
}

int buf_get_str(struct buf_rd *rd, size_t n, char *dst, size_t dst_size)
{
	if (dst_size)
		dst[0] = '\0';
	if (n > buf_remaining(rd))
		return ERR_TRUNCATED;
	if (n >= dst_size)
		return ERR_TOO_LARGE;
	if (n && memchr(rd->p + rd->off, '\0', n))
		return ERR_FORMAT;
	if (n)
		memcpy(dst, rd->p + rd->off, n);
	dst[n] = '\0';
	rd->off += n;
	return 0;
}

void buf_wr_init(struct buf_wr *wr, void *storage, size_t cap)
{
	wr->p = storage;
	wr->len = 0;
	wr->cap = cap;
	wr->max = cap;
	wr->owned = false;
}

void buf_wr_init_alloc(struct buf_wr *wr, size_t max)
{
	wr->p = NULL;
	wr->len = 0;
	wr->cap = 0;
	wr->max = max;
	wr->owned = true;
}

void buf_wr_free(struct buf_wr *wr)
{
	if (wr->owned)
		free(wr->p);
	wr->p = NULL;
	wr->len = wr->cap = 0;
}

void buf_wr_reset(struct buf_wr *wr)
{
	wr->len = 0;
}

static int ensure(struct buf_wr *wr, size_t n)
{
	size_t want, ncap;
	uint8_t *np;

	if (n > wr->max - wr->len)
		return ERR_TOO_LARGE;
	want = wr->len + n;
	if (want <= wr->cap)
		return 0;
	if (!wr->owned)
		return ERR_TOO_LARGE;
	ncap = wr->cap ? wr->cap : 256;
	while (ncap < want)
		ncap = ncap > wr->max / 2 ? wr->max : ncap * 2;
	np = realloc(wr->p, ncap);
	if (!np)
		return ERR_NOMEM;
	wr->p = np;
	wr->cap = ncap;
	return 0;
}

uint8_t *buf_reserve(struct buf_wr *wr, size_t n)
{
	uint8_t *at;

	if (ensure(wr, n) != 0)
		return NULL;
	at = wr->p + wr->len;
	wr->len += n;
	return at;
}

int buf_put_bytes(struct buf_wr *wr, const void *p, size_t n)
{
	int r;

	if ((r = ensure(wr, n)) != 0)
		return r;
	if (n)
		memcpy(wr->p + wr->len, p, n);
	wr->len += n;
	return 0;
}

static int put_be(struct buf_wr *wr, uint64_t v, size_t n)
{
	uint8_t tmp[8];

	for (size_t i = 0; i < n; i++)
		tmp[n - 1 - i] = (uint8_t)(v >> (8 * i));
	return buf_put_bytes(wr, tmp, n);
}

int buf_put_u8(struct buf_wr *wr, uint8_t v)
{
	return put_be(wr, v, 1);
}

int buf_put_u16(struct buf_wr *wr, uint16_t v)
{
	return put_be(wr, v, 2);
}

int buf_put_u32(struct buf_wr *wr, uint32_t v)
{
	return put_be(wr, v, 4);
}

int buf_put_u64(struct buf_wr *wr, uint64_t v)
{
	return put_be(wr, v, 8);
}

int buf_put_str(struct buf_wr *wr, const char *s)
{
	return buf_put_bytes(wr, s, strlen(s));
}

int buf_printf(struct buf_wr *wr, const char *fmt, ...)
{
	va_list ap;
	char small[512];
	char *big = NULL;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return ERR_FORMAT;
	if ((size_t)n < sizeof(small))
		return buf_put_bytes(wr, small, (size_t)n);
	big = malloc((size_t)n + 1);
	if (!big)
		return ERR_NOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	r = buf_put_bytes(wr, big, (size_t)n);
	free(big);
	return r;
}
