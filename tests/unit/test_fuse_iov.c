/* The iovec cursor under the FUSE server: reads, writes, skips and
 * zero-copy slices across iovecs of every size, including one byte each. */
#include "fuse/iov.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 300

static unsigned char *chunks[N + 2];
static struct iovec iov[N + 2];

/* Split N bytes into iovecs of `step` bytes (each its own allocation), with
 * a zero-length iovec thrown in at position 1. */
static int split(size_t total, size_t step)
{
	int cnt = 0;

	for (size_t off = 0; off < total; cnt++) {
		size_t len = (cnt == 1) ? 0 : (total - off < step ? total - off : step);
		chunks[cnt] = malloc(len ? len : 1);
		iov[cnt].iov_base = chunks[cnt];
		iov[cnt].iov_len = len;
		off += len;
	}
	return cnt;
}

static void unsplit(int cnt)
{
	for (int i = 0; i < cnt; i++)
		free(chunks[i]);
}

int main(void)
{
	unsigned char src[N], dst[N + 8];

	for (int i = 0; i < N; i++)
		src[i] = (unsigned char)(i * 7 + 3);

	for (size_t step = 1; step <= 64; step += 7) {
		int cnt = split(N, step);
		struct iov_cur c;

		assert(iov_total(iov, cnt) == N);
		iovc_init(&c, iov, cnt);
		assert(iovc_write(&c, src, 100) == 100);
		assert(iovc_zero(&c, 50) == 50);
		assert(iovc_write(&c, src + 150, N) == N - 150); /* stops at the end */
		assert(iovc_write(&c, src, 1) == 0);

		iovc_init(&c, iov, cnt);
		memset(dst, 0xee, sizeof(dst));
		assert(iovc_read(&c, dst, N + 8) == N);
		assert(!memcmp(dst, src, 100));
		for (int i = 100; i < 150; i++)
			assert(dst[i] == 0);
		assert(!memcmp(dst + 150, src + 150, N - 150));

		/* A slice points into the same buffers and moves the cursor. */
		struct iovec sl[N];
		iovc_init(&c, iov, cnt);
		assert(iovc_skip(&c, 5) == 5);
		int k = iovc_slice(&c, 200, sl, N);
		assert(k > 0);
		size_t got = 0;
		for (int i = 0; i < k; i++) {
			int inside = 0;
			for (int j = 0; j < cnt; j++)
				if ((unsigned char *)sl[i].iov_base >= chunks[j] &&
				    (unsigned char *)sl[i].iov_base + sl[i].iov_len <=
					    chunks[j] + iov[j].iov_len)
					inside = 1;
			assert(inside && sl[i].iov_len > 0);
			if (got + 5 + sl[i].iov_len <= 100)
				assert(!memcmp(sl[i].iov_base, src + 5 + got, sl[i].iov_len));
			got += sl[i].iov_len;
		}
		assert(got == 200);
		assert(iovc_read(&c, dst, 1) == 1 && dst[0] == src[205]);
		/* Too long, or too few iovecs allowed: refused, cursor unmoved. */
		struct iov_cur before = c;
		assert(iovc_slice(&c, N, sl, N) == -1);
		assert(c.idx == before.idx && c.off == before.off);
		if (step == 1)
			assert(iovc_slice(&c, 10, sl, 3) == -1);
		unsplit(cnt);
	}

	/* Empty and NULL arrays. */
	struct iov_cur c;
	iovc_init(&c, NULL, 5);
	assert(iovc_read(&c, dst, 4) == 0);
	assert(iov_total(NULL, 3) == 0);
	assert(iovc_slice(&c, 0, NULL, 0) == 0);
	printf("test_fuse_iov: ok\n");
	return 0;
}
