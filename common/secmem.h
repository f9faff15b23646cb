/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Secrets: wiping, constant-time comparison, random bytes. Process: any. */
#ifndef CSTPD_COMMON_SECMEM_H
#define CSTPD_COMMON_SECMEM_H

#include <stdbool.h>
#include <stddef.h>

/* Overwrite n bytes so the compiler cannot drop the store. */
void secmem_wipe(void *p, size_t n);
/* Constant-time equality of two buffers of n bytes. */
bool secmem_equal(const void *a, const void *b, size_t n);
/* Fill p with n cryptographically random bytes; 0 or ERR_INTERNAL. */
int secmem_random(void *p, size_t n);

#endif
