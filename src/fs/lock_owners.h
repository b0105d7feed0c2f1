/* Which open file description keeps each guest lock owner's POSIX locks on
 * each inode: (nodeid, lock owner) -> the fh of its HANDLE_LOCK handle.
 *
 * POSIX record locks belong to a process (the FUSE lock owner), not to a
 * descriptor: a process conflicts with every other one, never with itself,
 * and loses all its locks on a file when it closes any descriptor of it
 * (FLUSH carries the owner).  One host OFD per owner and inode gives
 * exactly that: OFD locks conflict between descriptions, not within one,
 * and closing the description drops its locks. */
#ifndef FS_LOCK_OWNERS_H
#define FS_LOCK_OWNERS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "handles.h"

#define LOCK_OWNER_BUCKETS 256

struct lock_owner;

struct lock_owners {
	pthread_mutex_t lock;
	struct lock_owner *buckets[LOCK_OWNER_BUCKETS];
	size_t count;
};

void lock_owners_init(struct lock_owners *t);
/* Forget every entry (their handles are the handle table's to close). */
void lock_owners_clear(struct lock_owners *t);

/* The HANDLE_LOCK handle recorded for (nodeid, owner), with a ref taken
 * (handle_put it).  When there is none and fh is not 0, fh (a HANDLE_LOCK
 * of hs) is recorded and its handle returned.  *got: the fh of the handle
 * returned.  NULL when there is none and fh is 0, or fh cannot be
 * recorded (out of memory).
 * The ref is taken under the map's lock: an entry is dropped before its
 * handle (pt_locks_flush), so an entry seen has a live handle, and an
 * owner's lock racing with its FLUSH gets one description or the other,
 * never neither.  An entry whose handle is gone anyway (a session ended
 * under a lock) is stale and replaced. */
struct handle *lock_owners_get(struct lock_owners *t, struct handle_table *hs, uint64_t nodeid,
			       uint64_t owner, uint64_t fh, uint64_t *got);
/* Drop (nodeid, owner): the fh it had, or 0. */
uint64_t lock_owners_remove(struct lock_owners *t, uint64_t nodeid, uint64_t owner);
size_t lock_owners_count(struct lock_owners *t);

#endif
