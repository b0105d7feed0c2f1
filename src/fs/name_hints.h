/* Where names were last found, for LOOKUP's fast path: a set-associative
 * table of (parent nodeid, name) -> nodeid guesses.  A hint only says that
 * a statx of the name is worth trying; the inode table then finds the
 * record by the inode's key, so a wrong or stale hint costs a wasted statx,
 * never a wrong answer.  No lock of its own: the inode table's guards it. */
#ifndef FS_NAME_HINTS_H
#define FS_NAME_HINTS_H

#include <stddef.h>
#include <stdint.h>

#define NAME_HINTS_MIN 4096
#define NAME_HINTS_MAX (1u << 20)
/* The slots one (parent, name) may use.  With one slot each, a 1,000-name
 * directory in 4096 slots lost about one name in eight to another; with
 * two, names still met three to a set, and a scan in order (ls -l, rm *)
 * then missed all three every time: a lost hint costs the name's LOOKUP an
 * open + statx + close, whose hint then takes the slot back.  Four ways all
 * but end that. */
#define NAME_HINT_WAYS 4

/* 16 bytes: the parent and the name are kept as 32-bit tags. */
struct name_hint {
	uint32_t parent_tag, name_tag;
	uint64_t nodeid;
};

struct name_hints {
	struct name_hint *slot;
	size_t n;                 /* a power of two, NAME_HINTS_MIN..MAX */
};

int name_hints_init(struct name_hints *nh);
void name_hints_fini(struct name_hints *nh);

/* The hash a name is hinted by (hash it once, outside the lock). */
uint64_t name_hints_hash(const char *name);
/* name (hashed h) in parent was last found to be nodeid; the least
 * recently hinted name of its set gives way when the set is full. */
void name_hints_put(struct name_hints *nh, uint64_t parent, uint64_t h, uint64_t nodeid);
/* The nodeids name (hashed h) in parent may be, most recent first, into
 * out (0 where no hint); how many. */
size_t name_hints_get(const struct name_hints *nh, uint64_t parent, uint64_t h,
		      uint64_t out[NAME_HINT_WAYS]);
/* At least `slots` slots: grows (never shrinks) up to NAME_HINTS_MAX,
 * moving the hints over; on ENOMEM keeps the old size. */
void name_hints_reserve(struct name_hints *nh, size_t slots);

#endif
