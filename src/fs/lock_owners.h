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

/* The fh recorded for (nodeid, owner), or 0. */
uint64_t lock_owners_find(struct lock_owners *t, uint64_t nodeid, uint64_t owner);
/* Record fh unless (nodeid, owner) already has one: the fh recorded after
 * the call (fh, or the one another request recorded first), or 0 when out
 * of memory. */
uint64_t lock_owners_add(struct lock_owners *t, uint64_t nodeid, uint64_t owner, uint64_t fh);
/* Drop (nodeid, owner): the fh it had, or 0. */
uint64_t lock_owners_remove(struct lock_owners *t, uint64_t nodeid, uint64_t owner);
size_t lock_owners_count(struct lock_owners *t);

#endif
