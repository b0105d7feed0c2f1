/* Inside the FUSE server: the session, the per-request context every
 * handler receives, the reply helpers and the decoders they share.
 *
 * A handler reads its fixed arguments from r->arg (a bounded copy of the
 * argument bytes, already checked to be at least the opcode's minimum size
 * and the reply room checked against the opcode's fixed reply size), calls
 * one fs_ops member and answers through exactly one reply_* helper, whose
 * return value (bytes written into the chain) it returns. */
#ifndef FUSE_INTERNAL_H
#define FUSE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "fuse_abi.h"
#include "iov.h"
#include "server.h"

/* Bytes of arguments gathered per request: the largest parsed argument set
 * is SYMLINK (name <= 256 + target <= 4096) or RENAME2 (16 + 2 * 256).  The
 * WRITE payload, the SETXATTR value and BATCH_FORGET entries are read
 * through the cursor instead when they do not fit. */
#define FUSE_ARG_BUF 8192
#define FUSE_NAME_MAX 255          /* a name component, without the NUL */
#define FUSE_SYMLINK_MAX 4096      /* a symlink target, with the NUL (PATH_MAX) */
#define FUSE_XATTR_NAME_MAX 255    /* XATTR_NAME_MAX */
#define FUSE_XATTR_SIZE_MAX 65536  /* XATTR_SIZE_MAX, XATTR_LIST_MAX */
#define FUSE_GUEST_PAGE 4096       /* max_write = max_pages * this */
#define FUSE_OUR_MINOR 41          /* the protocol we implement: 7.41 */

struct fuse_server {
	const struct fs_ops *ops;
	void *fs;
	struct fuse_server_options opt;
	/* Serialises the session transitions (INIT, DESTROY, reset) among
	 * themselves; the request path only reads the atomics below. */
	pthread_mutex_t session_lock;
	atomic_bool initialized;
	atomic_bool warned_submounts;    /* the one "guest lacks SUBMOUNTS" warning */
	/* What INIT agreed (under session_lock): carried over by migration. */
	struct fs_conn conn;
	uint32_t guest_minor;
	/* What the request path needs of those, set with them: the guest's
	 * minor when security contexts were agreed, else 0.  One atomic, as
	 * a guest may send INIT again on one queue while others serve. */
	atomic_uint secctx_minor;
};

struct fuse_req_ctx {
	struct fuse_server *s;
	const struct fs_ops *ops;
	void *fs;
	struct vq_req *req;
	struct fuse_in_header in;
	struct fs_ctx ctx;
	const unsigned char *arg;   /* gathered argument bytes */
	size_t arg_len;             /* bytes in arg: min(arg_total, FUSE_ARG_BUF) */
	size_t arg_total;           /* argument bytes (no header, no extensions) */
	struct iov_cur rd;          /* positioned at the first argument byte */
	size_t wr_len;              /* bytes of room in req->wr */
};

/* Answer with -errno (err < 0) or an empty success (err == 0). */
uint32_t reply_err(struct fuse_req_ctx *r, int err);
/* Success with up to two pieces of payload, concatenated. */
uint32_t reply_buf(struct fuse_req_ctx *r, const void *a, size_t alen, const void *b, size_t blen);
uint32_t reply_entry(struct fuse_req_ctx *r, const struct fs_entry *e);
uint32_t reply_attr(struct fuse_req_ctx *r, const struct stat *st, double attr_timeout);
uint32_t reply_statx(struct fuse_req_ctx *r, const struct statx *x, double attr_timeout);
uint32_t reply_open(struct fuse_req_ctx *r, const struct fs_open *o);
uint32_t reply_create(struct fuse_req_ctx *r, const struct fs_entry *e, const struct fs_open *o);
uint32_t reply_write(struct fuse_req_ctx *r, size_t size);
/* Success whose payload (len bytes) the handler already wrote into req->wr
 * after the header: only the header is written. */
uint32_t reply_header_only(struct fuse_req_ctx *r, size_t len);
/* Data reply that must fit the room: ERANGE otherwise. */
uint32_t reply_data(struct fuse_req_ctx *r, const void *p, size_t len);
/* No reply at all (FORGET, BATCH_FORGET, INTERRUPT). */
uint32_t reply_none(struct fuse_req_ctx *r);

void fuse_fill_attr(struct fuse_attr *a, const struct stat *st, uint32_t flags);
void fuse_fill_entry(struct fuse_entry_out *o, const struct fs_entry *e);
void fuse_split_timeout(double t, uint64_t *sec, uint32_t *nsec);
/* A negative errno the guest may see: anything else from the fs becomes -EIO. */
int fuse_sane_err(int err);
/* With session_lock held: what INIT agreed (or a migration brought) becomes
 * the session's, then requests are admitted. */
void fuse_session_start(struct fuse_server *s, const struct fs_conn *conn, uint32_t minor);

/* Decoders.  A name component: NUL-terminated within its bytes, not empty,
 * no '/', at most FUSE_NAME_MAX long.  *used is the bytes taken (with NUL). */
int fuse_take_name(const unsigned char *p, size_t avail, const char **name, size_t *used);
/* A NUL-terminated string of at most max bytes including the NUL:
 * ENAMETOOLONG when longer, EINVAL when unterminated. */
int fuse_take_string(const unsigned char *p, size_t avail, size_t max, const char **s,
		     size_t *used);
/* An unsigned protocol offset as off_t: EINVAL above INT64_MAX. */
int fuse_take_off(uint64_t v, off_t *o);
/* Copy a fixed argument struct out of r->arg at offset off (the dispatch
 * table guaranteed the bytes are there). */
void fuse_arg(const struct fuse_req_ctx *r, size_t off, void *dst, size_t n);

/* The security context of a new file (secctx.c), under FUSE_SECURITY_CTX:
 * args_used is where the fixed arguments and strings end; buf (at least
 * FUSE_SECCTX_BUF bytes) holds what sc then points into.  With a context,
 * r->ctx.secctx points at sc (for the handler's fs call); sc->name is NULL
 * when there is none.  0, or a negative errno for the request. */
#define FUSE_SECCTX_BUF 4608
int fuse_take_secctx(struct fuse_req_ctx *r, size_t args_used, unsigned char *buf,
		     struct fs_secctx *sc);

/* The session (init.c). */
uint32_t fuse_do_init(struct fuse_req_ctx *r);
uint32_t fuse_do_destroy(struct fuse_req_ctx *r);

/* Nodes and names (ops_entry.c). */
uint32_t fuse_do_lookup(struct fuse_req_ctx *r);
uint32_t fuse_do_forget(struct fuse_req_ctx *r);
uint32_t fuse_do_batch_forget(struct fuse_req_ctx *r);
uint32_t fuse_do_getattr(struct fuse_req_ctx *r);
uint32_t fuse_do_statx(struct fuse_req_ctx *r);
uint32_t fuse_do_setattr(struct fuse_req_ctx *r);
uint32_t fuse_do_readlink(struct fuse_req_ctx *r);
uint32_t fuse_do_symlink(struct fuse_req_ctx *r);
uint32_t fuse_do_mknod(struct fuse_req_ctx *r);
uint32_t fuse_do_mkdir(struct fuse_req_ctx *r);
uint32_t fuse_do_unlink(struct fuse_req_ctx *r);
uint32_t fuse_do_rmdir(struct fuse_req_ctx *r);
uint32_t fuse_do_rename(struct fuse_req_ctx *r);
uint32_t fuse_do_rename2(struct fuse_req_ctx *r);
uint32_t fuse_do_link(struct fuse_req_ctx *r);

/* Files (ops_file.c). */
uint32_t fuse_do_open(struct fuse_req_ctx *r);
uint32_t fuse_do_create(struct fuse_req_ctx *r);
uint32_t fuse_do_tmpfile(struct fuse_req_ctx *r);
uint32_t fuse_do_read(struct fuse_req_ctx *r);
uint32_t fuse_do_write(struct fuse_req_ctx *r);
uint32_t fuse_do_flush(struct fuse_req_ctx *r);
uint32_t fuse_do_release(struct fuse_req_ctx *r);
uint32_t fuse_do_fsync(struct fuse_req_ctx *r);
uint32_t fuse_do_fallocate(struct fuse_req_ctx *r);
uint32_t fuse_do_lseek(struct fuse_req_ctx *r);
uint32_t fuse_do_copy_file_range(struct fuse_req_ctx *r);

/* Locks (ops_lock.c). */
uint32_t fuse_do_getlk(struct fuse_req_ctx *r);
uint32_t fuse_do_setlk(struct fuse_req_ctx *r);

/* Directories (ops_dir.c). */
uint32_t fuse_do_opendir(struct fuse_req_ctx *r);
uint32_t fuse_do_readdir(struct fuse_req_ctx *r);
uint32_t fuse_do_releasedir(struct fuse_req_ctx *r);
uint32_t fuse_do_fsyncdir(struct fuse_req_ctx *r);

/* Extended attributes (ops_xattr.c). */
uint32_t fuse_do_setxattr(struct fuse_req_ctx *r);
uint32_t fuse_do_getxattr(struct fuse_req_ctx *r);
uint32_t fuse_do_listxattr(struct fuse_req_ctx *r);
uint32_t fuse_do_removexattr(struct fuse_req_ctx *r);

/* The rest (ops_misc.c). */
uint32_t fuse_do_statfs(struct fuse_req_ctx *r);
uint32_t fuse_do_access(struct fuse_req_ctx *r);
uint32_t fuse_do_syncfs(struct fuse_req_ctx *r);
uint32_t fuse_do_interrupt(struct fuse_req_ctx *r);

/* A handler's first line: ENOSYS when the filesystem lacks the member. */
#define FUSE_NEED(r, member) \
	do { if (!(r)->ops->member) return reply_err((r), -ENOSYS); } while (0)

#endif
