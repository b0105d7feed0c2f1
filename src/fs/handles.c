#include "handles.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_SLOTS (1u << 30)

int handle_table_init(struct handle_table *t)
{
	t->slots = NULL;
	t->free_idx = NULL;
	t->nslots = t->used = t->nfree = 0;
	t->max_open = 0;
	pthread_mutex_init(&t->lock, NULL);
	return 0;
}

void handle_table_set_max(struct handle_table *t, uint32_t max_open)
{
	pthread_mutex_lock(&t->lock);
	t->max_open = max_open;
	pthread_mutex_unlock(&t->lock);
}

static void handle_destroy(struct handle *h)
{
	if (h->priv && h->priv_free)
		h->priv_free(h->priv);
	if (h->fd >= 0)
		close(h->fd);
	free(h);
}

void handle_table_fini(struct handle_table *t)
{
	handle_remove_all(t);
	free(t->slots);
	free(t->free_idx);
	t->slots = NULL;
	t->free_idx = NULL;
	pthread_mutex_destroy(&t->lock);
}

/* With the lock held: make room for one more slot. */
static int grow(struct handle_table *t)
{
	if (t->nslots >= MAX_SLOTS)
		return -EMFILE;
	uint32_t n = t->nslots ? t->nslots * 2 : 64;
	struct handle_slot *s = realloc(t->slots, n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	t->slots = s;
	uint32_t *f = realloc(t->free_idx, n * sizeof(*f));
	if (!f)
		return -ENOMEM;
	t->free_idx = f;
	/* Push the new slots so that the lowest index is popped first. */
	for (uint32_t i = n; i-- > t->nslots;) {
		t->slots[i].h = NULL;
		t->slots[i].gen = 1;
		t->free_idx[t->nfree++] = i;
	}
	t->nslots = n;
	return 0;
}

int handle_new(struct handle_table *t, enum handle_kind kind, int fd, void *priv,
	       void (*priv_free)(void *), uint64_t *fh)
{
	struct handle *h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = fd;
	h->kind = kind;
	h->priv = priv;
	h->priv_free = priv_free;
	h->refs = 1; /* the table's */
	pthread_mutex_lock(&t->lock);
	if (t->max_open && t->used >= t->max_open) {
		pthread_mutex_unlock(&t->lock);
		free(h);
		return -EMFILE;
	}
	if (t->nfree == 0) {
		int r = grow(t);
		if (r < 0) {
			pthread_mutex_unlock(&t->lock);
			free(h);
			return r;
		}
	}
	uint32_t idx = t->free_idx[--t->nfree];
	t->slots[idx].h = h;
	t->used++;
	*fh = ((uint64_t)t->slots[idx].gen << 32) | idx;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

/* With the lock held: the slot fh names if live and of that kind. */
static struct handle_slot *find(struct handle_table *t, uint64_t fh, enum handle_kind kind)
{
	uint32_t idx = (uint32_t)fh, gen = (uint32_t)(fh >> 32);
	if (idx >= t->nslots)
		return NULL;
	struct handle_slot *s = &t->slots[idx];
	if (!s->h || s->gen != gen || s->h->kind != kind)
		return NULL;
	return s;
}

struct handle *handle_get(struct handle_table *t, uint64_t fh, enum handle_kind kind)
{
	pthread_mutex_lock(&t->lock);
	struct handle_slot *s = find(t, fh, kind);
	/* fd -1: a handle whose file a migration could not open again; the
	 * guest may only release it. */
	struct handle *h = s && s->h->fd >= 0 ? s->h : NULL;
	if (h)
		h->refs++;
	pthread_mutex_unlock(&t->lock);
	return h;
}

void handle_put(struct handle_table *t, struct handle *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&t->lock);
	bool last = --h->refs == 0;
	pthread_mutex_unlock(&t->lock);
	if (last)
		handle_destroy(h);
}

/* With the lock held. */
static struct handle *detach(struct handle_table *t, uint32_t idx)
{
	struct handle_slot *s = &t->slots[idx];
	struct handle *h = s->h;
	s->h = NULL;
	/* A new generation: the released fh never matches again (0 is skipped
	 * so a zeroed fh is never valid). */
	if (++s->gen == 0)
		s->gen = 1;
	t->free_idx[t->nfree++] = idx;
	t->used--;
	return h;
}

struct handle *handle_remove(struct handle_table *t, uint64_t fh, enum handle_kind kind)
{
	pthread_mutex_lock(&t->lock);
	struct handle_slot *s = find(t, fh, kind);
	struct handle *h = s ? detach(t, (uint32_t)(s - t->slots)) : NULL;
	pthread_mutex_unlock(&t->lock);
	return h;
}

void handle_remove_all(struct handle_table *t)
{
	for (uint32_t i = 0;;) {
		struct handle *h = NULL;
		pthread_mutex_lock(&t->lock);
		for (; i < t->nslots && !h; i++)
			if (t->slots[i].h)
				h = detach(t, i);
		pthread_mutex_unlock(&t->lock);
		if (!h)
			return;
		handle_put(t, h);
	}
}

size_t handle_count(struct handle_table *t)
{
	pthread_mutex_lock(&t->lock);
	size_t n = t->used;
	pthread_mutex_unlock(&t->lock);
	return n;
}

size_t handle_table_snapshot(struct handle_table *t, struct handle_ref **out)
{
	size_t n = 0;
	pthread_mutex_lock(&t->lock);
	*out = malloc((t->used + 1) * sizeof(**out));
	if (*out) {
		for (uint32_t i = 0; i < t->nslots; i++) {
			struct handle *h = t->slots[i].h;
			if (!h)
				continue;
			h->refs++;
			(*out)[n].h = h;
			(*out)[n].fh = ((uint64_t)t->slots[i].gen << 32) | i;
			n++;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return n;
}

int handle_restore(struct handle_table *t, uint64_t fh, enum handle_kind kind, int fd,
		   void *priv, void (*priv_free)(void *))
{
	uint32_t idx = (uint32_t)fh, gen = (uint32_t)(fh >> 32);
	/* The source's slots never outgrow twice its open-file limit: a
	 * larger index is a lie that would only make us allocate. */
	uint64_t limit = t->max_open ? 2ull * t->max_open + 64 : HANDLE_RESTORE_MAX_SLOT;
	if (gen == 0 || idx >= limit || idx >= HANDLE_RESTORE_MAX_SLOT)
		return -EINVAL;
	struct handle *h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	*h = (struct handle){ .fd = fd, .kind = kind, .priv = priv, .priv_free = priv_free,
			      .refs = 1 };
	pthread_mutex_lock(&t->lock);
	int r = 0;
	if (t->max_open && t->used >= t->max_open)
		r = -EMFILE;
	while (r == 0 && idx >= t->nslots)
		r = grow(t);
	if (r == 0 && t->slots[idx].h)
		r = -EEXIST;
	if (r == 0) {
		t->slots[idx].h = h;
		t->slots[idx].gen = gen;
		t->used++;
	}
	pthread_mutex_unlock(&t->lock);
	if (r < 0)
		free(h);
	return r;
}

void handle_restore_done(struct handle_table *t)
{
	pthread_mutex_lock(&t->lock);
	t->nfree = 0;
	for (uint32_t i = t->nslots; i-- > 0;)
		if (!t->slots[i].h)
			t->free_idx[t->nfree++] = i;
	pthread_mutex_unlock(&t->lock);
}
