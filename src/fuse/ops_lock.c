/* Record locks: GETLK / SETLK / SETLKW, translating between the wire's
 * fuse_file_lock (inclusive [start, end], OFFSET_MAX = to the end) and
 * struct flock (start + length, 0 = to the end). */
#include "fuse_internal.h"

#include <errno.h>
#include <string.h>

#define FUSE_OFFSET_MAX ((uint64_t)INT64_MAX) /* the kernel's OFFSET_MAX */

static int lock_to_flock(const struct fuse_file_lock *fl, struct flock *lk)
{
	memset(lk, 0, sizeof(*lk));
	if (fl->type != F_RDLCK && fl->type != F_WRLCK && fl->type != F_UNLCK)
		return -EINVAL;
	if (fl->start > FUSE_OFFSET_MAX || fl->end > FUSE_OFFSET_MAX || fl->end < fl->start)
		return -EINVAL;
	lk->l_type = (short)fl->type;
	lk->l_whence = SEEK_SET;
	lk->l_start = (off_t)fl->start;
	lk->l_len = fl->end == FUSE_OFFSET_MAX ? 0 : (off_t)(fl->end - fl->start + 1);
	lk->l_pid = (pid_t)fl->pid;
	return 0;
}

static int flock_to_lock(const struct flock *lk, struct fuse_file_lock *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->type = (uint32_t)lk->l_type;
	fl->pid = (uint32_t)lk->l_pid;
	if (lk->l_type == F_UNLCK)
		return 0;
	if (lk->l_type != F_RDLCK && lk->l_type != F_WRLCK)
		return -EIO;
	int64_t start = lk->l_start, len = lk->l_len;
	if (start < 0)
		return -EIO;
	if (len == 0) {
		fl->start = (uint64_t)start;
		fl->end = FUSE_OFFSET_MAX;
	} else if (len > 0) {
		fl->start = (uint64_t)start;
		fl->end = len - 1 > INT64_MAX - start ? FUSE_OFFSET_MAX : (uint64_t)(start + len - 1);
	} else { /* POSIX: a negative length covers [start + len, start - 1] */
		if (start == 0 || len < -start)
			return -EIO;
		fl->start = (uint64_t)(start + len);
		fl->end = (uint64_t)(start - 1);
	}
	return 0;
}

uint32_t fuse_do_getlk(struct fuse_req_ctx *r)
{
	struct fuse_lk_in in;
	struct fuse_lk_out out;
	struct flock lk;

	FUSE_NEED(r, getlk);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = lock_to_flock(&in.lk, &lk);
	if (!err)
		err = r->ops->getlk(r->fs, &r->ctx, r->in.nodeid, in.fh, in.owner, &lk);
	if (!err)
		err = flock_to_lock(&lk, &out.lk);
	return err ? reply_err(r, err) : reply_buf(r, &out, sizeof(out), NULL, 0);
}

uint32_t fuse_do_setlk(struct fuse_req_ctx *r)
{
	struct fuse_lk_in in;
	struct flock lk;

	FUSE_NEED(r, setlk);
	fuse_arg(r, 0, &in, sizeof(in));
	int err = lock_to_flock(&in.lk, &lk);
	if (!err) {
		bool sleep = r->in.opcode == FUSE_SETLKW;
		bool is_flock = in.lk_flags & FUSE_LK_FLOCK;
		err = r->ops->setlk(r->fs, &r->ctx, r->in.nodeid, in.fh, in.owner, &lk, sleep,
				    is_flock);
	}
	return reply_err(r, err);
}
