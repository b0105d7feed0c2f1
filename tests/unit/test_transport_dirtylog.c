/* Dirty page logging (live migration) without a socket: the bitmap
 * (dirty_log_mark: page bits, bounds, wrap, concurrent marking), the
 * reverse translation host pointer -> guest-physical address, and the
 * queue hook vu_log_write as the virtqueue calls it (data pages at their
 * guest-physical address, the used ring at the ring's log address when
 * VHOST_VRING_F_LOG is set, nothing outside the log). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "transport/dirty_log.h"
#include "transport/guest_mem.h"
#include "transport/vhost_user_dev.h"
#include "transport/virtqueue.h"

static int failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", \
	__FILE__, __LINE__, #c); failures++; } } while (0)

#define PAGE 4096ull

static bool bit(const uint8_t *log, uint64_t page)
{
	return log[page / 8] & (1u << (page % 8));
}

static unsigned count_bits(const uint8_t *log, size_t size)
{
	unsigned n = 0;
	for (size_t i = 0; i < size; i++)
		n += (unsigned)__builtin_popcount(log[i]);
	return n;
}

static void test_mark(void)
{
	uint8_t buf[16 + 16];       /* 16 bytes of log (128 pages), then canary */
	struct dirty_log l = { buf, 16 };

	memset(buf, 0, sizeof(buf));
	CHECK(dirty_log_mark(&l, 0, 0) == 0);
	CHECK(count_bits(buf, sizeof(buf)) == 0);
	CHECK(dirty_log_mark(&l, 0, 1) == 0);
	CHECK(buf[0] == 0x01);
	CHECK(dirty_log_mark(&l, PAGE - 1, 2) == 0);              /* pages 0 and 1 */
	CHECK(buf[0] == 0x03);
	CHECK(dirty_log_mark(&l, 8 * PAGE + 5, PAGE) == 0);       /* pages 8 and 9 */
	CHECK(buf[1] == 0x03);
	CHECK(dirty_log_mark(&l, 10 * PAGE, 3 * PAGE) == 0);      /* 10, 11, 12, not 13 */
	CHECK(buf[1] == 0x1f);
	CHECK(dirty_log_mark(&l, 127 * PAGE, PAGE) == 0);         /* the last page */
	CHECK(buf[15] == 0x80);
	CHECK(count_bits(buf, sizeof(buf)) == 2 + 2 + 3 + 1);

	/* Past the end: -ERANGE, what lies inside is marked, nothing beyond. */
	CHECK(dirty_log_mark(&l, 126 * PAGE, 3 * PAGE) == -ERANGE);
	CHECK(buf[15] == 0xc0);
	CHECK(dirty_log_mark(&l, 128 * PAGE, 1) == -ERANGE);
	CHECK(dirty_log_mark(&l, 1ull << 40, PAGE) == -ERANGE);
	CHECK(dirty_log_mark(&l, UINT64_MAX - 10, 100) == -ERANGE);   /* wraps */
	CHECK(dirty_log_mark(&l, UINT64_MAX, 1) == -ERANGE);
	for (size_t i = 16; i < sizeof(buf); i++)
		CHECK(buf[i] == 0);
	CHECK(count_bits(buf, 16) == 9);

	/* No log: nothing to do, no error. */
	struct dirty_log none = { NULL, 0 };
	CHECK(dirty_log_mark(&none, 0, PAGE) == 0);
}

/* Two threads mark the even and the odd pages of the same bytes: an OR
 * that is not atomic loses bits. */
#define RACE_BYTES 4096
static uint8_t race_log[RACE_BYTES];

static void *race_marker(void *arg)
{
	struct dirty_log l = { race_log, RACE_BYTES };
	uint64_t first = (uint64_t)(uintptr_t)arg;
	for (int round = 0; round < 20; round++)
		for (uint64_t page = first; page < RACE_BYTES * 8ull; page += 2)
			dirty_log_mark(&l, page * PAGE, 1);
	return NULL;
}

static void test_concurrent_marks(void)
{
	pthread_t a, b;
	memset(race_log, 0, sizeof(race_log));
	pthread_create(&a, NULL, race_marker, (void *)(uintptr_t)0);
	pthread_create(&b, NULL, race_marker, (void *)(uintptr_t)1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	unsigned full = 0;
	for (size_t i = 0; i < RACE_BYTES; i++)
		full += race_log[i] == 0xff;
	CHECK(full == RACE_BYTES);
}

/* Guest memory: A = [0x100000, +0x10000) and B = [0x400000, +0x10000). */
#define GPA_A 0x100000ull
#define GPA_B 0x400000ull
#define REG 0x10000ull

static void set_regions(struct guest_mem *m, uint8_t *a, uint8_t *b)
{
	m->nregions = 2;
	m->regions[0] = (struct guest_region){ GPA_A, REG, 0x7000000000ull, a, NULL, 0, -1 };
	m->regions[1] = (struct guest_region){ GPA_B, REG, 0x7100000000ull, b, NULL, 0, -1 };
}

static void test_hva_gpa(void)
{
	static uint8_t a[REG], b[REG];
	struct guest_mem m;
	uint64_t gpa = 0;

	set_regions(&m, a, b);
	CHECK(guest_mem_hva_gpa(&m, a, &gpa) == REG && gpa == GPA_A);
	CHECK(guest_mem_hva_gpa(&m, a + 0x1234, &gpa) == REG - 0x1234 && gpa == GPA_A + 0x1234);
	CHECK(guest_mem_hva_gpa(&m, b + REG - 1, &gpa) == 1 && gpa == GPA_B + REG - 1);
	CHECK(guest_mem_hva_gpa(&m, a + REG, &gpa) == 0 || a + REG == b);
	uint8_t other;
	CHECK(guest_mem_hva_gpa(&m, &other, &gpa) == 0);
	m.nregions = 0;
	CHECK(guest_mem_hva_gpa(&m, a, &gpa) == 0);
}

static uint32_t no_serve(void *opaque, unsigned qidx, struct vq_req *req)
{
	return 0;
}

/* The hook, driven the way virtqueue.c drives it. */
static void test_queue_hook(void)
{
	static struct vu_dev dev;
	static const struct vu_device ops = { .serve = no_serve };
	uint8_t *a = aligned_alloc(PAGE, REG), *b = aligned_alloc(PAGE, REG);
	/* The log covers [0, 0x500000): 0x500 pages, 0xa0 bytes; a canary
	 * follows it. */
	enum { LOG_SIZE = 0xa0 };
	uint8_t *log = calloc(1, LOG_SIZE + 64);

	CHECK(vu_dev_init(&dev, &ops) == 0);
	memset(a, 0, REG);
	memset(b, 0, REG);
	set_regions(&dev.mem, a, b);
	struct vu_queue *q = &dev.q[1];

	/* A 1024-entry ring: the used ring is 6 + 8 * 1024 bytes, 3 pages. */
	struct vring_desc *desc = (struct vring_desc *)a;                 /* 16 KiB */
	struct vring_avail *avail = (struct vring_avail *)(a + 0x4000);
	struct vring_used *used = (struct vring_used *)(a + 0x5000);      /* to 0x7006 */
	vq_init(&q->vq, 1024, desc, avail, used, &dev.mem, 0, true);

	/* Logging off: no hook at all (the hot path is one NULL test). */
	dev.log = (struct dirty_log){ log, LOG_SIZE };
	vu_log_apply(&dev, q);
	CHECK(q->vq.log_write == NULL);
	/* LOG_ALL before any log (QEMU's vhost_dev_start sends SET_LOG_BASE
	 * after the rings): a write then cannot be logged and is recorded as
	 * lost, which refuses the state save; no write, no loss. */
	dev.features = 1ull << VHOST_F_LOG_ALL;
	dev.log = (struct dirty_log){ NULL, 0 };
	vu_log_apply(&dev, q);
	CHECK(q->vq.log_write && q->vq.log_write != vu_log_write && q->vq.log_opaque == q);
	CHECK(!dev.log_lost);
	q->vq.log_write(q->vq.log_opaque, a + 0x9000, 0x10);
	CHECK(dev.log_lost && dev.log_error_reported);
	dev.log_lost = dev.log_error_reported = false;
	dev.log = (struct dirty_log){ log, LOG_SIZE };
	vu_log_apply(&dev, q);
	CHECK(q->vq.log_write == vu_log_write && q->vq.log_opaque == q);

	/* Data: at the guest-physical address, across pages and regions. */
	vu_log_write(q, a + 0x9ff0, 0x20);
	CHECK(bit(log, (GPA_A + 0x9000) / PAGE) && bit(log, (GPA_A + 0xa000) / PAGE));
	vu_log_write(q, b + REG - 1, 1);
	CHECK(bit(log, (GPA_B + REG - 1) / PAGE));
	CHECK(count_bits(log, LOG_SIZE) == 3);

	/* The used ring without VHOST_VRING_F_LOG: its guest-physical page. */
	vu_log_write(q, &used->idx, 2);
	CHECK(bit(log, (GPA_A + 0x5000) / PAGE));
	CHECK(count_bits(log, LOG_SIZE) == 4);

	/* With it: at log_guest_addr + offset in the ring, never at the ring's
	 * own page; a write reaching past the ring's end is split. */
	memset(log, 0, LOG_SIZE);
	q->addr.flags = VHOST_USER_VRING_F_LOG;
	q->addr.log_guest_addr = 0x480000;
	vu_log_write(q, &used->ring[1000], sizeof(used->ring[1000]));   /* offset 8004 */
	CHECK(bit(log, (0x480000 + 8004) / PAGE));
	vu_log_write(q, &used->ring[1024], 2);                           /* avail_event */
	CHECK(bit(log, (0x480000 + 4 + 8 * 1024) / PAGE));
	CHECK(count_bits(log, LOG_SIZE) == 2);
	vu_log_write(q, (uint8_t *)used + 0x2000 - 1, 0x10 + 1);   /* in the ring only */
	CHECK(bit(log, (0x480000 + 0x1000) / PAGE) && bit(log, (0x480000 + 0x2000) / PAGE));
	uint8_t *past = (uint8_t *)used + 6 + 8 * 1024;            /* first byte after it */
	memset(log, 0, LOG_SIZE);
	vu_log_write(q, past - 1, 2);
	CHECK(bit(log, (0x480000 + 0x2005) / PAGE));               /* the ring's last byte */
	CHECK(bit(log, (GPA_A + (uint64_t)(past - a)) / PAGE));   /* the next, as memory */
	CHECK(count_bits(log, LOG_SIZE) == 2);

	/* A log address whose bits lie past the log, or that wraps: skipped,
	 * reported, nothing written outside the log. */
	memset(log, 0, LOG_SIZE);
	q->addr.log_guest_addr = 0x500000 - 0x100;      /* the ring straddles the end */
	vu_log_write(q, &used->idx, 2);
	CHECK(bit(log, 0x4ff));
	vu_log_write(q, &used->ring[600], 8);               /* past the end */
	CHECK(dev.log_error_reported);
	q->addr.log_guest_addr = 1ull << 40;
	vu_log_write(q, &used->ring[0], 8);
	q->addr.log_guest_addr = UINT64_MAX - 3;
	vu_log_write(q, &used->ring[0], 8);
	CHECK(count_bits(log, LOG_SIZE) == 1);
	for (int i = 0; i < 64; i++)
		CHECK(log[LOG_SIZE + i] == 0);
	/* A pointer outside guest memory (cannot come from the rings). */
	uint8_t stray[16];
	vu_log_write(q, stray, sizeof(stray));
	CHECK(count_bits(log, LOG_SIZE) == 1);

	/* Through the virtqueue: a chain whose writable part crosses a page,
	 * pushed with 0x30 bytes written, then kicks enabled (EVENT_IDX: the
	 * avail_event word).  Marked: the written pages, the used ring's log
	 * pages, nothing else (the readable part is not written). */
	memset(log, 0, LOG_SIZE);
	dev.log_error_reported = false;
	q->addr.log_guest_addr = GPA_B + 0x8000;
	desc[0] = (struct vring_desc){ GPA_A + 0xb000, 16, VRING_DESC_F_NEXT, 1 };
	desc[1] = (struct vring_desc){ GPA_A + 0xcff0, 0x40, VRING_DESC_F_WRITE, 0 };
	avail->ring[0] = 0;
	avail->idx = 1;
	struct vq_req *req = malloc(sizeof(*req));
	CHECK(vq_pop(&q->vq, req) == 1);
	CHECK(req->wr_cnt == 1 && req->wr_len == 0x40);
	memset(req->wr[0].iov_base, 'x', 0x30);
	vq_push(&q->vq, req, 0x30);
	CHECK(!vq_enable_kicks(&q->vq));
	CHECK(used->idx == 1 && used->ring[0].len == 0x30);
	CHECK(bit(log, (GPA_A + 0xc000) / PAGE) && bit(log, (GPA_A + 0xd000) / PAGE));
	CHECK(bit(log, (GPA_B + 0x8000) / PAGE));                   /* elem, idx */
	CHECK(bit(log, (GPA_B + 0x8000 + 4 + 8 * 1024) / PAGE));    /* avail_event */
	CHECK(count_bits(log, LOG_SIZE) == 4);
	CHECK(!dev.log_error_reported);

	/* Only the bytes written count: 0x10 stay in the first page. */
	memset(log, 0, LOG_SIZE);
	avail->ring[1] = 0;
	avail->idx = 2;
	CHECK(vq_pop(&q->vq, req) == 1);
	vq_push(&q->vq, req, 0x10);
	CHECK(bit(log, (GPA_A + 0xc000) / PAGE) && !bit(log, (GPA_A + 0xd000) / PAGE));

	/* Logging off again: the virtqueue calls nothing. */
	dev.features = 0;
	vu_log_apply(&dev, q);
	CHECK(q->vq.log_write == NULL);
	memset(log, 0, LOG_SIZE);
	avail->ring[2] = 0;
	avail->idx = 3;
	CHECK(vq_pop(&q->vq, req) == 1);
	vq_push(&q->vq, req, 0x30);
	CHECK(count_bits(log, LOG_SIZE) == 0);

	free(req);
	dev.log = (struct dirty_log){ NULL, 0 };   /* ours, not mmapped */
	dev.mem.nregions = 0;
	vu_dev_destroy(&dev);
	free(log);
	free(a);
	free(b);
}

int main(void)
{
	if (getenv("TEST_DEBUG"))
		log_setup(LOG_LVL_DEBUG, 0);
	test_mark();
	test_concurrent_marks();
	test_hva_gpa();
	test_queue_hook();
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures ? 1 : 0;
}
