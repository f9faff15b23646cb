/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for common/strutil: bounded copies, hex, numbers, names, trimming.
 * Process: any (test program). */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "strutil.h"
#include "tap.h"

static void test_copy(void)
{
	char dst[6];

	is_int(str_copy(dst, sizeof(dst), "abc"), 0, "copy fits");
	is_str(dst, "abc", "copied");
	is_int(str_copy(dst, sizeof(dst), "abcde"), 0, "5 chars into 6 bytes");
	is_str(dst, "abcde", "exact fit");
	is_int(str_copy(dst, sizeof(dst), "abcdef"), ERR_TOO_LARGE, "6 chars into 6 bytes");
	is_str(dst, "", "overflow leaves the empty string, not a truncated value");
	strcpy(dst, "keep");
	is_int(str_copy(dst, 0, "a"), ERR_TOO_LARGE, "dst_size 0");
	is_str(dst, "keep", "dst_size 0 writes nothing");
	is_int(str_copy(dst, 1, ""), 0, "empty into 1 byte");
	is_str(dst, "", "empty copied");
	is_int(str_copy(dst, 1, "a"), ERR_TOO_LARGE, "1 char into 1 byte");

	is_int(str_copyn(dst, sizeof(dst), "abcdefgh", 3), 0, "copyn of a prefix");
	is_str(dst, "abc", "prefix copied");
	is_int(str_copyn(dst, sizeof(dst), "ab\0cdefgh", 9), 0, "copyn stops at a NUL");
	is_str(dst, "ab", "up to the NUL");
	is_int(str_copyn(dst, sizeof(dst), "abcdefgh", 6), ERR_TOO_LARGE, "copyn overflow");
	is_str(dst, "", "copyn overflow leaves the empty string");
	is_int(str_copyn(dst, sizeof(dst), "abcdefgh", 0), 0, "copyn of 0 bytes");
	is_str(dst, "", "nothing copied");
}

static void test_hex(void)
{
	uint8_t all[256], back[256];
	char txt[513];
	uint8_t two[2] = { 0x55, 0x55 };
	bool same = true;

	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	hex_encode(txt, all, sizeof(all), false);
	is_int(strlen(txt), 512, "encoded length");
	ok(strncmp(txt, "000102", 6) == 0 && strcmp(txt + 506, "fdfeff") == 0, "lower case");
	is_int(hex_decode(back, sizeof(back), txt, strlen(txt)), 0, "decode lower");
	same = memcmp(all, back, sizeof(all)) == 0;
	hex_encode(txt, all, sizeof(all), true);
	ok(strcmp(txt + 506, "FDFEFF") == 0, "upper case");
	memset(back, 0, sizeof(back));
	is_int(hex_decode(back, sizeof(back), txt, strlen(txt)), 0, "decode upper");
	ok(same && memcmp(all, back, sizeof(all)) == 0, "round trip of every byte value");
	is_int(hex_decode(two, 2, "aBcD", 4), 0, "mixed case");
	ok(two[0] == 0xab && two[1] == 0xcd, "mixed case value");

	hex_encode(txt, all, 0, false);
	is_str(txt, "", "encode of 0 bytes");
	is_int(hex_decode(two, 0, "", 0), 0, "decode of 0 bytes");
	is_int(hex_decode(two, 2, "abc", 3), ERR_FORMAT, "odd length");
	is_int(hex_decode(two, 2, "abcdef", 6), ERR_FORMAT, "too long");
	is_int(hex_decode(two, 2, "ab", 2), ERR_FORMAT, "too short");
	is_int(hex_decode(two, 2, "abcg", 4), ERR_FORMAT, "bad digit g");
	is_int(hex_decode(two, 2, "ab c", 4), ERR_FORMAT, "space");
	is_int(hex_decode(two, 2, "0x12", 4), ERR_FORMAT, "0x prefix");
	is_int(hex_decode(two, 2, "+1-2", 4), ERR_FORMAT, "signs");
	is_int(hex_decode(two, 2, "ab\0d", 4), ERR_FORMAT, "NUL");
	is_int(hex_decode(two, 1, "\xc3\xa9", 2), ERR_FORMAT, "non-ASCII");
}

static void test_to_ll(void)
{
	long long v = 99;

	is_int(str_to_ll("0", 0, 10, &v), 0, "zero");
	is_int(v, 0, "zero value");
	is_int(str_to_ll("-5", -10, 10, &v), 0, "negative");
	is_int(v, -5, "negative value");
	is_int(str_to_ll("+7", 0, 10, &v), 0, "explicit plus");
	is_int(v, 7, "plus value");
	is_int(str_to_ll("10", 0, 10, &v), 0, "max inclusive");
	is_int(str_to_ll("-10", -10, 10, &v), 0, "min inclusive");
	is_int(str_to_ll("11", 0, 10, &v), ERR_RANGE, "above max");
	is_int(v, 0, "output cleared on error");
	is_int(str_to_ll("-11", -10, 10, &v), ERR_RANGE, "below min");
	is_int(str_to_ll("9223372036854775807", LLONG_MIN, LLONG_MAX, &v), 0, "LLONG_MAX");
	ok(v == LLONG_MAX, "LLONG_MAX value");
	is_int(str_to_ll("-9223372036854775808", LLONG_MIN, LLONG_MAX, &v), 0, "LLONG_MIN");
	ok(v == LLONG_MIN, "LLONG_MIN value");
	is_int(str_to_ll("9223372036854775808", LLONG_MIN, LLONG_MAX, &v), ERR_RANGE,
	       "LLONG_MAX + 1 overflows");
	is_int(str_to_ll("99999999999999999999999", 0, 10, &v), ERR_RANGE, "huge");
	is_int(str_to_ll("", 0, 10, &v), ERR_FORMAT, "empty");
	is_int(str_to_ll(" 1", 0, 10, &v), ERR_FORMAT, "leading blank");
	is_int(str_to_ll("1 ", 0, 10, &v), ERR_FORMAT, "trailing blank");
	is_int(str_to_ll("12abc", 0, 100, &v), ERR_FORMAT, "trailing garbage");
	is_int(str_to_ll("abc", 0, 100, &v), ERR_FORMAT, "no digits");
	is_int(str_to_ll("-", 0, 100, &v), ERR_FORMAT, "sign only");
	is_int(str_to_ll("0x10", 0, 100, &v), ERR_FORMAT, "hex refused");
	is_int(str_to_ll("1.5", 0, 100, &v), ERR_FORMAT, "decimal point");
	is_int(str_to_ll("\t3", 0, 100, &v), ERR_FORMAT, "leading tab");
	is_int(str_to_ll("3\n", 0, 100, &v), ERR_FORMAT, "trailing newline");
}

static void test_is_name(void)
{
	static const char *const bad[] = { "",	   "a b",  "a/b",	  "a:b", "a,b",	 "*",
					   "a\nb", "a\tb", "caf\xc3\xa9", "a;b", "a\\b", "$x" };
	char longname[70];

	ok(str_is_name("alice", 63), "plain name");
	ok(str_is_name("A.b_c@d+e-f0", 63), "every allowed punctuation");
	ok(str_is_name("x", 1), "1 byte at max 1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!str_is_name(bad[i], 63), "bad name %zu refused", i);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[63] = '\0';
	ok(str_is_name(longname, 63), "63 bytes at max 63");
	longname[63] = 'n';
	longname[64] = '\0';
	ok(!str_is_name(longname, 63), "64 bytes at max 63");
	ok(!str_is_name("ab", 1), "2 bytes at max 1");
	ok(!str_is_name("a", 0), "max 0 accepts nothing");
}

static void test_trim_prefix(void)
{
	char s1[] = "  a b \t\r\n", s2[] = "", s3[] = " \t\r\n ", s4[] = "x";

	is_str(str_trim(s1), "a b", "both ends trimmed, inner blank kept");
	is_str(str_trim(s2), "", "empty");
	is_str(str_trim(s3), "", "only blanks");
	is_str(str_trim(s4), "x", "nothing to trim");

	ok(str_has_prefix_ci("Content-Length: 5", "content-length:"), "case-insensitive prefix");
	ok(str_has_prefix_ci("abc", "ABC"), "whole string");
	ok(!str_has_prefix_ci("ab", "abc"), "prefix longer than string");
	ok(!str_has_prefix_ci("xabc", "abc"), "not at the start");
	ok(str_has_prefix_ci("abc", ""), "empty prefix");
	ok(str_has_prefix_ci("", ""), "both empty");
}

static void test_now(void)
{
	uint64_t a = now_ms(), b = now_ms();

	ok(a > 0 && b >= a, "monotonic clock does not go back");
}

int main(void)
{
	test_copy();
	test_hex();
	test_to_ll();
	test_is_name();
	test_trim_prefix();
	test_now();
	return done_testing();
}
