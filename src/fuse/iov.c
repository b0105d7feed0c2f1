/* Cursor over scattered guest buffers; see iov.h. */
#include "iov.h"

#include <stdint.h>
#include <string.h>

/* Step over exhausted (and zero-length) iovecs. */
static void iovc_settle(struct iov_cur *c)
{
	while (c->idx < c->cnt && c->off >= c->iov[c->idx].iov_len) {
		c->idx++;
		c->off = 0;
	}
}

void iovc_init(struct iov_cur *c, const struct iovec *iov, int cnt)
{
	c->iov = iov;
	c->cnt = iov ? (cnt > 0 ? cnt : 0) : 0;
	c->idx = 0;
	c->off = 0;
	iovc_settle(c);
}

size_t iov_total(const struct iovec *iov, int cnt)
{
	size_t t = 0;

	for (int i = 0; iov && i < cnt; i++) {
		if (iov[i].iov_len > SIZE_MAX - t)
			return SIZE_MAX;
		t += iov[i].iov_len;
	}
	return t;
}

/* The common walk: hand out contiguous pieces of at most n bytes. */
static size_t iovc_walk(struct iov_cur *c, size_t n,
			void (*fn)(void *base, size_t len, void *arg, size_t done), void *arg)
{
	size_t done = 0;

	while (done < n && c->idx < c->cnt) {
		const struct iovec *v = &c->iov[c->idx];
		size_t chunk = v->iov_len - c->off;

		if (chunk > n - done)
			chunk = n - done;
		if (fn)
			fn((char *)v->iov_base + c->off, chunk, arg, done);
		done += chunk;
		c->off += chunk;
		iovc_settle(c);
	}
	return done;
}

static void copy_from_iov(void *base, size_t len, void *arg, size_t done)
{
	memcpy((char *)arg + done, base, len);
}

static void copy_to_iov(void *base, size_t len, void *arg, size_t done)
{
	memcpy(base, (const char *)arg + done, len);
}

static void zero_iov(void *base, size_t len, void *arg, size_t done)
{
	(void)arg;
	(void)done;
	memset(base, 0, len);
}

size_t iovc_read(struct iov_cur *c, void *dst, size_t n)
{
	return iovc_walk(c, n, copy_from_iov, dst);
}

size_t iovc_write(struct iov_cur *c, const void *src, size_t n)
{
	return iovc_walk(c, n, copy_to_iov, (void *)src);
}

size_t iovc_zero(struct iov_cur *c, size_t n)
{
	return iovc_walk(c, n, zero_iov, NULL);
}

size_t iovc_skip(struct iov_cur *c, size_t n)
{
	return iovc_walk(c, n, NULL, NULL);
}

int iovc_slice(struct iov_cur *c, size_t n, struct iovec *out, int max)
{
	struct iov_cur probe = *c;
	size_t done = 0;
	int k = 0;

	while (done < n) {
		if (probe.idx >= probe.cnt || k >= max)
			return -1;
		const struct iovec *v = &probe.iov[probe.idx];
		size_t chunk = v->iov_len - probe.off;

		if (chunk > n - done)
			chunk = n - done;
		out[k].iov_base = (char *)v->iov_base + probe.off;
		out[k].iov_len = chunk;
		k++;
		done += chunk;
		probe.off += chunk;
		iovc_settle(&probe);
	}
	*c = probe;
	return k;
}
