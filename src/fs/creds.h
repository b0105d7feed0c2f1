/* Per-thread credentials and umask for one request.
 *
 * Linux keeps uid/gid per thread; glibc's setresuid() broadcasts the change
 * to every thread, so the raw system calls are used.  euid/egid (and with
 * them fsuid/fsgid) become the guest's; real and saved ids stay 0 so the
 * thread can switch back.  A thread's umask is made private on first use
 * with unshare(CLONE_FS). */
#ifndef FS_CREDS_H
#define FS_CREDS_H

#include <stdbool.h>
#include <sys/types.h>

#include "fs_ops.h"

struct creds_saved {
	bool uid, gid; /* what creds_enter changed */
};

/* Become c->uid/c->gid on this thread when enabled; -errno on failure
 * (then nothing changed). */
int creds_enter(bool enabled, const struct fs_ctx *c, struct creds_saved *s);
/* Back to root; aborts if that fails (the thread must not go on with the
 * wrong identity). */
void creds_leave(const struct creds_saved *s);

/* Set this thread's umask for the next creation.  Returns false when the
 * thread cannot have a private umask (then the process umask applies). */
bool creds_thread_umask(mode_t mask);

/* Make this thread's cwd private (unshare(CLONE_FS)); false on failure. */
bool creds_private_fs(void);

#endif
