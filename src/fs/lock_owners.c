/* The (nodeid, lock owner) -> fh map: a fixed array of chained buckets
 * under one mutex (entries live from a process's first lock on a file to
 * its next close of it; the handle table's budget bounds their number). */
#include "lock_owners.h"

#include <stdlib.h>

struct lock_owner {
	struct lock_owner *next;
	uint64_t nodeid, owner, fh;
};

static struct lock_owner **bucket(struct lock_owners *t, uint64_t nodeid, uint64_t owner)
{
	uint64_t h = (nodeid * 0x9E3779B97F4A7C15ull) ^ (owner * 0xC2B2AE3D27D4EB4Full);
	return &t->buckets[(h >> 32) % LOCK_OWNER_BUCKETS];
}

/* With the lock held: the link pointing at the entry, or at the NULL that
 * ends its bucket. */
static struct lock_owner **find_link(struct lock_owners *t, uint64_t nodeid, uint64_t owner)
{
	struct lock_owner **p = bucket(t, nodeid, owner);
	while (*p && ((*p)->nodeid != nodeid || (*p)->owner != owner))
		p = &(*p)->next;
	return p;
}

void lock_owners_init(struct lock_owners *t)
{
	pthread_mutex_init(&t->lock, NULL);
	for (size_t k = 0; k < LOCK_OWNER_BUCKETS; k++)
		t->buckets[k] = NULL;
	t->count = 0;
}

void lock_owners_clear(struct lock_owners *t)
{
	pthread_mutex_lock(&t->lock);
	for (size_t k = 0; k < LOCK_OWNER_BUCKETS; k++) {
		while (t->buckets[k]) {
			struct lock_owner *e = t->buckets[k];
			t->buckets[k] = e->next;
			free(e);
		}
	}
	t->count = 0;
	pthread_mutex_unlock(&t->lock);
}

struct handle *lock_owners_get(struct lock_owners *t, struct handle_table *hs, uint64_t nodeid,
			       uint64_t owner, uint64_t fh, uint64_t *got)
{
	struct handle *h = NULL;
	pthread_mutex_lock(&t->lock);
	struct lock_owner **p = find_link(t, nodeid, owner);
	struct lock_owner *e = *p;
	if (e) {
		h = handle_get(hs, e->fh, HANDLE_LOCK);
		if (!h) { /* stale */
			*p = e->next;
			free(e);
			t->count--;
			e = NULL;
		}
	}
	if (!e && fh) {
		e = malloc(sizeof(*e));
		if (e) {
			*e = (struct lock_owner){ .next = *p, .nodeid = nodeid, .owner = owner, .fh = fh };
			h = handle_get(hs, fh, HANDLE_LOCK);
			if (h) {
				*p = e;
				t->count++;
			} else {
				free(e);
				e = NULL;
			}
		}
	}
	*got = e ? e->fh : 0;
	pthread_mutex_unlock(&t->lock);
	return h;
}

uint64_t lock_owners_remove(struct lock_owners *t, uint64_t nodeid, uint64_t owner)
{
	uint64_t fh = 0;
	pthread_mutex_lock(&t->lock);
	if (t->count) {
		struct lock_owner **p = find_link(t, nodeid, owner);
		struct lock_owner *e = *p;
		if (e) {
			*p = e->next;
			fh = e->fh;
			free(e);
			t->count--;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return fh;
}

size_t lock_owners_count(struct lock_owners *t)
{
	pthread_mutex_lock(&t->lock);
	size_t n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
