/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for common/buf: bounded read cursors and fixed-capacity writers.
 * Process: any (test program). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "tap.h"

static const uint8_t bytes[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a };

static void test_getters(void)
{
	struct buf_rd rd;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	buf_rd_init(&rd, bytes, sizeof(bytes));
	is_int(buf_remaining(&rd), 10, "remaining 10");
	ok(buf_cur(&rd) == bytes, "cursor at start");
	is_int(buf_get_u8(&rd, &v8), 0, "u8");
	is_int(v8, 0x01, "u8 value");
	is_int(buf_get_u16(&rd, &v16), 0, "u16");
	is_int(v16, 0x0203, "u16 big-endian");
	is_int(buf_get_u24(&rd, &v32), 0, "u24");
	is_int(v32, 0x040506, "u24 big-endian");
	is_int(buf_get_u32(&rd, &v32), 0, "u32");
	is_int(v32, 0x0708090a, "u32 big-endian");
	is_int(buf_remaining(&rd), 0, "all read");
	ok(buf_cur(&rd) == bytes + 10, "cursor at end");

	buf_rd_init(&rd, bytes, 8);
	is_int(buf_get_u64(&rd, &v64), 0, "u64");
	ok(v64 == 0x0102030405060708ull, "u64 big-endian");
}

static void test_truncation(void)
{
	struct buf_rd rd;
	uint8_t v8 = 7, dst[4];
	uint16_t v16 = 7;
	uint32_t v32 = 7;
	uint64_t v64 = 7;

	buf_rd_init(&rd, bytes, 3);
	buf_skip(&rd, 1);
	is_int(buf_get_u24(&rd, &v32), ERR_TRUNCATED, "u24 with 2 left");
	is_int(v32, 0, "u24 output cleared");
	is_int(buf_get_u32(&rd, &v32), ERR_TRUNCATED, "u32 with 2 left");
	is_int(buf_get_u64(&rd, &v64), ERR_TRUNCATED, "u64 with 2 left");
	is_int(v64, 0, "u64 output cleared");
	is_int(buf_get_bytes(&rd, 3, dst), ERR_TRUNCATED, "3 bytes with 2 left");
	is_int(buf_skip(&rd, 3), ERR_TRUNCATED, "skip 3 with 2 left");
	is_int(buf_get_bytes(&rd, SIZE_MAX, dst), ERR_TRUNCATED, "SIZE_MAX bytes");
	is_int(buf_skip(&rd, SIZE_MAX), ERR_TRUNCATED, "skip SIZE_MAX");
	is_int(rd.off, 1, "cursor did not move on any failure");
	is_int(buf_get_u16(&rd, &v16), 0, "u16 with 2 left");
	is_int(buf_get_u8(&rd, &v8), ERR_TRUNCATED, "u8 on empty");
	is_int(v8, 0, "u8 output cleared");
	is_int(buf_get_u16(&rd, &v16), ERR_TRUNCATED, "u16 on empty");
	is_int(v16, 0, "u16 output cleared");
	is_int(buf_get_bytes(&rd, 0, dst), 0, "0 bytes on empty");
	is_int(buf_skip(&rd, 0), 0, "skip 0 on empty");

	buf_rd_init(&rd, NULL, 5);
	is_int(buf_remaining(&rd), 0, "NULL pointer means empty");
	ok(buf_cur(&rd) == NULL, "NULL cursor");
	is_int(buf_get_u8(&rd, &v8), ERR_TRUNCATED, "read from NULL cursor");
}

static void test_peek(void)
{
	struct buf_rd rd;
	uint8_t v8;
	uint16_t v16;

	buf_rd_init(&rd, bytes, 3);
	is_int(buf_peek_u8(&rd, &v8), 0, "peek u8");
	is_int(v8, 1, "peek u8 value");
	is_int(buf_peek_u16(&rd, &v16), 0, "peek u16");
	is_int(v16, 0x0102, "peek u16 value");
	is_int(buf_peek_at(&rd, 2, &v8), 0, "peek at 2");
	is_int(v8, 3, "peek at 2 value");
	is_int(buf_peek_at(&rd, 3, &v8), ERR_TRUNCATED, "peek at 3 past end");
	is_int(v8, 0, "peek output cleared");
	is_int(buf_peek_at(&rd, SIZE_MAX, &v8), ERR_TRUNCATED, "peek at SIZE_MAX");
	is_int(rd.off, 0, "peeks do not move");
	buf_skip(&rd, 2);
	is_int(buf_peek_u16(&rd, &v16), ERR_TRUNCATED, "peek u16 with 1 left");
	is_int(v16, 0, "peek u16 output cleared");
	buf_skip(&rd, 1);
	is_int(buf_peek_u8(&rd, &v8), ERR_TRUNCATED, "peek u8 on empty");
}

static void test_sub_find(void)
{
	struct buf_rd rd, child;
	uint8_t v8, dst[8];

	buf_rd_init(&rd, bytes, sizeof(bytes));
	buf_skip(&rd, 2);
	is_int(buf_sub(&rd, 3, &child), 0, "sub of 3");
	is_int(rd.off, 5, "parent moved past the sub");
	is_int(buf_remaining(&child), 3, "child has 3");
	is_int(buf_get_bytes(&child, 4, dst), ERR_TRUNCATED, "child cannot read past its end");
	is_int(buf_get_bytes(&child, 3, dst), 0, "child reads its 3");
	ok(memcmp(dst, bytes + 2, 3) == 0, "child bytes");
	is_int(buf_get_u8(&child, &v8), ERR_TRUNCATED, "child exhausted");
	is_int(buf_sub(&rd, 6, &child), ERR_TRUNCATED, "sub larger than remaining");
	is_int(buf_remaining(&child), 0, "failed sub is empty");
	is_int(rd.off, 5, "parent unmoved on failure");
	is_int(buf_sub(&rd, SIZE_MAX, &child), ERR_TRUNCATED, "sub SIZE_MAX");
	is_int(buf_sub(&rd, 5, &child), 0, "sub of exactly the rest");
	is_int(buf_sub(&rd, 0, &child), 0, "empty sub at the end");

	buf_rd_init(&rd, "key: value\r\n", 12);
	is_int(buf_find(&rd, ':'), 3, "find ':'");
	is_int(buf_find(&rd, '\n'), 11, "find last byte");
	is_int(buf_find(&rd, 'z'), -1, "absent byte");
	buf_skip(&rd, 4);
	is_int(buf_find(&rd, ':'), -1, "find is relative to the cursor");
	is_int(buf_find(&rd, 'v'), 1, "offset from the cursor");
	buf_sub(&rd, 4, &child);
	is_int(buf_find(&child, 'l'), 3, "find inside a child");
	is_int(buf_find(&child, 'u'), -1, "find stops at the child's end");
	buf_rd_init(&rd, NULL, 0);
	is_int(buf_find(&rd, 0), -1, "find on empty");
}

static void test_get_str(void)
{
	struct buf_rd rd;
	char dst[6];

	buf_rd_init(&rd, "hello world", 11);
	is_int(buf_get_str(&rd, 5, dst, sizeof(dst)), 0, "5 bytes into 6");
	is_str(dst, "hello", "string read");
	is_int(rd.off, 5, "cursor moved");
	strcpy(dst, "junk");
	is_int(buf_get_str(&rd, 6, dst, sizeof(dst)), ERR_TOO_LARGE, "6 bytes into 6");
	is_str(dst, "", "dst emptied");
	is_int(rd.off, 5, "cursor unmoved");
	is_int(buf_get_str(&rd, 7, dst, sizeof(dst)), ERR_TRUNCATED, "more than remaining");
	is_int(buf_get_str(&rd, 0, dst, sizeof(dst)), 0, "empty string");
	is_str(dst, "", "empty result");
	is_int(buf_get_str(&rd, 1, dst, 0), ERR_TOO_LARGE, "dst_size 0");

	buf_rd_init(&rd, "ab\0cd", 5);
	strcpy(dst, "junk");
	is_int(buf_get_str(&rd, 5, dst, sizeof(dst)), ERR_FORMAT, "embedded NUL");
	is_str(dst, "", "dst emptied on NUL");
	is_int(rd.off, 0, "cursor unmoved on NUL");
	is_int(buf_get_str(&rd, 2, dst, sizeof(dst)), 0, "prefix before the NUL");
	is_str(dst, "ab", "prefix read");
}

static void test_writer_fixed(void)
{
	static const uint8_t want[] = { 0xaa, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02,
					0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 'h',  'i' };
	uint8_t store[sizeof(want)], snap[sizeof(want)];
	struct buf_wr wr;

	buf_wr_init(&wr, store, sizeof(store));
	is_int(buf_put_u8(&wr, 0xaa), 0, "put u8");
	is_int(buf_put_u16(&wr, 0x1234), 0, "put u16");
	is_int(buf_put_u32(&wr, 0xdeadbeef), 0, "put u32");
	is_int(buf_put_u64(&wr, 0x0102030405060708ull), 0, "put u64");
	is_int(buf_put_str(&wr, "hi"), 0, "put str fills exactly");
	is_int(wr.len, sizeof(want), "len");
	ok(memcmp(store, want, sizeof(want)) == 0, "big-endian bytes");

	memcpy(snap, store, sizeof(snap));
	is_int(buf_put_u8(&wr, 1), ERR_TOO_LARGE, "u8 on a full writer");
	is_int(buf_put_u16(&wr, 1), ERR_TOO_LARGE, "u16 on a full writer");
	is_int(buf_put_u32(&wr, 1), ERR_TOO_LARGE, "u32 on a full writer");
	is_int(buf_put_u64(&wr, 1), ERR_TOO_LARGE, "u64 on a full writer");
	is_int(buf_put_str(&wr, "x"), ERR_TOO_LARGE, "str on a full writer");
	is_int(buf_printf(&wr, "%d", 5), ERR_TOO_LARGE, "printf on a full writer");
	is_int(buf_put_bytes(&wr, "x", SIZE_MAX), ERR_TOO_LARGE, "SIZE_MAX bytes");
	ok(buf_reserve(&wr, 1) == NULL, "reserve on a full writer");
	is_int(buf_put_bytes(&wr, "", 0), 0, "0 bytes fit");
	is_int(wr.len, sizeof(want), "len unchanged by failures");
	ok(memcmp(store, snap, sizeof(snap)) == 0, "contents unchanged by failures");

	buf_wr_reset(&wr);
	is_int(wr.len, 0, "reset");
	is_int(buf_put_u64(&wr, 0), 0, "8 bytes");
	is_int(buf_put_u64(&wr, 0), 0, "16 bytes");
	is_int(buf_put_u16(&wr, 0xffff), ERR_TOO_LARGE, "u16 with 1 byte left");
	is_int(buf_put_u8(&wr, 0x5a), 0, "u8 with 1 byte left");
	is_int(store[16], 0x5a, "last byte written");
	buf_wr_free(&wr);
	ok(wr.p == NULL && wr.len == 0, "free of caller storage only forgets it");
}

static void test_writer_reserve_printf(void)
{
	char store[16];
	struct buf_wr wr;
	uint8_t *at;

	buf_wr_init(&wr, store, sizeof(store));
	is_int(buf_printf(&wr, "%s=%d;", "a", 42), 0, "printf");
	is_int(wr.len, 5, "printf length");
	ok(memcmp(store, "a=42;", 5) == 0, "printf bytes, no NUL counted");
	at = buf_reserve(&wr, 4);
	ok(at == (uint8_t *)store + 5, "reserve returns the end");
	is_int(wr.len, 9, "reserve counts the bytes");
	is_int(buf_printf(&wr, "%s", "12345678"), ERR_TOO_LARGE, "printf over capacity");
	is_int(wr.len, 9, "len unchanged");
	is_int(buf_printf(&wr, "%s", "1234567"), 0, "printf filling exactly");
	is_int(wr.len, 16, "full");
}

static void test_writer_alloc(void)
{
	char big[2000], *cmp;
	struct buf_wr wr;
	bool same = true;

	buf_wr_init_alloc(&wr, 1000);
	ok(wr.p == NULL && wr.cap == 0, "nothing allocated up front");
	for (int i = 0; i < 1000; i++)
		same &= buf_put_u8(&wr, (uint8_t)i) == 0;
	ok(same, "1000 single bytes grow the writer");
	ok(wr.cap <= 1000, "capacity never above max");
	is_int(buf_put_u8(&wr, 0), ERR_TOO_LARGE, "byte 1001 refused");
	is_int(wr.len, 1000, "len at max");
	same = true;
	for (int i = 0; i < 1000; i++)
		same &= wr.p[i] == (uint8_t)i;
	ok(same, "contents kept across growth");
	buf_wr_free(&wr);
	ok(wr.p == NULL && wr.len == 0 && wr.cap == 0, "freed");

	buf_wr_init_alloc(&wr, 4096);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is_int(buf_printf(&wr, "<%s>", big), 0, "printf of 2001 bytes (past the stack buffer)");
	is_int(wr.len, 2001, "long printf length");
	ok(wr.p[0] == '<' && wr.p[1] == 'x' && wr.p[1999] == 'x' && wr.p[2000] == '>',
	   "long printf bytes");
	is_int(buf_printf(&wr, "%s%s", big, big), ERR_TOO_LARGE, "printf past max");
	is_int(wr.len, 2001, "len unchanged");
	buf_wr_reset(&wr);
	for (size_t n = 510; n <= 514; n++) {
		cmp = big + sizeof(big) - 1 - n;
		buf_wr_reset(&wr);
		is_int(buf_printf(&wr, "%s", cmp), 0, "printf of %zu bytes", n);
		ok(wr.len == n && memcmp(wr.p, cmp, n) == 0, "printf of %zu bytes exact", n);
	}
	buf_wr_free(&wr);

	buf_wr_init_alloc(&wr, 0);
	is_int(buf_put_u8(&wr, 1), ERR_TOO_LARGE, "max 0 holds nothing");
	buf_wr_free(&wr);
}

/* Write a record with the putters, then read every truncation of it back: each must fail
 * cleanly with ERR_TRUNCATED, and only the full record reads completely. */
static void test_mutations(void)
{
	uint8_t store[64];
	struct buf_wr wr;
	bool clean = true, flips = true;

	buf_wr_init(&wr, store, sizeof(store));
	buf_put_u8(&wr, 3);
	buf_put_u16(&wr, 0xbeef);
	buf_put_u32(&wr, 7);
	buf_put_u64(&wr, 1);
	buf_put_u8(&wr, 5);
	buf_put_str(&wr, "alice");
	for (size_t cut = 0; cut <= wr.len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1), v8, len = 0;
		uint16_t v16;
		uint32_t v32;
		uint64_t v64;
		char name[8];
		struct buf_rd rd;
		int r;

		memcpy(copy, store, cut);
		buf_rd_init(&rd, copy, cut);
		if ((r = buf_get_u8(&rd, &v8)) == 0 && (r = buf_get_u16(&rd, &v16)) == 0 &&
		    (r = buf_get_u32(&rd, &v32)) == 0 && (r = buf_get_u64(&rd, &v64)) == 0 &&
		    (r = buf_get_u8(&rd, &len)) == 0)
			r = buf_get_str(&rd, len, name, sizeof(name));
		clean &= cut == wr.len ? r == 0 && strcmp(name, "alice") == 0 : r == ERR_TRUNCATED;
		free(copy);
	}
	ok(clean, "every truncation fails with ERR_TRUNCATED");
	for (size_t bit = 0; bit < wr.len * 8; bit++) {
		uint8_t copy[64], len;
		char name[8];
		struct buf_rd rd;
		int r;

		memcpy(copy, store, wr.len);
		copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		buf_rd_init(&rd, copy, wr.len);
		buf_skip(&rd, 15);
		buf_get_u8(&rd, &len);
		r = buf_get_str(&rd, len, name, sizeof(name));
		flips &= r == 0 || r == ERR_TRUNCATED || r == ERR_TOO_LARGE || r == ERR_FORMAT;
	}
	ok(flips, "every bit flip of the string part gives a clean result");
}

static void test_trim_equals(void)
{
	struct buf_rd rd;

	buf_rd_init(&rd, " \t Abc \t", 8);
	buf_trim(&rd, false);
	is_int(buf_remaining(&rd), 3, "trim removes blanks on both sides");
	ok(buf_equals(&rd, "Abc", false), "exact match after trim");
	ok(!buf_equals(&rd, "abc", false), "case matters without ci");
	ok(buf_equals(&rd, "aBC", true), "case ignored with ci");
	ok(!buf_equals(&rd, "Ab", true), "a prefix is not equal");
	buf_rd_init(&rd, "\r\n x \r\n", 7);
	buf_trim(&rd, false);
	is_int(buf_remaining(&rd), 7, "CR/LF kept without crlf");
	buf_trim(&rd, true);
	ok(buf_equals(&rd, "x", false), "CR/LF trimmed with crlf");
	buf_rd_init(&rd, "   ", 3);
	buf_trim(&rd, false);
	is_int(buf_remaining(&rd), 0, "all blanks trim to empty");
	ok(buf_equals(&rd, "", false), "empty equals empty");
	buf_rd_init(&rd, NULL, 0);
	buf_trim(&rd, true);
	ok(buf_equals(&rd, "", true), "NULL cursor is empty");
}

int main(void)
{
	test_trim_equals();
	test_getters();
	test_truncation();
	test_peek();
	test_sub_find();
	test_get_str();
	test_writer_fixed();
	test_writer_reserve_printf();
	test_writer_alloc();
	test_mutations();
	return done_testing();
}
