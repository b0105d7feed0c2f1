/* The inode table: two chained hash tables (by key, by nodeid) under one
 * short mutex.  See inode_table.h for the lifetime rules. */
#include "inode_table.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_ops.h"

#define INITIAL_BUCKETS 256

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static size_t key_bucket(const struct inode_table *t, const struct inode_key *k)
{
	uint64_t h = mix64(k->ino ^ mix64(k->dev ^ mix64(k->mnt_id)));
	return (size_t)(h & (t->nbuckets - 1));
}

static size_t id_bucket(const struct inode_table *t, uint64_t nodeid)
{
	return (size_t)(mix64(nodeid) & (t->nbuckets - 1));
}

static bool key_eq(const struct inode_key *a, const struct inode_key *b)
{
	return a->ino == b->ino && a->dev == b->dev && a->mnt_id == b->mnt_id;
}

int inode_table_init(struct inode_table *t)
{
	t->nbuckets = INITIAL_BUCKETS;
	t->count = 0;
	t->next_nodeid = FS_ROOT_ID + 1;
	t->root = NULL;
	t->by_key = calloc(t->nbuckets, sizeof(*t->by_key));
	t->by_id = calloc(t->nbuckets, sizeof(*t->by_id));
	if (!t->by_key || !t->by_id) {
		free(t->by_key);
		free(t->by_id);
		return -ENOMEM;
	}
	pthread_mutex_init(&t->lock, NULL);
	return 0;
}

static void link_record(struct inode_table *t, struct inode *i)
{
	size_t kb = key_bucket(t, &i->key), ib = id_bucket(t, i->nodeid);
	i->next_key = t->by_key[kb];
	t->by_key[kb] = i;
	i->next_id = t->by_id[ib];
	t->by_id[ib] = i;
	t->count++;
}

static void unlink_record(struct inode_table *t, struct inode *i)
{
	struct inode **pp;
	for (pp = &t->by_key[key_bucket(t, &i->key)]; *pp; pp = &(*pp)->next_key) {
		if (*pp == i) {
			*pp = i->next_key;
			break;
		}
	}
	for (pp = &t->by_id[id_bucket(t, i->nodeid)]; *pp; pp = &(*pp)->next_id) {
		if (*pp == i) {
			*pp = i->next_id;
			break;
		}
	}
	t->count--;
}

/* Double the buckets when the load passes 1; on ENOMEM keep the old size
 * (longer chains, still correct). */
static void maybe_grow(struct inode_table *t)
{
	if (t->count < t->nbuckets)
		return;
	size_t n = t->nbuckets * 2;
	struct inode **bk = calloc(n, sizeof(*bk)), **bi = calloc(n, sizeof(*bi));
	if (!bk || !bi) {
		free(bk);
		free(bi);
		return;
	}
	struct inode **ok = t->by_key, **oi = t->by_id;
	size_t on = t->nbuckets;
	t->by_key = bk;
	t->by_id = bi;
	t->nbuckets = n;
	t->count = 0;
	for (size_t b = 0; b < on; b++) {
		struct inode *i = ok[b];
		while (i) {
			struct inode *next = i->next_key;
			link_record(t, i);
			i = next;
		}
	}
	free(oi);
	free(ok); /* the by_id chains were rebuilt from the by_key walk */
}

static struct inode *find_id(struct inode_table *t, uint64_t nodeid)
{
	for (struct inode *i = t->by_id[id_bucket(t, nodeid)]; i; i = i->next_id)
		if (i->nodeid == nodeid)
			return i;
	return NULL;
}

static struct inode *find_key(struct inode_table *t, const struct inode_key *k)
{
	for (struct inode *i = t->by_key[key_bucket(t, k)]; i; i = i->next_key)
		if (key_eq(&i->key, k))
			return i;
	return NULL;
}

static void free_record(struct inode *i)
{
	if (i->fd_ >= 0)
		close(i->fd_);
	free(i);
}

/* With the lock held: unlink i if nothing keeps it; the caller frees it
 * after unlocking (close() is a system call). */
static bool release_if_unused(struct inode_table *t, struct inode *i)
{
	if (i->pinned || i->nlookup || i->refs)
		return false;
	unlink_record(t, i);
	return true;
}

void inode_table_fini(struct inode_table *t)
{
	for (size_t b = 0; b < t->nbuckets; b++) {
		struct inode *i = t->by_key[b];
		while (i) {
			struct inode *next = i->next_key;
			free_record(i);
			i = next;
		}
	}
	free(t->by_key);
	free(t->by_id);
	t->by_key = t->by_id = NULL;
	t->root = NULL;
	pthread_mutex_destroy(&t->lock);
}

int inode_table_set_root(struct inode_table *t, const struct inode_key *k, mode_t type, int fd)
{
	struct inode *i = calloc(1, sizeof(*i));
	if (!i) {
		close(fd);
		return -ENOMEM;
	}
	i->key = *k;
	i->nodeid = FS_ROOT_ID;
	i->type = type & S_IFMT;
	i->fd_ = fd;
	i->nlookup = 1;
	i->pinned = true;
	pthread_mutex_lock(&t->lock);
	link_record(t, i);
	t->root = i;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

struct inode *inode_table_get(struct inode_table *t, uint64_t nodeid)
{
	pthread_mutex_lock(&t->lock);
	struct inode *i = find_id(t, nodeid);
	if (i)
		i->refs++;
	pthread_mutex_unlock(&t->lock);
	return i;
}

void inode_table_ref(struct inode_table *t, struct inode *i)
{
	pthread_mutex_lock(&t->lock);
	i->refs++;
	pthread_mutex_unlock(&t->lock);
}

void inode_table_put(struct inode_table *t, struct inode *i)
{
	if (!i)
		return;
	pthread_mutex_lock(&t->lock);
	i->refs--;
	bool gone = release_if_unused(t, i);
	pthread_mutex_unlock(&t->lock);
	if (gone)
		free_record(i);
}

struct inode *inode_table_lookup_insert(struct inode_table *t, const struct inode_key *k,
					mode_t type, int fd)
{
	/* Allocate before locking: the common miss path then holds the lock
	 * only for the hash work. */
	struct inode *fresh = calloc(1, sizeof(*fresh));
	pthread_mutex_lock(&t->lock);
	struct inode *i = find_key(t, k);
	if (i) {
		i->nlookup++;
		i->refs++;
	} else if (fresh) {
		i = fresh;
		fresh = NULL;
		i->key = *k;
		i->type = type & S_IFMT;
		i->fd_ = fd;
		fd = -1;
		i->nodeid = t->next_nodeid++;
		i->nlookup = 1;
		i->refs = 1;
		maybe_grow(t);
		link_record(t, i);
	}
	pthread_mutex_unlock(&t->lock);
	free(fresh);
	if (fd >= 0)
		close(fd);
	return i;
}

void inode_table_forget(struct inode_table *t, uint64_t nodeid, uint64_t n)
{
	pthread_mutex_lock(&t->lock);
	struct inode *i = find_id(t, nodeid);
	bool gone = false;
	if (i) {
		i->nlookup -= n < i->nlookup ? n : i->nlookup;
		gone = release_if_unused(t, i);
	}
	pthread_mutex_unlock(&t->lock);
	if (gone)
		free_record(i);
}

void inode_table_relookup(struct inode_table *t, struct inode *i)
{
	pthread_mutex_lock(&t->lock);
	i->nlookup++;
	pthread_mutex_unlock(&t->lock);
}

void inode_table_unlookup(struct inode_table *t, struct inode *i)
{
	pthread_mutex_lock(&t->lock);
	if (i->nlookup)
		i->nlookup--;
	pthread_mutex_unlock(&t->lock);
}

void inode_table_forget_all(struct inode_table *t)
{
	struct inode *dead = NULL;
	pthread_mutex_lock(&t->lock);
	for (size_t b = 0; b < t->nbuckets; b++) {
		struct inode *i = t->by_key[b];
		while (i) {
			struct inode *next = i->next_key;
			i->nlookup = i->pinned ? 1 : 0;
			if (release_if_unused(t, i)) {
				i->next_key = dead; /* reuse the link for the free list */
				dead = i;
			}
			i = next;
		}
	}
	pthread_mutex_unlock(&t->lock);
	while (dead) {
		struct inode *next = dead->next_key;
		free_record(dead);
		dead = next;
	}
}

struct inode **inode_table_one_per_mount(struct inode_table *t, size_t *n)
{
	*n = 0;
	pthread_mutex_lock(&t->lock);
	struct inode **out = malloc((t->count + 1) * sizeof(*out));
	if (!out) {
		pthread_mutex_unlock(&t->lock);
		return NULL;
	}
	for (size_t b = 0; b < t->nbuckets; b++) {
		for (struct inode *i = t->by_key[b]; i; i = i->next_key) {
			size_t j;
			for (j = 0; j < *n; j++)
				if (out[j]->key.dev == i->key.dev && out[j]->key.mnt_id == i->key.mnt_id)
					break;
			if (j == *n) {
				out[(*n)++] = i;
				i->refs++;
			} else if (!S_ISDIR(out[j]->type) && S_ISDIR(i->type)) {
				/* Back to the state it was found in: still alive. */
				out[j]->refs--;
				out[j] = i;
				i->refs++;
			}
		}
	}
	pthread_mutex_unlock(&t->lock);
	return out;
}

size_t inode_table_count(struct inode_table *t)
{
	pthread_mutex_lock(&t->lock);
	size_t n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
