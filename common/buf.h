/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bounded read cursors and fixed-capacity writers: the only way untrusted bytes are read.
 * Process: any. */
#ifndef CSTPD_COMMON_BUF_H
#define CSTPD_COMMON_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A read cursor over bytes it does not own. Callers may read `len` and `off`;
 * use buf_remaining() rather than computing len - off. */
struct buf_rd {
	const uint8_t *p; /* borrowed */
	size_t len;
	size_t off;
};

/* Start a cursor over p[0..len). */
void buf_rd_init(struct buf_rd *rd, const void *p, size_t len);
/* Bytes left to read. */
size_t buf_remaining(const struct buf_rd *rd);
/* Pointer to the next unread byte (valid for buf_remaining() bytes); for handing a
 * bounded view to a library (libxml2, OpenSSL), never for indexing. */
const uint8_t *buf_cur(const struct buf_rd *rd);

/* Each getter returns 0, or ERR_TRUNCATED without moving the cursor. Network byte order. */
int buf_get_u8(struct buf_rd *rd, uint8_t *v);
int buf_get_u16(struct buf_rd *rd, uint16_t *v);
int buf_get_u24(struct buf_rd *rd, uint32_t *v);
int buf_get_u32(struct buf_rd *rd, uint32_t *v);
int buf_get_u64(struct buf_rd *rd, uint64_t *v);
int buf_get_bytes(struct buf_rd *rd, size_t n, void *dst);
int buf_skip(struct buf_rd *rd, size_t n);
int buf_peek_u8(const struct buf_rd *rd, uint8_t *v);
int buf_peek_u16(const struct buf_rd *rd, uint16_t *v);
/* Peek the byte `at` positions ahead of the cursor. */
int buf_peek_at(const struct buf_rd *rd, size_t at, uint8_t *v);
/* Child cursor over the next n bytes; the parent moves past them. */
int buf_sub(struct buf_rd *rd, size_t n, struct buf_rd *child);
/* Offset (from the cursor) of the first byte equal to c, or -1 when absent. */
long buf_find(const struct buf_rd *rd, uint8_t c);
/* Narrow the cursor to its bytes without leading and trailing spaces and tabs (and CR/LF
 * too when `crlf`). */
void buf_trim(struct buf_rd *rd, bool crlf);
/* True when the unread bytes are exactly the string s (ASCII case ignored when ci). */
bool buf_equals(const struct buf_rd *rd, const char *s, bool ci);
/* Read a string of n bytes into dst (dst_size includes the NUL). Fails with ERR_TOO_LARGE
 * when it does not fit and ERR_FORMAT on an embedded NUL; the cursor moves only on success. */
int buf_get_str(struct buf_rd *rd, size_t n, char *dst, size_t dst_size);

/* A writer with a fixed capacity: caller storage, or heap storage grown up to `max`.
 * Callers may read `p` and `len`. */
struct buf_wr {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t max;
	bool owned;
};

/* Write into caller storage; nothing is allocated. */
void buf_wr_init(struct buf_wr *wr, void *storage, size_t cap);
/* Write into heap storage that grows up to max bytes; release with buf_wr_free(). */
void buf_wr_init_alloc(struct buf_wr *wr, size_t max);
void buf_wr_free(struct buf_wr *wr);
void buf_wr_reset(struct buf_wr *wr);

/* Each putter returns 0, ERR_TOO_LARGE when the capacity would be exceeded (nothing is
 * written then), or ERR_NOMEM. */
int buf_put_u8(struct buf_wr *wr, uint8_t v);
int buf_put_u16(struct buf_wr *wr, uint16_t v);
int buf_put_u32(struct buf_wr *wr, uint32_t v);
int buf_put_u64(struct buf_wr *wr, uint64_t v);
int buf_put_bytes(struct buf_wr *wr, const void *p, size_t n);
int buf_put_str(struct buf_wr *wr, const char *s);
int buf_printf(struct buf_wr *wr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reserve n bytes at the end and return a pointer to them (NULL on failure); for
 * libraries that write into a buffer (SSL_read). */
uint8_t *buf_reserve(struct buf_wr *wr, size_t n);

#endif
