#include "creds.h"

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log/log.h"

int creds_owner_to_host(const struct creds_policy *p, uid_t *uid, gid_t *gid)
{
	uint32_t u = *uid, g = *gid;
	if (*uid != (uid_t)-1 && idmap_to_host(p->uids, *uid, &u) < 0)
		return -EPERM;
	if (*gid != (gid_t)-1 && idmap_to_host(p->gids, *gid, &g) < 0)
		return -EPERM;
	*uid = u;
	*gid = g;
	return 0;
}

void creds_ids_to_guest(const struct creds_policy *p, uint32_t *uid, uint32_t *gid)
{
	*uid = idmap_to_guest(p->uids, *uid);
	*gid = idmap_to_guest(p->gids, *gid);
}

void creds_owner_to_guest(const struct creds_policy *p, struct stat *st)
{
	st->st_uid = idmap_to_guest(p->uids, st->st_uid);
	st->st_gid = idmap_to_guest(p->gids, st->st_gid);
}

int creds_enter(const struct creds_policy *p, const struct fs_ctx *c, struct creds_saved *s)
{
	s->uid = s->gid = false;
	/* forbid-guest refuses the request even when ids are not switched. */
	uint32_t uid, gid;
	if (idmap_to_host(p->uids, c->uid, &uid) < 0 || idmap_to_host(p->gids, c->gid, &gid) < 0)
		return -EPERM;
	if (!p->switch_ids)
		return 0;
	/* (uid_t)-1 is no id: to setresuid() it means "unchanged", which would
	 * serve the request as root. */
	if (uid == (uint32_t)-1 || gid == (uint32_t)-1)
		return -EPERM;
	/* gid first: once euid is not 0 the thread may not change it.  EINVAL:
	 * the id has no mapping in our user namespace (a user-namespace
	 * sandbox serves only the ids its maps hold). */
	if (gid != 0) {
		if (syscall(SYS_setresgid, -1, (gid_t)gid, -1) < 0)
			return errno == EINVAL ? -EPERM : -errno;
		s->gid = true;
	}
	if (uid != 0) {
		if (syscall(SYS_setresuid, -1, (uid_t)uid, -1) < 0) {
			int err = errno == EINVAL ? EPERM : errno;
			creds_leave(s);
			return -err;
		}
		s->uid = true;
	}
	return 0;
}

void creds_leave(const struct creds_saved *s)
{
	if (s->uid && syscall(SYS_setresuid, -1, 0, -1) < 0) {
		log_error("cannot restore euid 0: %m");
		abort();
	}
	if (s->gid && syscall(SYS_setresgid, -1, 0, -1) < 0) {
		log_error("cannot restore egid 0: %m");
		abort();
	}
}

static _Thread_local int fs_state; /* 0 unknown, 1 private, -1 failed */
static _Thread_local mode_t cur_umask = (mode_t)-1;

bool creds_private_fs(void)
{
	if (fs_state == 0) {
		if (unshare(CLONE_FS) == 0) {
			fs_state = 1;
		} else {
			fs_state = -1;
			log_warn("unshare(CLONE_FS) failed (%m): the process umask applies to new files");
		}
	}
	return fs_state > 0;
}

bool creds_thread_umask(mode_t mask)
{
	if (!creds_private_fs())
		return false;
	if (cur_umask != mask) {
		umask(mask);
		cur_umask = mask;
	}
	return true;
}

/* Capabilities are per thread: capget/capset(2) on this thread only
 * (libcap-ng keeps process-wide state, so the raw calls here). */
static int sys_admin_caps(struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3], bool set)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	return (int)syscall(set ? SYS_capset : SYS_capget, &h, d);
}

#define SYS_ADMIN_WORD (CAP_SYS_ADMIN / 32)
#define SYS_ADMIN_BIT (1u << (CAP_SYS_ADMIN % 32))

bool creds_sys_admin_raise(void)
{
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	if (sys_admin_caps(d, false) < 0 || !(d[SYS_ADMIN_WORD].permitted & SYS_ADMIN_BIT) ||
	    (d[SYS_ADMIN_WORD].effective & SYS_ADMIN_BIT))
		return false; /* not ours to raise, or raised for good (--modcaps) */
	d[SYS_ADMIN_WORD].effective |= SYS_ADMIN_BIT;
	return sys_admin_caps(d, true) == 0;
}

void creds_sys_admin_drop(void)
{
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	if (sys_admin_caps(d, false) == 0) {
		d[SYS_ADMIN_WORD].effective &= ~SYS_ADMIN_BIT;
		if (sys_admin_caps(d, true) == 0)
			return;
	}
	/* Lowering an effective capability cannot fail; if it ever did, this
	 * thread must not go on serving the guest with CAP_SYS_ADMIN. */
	log_error("creds: cannot drop CAP_SYS_ADMIN again: %s", strerror(errno));
	abort();
}
