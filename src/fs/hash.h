/* Two small non-cryptographic hashes, shared so that each exists once:
 * FNV-1a over bytes (the migration stream's checksum, LOOKUP's name hints)
 * and a 64-bit finalizer (MurmurHash3's fmix64) that spreads any integer
 * key over the bits a power-of-two table keeps. */
#ifndef FS_HASH_H
#define FS_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A_INIT 0xcbf29ce484222325ULL

/* Continue an FNV-1a hash h over n bytes at p. */
static inline uint64_t hash_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t k = 0; k < n; k++)
		h = (h ^ c[k]) * 0x100000001b3ULL;
	return h;
}

static inline uint64_t hash_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

#endif
