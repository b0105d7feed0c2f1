/* The inode table: every host inode the guest has been told about.
 *
 * A record is keyed by (st_ino, st_dev, mount id) and named to the guest by
 * a fresh 64-bit nodeid that is never reused within the process.  Two
 * counters keep it alive: nlookup (the guest's references, dropped by
 * FORGET) and refs (requests using it right now, and children naming it as
 * their parent).  The record goes when both reach zero; the root is pinned.
 *
 * A record needs no open descriptor.  It may hold an O_PATH fd in a
 * bounded LRU cache (the fd cache: at most fd_cap descriptors, mount fds
 * included, plus those borrowed by requests right now); once evicted the
 * fd is found again (inode_fd.c) by the record's file handle, or from its
 * parent's fd and its name, and verified against the key.
 *
 * One mutex guards the hash chains, the counters, the fd cache and the
 * parent/name links; it is never held across a system call.  Everyone but
 * inode_table.c and inode_fd.c borrows descriptors through
 * inode_get_fd()/inode_put_fd() (inode_fd.h). */
#ifndef FS_INODE_TABLE_H
#define FS_INODE_TABLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "file_handle.h"
#include "name_hints.h"

struct inode_key {
	uint64_t ino, dev, mnt_id;
};

struct inode {
	/* Immutable after insertion: readable without the lock. */
	struct inode_key key;
	uint64_t nodeid;
	mode_t type;              /* S_IFMT bits; an inode never changes type */
	/* Private to inode_table.c / inode_fd.c, under the table lock. */
	int fd_;                  /* O_PATH | O_NOFOLLOW, or -1 when evicted */
	uint32_t fd_pins;         /* borrowed by requests: not evictable */
	bool pinned;              /* the root: never freed */
	bool by_handle;           /* found again by its file handle, not by name */
	bool replaced;            /* its file is gone and a new one has its number:
				   * out of by_key, its requests answer ESTALE */
	uint64_t nlookup;
	uint64_t refs;
	struct inode *next_key, *next_id;
	struct inode *lru_prev, *lru_next; /* in the LRU iff fd_ >= 0, unpinned, evictable */
	struct inode *parent;     /* ref held; NULL when found by handle */
	char *name;               /* its name in parent (malloc'ed) */
	/* The file handle, immutable (fh_len 0: none). */
	int fh_type;
	uint16_t fh_len;
	unsigned char fh[];
};

struct inode_table {
	pthread_mutex_t lock;
	struct inode **by_key, **by_id;
	size_t nbuckets, count;
	uint64_t next_nodeid;
	struct inode *root;
	/* The fd cache. */
	struct inode lru;          /* sentinel: lru.lru_next is the most recent */
	size_t fds_open;           /* record fds open (cached or borrowed) */
	size_t lru_len;            /* of those, in the LRU (evictable) */
	size_t fd_cap;             /* most fds kept unborrowed, mount fds included */
	bool open_by_handle;       /* file handles may be opened (prefer/mandatory, probed) */
	struct mount_fds mounts;
	/* Where names were last found, for LOOKUP's fast path (only a guess,
	 * which inode_table_lookup_open checks by key). */
	struct name_hints hints;
	/* Counters for tests and logs. */
	uint64_t evictions, reopens_by_handle, reopens_by_name, stale, fast_lookups, replaced;
};

int inode_table_init(struct inode_table *t);
/* Frees every record, the root included (end of process). */
void inode_table_fini(struct inode_table *t);
/* Bound the fd cache to cap descriptors (>= 1); evicts at once if over. */
void inode_table_set_fd_cap(struct inode_table *t, size_t cap);

/* Insert the root record (nodeid FS_ROOT_ID, pinned); takes fd. */
int inode_table_set_root(struct inode_table *t, const struct inode_key *k, mode_t type, int fd);

/* The record for nodeid with one ref taken, or NULL if unknown. */
struct inode *inode_table_get(struct inode_table *t, uint64_t nodeid);
/* Take another ref on a record already held. */
void inode_table_ref(struct inode_table *t, struct inode *i);
/* Drop a ref taken by get/ref/lookup_insert. */
void inode_table_put(struct inode_table *t, struct inode *i);

/* One guest lookup of the host inode k, found as name (NULL: nameless, e.g.
 * O_TMPFILE) in parent (held by the caller): bump nlookup of the existing
 * record or insert a new one.  fd is an O_PATH fd of the inode: it becomes
 * the record's cached fd if the record has none, else it is closed.  A
 * record without an fd holds nothing on the host, so its file may have been
 * deleted and its number reused: when its file handle or its type is not
 * fd's, it is marked replaced and a new record is inserted for fd's file.  The
 * record remembers where it was last found, to find it again once its fd
 * is evicted.  Returns the record with one ref taken, or NULL (ENOMEM, fd
 * closed). */
struct inode *inode_table_lookup_insert(struct inode_table *t, const struct inode_key *k,
					mode_t type, int fd, struct inode *parent,
					const char *name);

/* Whether h is i's file handle (i->fh_len > 0). */
bool inode_handle_is(const struct inode *i, const struct fh *h);

/* LOOKUP's fast path, which answers a known name with one statx and no
 * open.  inode_table_hint: whether name in parent was last found to be a
 * record that still has its fd open (then a statx of the name is worth
 * trying).  inode_table_lookup_open: one more lookup of the record with key
 * k (from that statx), only if its fd is open and it was last found as name
 * in parent; NULL otherwise (take the open path).  An open fd holds the
 * inode, so no other file can have its number meanwhile: the key alone
 * identifies it. */
bool inode_table_hint(struct inode_table *t, const struct inode *parent, const char *name);
struct inode *inode_table_lookup_open(struct inode_table *t, const struct inode_key *k,
				      struct inode *parent, const char *name);

/* The guest moved a name: the record now found as newname in newparent
 * (key k) remembers that (only used to find it again after eviction). */
void inode_table_moved(struct inode_table *t, const struct inode_key *k, struct inode *newparent,
		       const char *newname);

/* One more guest lookup of a record already held ("." or a new link). */
void inode_table_relookup(struct inode_table *t, struct inode *i);
/* Drop n guest references (clamped to the count; unknown ids ignored). */
void inode_table_forget(struct inode_table *t, uint64_t nodeid, uint64_t n);
/* Undo one lookup made on a record still held (READDIRPLUS overflow). */
void inode_table_unlookup(struct inode_table *t, struct inode *i);

/* Drop every guest reference (records in use go when their last ref does);
 * the root stays. */
void inode_table_forget_all(struct inode_table *t);

/* One record per distinct (st_dev, mnt_id), each with a ref taken,
 * directories preferred; a malloc'ed array of *n, or NULL on ENOMEM. */
struct inode **inode_table_one_per_mount(struct inode_table *t, size_t *n);

/* Live migration.  Every live record with a ref taken (put each one); a
 * malloc'ed array of *n, or NULL on ENOMEM. */
struct inode **inode_table_snapshot(struct inode_table *t, size_t *n);
/* A record's lookup count, its parent's nodeid (0: none) and a malloc'ed
 * copy of its name (NULL: none). */
void inode_table_describe(struct inode_table *t, struct inode *i, uint64_t *nlookup,
			  uint64_t *parent_id, char **name);
/* The nodeid of the record keyed k, 0 if none. */
uint64_t inode_table_nodeid_of(struct inode_table *t, const struct inode_key *k);
/* A record the source's guest knows as nodeid (> FS_ROOT_ID) with nlookup
 * references, for the inode fd (O_PATH; taken on success) names, or with
 * fd -1 for an inode that could not be found again (its requests then
 * answer ESTALE; give it a key no real inode has).  0, -EEXIST (nodeid or
 * key taken) or -ENOMEM. */
int inode_table_restore(struct inode_table *t, uint64_t nodeid, const struct inode_key *k,
			mode_t type, int fd, uint64_t nlookup);
/* The restored record nodeid is found as name in parent_id (both restored). */
void inode_table_restore_link(struct inode_table *t, uint64_t nodeid, uint64_t parent_id,
			      const char *name);
/* New nodeids start at next at least. */
void inode_table_restore_next_id(struct inode_table *t, uint64_t next);
/* Free the records nothing keeps (no lookups, no refs). */
void inode_table_sweep(struct inode_table *t);

/* Number of live records (tests). */
size_t inode_table_count(struct inode_table *t);
/* Whether the descriptors no eviction can close (borrowed, mount fds,
 * records that cannot be found again) fill the fd cap: a new record that
 * cannot be found again (a nameless O_TMPFILE without a file handle) would
 * keep one more open beyond it until the guest forgets it. */
bool inode_table_cache_full(struct inode_table *t);
/* Record descriptors open right now, mount fds included (tests, budget). */
size_t inode_table_fds_open(struct inode_table *t);

/* For inode_fd.c, with t->lock held. */
void inode_table_pin_fd_locked(struct inode_table *t, struct inode *i);
void inode_table_unpin_fd_locked(struct inode_table *t, struct inode *i);
/* Give i (fd_ < 0) the descriptor fd, pinned once. */
void inode_table_install_fd_locked(struct inode_table *t, struct inode *i, int fd);
/* Close what the cap evicts: call after dropping the lock with the array
 * filled by inode_table_collect_victims_locked. */
#define INODE_VICTIMS_MAX 16
size_t inode_table_collect_victims_locked(struct inode_table *t, int fds[INODE_VICTIMS_MAX]);

#endif
