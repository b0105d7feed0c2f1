/* libFuzzer target: the device side of a split virtqueue
 * (src/transport/virtqueue.c + guest_mem.c) popping descriptor chains from a
 * ring whose every byte the fuzzer chose.
 *
 * Guest memory is three separately malloc'd regions (so ASan sees any access
 * past a region):
 *   A  gpa 0x10000, 16 KiB: descriptor table at +0, avail ring at +0x400,
 *      the rest free for indirect tables and buffers; filled from the input
 *   B  gpa 0x14000 (right after A), 4 KiB: filled from the input, so buffers
 *      may cross the A/B boundary
 *   U  gpa 0x40000, 4 KiB: the used ring, written only by the device
 * Input: byte 0 picks the queue size (1..64) and EVENT_IDX, bytes 1-2 the
 * starting avail index, the rest fills A then B.
 *
 * Oracle (abort on violation): every popped chain's iovecs lie inside guest
 * memory, readable ones first, their lengths add up to rd_len / wr_len, at
 * most VQ_MAX_IOV of them; every byte is read and every writable byte
 * written outside the used ring (ASan checks the bounds); the used ring only grows by what was
 * popped or dropped; a broken ring stays broken. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "transport/guest_mem.h"
#include "transport/virtqueue.h"

#define GPA_A 0x10000ull
#define SIZE_A 0x4000ull
#define GPA_B (GPA_A + SIZE_A)
#define SIZE_B 0x1000ull
#define GPA_U 0x40000ull
#define SIZE_U 0x1000ull
#define AVAIL_OFF 0x400u

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_desc_chain: %s:%d: %s\n", \
	__FILE__, __LINE__, #c); abort(); } } while (0)

static struct vq_req req;

static void add_region(struct guest_mem *m, uint64_t gpa, uint64_t size, uint8_t *p)
{
	struct guest_region *r = &m->regions[m->nregions++];

	r->gpa = gpa;
	r->size = size;
	r->uva = gpa + 0x7f0000000000ull;
	r->hva = p;
	r->map_base = NULL;   /* not mmapped: guest_mem_clear must not unmap */
	r->map_len = 0;
}

static int in_region(const struct guest_mem *m, const struct iovec *v)
{
	for (unsigned i = 0; i < m->nregions; i++) {
		const struct guest_region *r = &m->regions[i];
		const uint8_t *b = v->iov_base;

		if (b >= r->hva && b <= r->hva + r->size &&
		    v->iov_len <= (size_t)(r->hva + r->size - b))
			return 1;
	}
	return 0;
}

static void check_req(const struct guest_mem *m, const struct vq_req *r, unsigned num)
{
	size_t rd = 0, wr = 0;
	volatile uint8_t sink = 0;

	CHECK(r->head < num);
	CHECK(r->rd_cnt >= 0 && r->wr_cnt >= 0 && r->rd_cnt + r->wr_cnt <= VQ_MAX_IOV);
	CHECK(r->rd == r->iov && r->wr == r->iov + r->rd_cnt);
	for (int i = 0; i < r->rd_cnt; i++) {
		CHECK(r->rd[i].iov_len > 0 && in_region(m, &r->rd[i]));
		rd += r->rd[i].iov_len;
		for (size_t k = 0; k < r->rd[i].iov_len; k += 61)
			sink ^= ((const uint8_t *)r->rd[i].iov_base)[k];
		sink ^= ((const uint8_t *)r->rd[i].iov_base)[r->rd[i].iov_len - 1];
	}
	for (int i = 0; i < r->wr_cnt; i++) {
		CHECK(r->wr[i].iov_len > 0 && in_region(m, &r->wr[i]));
		wr += r->wr[i].iov_len;
	}
	CHECK(rd == r->rd_len && wr == r->wr_len);
	CHECK(rd <= UINT32_MAX && wr <= UINT32_MAX);
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *a, *b, *u;
	static int ready;
	struct guest_mem mem = { 0 };
	struct virtqueue vq;

	if (!ready) {
		log_setup(LOG_LVL_ERROR, 0);
		ready = 1;
	}
	if (size < 3)
		return 0;
	/* Fresh allocations each run: a stale pointer into a previous run's
	 * memory would be a use-after-free ASan reports. */
	a = malloc(SIZE_A);
	b = malloc(SIZE_B);
	u = calloc(1, SIZE_U);
	CHECK(a && b && u);
	memset(a, 0, SIZE_A);
	memset(b, 0, SIZE_B);

	unsigned num = 1u << (data[0] % 7);
	bool event_idx = data[0] & 0x80;
	uint16_t start = (uint16_t)(data[1] | data[2] << 8);
	data += 3;
	size -= 3;
	size_t na = size < SIZE_A ? size : SIZE_A;
	memcpy(a, data, na);
	if (size > na)
		memcpy(b, data + na, size - na < SIZE_B ? size - na : SIZE_B);

	add_region(&mem, GPA_A, SIZE_A, a);
	add_region(&mem, GPA_B, SIZE_B, b);
	add_region(&mem, GPA_U, SIZE_U, u);

	struct vring_used *used = (struct vring_used *)u;
	used->idx = start;
	vq_init(&vq, num, (struct vring_desc *)a, (struct vring_avail *)(a + AVAIL_OFF), used,
		&mem, start, event_idx);

	uint16_t used_before = used->idx;
	unsigned popped = 0;
	int r;
	while ((r = vq_pop(&vq, &req)) == 1) {
		/* At most one ring's worth can be pending. */
		CHECK(popped < num);
		check_req(&mem, &req, num);
		/* Write the reply room, as the server would; the guest may
		 * even hand out the rings themselves as buffers, but leave the
		 * used ring alone so the checks below can read it. */
		for (int i = 0; i < req.wr_cnt; i++)
			if ((uint8_t *)req.wr[i].iov_base < u || (uint8_t *)req.wr[i].iov_base >= u + SIZE_U)
				memset(req.wr[i].iov_base, 0xa5, req.wr[i].iov_len);
		vq_push(&vq, &req, (uint32_t)req.wr_len);
		popped++;
	}
	CHECK(r == 0 || r == -1 || r == 1);
	if (r == -1) {
		CHECK(vq.broken);
		CHECK(vq_pop(&vq, &req) == -1);
	}
	/* Every completion (served or dropped) consumed one avail entry. */
	uint16_t completed = (uint16_t)(used->idx - used_before);
	CHECK(completed == (uint16_t)(vq.last_avail - start));
	CHECK(completed <= num);
	CHECK(popped <= completed);
	for (uint16_t i = 0; i < completed; i++) {
		const struct vring_used_elem *e = &used->ring[(uint16_t)(used_before + i) & (num - 1)];
		CHECK(e->id < num);
	}
	vq_notify(&vq);
	vq_enable_kicks(&vq);
	vq_disable_kicks(&vq);

	pthread_mutex_destroy(&vq.push_lock);
	free(a);
	free(b);
	free(u);
	return 0;
}
