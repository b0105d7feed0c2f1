/* The inode table: two chained hash tables (by key, by nodeid) and the LRU
 * of cached descriptors, under one short mutex.  See inode_table.h for the
 * lifetime rules and inode_fd.c for how an evicted record is found again. */
#include "inode_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_ops.h"
#include "hash.h"

#define INITIAL_BUCKETS 256
/* Default cap before inode_table_set_fd_cap (unit tests). */
#define DEFAULT_FD_CAP 4096

static size_t key_bucket(const struct inode_table *t, const struct inode_key *k)
{
	uint64_t h = hash_mix64(k->ino ^ hash_mix64(k->dev ^ hash_mix64(k->mnt_id)));
	return (size_t)(h & (t->nbuckets - 1));
}

static size_t id_bucket(const struct inode_table *t, uint64_t nodeid)
{
	return (size_t)(hash_mix64(nodeid) & (t->nbuckets - 1));
}

static bool key_eq(const struct inode_key *a, const struct inode_key *b)
{
	return a->ino == b->ino && a->dev == b->dev && a->mnt_id == b->mnt_id;
}

int inode_table_init(struct inode_table *t)
{
	memset(t, 0, sizeof(*t));
	t->nbuckets = INITIAL_BUCKETS;
	t->next_nodeid = FS_ROOT_ID + 1;
	t->fd_cap = DEFAULT_FD_CAP;
	t->lru.lru_next = t->lru.lru_prev = &t->lru;
	t->by_key = calloc(t->nbuckets, sizeof(*t->by_key));
	t->by_id = calloc(t->nbuckets, sizeof(*t->by_id));
	if (!t->by_key || !t->by_id || name_hints_init(&t->hints) < 0) {
		free(t->by_key);
		free(t->by_id);
		return -ENOMEM;
	}
	pthread_mutex_init(&t->lock, NULL);
	mount_fds_init(&t->mounts);
	return 0;
}

/* ---- LRU of cached, unborrowed, evictable descriptors ---- */

static bool in_lru(const struct inode *i)
{
	return i->lru_prev != NULL;
}

static void lru_remove(struct inode_table *t, struct inode *i)
{
	if (!in_lru(i))
		return;
	i->lru_prev->lru_next = i->lru_next;
	i->lru_next->lru_prev = i->lru_prev;
	i->lru_prev = i->lru_next = NULL;
	t->lru_len--;
}

/* Whether the record can be found again once its fd is closed. */
static bool refindable(const struct inode *i)
{
	return !i->pinned && (i->by_handle || (i->parent && i->name));
}

/* Put i where it belongs: at the most recent end of the LRU if its fd may
 * be evicted, else out of it. */
static void lru_settle(struct inode_table *t, struct inode *i)
{
	lru_remove(t, i);
	if (i->fd_ < 0 || i->fd_pins || !refindable(i))
		return;
	i->lru_next = t->lru.lru_next;
	i->lru_prev = &t->lru;
	t->lru.lru_next->lru_prev = i;
	t->lru.lru_next = i;
	t->lru_len++;
}

size_t inode_table_collect_victims_locked(struct inode_table *t, int fds[INODE_VICTIMS_MAX])
{
	size_t n = 0;
	while (t->fds_open > t->fd_cap && n < INODE_VICTIMS_MAX && t->lru.lru_prev != &t->lru) {
		struct inode *v = t->lru.lru_prev;
		lru_remove(t, v);
		fds[n++] = v->fd_;
		v->fd_ = -1;
		t->fds_open--;
		t->evictions++;
	}
	return n;
}

static void close_all(const int *fds, size_t n)
{
	for (size_t k = 0; k < n; k++)
		close(fds[k]);
}

void inode_table_set_fd_cap(struct inode_table *t, size_t cap)
{
	int fds[INODE_VICTIMS_MAX];
	size_t n;
	pthread_mutex_lock(&t->lock);
	t->fd_cap = cap ? cap : 1;
	do {
		n = inode_table_collect_victims_locked(t, fds);
		pthread_mutex_unlock(&t->lock);
		close_all(fds, n);
		pthread_mutex_lock(&t->lock);
	} while (n == INODE_VICTIMS_MAX);
	pthread_mutex_unlock(&t->lock);
}

void inode_table_pin_fd_locked(struct inode_table *t, struct inode *i)
{
	if (i->fd_pins++ == 0)
		lru_remove(t, i);
}

void inode_table_unpin_fd_locked(struct inode_table *t, struct inode *i)
{
	if (i->fd_pins && --i->fd_pins == 0)
		lru_settle(t, i);
}

void inode_table_install_fd_locked(struct inode_table *t, struct inode *i, int fd)
{
	i->fd_ = fd;
	i->fd_pins = 1;
	t->fds_open++;
	lru_remove(t, i);
}

/* ---- hash chains ---- */

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

/* As the buckets grow: HINTS_PER_BUCKET name hint slots per bucket, so
 * that a set of four serves two to four records (4096 slots in all sent
 * most LOOKUPs in a guest's 5,000-file directory the slow way), at 32-64
 * bytes a record. */
#define HINTS_PER_BUCKET 2

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
	/* Each chain from its own walk: a replaced record is in by_id only. */
	for (size_t b = 0; b < on; b++) {
		for (struct inode *i = ok[b], *next; i; i = next) {
			next = i->next_key;
			size_t kb = key_bucket(t, &i->key);
			i->next_key = bk[kb];
			bk[kb] = i;
		}
		for (struct inode *i = oi[b], *next; i; i = next) {
			next = i->next_id;
			size_t ib = id_bucket(t, i->nodeid);
			i->next_id = bi[ib];
			bi[ib] = i;
		}
	}
	free(oi);
	free(ok);
	name_hints_reserve(&t->hints, n * HINTS_PER_BUCKET);
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

/* ---- release ---- */

/* Records unlinked under the lock, freed after it (close() is a system
 * call); chained through lru_next (out of the LRU by then), so that a
 * bucket walk may still step through a record just unlinked. */
struct dead_list {
	struct inode *head;
};

/* Drop the mount fd reference a by-handle record held. */
static void put_mount(struct inode_table *t, uint64_t mnt_id)
{
	if (mount_fds_put(&t->mounts, mnt_id) == 1) {
		pthread_mutex_lock(&t->lock);
		t->fds_open--;
		pthread_mutex_unlock(&t->lock);
	}
}

static void free_dead(struct inode_table *t, struct dead_list *d)
{
	while (d->head) {
		struct inode *i = d->head;
		d->head = i->lru_next;
		if (i->fd_ >= 0)
			close(i->fd_);
		if (i->by_handle)
			put_mount(t, i->key.mnt_id);
		free(i->name);
		free(i);
	}
}

/* With the lock held: unlink i if nothing keeps it, then drop the ref it
 * held on its parent (which may go in turn). */
static void release_if_unused(struct inode_table *t, struct inode *i, struct dead_list *d)
{
	while (i && !i->pinned && !i->nlookup && !i->refs && i->nodeid) {
		unlink_record(t, i);
		lru_remove(t, i);
		i->nodeid = 0; /* unlinked: a walk passing by skips it */
		if (i->fd_ >= 0)
			t->fds_open--;
		struct inode *parent = i->parent;
		i->parent = NULL;
		i->lru_next = d->head;
		d->head = i;
		if (parent)
			parent->refs--;
		i = parent;
	}
}

void inode_table_fini(struct inode_table *t)
{
	for (size_t b = 0; b < t->nbuckets; b++) {
		struct inode *i = t->by_id[b];
		while (i) {
			struct inode *next = i->next_id;
			if (i->fd_ >= 0)
				close(i->fd_);
			free(i->name);
			free(i);
			i = next;
		}
	}
	free(t->by_key);
	free(t->by_id);
	name_hints_fini(&t->hints);
	t->by_key = t->by_id = NULL;
	t->root = NULL;
	mount_fds_fini(&t->mounts);
	pthread_mutex_destroy(&t->lock);
}

int inode_table_set_root(struct inode_table *t, const struct inode_key *k, mode_t type, int fd)
{
	struct fh h = { 0 };
	uint64_t hmnt = 0;
	bool have_fh = fh_of_fd(fd, &h, &hmnt) == 0;
	struct inode *i = calloc(1, sizeof(*i) + (have_fh ? h.len : 0));
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
	if (have_fh) {
		i->fh_type = h.type;
		i->fh_len = h.len;
		memcpy(i->fh, h.bytes, h.len);
	}
	/* The root's fd also serves as its mount's descriptor for handles. */
	int added = t->open_by_handle && k->mnt_id ? mount_fds_add(&t->mounts, k->mnt_id, fd) : 0;
	pthread_mutex_lock(&t->lock);
	t->fds_open += 1 + (added == 1);
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
	struct dead_list d = { NULL };
	pthread_mutex_lock(&t->lock);
	i->refs--;
	release_if_unused(t, i, &d);
	pthread_mutex_unlock(&t->lock);
	free_dead(t, &d);
}

/* ---- where a record was last found ---- */

static bool usable_name(const struct inode *parent, const char *name)
{
	return parent && name && name[0] && strcmp(name, ".") && strcmp(name, "..");
}

/* With the lock held: whether i is parent or one of its ancestors (a new
 * parent link must never make a cycle). */
static bool is_ancestor(const struct inode *i, const struct inode *parent)
{
	for (const struct inode *p = parent; p; p = p->parent)
		if (p == i)
			return true;
	return false;
}

/* With the lock held: i is now found as *name in parent; takes *name
 * (sets it to the string to free afterwards). */
static void set_location(struct inode_table *t, struct inode *i, struct inode *parent,
			 char **name, struct dead_list *d)
{
	if (i->by_handle || i->pinned || is_ancestor(i, parent))
		return;
	struct inode *old_parent = i->parent;
	char *old_name = i->name;
	parent->refs++;
	i->parent = parent;
	i->name = *name;
	*name = old_name;
	if (old_parent) {
		old_parent->refs--;
		release_if_unused(t, old_parent, d);
	}
	if (!i->fd_pins)
		lru_settle(t, i);
}

static bool location_differs(const struct inode *i, const struct inode *parent, const char *name)
{
	return !i->by_handle && !i->pinned &&
	       (i->parent != parent || !i->name || strcmp(i->name, name));
}

/* ---- LOOKUP's fast path ---- */

static void hint_set(struct inode_table *t, const struct inode *parent, uint64_t h,
		     const struct inode *i)
{
	name_hints_put(&t->hints, parent->nodeid, h, i->nodeid);
}

bool inode_table_hint(struct inode_table *t, const struct inode *parent, const char *name)
{
	if (!usable_name(parent, name))
		return false;
	uint64_t h = name_hints_hash(name), ids[NAME_HINT_WAYS];
	pthread_mutex_lock(&t->lock);
	size_t n = name_hints_get(&t->hints, parent->nodeid, h, ids);
	const struct inode *i = NULL;
	for (size_t w = 0; w < n && !i; w++)
		i = find_id(t, ids[w]);
	bool worth = i && i->fd_ >= 0;
	pthread_mutex_unlock(&t->lock);
	return worth;
}

struct inode *inode_table_lookup_open(struct inode_table *t, const struct inode_key *k,
				      struct inode *parent, const char *name)
{
	if (!usable_name(parent, name))
		return NULL;
	pthread_mutex_lock(&t->lock);
	struct inode *i = find_key(t, k);
	if (!i || i->fd_ < 0 || location_differs(i, parent, name)) {
		pthread_mutex_unlock(&t->lock);
		return NULL;
	}
	i->nlookup++;
	i->refs++;
	t->fast_lookups++;
	pthread_mutex_unlock(&t->lock);
	return i;
}

/* With the lock held: one more lookup of an existing record; fd (if >= 0)
 * becomes its cached fd if it has none.  Returns the fd left to close. */
static int bump_existing(struct inode_table *t, struct inode *i, int fd)
{
	i->nlookup++;
	i->refs++;
	if (fd >= 0 && i->fd_ < 0) {
		i->fd_ = fd;
		t->fds_open++;
		fd = -1;
		if (!i->fd_pins)
			lru_settle(t, i);
	}
	return fd;
}

static void finish_locked_op(struct inode_table *t, struct dead_list *d, int extra_fd)
{
	int fds[INODE_VICTIMS_MAX];
	size_t n = inode_table_collect_victims_locked(t, fds);
	pthread_mutex_unlock(&t->lock);
	close_all(fds, n);
	if (extra_fd >= 0)
		close(extra_fd);
	free_dead(t, d);
}

/* With the lock held: whether fd's file handle h, or its type, shows that
 * i, a record without an fd, was a file the host deleted and whose number
 * fd's new file took.  A record with an fd holds its inode, so its number
 * cannot be taken; without a handle (or h) only the type can tell. */
static bool handle_shows_reuse(const struct inode *i, mode_t type, const struct fh *h,
			       bool have_fh)
{
	return i->fd_ < 0 &&
	       (i->type != (type & S_IFMT) || (i->fh_len && have_fh && !inode_handle_is(i, h)));
}

bool inode_handle_is(const struct inode *i, const struct fh *h)
{
	return h->type == i->fh_type && h->len == i->fh_len && !memcmp(h->bytes, i->fh, h->len);
}

/* With the lock held: i's number now names another file.  It leaves by_key
 * and forgets where it was found (reopening it by handle or name now fails
 * verification: ESTALE); it stays in by_id until the guest forgets it. */
static void mark_replaced(struct inode_table *t, struct inode *i, struct dead_list *d)
{
	struct inode **pp;
	for (pp = &t->by_key[key_bucket(t, &i->key)]; *pp; pp = &(*pp)->next_key) {
		if (*pp == i) {
			*pp = i->next_key;
			break;
		}
	}
	i->next_key = NULL;
	i->replaced = true;
	t->replaced++;
	struct inode *parent = i->parent;
	i->parent = NULL;
	free(i->name); /* under the lock, but free is no system call */
	i->name = NULL;
	if (parent) {
		parent->refs--;
		release_if_unused(t, parent, d);
	}
}

struct inode *inode_table_lookup_insert(struct inode_table *t, const struct inode_key *k,
					mode_t type, int fd, struct inode *parent,
					const char *name)
{
	struct dead_list d = { NULL };
	bool named = usable_name(parent, name);
	uint64_t hash = named ? name_hints_hash(name) : 0;
	char *copy = NULL;

	/* Known already, with its fd (the common case of a repeated lookup):
	 * no system call, and an allocation only when the name moved.  A
	 * record without an fd takes fd only after its handle is compared. */
	pthread_mutex_lock(&t->lock);
	struct inode *i = find_key(t, k);
	bool compare = i && i->fd_ < 0 && fd >= 0 && (i->fh_len || i->type != (type & S_IFMT));
	if (i && !compare && !(named && location_differs(i, parent, name))) {
		fd = bump_existing(t, i, fd);
		if (named)
			hint_set(t, parent, hash, i);
		finish_locked_op(t, &d, fd);
		return i;
	}
	pthread_mutex_unlock(&t->lock);

	if (named)
		copy = strdup(name);
	struct inode *fresh = NULL;
	bool mount_added = false, by_handle_ref = false, inserted = false, have_fh = false;
	struct fh h = { 0 };
	if (!i || compare) {
		uint64_t hmnt = 0;
		have_fh = fd >= 0 && fh_of_fd(fd, &h, &hmnt) == 0;
		bool by_handle = have_fh && t->open_by_handle && k->mnt_id && hmnt == k->mnt_id;
		if (by_handle) {
			int r = mount_fds_add(&t->mounts, k->mnt_id, fd);
			by_handle = by_handle_ref = r >= 0;
			mount_added = r == 1;
		}
		fresh = calloc(1, sizeof(*fresh) + (have_fh ? h.len : 0));
		if (fresh) {
			fresh->key = *k;
			fresh->type = type & S_IFMT;
			fresh->by_handle = by_handle;
			if (have_fh) {
				fresh->fh_type = h.type;
				fresh->fh_len = h.len;
				memcpy(fresh->fh, h.bytes, h.len);
			}
		}
	}

	pthread_mutex_lock(&t->lock);
	if (mount_added)
		t->fds_open++;
	i = find_key(t, k);
	if (i && handle_shows_reuse(i, type, &h, have_fh)) {
		mark_replaced(t, i, &d);
		i = NULL;
	}
	if (i) {
		/* Evicted since the first look and not compared: it does not
		 * take fd (finding it again verifies its handle). */
		bool unchecked = i->fd_ < 0 && i->fh_len && !have_fh;
		if (unchecked) {
			i->nlookup++;
			i->refs++;
		} else {
			fd = bump_existing(t, i, fd);
		}
		if (named && copy && location_differs(i, parent, copy))
			set_location(t, i, parent, &copy, &d);
	} else if (fresh) {
		i = fresh;
		fresh = NULL;
		inserted = true;
		i->fd_ = fd;
		fd = -1;
		t->fds_open++;
		i->nodeid = t->next_nodeid++;
		i->nlookup = 1;
		i->refs = 1;
		maybe_grow(t);
		link_record(t, i);
		if (named && copy && !i->by_handle) {
			parent->refs++;
			i->parent = parent;
			i->name = copy;
			copy = NULL;
		}
		lru_settle(t, i);
	}
	if (i && named)
		hint_set(t, parent, hash, i);
	finish_locked_op(t, &d, fd);
	/* Not inserted: give back the mount reference taken for it. */
	if (by_handle_ref && !inserted)
		put_mount(t, k->mnt_id);
	free(fresh);
	free(copy);
	return i;
}

void inode_table_moved(struct inode_table *t, const struct inode_key *k, struct inode *newparent,
		       const char *newname)
{
	if (!usable_name(newparent, newname))
		return;
	char *copy = strdup(newname);
	if (!copy)
		return;
	uint64_t hash = name_hints_hash(newname);
	struct dead_list d = { NULL };
	pthread_mutex_lock(&t->lock);
	struct inode *i = find_key(t, k);
	if (i && location_differs(i, newparent, copy))
		set_location(t, i, newparent, &copy, &d);
	if (i)
		hint_set(t, newparent, hash, i);
	finish_locked_op(t, &d, -1);
	free(copy);
}

void inode_table_forget(struct inode_table *t, uint64_t nodeid, uint64_t n)
{
	struct dead_list d = { NULL };
	pthread_mutex_lock(&t->lock);
	struct inode *i = find_id(t, nodeid);
	if (i) {
		i->nlookup -= n < i->nlookup ? n : i->nlookup;
		release_if_unused(t, i, &d);
	}
	pthread_mutex_unlock(&t->lock);
	free_dead(t, &d);
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
	struct dead_list d = { NULL };
	pthread_mutex_lock(&t->lock);
	for (size_t b = 0; b < t->nbuckets; b++) {
		/* Releasing i may release its ancestors too: they stay in memory
		 * (marked) until free_dead, so next is always safe to follow. */
		for (struct inode *i = t->by_id[b], *next; i; i = next) {
			next = i->next_id;
			if (!i->nodeid)
				continue;
			i->nlookup = i->pinned ? 1 : 0;
			release_if_unused(t, i, &d);
		}
	}
	pthread_mutex_unlock(&t->lock);
	free_dead(t, &d);
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
		for (struct inode *i = t->by_id[b]; i; i = i->next_id) {
			if (i->replaced)
				continue;
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

bool inode_table_cache_full(struct inode_table *t)
{
	pthread_mutex_lock(&t->lock);
	bool full = t->fds_open - t->lru_len >= t->fd_cap;
	pthread_mutex_unlock(&t->lock);
	return full;
}

size_t inode_table_fds_open(struct inode_table *t)
{
	pthread_mutex_lock(&t->lock);
	size_t n = t->fds_open;
	pthread_mutex_unlock(&t->lock);
	return n;
}

/* ---- live migration ---- */

struct inode **inode_table_snapshot(struct inode_table *t, size_t *n)
{
	*n = 0;
	pthread_mutex_lock(&t->lock);
	struct inode **out = malloc((t->count + 1) * sizeof(*out));
	if (out) {
		for (size_t b = 0; b < t->nbuckets; b++) {
			for (struct inode *i = t->by_id[b]; i; i = i->next_id) {
				if (!i->nodeid)
					continue;
				i->refs++;
				out[(*n)++] = i;
			}
		}
	}
	pthread_mutex_unlock(&t->lock);
	return out;
}

void inode_table_describe(struct inode_table *t, struct inode *i, uint64_t *nlookup,
			  uint64_t *parent_id, char **name)
{
	pthread_mutex_lock(&t->lock);
	*nlookup = i->nlookup;
	*parent_id = i->parent ? i->parent->nodeid : 0;
	*name = i->name ? strdup(i->name) : NULL;
	pthread_mutex_unlock(&t->lock);
}

uint64_t inode_table_nodeid_of(struct inode_table *t, const struct inode_key *k)
{
	pthread_mutex_lock(&t->lock);
	struct inode *i = find_key(t, k);
	uint64_t id = i ? i->nodeid : 0;
	pthread_mutex_unlock(&t->lock);
	return id;
}

int inode_table_restore(struct inode_table *t, uint64_t nodeid, const struct inode_key *k,
			mode_t type, int fd, uint64_t nlookup)
{
	struct fh h = { 0 };
	uint64_t hmnt = 0;
	bool have_fh = fd >= 0 && fh_of_fd(fd, &h, &hmnt) == 0;
	bool by_handle = have_fh && t->open_by_handle && k->mnt_id && hmnt == k->mnt_id;
	bool mount_added = false;
	if (by_handle) {
		int r = mount_fds_add(&t->mounts, k->mnt_id, fd);
		by_handle = r >= 0;
		mount_added = r == 1;
	}
	struct inode *i = calloc(1, sizeof(*i) + (have_fh ? h.len : 0));
	if (!i) {
		if (by_handle)
			put_mount(t, k->mnt_id);
		return -ENOMEM;
	}
	i->key = *k;
	i->type = type & S_IFMT;
	i->by_handle = by_handle;
	if (have_fh) {
		i->fh_type = h.type;
		i->fh_len = h.len;
		memcpy(i->fh, h.bytes, h.len);
	}
	i->nodeid = nodeid;
	i->nlookup = nlookup;
	i->fd_ = fd;

	pthread_mutex_lock(&t->lock);
	if (mount_added)
		t->fds_open++;
	if (nodeid <= FS_ROOT_ID || find_id(t, nodeid) || find_key(t, k)) {
		pthread_mutex_unlock(&t->lock);
		if (by_handle)
			put_mount(t, k->mnt_id);
		free(i);
		return -EEXIST;
	}
	if (fd >= 0)
		t->fds_open++;
	if (t->next_nodeid <= nodeid)
		t->next_nodeid = nodeid + 1;
	maybe_grow(t);
	link_record(t, i);
	lru_settle(t, i);
	struct dead_list d = { NULL };
	finish_locked_op(t, &d, -1);
	return 0;
}

void inode_table_restore_link(struct inode_table *t, uint64_t nodeid, uint64_t parent_id,
			      const char *name)
{
	struct dead_list d = { NULL };
	char *copy = strdup(name);
	pthread_mutex_lock(&t->lock);
	struct inode *i = find_id(t, nodeid), *parent = find_id(t, parent_id);
	if (copy && i && parent && usable_name(parent, copy))
		set_location(t, i, parent, &copy, &d);
	finish_locked_op(t, &d, -1);
	free(copy);
}

void inode_table_restore_next_id(struct inode_table *t, uint64_t next)
{
	pthread_mutex_lock(&t->lock);
	if (t->next_nodeid < next)
		t->next_nodeid = next;
	pthread_mutex_unlock(&t->lock);
}

void inode_table_sweep(struct inode_table *t)
{
	struct dead_list d = { NULL };
	pthread_mutex_lock(&t->lock);
	for (size_t b = 0; b < t->nbuckets; b++) {
		for (struct inode *i = t->by_id[b], *next; i; i = next) {
			next = i->next_id;
			if (i->nodeid)
				release_if_unused(t, i, &d);
		}
	}
	pthread_mutex_unlock(&t->lock);
	free_dead(t, &d);
}
