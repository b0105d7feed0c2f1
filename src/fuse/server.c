/* The request path: validate the header against the chain, look the opcode
 * up in the dispatch table, gather the arguments and call its handler. */
#include "fuse_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../log/log.h"

struct fuse_op {
	uint32_t (*fn)(struct fuse_req_ctx *r);
	uint32_t min_in;    /* argument bytes the opcode needs at least */
	uint32_t out_size;  /* fixed reply bytes after the header (0: none or variable) */
	bool no_reply;      /* the guest expects no answer */
	uint32_t gather;    /* argument bytes to copy (0: up to FUSE_ARG_BUF) */
	const char *name;
};

#define OP(code, fn, min_in, out_size) \
	[code] = { fn, min_in, out_size, false, 0, #code }
#define OP_NOREPLY(code, fn, min_in) \
	[code] = { fn, min_in, 0, true, 0, #code }

static const struct fuse_op fuse_ops[] = {
	OP(FUSE_LOOKUP, fuse_do_lookup, 1, sizeof(struct fuse_entry_out)),
	OP_NOREPLY(FUSE_FORGET, fuse_do_forget, sizeof(struct fuse_forget_in)),
	OP(FUSE_GETATTR, fuse_do_getattr, sizeof(struct fuse_getattr_in), sizeof(struct fuse_attr_out)),
	OP(FUSE_SETATTR, fuse_do_setattr, sizeof(struct fuse_setattr_in), sizeof(struct fuse_attr_out)),
	OP(FUSE_READLINK, fuse_do_readlink, 0, 0),
	OP(FUSE_SYMLINK, fuse_do_symlink, 2, sizeof(struct fuse_entry_out)),
	OP(FUSE_MKNOD, fuse_do_mknod, sizeof(struct fuse_mknod_in) + 1, sizeof(struct fuse_entry_out)),
	OP(FUSE_MKDIR, fuse_do_mkdir, sizeof(struct fuse_mkdir_in) + 1, sizeof(struct fuse_entry_out)),
	OP(FUSE_UNLINK, fuse_do_unlink, 1, 0),
	OP(FUSE_RMDIR, fuse_do_rmdir, 1, 0),
	OP(FUSE_RENAME, fuse_do_rename, sizeof(struct fuse_rename_in) + 2, 0),
	OP(FUSE_LINK, fuse_do_link, sizeof(struct fuse_link_in) + 1, sizeof(struct fuse_entry_out)),
	OP(FUSE_OPEN, fuse_do_open, sizeof(struct fuse_open_in), sizeof(struct fuse_open_out)),
	OP(FUSE_READ, fuse_do_read, sizeof(struct fuse_read_in), 0),
	/* the payload stays where it is: only fuse_write_in is copied */
	[FUSE_WRITE] = { fuse_do_write, sizeof(struct fuse_write_in), sizeof(struct fuse_write_out),
			 false, sizeof(struct fuse_write_in), "FUSE_WRITE" },
	OP(FUSE_STATFS, fuse_do_statfs, 0, sizeof(struct fuse_statfs_out)),
	OP(FUSE_RELEASE, fuse_do_release, sizeof(struct fuse_release_in), 0),
	OP(FUSE_FSYNC, fuse_do_fsync, sizeof(struct fuse_fsync_in), 0),
	OP(FUSE_SETXATTR, fuse_do_setxattr, FUSE_COMPAT_SETXATTR_IN_SIZE + 1, 0),
	OP(FUSE_GETXATTR, fuse_do_getxattr, sizeof(struct fuse_getxattr_in) + 1, 0),
	OP(FUSE_LISTXATTR, fuse_do_listxattr, sizeof(struct fuse_getxattr_in), 0),
	OP(FUSE_REMOVEXATTR, fuse_do_removexattr, 1, 0),
	OP(FUSE_FLUSH, fuse_do_flush, sizeof(struct fuse_flush_in), 0),
	/* 7.31+ guests send the 16-byte fuse_init_in, 7.36+ the 64-byte one */
	OP(FUSE_INIT, fuse_do_init, 16, sizeof(struct fuse_init_out)),
	OP(FUSE_OPENDIR, fuse_do_opendir, sizeof(struct fuse_open_in), sizeof(struct fuse_open_out)),
	OP(FUSE_READDIR, fuse_do_readdir, sizeof(struct fuse_read_in), 0),
	OP(FUSE_RELEASEDIR, fuse_do_releasedir, sizeof(struct fuse_release_in), 0),
	OP(FUSE_FSYNCDIR, fuse_do_fsyncdir, sizeof(struct fuse_fsync_in), 0),
	OP(FUSE_GETLK, fuse_do_getlk, sizeof(struct fuse_lk_in), sizeof(struct fuse_lk_out)),
	OP(FUSE_SETLK, fuse_do_setlk, sizeof(struct fuse_lk_in), 0),
	OP(FUSE_SETLKW, fuse_do_setlk, sizeof(struct fuse_lk_in), 0),
	OP(FUSE_ACCESS, fuse_do_access, sizeof(struct fuse_access_in), 0),
	OP(FUSE_CREATE, fuse_do_create, sizeof(struct fuse_create_in) + 1,
	   sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out)),
	OP_NOREPLY(FUSE_INTERRUPT, fuse_do_interrupt, sizeof(struct fuse_interrupt_in)),
	OP(FUSE_DESTROY, fuse_do_destroy, 0, 0),
	/* answers a notification we never send; the guest expects no reply */
	OP_NOREPLY(FUSE_NOTIFY_REPLY, reply_none, 0),
	[FUSE_BATCH_FORGET] = { fuse_do_batch_forget, sizeof(struct fuse_batch_forget_in), 0, true,
				sizeof(struct fuse_batch_forget_in), "FUSE_BATCH_FORGET" },
	OP(FUSE_FALLOCATE, fuse_do_fallocate, sizeof(struct fuse_fallocate_in), 0),
	OP(FUSE_READDIRPLUS, fuse_do_readdir, sizeof(struct fuse_read_in), 0),
	OP(FUSE_RENAME2, fuse_do_rename2, sizeof(struct fuse_rename2_in) + 2, 0),
	OP(FUSE_LSEEK, fuse_do_lseek, sizeof(struct fuse_lseek_in), sizeof(struct fuse_lseek_out)),
	OP(FUSE_COPY_FILE_RANGE, fuse_do_copy_file_range, sizeof(struct fuse_copy_file_range_in),
	   sizeof(struct fuse_write_out)),
	OP(FUSE_SYNCFS, fuse_do_syncfs, sizeof(struct fuse_syncfs_in), 0),
	OP(FUSE_TMPFILE, fuse_do_tmpfile, sizeof(struct fuse_create_in),
	   sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out)),
	OP(FUSE_STATX, fuse_do_statx, sizeof(struct fuse_statx_in), sizeof(struct fuse_statx_out)),
};

static const struct fuse_op *find_op(uint32_t opcode)
{
	if (opcode >= sizeof(fuse_ops) / sizeof(fuse_ops[0]) || !fuse_ops[opcode].fn)
		return NULL;
	return &fuse_ops[opcode];
}

struct fuse_server *fuse_server_new(const struct fs_ops *ops, void *fs,
				    const struct fuse_server_options *opt)
{
	struct fuse_server *s;

	if (!ops)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->ops = ops;
	s->fs = fs;
	if (opt)
		s->opt = *opt;
	if (pthread_mutex_init(&s->session_lock, NULL)) {
		free(s);
		return NULL;
	}
	atomic_init(&s->initialized, false);
	atomic_init(&s->warned_submounts, false);
	atomic_init(&s->secctx_minor, 0);
	return s;
}

void fuse_server_free(struct fuse_server *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->session_lock);
	free(s);
}

/* Header, opcode and size checks; on success fills r->arg_total. */
static int check_request(struct fuse_req_ctx *r, const struct fuse_op *op, size_t rd_len)
{
	if (r->in.len != rd_len)
		return -EINVAL; /* the guest sends exactly in.len readable bytes */
	if (!op)
		return -ENOSYS;
	if (!atomic_load_explicit(&r->s->initialized, memory_order_acquire) &&
	    r->in.opcode != FUSE_INIT)
		return -EIO;

	size_t after = rd_len - sizeof(r->in);
	size_t ext = (size_t)r->in.total_extlen * 8; /* extensions (security context) */
	if (ext > after)
		return -EINVAL;
	r->arg_total = after - ext;
	if (r->arg_total < op->min_in)
		return -EINVAL;
	/* Refuse before any side effect when the fixed reply cannot fit. */
	if (!op->no_reply && r->wr_len < sizeof(struct fuse_out_header) + op->out_size)
		return -EINVAL;
	return 0;
}

uint32_t fuse_server_serve(struct fuse_server *s, unsigned qidx, struct vq_req *req)
{
	unsigned char argbuf[FUSE_ARG_BUF];
	struct fuse_req_ctx r;

	if (!s || !req || req->rd_cnt < 0 || req->rd_cnt > VQ_MAX_IOV || req->wr_cnt < 0 ||
	    req->wr_cnt > VQ_MAX_IOV)
		return 0;
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.ops = s->ops;
	r.fs = s->fs;
	r.req = req;
	r.arg = argbuf;
	r.wr_len = iov_total(req->wr, req->wr_cnt);
	size_t rd_len = iov_total(req->rd, req->rd_cnt);

	iovc_init(&r.rd, req->rd, req->rd_cnt);
	if (iovc_read(&r.rd, &r.in, sizeof(r.in)) < sizeof(r.in)) {
		memset(&r.in, 0, sizeof(r.in));
		return reply_err(&r, -EINVAL);
	}

	const struct fuse_op *op = find_op(r.in.opcode);
	int err = check_request(&r, op, rd_len);
	if (err) {
		log_debug("FUSE %s (opcode %u) unique %llu refused: %s",
			  op ? op->name : "?", r.in.opcode, (unsigned long long)r.in.unique,
			  strerror(-err));
		return op && op->no_reply ? 0 : reply_err(&r, err);
	}

	/* Gather a bounded copy of the arguments; r.rd stays at their start. */
	struct iov_cur probe = r.rd;
	size_t gather = op->gather ? op->gather : FUSE_ARG_BUF;
	r.arg_len = r.arg_total < gather ? r.arg_total : gather;
	iovc_read(&probe, argbuf, r.arg_len);

	r.ctx.uid = r.in.uid;
	r.ctx.gid = r.in.gid;
	r.ctx.pid = r.in.pid;
	r.ctx.queue = qidx;

	log_trace("FUSE %s unique %llu node %llu len %u", op->name,
		  (unsigned long long)r.in.unique, (unsigned long long)r.in.nodeid, r.in.len);
	return op->fn(&r);
}
