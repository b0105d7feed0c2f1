/* The guest's metadata benchmark (tests/guest/progs/vt-meta.c: create, stat,
 * rename and unlink files in one directory) sent by the host-side client,
 * request for request as a Linux guest sends it (traced with
 * --log-level=trace on the meta workload).  Each file is one sequence:
 *   create: GETATTR dir (the permission check: each change of the directory
 *           drops its cached attributes), LOOKUP name (ENOENT), CREATE,
 *           RELEASE (FOPEN_NOFLUSH or not, the client sends no FLUSH)
 *   stat:   LOOKUP name (the cached entry has expired)
 *   rename: GETATTR dir, LOOKUP old name, LOOKUP new name (ENOENT), RENAME
 *   unlink: GETATTR dir, LOOKUP name, UNLINK, then FORGET of every lookup
 *           on the high-priority queue, as the guest's eviction sends it
 * A fast guest (KVM) stands behind this: what it costs the guest between
 * two requests is next to nothing here. */
#ifndef RATE_META_H
#define RATE_META_H

#include <stdint.h>

#include "fs_session.h"

enum meta_phase { META_CREATE, META_STAT, META_RENAME, META_UNLINK, META_PHASES };

extern const char *const meta_phase_names[META_PHASES];

struct meta_file {
	uint64_t node;
	uint64_t nlookup;        /* lookups the daemon counted for it */
};

struct meta_bench;

/* The directory dir_name (empty, under the share's root) is where the files
 * go, files of them (0: 5,000, as in the guest's benchmark); slots (depth
 * of them) and the session are the caller's.  Returns NULL when the
 * directory cannot be looked up. */
struct meta_bench *meta_open(struct fs_session *s, struct fr_slot *slots,
			     const char *dir_name, uint32_t files);
/* One phase over every file, depth files in progress at a time; prints a
 * RESULT line.  Exits on any unexpected reply. */
void meta_run(struct meta_bench *m, enum meta_phase ph, int depth);
/* The same phases as host syscalls on the directory dir (a path), files of
 * them: RAW lines. */
void meta_raw(const char *dir, uint32_t files);
/* FORGET the directory and free. */
void meta_close(struct meta_bench *m);

#endif
