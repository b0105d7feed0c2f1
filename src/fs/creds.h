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
#include "idmap.h"

/* Whose ids a request runs with, and how guest ids become host ids
 * (uids/gids NULL: unchanged). */
struct creds_policy {
	bool switch_ids;               /* run as the guest's (translated) ids */
	const struct idmap *uids, *gids;
};

struct creds_saved {
	bool uid, gid; /* what creds_enter changed */
};

/* Become c->uid/c->gid, translated to host ids, on this thread when
 * p->switch_ids; -EPERM when a forbid-guest rule covers either id,
 * -errno on failure (then nothing changed). */
int creds_enter(const struct creds_policy *p, const struct fs_ctx *c, struct creds_saved *s);
/* Back to root; aborts if that fails (the thread must not go on with the
 * wrong identity). */
void creds_leave(const struct creds_saved *s);

/* Owners in an attribute reply: host ids -> the guest's. */
void creds_owner_to_guest(const struct creds_policy *p, struct stat *st);
void creds_ids_to_guest(const struct creds_policy *p, uint32_t *uid, uint32_t *gid);
/* The owner a guest sets (chown): guest ids -> host ids, (uid_t)-1 /
 * (gid_t)-1 ("unchanged") kept; -EPERM when a forbid-guest rule covers one. */
int creds_owner_to_host(const struct creds_policy *p, uid_t *uid, gid_t *gid);

/* Set this thread's umask for the next creation.  Returns false when the
 * thread cannot have a private umask (then the process umask applies). */
bool creds_thread_umask(mode_t mask);

/* Make this thread's cwd private (unshare(CLONE_FS)); false on failure. */
bool creds_private_fs(void);

/* Raise CAP_SYS_ADMIN in this thread's effective set, if the permitted set
 * holds it (--security-label keeps it there): true when raised, and then
 * creds_sys_admin_drop() must follow. */
bool creds_sys_admin_raise(void);
void creds_sys_admin_drop(void);

#endif
