/* The inode table: every host inode the guest has been told about.
 *
 * A record is keyed by (st_ino, st_dev, mount id) and named to the guest by
 * a fresh 64-bit nodeid that is never reused within the process.  Two
 * counters keep it alive: nlookup (the guest's references, dropped by
 * FORGET) and refs (requests using it right now).  The record and its host
 * reference go when both reach zero; the root is pinned.
 *
 * One mutex guards the hash chains and both counters; it is never held
 * across a system call.  How a record reaches its host inode (an O_PATH fd
 * today) is private to inode_table.c and inode_fd.c: everyone else goes
 * through inode_get_fd()/inode_put_fd() (inode_fd.h). */
#ifndef FS_INODE_TABLE_H
#define FS_INODE_TABLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct inode_key {
	uint64_t ino, dev, mnt_id;
};

struct inode {
	/* Immutable after insertion: readable without the lock. */
	struct inode_key key;
	uint64_t nodeid;
	mode_t type;              /* S_IFMT bits; an inode never changes type */
	/* Private to inode_table.c / inode_fd.c. */
	int fd_;                  /* O_PATH | O_NOFOLLOW */
	uint64_t nlookup;         /* under table lock */
	uint64_t refs;            /* under table lock */
	bool pinned;              /* the root: never freed */
	struct inode *next_key, *next_id;
};

struct inode_table {
	pthread_mutex_t lock;
	struct inode **by_key, **by_id;
	size_t nbuckets, count;
	uint64_t next_nodeid;
	struct inode *root;
};

int inode_table_init(struct inode_table *t);
/* Frees every record, the root included (end of process). */
void inode_table_fini(struct inode_table *t);

/* Insert the root record (nodeid FS_ROOT_ID, pinned); takes fd. */
int inode_table_set_root(struct inode_table *t, const struct inode_key *k, mode_t type, int fd);

/* The record for nodeid with one ref taken, or NULL if unknown. */
struct inode *inode_table_get(struct inode_table *t, uint64_t nodeid);
/* Take another ref on a record already held. */
void inode_table_ref(struct inode_table *t, struct inode *i);
/* Drop a ref taken by get/ref/lookup_insert. */
void inode_table_put(struct inode_table *t, struct inode *i);

/* One guest lookup of the host inode k: bump nlookup of the existing record
 * (closing fd) or insert a new one owning fd.  Returns the record with one
 * ref taken, or NULL (ENOMEM, fd closed). */
struct inode *inode_table_lookup_insert(struct inode_table *t, const struct inode_key *k,
					mode_t type, int fd);

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

/* Number of live records (tests). */
size_t inode_table_count(struct inode_table *t);

#endif
