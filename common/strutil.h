/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small string helpers: bounded copies, hex, numbers, trimming. Process: any. */
#ifndef CSTPD_COMMON_STRUTIL_H
#define CSTPD_COMMON_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copy src into dst (size includes the NUL). Returns 0, or ERR_TOO_LARGE when src does not
 * fit (dst then holds the empty string: never a silently truncated value). */
int str_copy(char *dst, size_t dst_size, const char *src);
/* Same, for the first n bytes of src. */
int str_copyn(char *dst, size_t dst_size, const char *src, size_t n);
/* Case-insensitive "s starts with prefix". */
bool str_has_prefix_ci(const char *s, const char *prefix);
/* Pointer past leading blanks; the trailing blanks of s are cut in place. */
char *str_trim(char *s);
/* Upper-case hex of n bytes into dst (needs 2n+1 bytes). */
void hex_encode(char *dst, const void *src, size_t n, bool upper);
/* Value of one hex digit (either case), or -1. */
int hex_digit(int c);
/* Decode exactly 2*n hex digits (either case) from src into dst; ERR_FORMAT otherwise. */
int hex_decode(void *dst, size_t n, const char *src, size_t src_len);
/* Parse a whole decimal integer within [min, max]; ERR_FORMAT or ERR_RANGE. */
int str_to_ll(const char *s, long long min, long long max, long long *out);
/* True when s is 1..max bytes of [A-Za-z0-9._@+-] (a safe user or group name). */
bool str_is_name(const char *s, size_t max);
/* Monotonic clock in milliseconds. */
uint64_t now_ms(void);

#endif
