/* The security context a guest sends with CREATE, TMPFILE, MKDIR, MKNOD and
 * SYMLINK once FUSE_SECURITY_CTX is agreed (--security-label): the label
 * its LSM (SELinux, Smack) wants the new file to carry.
 *
 * Where it is: guests of protocol 7.38 and later send it as a request
 * extension (in.total_extlen, after the arguments), older ones (7.36, 7.37)
 * as one more argument right after the last string.  Both start with
 * struct fuse_secctx_header {size, nr_secctx}; each context is struct
 * fuse_secctx {size of the value}, the xattr name (NUL-terminated), then
 * the value.  Linux sends at most one context, and a header with none when
 * its LSM has no label for the file. */
#include "fuse_internal.h"

#include <errno.h>
#include <string.h>

#include "log/log.h"

#define SECCTX_VALUE_MAX 4096 /* SELinux contexts are well under a page */

/* Parse the header at p (avail bytes); the name and value point into p. */
static int parse(const unsigned char *p, size_t avail, struct fs_secctx *sc)
{
	struct fuse_secctx_header h;
	struct fuse_secctx one;

	if (avail < sizeof(h))
		return -EINVAL;
	memcpy(&h, p, sizeof(h));
	if (h.size < sizeof(h) || h.size > avail)
		return -EINVAL;
	if (h.nr_secctx == 0)
		return 0;
	if (h.nr_secctx > 1) {
		/* Linux sends one: several (a future LSM stack) would need each
		 * applied, and a label silently left out is worse than an error. */
		log_warn_ratelimited("FUSE: %u security contexts for one new file: refused "
				     "(one is supported)", h.nr_secctx);
		return -EOPNOTSUPP;
	}
	size_t at = sizeof(h), end = h.size;
	if (end - at < sizeof(one))
		return -EINVAL;
	memcpy(&one, p + at, sizeof(one));
	at += sizeof(one);
	const char *name;
	size_t used;
	int err = fuse_take_string(p + at, end - at, FUSE_XATTR_NAME_MAX + 1, &name, &used);
	if (err)
		return -EINVAL;
	at += used;
	if (one.size == 0 || one.size > SECCTX_VALUE_MAX || one.size > end - at)
		return -EINVAL;
	/* A label, and nothing else: a guest must not use this path to give a
	 * new file capabilities or any other name the daemon could set. */
	if (strncmp(name, "security.", 9) || !name[9] || !strcmp(name, "security.capability"))
		return -EPERM;
	sc->name = name;
	sc->value = p + at;
	sc->size = one.size;
	return 1;
}

int fuse_take_secctx(struct fuse_req_ctx *r, size_t args_used, unsigned char *buf,
		     struct fs_secctx *sc)
{
	memset(sc, 0, sizeof(*sc));
	uint32_t minor = atomic_load(&r->s->secctx_minor);
	if (!minor)
		return 0;
	/* Copied from the request (r->arg may hold only the first
	 * FUSE_ARG_BUF bytes of a long SYMLINK). */
	bool extension = minor >= 38;
	size_t from = extension ? r->arg_total : args_used;
	size_t len = extension ? (size_t)r->in.total_extlen * 8 : r->arg_total - args_used;
	if (args_used > r->arg_total || len > FUSE_SECCTX_BUF)
		return -EINVAL;
	struct iov_cur c = r->rd;
	if (iovc_skip(&c, from) != from || iovc_read(&c, buf, len) != len)
		return -EINVAL;
	if (!extension) {
		/* The context is the argument after the last string. */
		int n = len ? parse(buf, len, sc) : 0;
		if (n > 0)
			r->ctx.secctx = sc;
		return n < 0 ? n : 0;
	}
	size_t at = 0;
	while (at < len) {
		struct fuse_ext_header xh;
		if (len - at < sizeof(xh))
			return -EINVAL;
		memcpy(&xh, buf + at, sizeof(xh));
		if (xh.size < sizeof(xh) || xh.size % 8 || xh.size > len - at)
			return -EINVAL;
		/* Types 0..FUSE_MAX_NR_SECCTX are the secctx header itself; we
		 * offer no other extension (FUSE_CREATE_SUPP_GROUP). */
		if (xh.type <= FUSE_MAX_NR_SECCTX) {
			if (sc->name)
				return -EINVAL; /* two of them */
			int n = parse(buf + at, xh.size, sc);
			if (n < 0)
				return n;
		}
		at += xh.size;
	}
	if (sc->name)
		r->ctx.secctx = sc;
	return 0;
}
