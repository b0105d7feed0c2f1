/* STATX (FUSE 7.39): statx(2) on the node's O_PATH descriptor, so the guest
 * gets what GETATTR cannot carry (birth time, attributes). */
#include "pt.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

int pt_statx(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, unsigned flags,
	     unsigned mask, struct statx *stx, double *attr_timeout)
{
	struct pt *pt = fs;
	struct pt_node n;
	int r = pt_node_get(pt, nodeid, &n);
	if (r < 0)
		return r;
	/* Only the sync-type bits are the guest's to choose; the rest of the
	 * flags are ours (no path walk, no symlink following). */
	int at = AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | (int)(flags & AT_STATX_SYNC_TYPE);
	/* The basic fields always: the guest refreshes its inode from them. */
	r = statx(n.fd, "", at, (mask & STATX_ALL) | STATX_BASIC_STATS, stx) < 0 ? -errno : 0;
	if (r == 0)
		creds_ids_to_guest(&pt->creds, &stx->stx_uid, &stx->stx_gid);
	pt_node_put(pt, &n);
	*attr_timeout = pt->timeout;
	return r;
}
