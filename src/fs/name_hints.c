/* LOOKUP's name hints (name_hints.h). */
#include "name_hints.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

int name_hints_init(struct name_hints *nh)
{
	nh->n = NAME_HINTS_MIN;
	nh->slot = calloc(nh->n, sizeof(*nh->slot));
	return nh->slot ? 0 : -ENOMEM;
}

void name_hints_fini(struct name_hints *nh)
{
	free(nh->slot);
	nh->slot = NULL;
	nh->n = 0;
}

uint64_t name_hints_hash(const char *name)
{
	return hash_fnv1a(HASH_FNV1A_INIT, name, strlen(name));
}

static struct name_hint hint_of(uint64_t parent, uint64_t h, uint64_t nodeid)
{
	return (struct name_hint){ .parent_tag = (uint32_t)parent,
				   .name_tag = (uint32_t)(h >> 32), .nodeid = nodeid };
}

/* A hint's set from its tags alone, so that it can move when the table
 * grows. */
static struct name_hint *set_of(const struct name_hints *nh, const struct name_hint *x)
{
	uint64_t tags = (uint64_t)x->parent_tag << 32 | x->name_tag;
	size_t k = hash_mix64(tags) & (nh->n - 1);
	return &nh->slot[k & ~(size_t)(NAME_HINT_WAYS - 1)];
}

static bool same_name(const struct name_hint *s, const struct name_hint *x)
{
	return s->nodeid && s->parent_tag == x->parent_tag && s->name_tag == x->name_tag;
}

/* x becomes the most recent of its set s; the least recent gives way when
 * the set is full. */
static void put_in(struct name_hint *s, struct name_hint x)
{
	size_t w = 0;
	while (w < NAME_HINT_WAYS - 1 && !same_name(&s[w], &x))
		w++;
	memmove(&s[1], &s[0], w * sizeof(*s));
	s[0] = x;
}

void name_hints_put(struct name_hints *nh, uint64_t parent, uint64_t h, uint64_t nodeid)
{
	struct name_hint x = hint_of(parent, h, nodeid);
	put_in(set_of(nh, &x), x);
}

size_t name_hints_get(const struct name_hints *nh, uint64_t parent, uint64_t h,
		      uint64_t out[NAME_HINT_WAYS])
{
	const struct name_hint x = hint_of(parent, h, 0);
	const struct name_hint *s = set_of(nh, &x);
	size_t n = 0;
	for (size_t w = 0; w < NAME_HINT_WAYS; w++)
		if (same_name(&s[w], &x))
			out[n++] = s[w].nodeid;
	return n;
}

void name_hints_reserve(struct name_hints *nh, size_t slots)
{
	size_t n = nh->n;
	while (n < slots && n < NAME_HINTS_MAX)
		n *= 2;
	if (n == nh->n)
		return;
	struct name_hint *fresh = calloc(n, sizeof(*fresh)), *old = nh->slot;
	if (!fresh)
		return;
	size_t on = nh->n;
	nh->slot = fresh;
	nh->n = n;
	/* Older ways first, so that each set keeps its most recent hints. */
	for (size_t k = on; k-- > 0;)
		if (old[k].nodeid)
			put_in(set_of(nh, &old[k]), old[k]);
	free(old);
}
