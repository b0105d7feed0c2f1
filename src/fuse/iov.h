/* A cursor over an iovec array: the FUSE request and reply live in guest
 * buffers split at arbitrary boundaries (one byte per iovec is legal), so
 * every read and write of protocol bytes goes through here. */
#ifndef FUSE_IOV_H
#define FUSE_IOV_H

#include <stddef.h>
#include <sys/uio.h>

struct iov_cur {
	const struct iovec *iov;
	int cnt;
	int idx;      /* current iovec */
	size_t off;   /* offset inside iov[idx] */
};

void iovc_init(struct iov_cur *c, const struct iovec *iov, int cnt);
/* Total bytes of an iovec array (saturates instead of wrapping). */
size_t iov_total(const struct iovec *iov, int cnt);
/* Copy up to n bytes out of the iovecs into dst; returns bytes copied. */
size_t iovc_read(struct iov_cur *c, void *dst, size_t n);
/* Copy up to n bytes from src into the iovecs; returns bytes copied. */
size_t iovc_write(struct iov_cur *c, const void *src, size_t n);
/* Write n zero bytes (record padding); returns bytes written. */
size_t iovc_zero(struct iov_cur *c, size_t n);
/* Move forward by up to n bytes; returns bytes skipped. */
size_t iovc_skip(struct iov_cur *c, size_t n);
/* Describe the next n bytes as iovecs pointing into the same buffers (no
 * copy) and advance past them.  Returns the iovec count, or -1 when fewer
 * than n bytes remain or more than max iovecs would be needed. */
int iovc_slice(struct iov_cur *c, size_t n, struct iovec *out, int max);

#endif
