/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Secrets: wiping, constant-time comparison, random bytes. Process: any. */
#include "secmem.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "err.h"

void secmem_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

bool secmem_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

int secmem_random(void *p, size_t n)
{
	if (n > (size_t)0x7fffffff)
		return ERR_RANGE;
	return RAND_bytes(p, (int)n) == 1 ? 0 : ERR_INTERNAL;
}
