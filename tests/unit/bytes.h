/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Big-endian stores and loads for building and checking packets in unit tests (test code
 * indexes its own buffers freely). Process: tests. */
#ifndef CSTPD_TESTS_UNIT_BYTES_H
#define CSTPD_TESTS_UNIT_BYTES_H

#include <stdint.h>

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

#endif
