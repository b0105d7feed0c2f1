/* A private, trimmed copy of an iovec array that can be advanced past the
 * bytes a short preadv/pwritev moved, so the transfer can go on. */
#ifndef FS_IOV_CURSOR_H
#define FS_IOV_CURSOR_H

#include <stddef.h>
#include <sys/uio.h>

#define IOV_CURSOR_INLINE 16

struct iov_cursor {
	struct iovec *v;      /* first unfinished element */
	int cnt;              /* elements left */
	size_t left;          /* bytes left */
	struct iovec *alloc;  /* heap copy, or NULL */
	struct iovec inline_v[IOV_CURSOR_INLINE];
};

/* Copy iov, keeping at most limit bytes; -ENOMEM or 0. */
int iov_cursor_init(struct iov_cursor *c, const struct iovec *iov, int iovcnt, size_t limit);
void iov_cursor_advance(struct iov_cursor *c, size_t n);
/* Elements to pass to one system call (at most IOV_MAX). */
int iov_cursor_batch(const struct iov_cursor *c);
void iov_cursor_fini(struct iov_cursor *c);

#endif
