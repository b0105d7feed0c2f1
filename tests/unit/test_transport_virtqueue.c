/* Split virtqueue and guest memory translation against hand-built rings in
 * two malloc'd "guest memory" regions (no vhost-user, no mmap). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "transport/guest_mem.h"
#include "transport/virtqueue.h"

static int failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", \
	__FILE__, __LINE__, #c); failures++; } } while (0)

/* Two regions, contiguous in guest-physical space: A = [0x10000, 0x20000),
 * B = [0x20000, 0x30000).  Rings live in A. */
#define GPA_A 0x10000ull
#define GPA_B 0x20000ull
#define REGION_SIZE 0x10000ull
#define NUM 8
#define DESC_GPA GPA_A
#define AVAIL_GPA (GPA_A + 0x100)
#define USED_GPA (GPA_A + 0x200)

static struct guest_mem mem;
static uint8_t *reg_a, *reg_b;
static struct virtqueue vq;
static struct vq_req *req;

static void *gpa(uint64_t a)
{
	return guest_mem_gpa(&mem, a, 1);
}

static bool vq_ready;

static void setup(bool event_idx)
{
	if (vq_ready)
		pthread_mutex_destroy(&vq.push_lock);
	vq_ready = true;
	memset(reg_a, 0, REGION_SIZE);
	memset(reg_b, 0, REGION_SIZE);
	vq_init(&vq, NUM, gpa(DESC_GPA), gpa(AVAIL_GPA), gpa(USED_GPA), &mem, 0, event_idx);
}

static void set_desc(struct vring_desc *table, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	table[i].addr = addr;
	table[i].len = len;
	table[i].flags = flags;
	table[i].next = next;
}

static struct vring_desc *desc_table(void)
{
	return gpa(DESC_GPA);
}

static void make_avail(uint16_t head)
{
	struct vring_avail *av = gpa(AVAIL_GPA);
	av->ring[av->idx % NUM] = head;
	__atomic_store_n(&av->idx, (uint16_t)(av->idx + 1), __ATOMIC_RELEASE);
}

static struct vring_used *used_ring(void)
{
	return gpa(USED_GPA);
}

static void test_guest_mem(void)
{
	struct iovec iov[4];

	CHECK(guest_mem_gpa(&mem, GPA_A, REGION_SIZE) == reg_a);
	CHECK(guest_mem_gpa(&mem, GPA_A + 1, REGION_SIZE) == NULL);   /* crosses into B */
	CHECK(guest_mem_gpa(&mem, GPA_B + REGION_SIZE - 1, 1) == reg_b + REGION_SIZE - 1);
	CHECK(guest_mem_gpa(&mem, GPA_B + REGION_SIZE, 1) == NULL);
	CHECK(guest_mem_gpa(&mem, GPA_A - 1, 1) == NULL);
	CHECK(guest_mem_gpa(&mem, UINT64_MAX - 4, 16) == NULL);
	CHECK(guest_mem_gpa(&mem, GPA_A + 16, UINT64_MAX) == NULL);
	CHECK(guest_mem_uva(&mem, 0x7000000000ull + 8, 8) == reg_a + 8);
	CHECK(guest_mem_uva(&mem, GPA_A, 8) == NULL);

	/* Split across the A/B boundary. */
	int n = guest_mem_gpa_iov(&mem, GPA_B - 10, 30, iov, 4);
	CHECK(n == 2);
	CHECK(iov[0].iov_base == reg_a + REGION_SIZE - 10 && iov[0].iov_len == 10);
	CHECK(iov[1].iov_base == reg_b && iov[1].iov_len == 20);
	CHECK(guest_mem_gpa_iov(&mem, GPA_B - 10, 30, iov, 1) == -1);
	CHECK(guest_mem_gpa_iov(&mem, GPA_B - 10, REGION_SIZE + 11, iov, 4) == -1);
	CHECK(guest_mem_gpa_iov(&mem, UINT64_MAX - 1, 4, iov, 4) == -1);
	CHECK(guest_mem_gpa_iov(&mem, GPA_A, 0, iov, 4) == 0);
}

static void test_direct_chain(void)
{
	setup(false);
	struct vring_desc *d = desc_table();
	/* readable 16 bytes in A, readable 32 bytes across A/B, writable 64 in B */
	set_desc(d, 3, GPA_A + 0x1000, 16, VRING_DESC_F_NEXT, 5);
	set_desc(d, 5, GPA_B - 8, 32, VRING_DESC_F_NEXT, 0);
	set_desc(d, 0, GPA_B + 0x100, 64, VRING_DESC_F_WRITE, 0);
	make_avail(3);

	CHECK(vq_pop(&vq, req) == 1);
	CHECK(req->head == 3);
	CHECK(req->rd_cnt == 3 && req->rd_len == 48);
	CHECK(req->rd[0].iov_base == reg_a + 0x1000 && req->rd[0].iov_len == 16);
	CHECK(req->rd[1].iov_len == 8 && req->rd[2].iov_base == reg_b && req->rd[2].iov_len == 24);
	CHECK(req->wr_cnt == 1 && req->wr_len == 64);
	CHECK(req->wr == req->rd + 3 && req->wr[0].iov_base == reg_b + 0x100);
	CHECK(vq_pop(&vq, req) == 0);

	vq_push(&vq, req, 100);   /* more than room: clamped */
	struct vring_used *u = used_ring();
	CHECK(u->idx == 1);
	CHECK(u->ring[0].id == 3 && u->ring[0].len == 64);
	CHECK(!vq.broken);
}

static void test_indirect_chain(void)
{
	setup(false);
	/* An indirect table at a misaligned address in region B. */
	uint64_t table_gpa = GPA_B + 0x2003;
	struct vring_desc t[3];
	memset(t, 0, sizeof(t));
	set_desc(t, 0, GPA_A + 0x3000, 40, VRING_DESC_F_NEXT, 2);
	set_desc(t, 2, GPA_A + 0x4000, 0, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	set_desc(t, 1, GPA_B + 0x5000, 4096, VRING_DESC_F_WRITE, 0);
	memcpy(reg_b + 0x2003, t, sizeof(t));
	set_desc(desc_table(), 7, table_gpa, sizeof(t), VRING_DESC_F_INDIRECT, 0);
	make_avail(7);

	CHECK(vq_pop(&vq, req) == 1);
	CHECK(req->head == 7);
	CHECK(req->rd_cnt == 1 && req->rd_len == 40 && req->rd[0].iov_base == reg_a + 0x3000);
	CHECK(req->wr_cnt == 1 && req->wr_len == 4096 && req->wr[0].iov_base == reg_b + 0x5000);
}

/* Make the chain at `head` available and expect it to be refused: pop
 * returns the following good chain (head 6) and the bad one is on the used
 * ring with length 0. */
static void expect_refused(const char *what, uint16_t head)
{
	set_desc(desc_table(), 6, GPA_A + 0x6000, 8, 0, 0);
	uint16_t used_before = used_ring()->idx;
	make_avail(head);
	make_avail(6);
	int r = vq_pop(&vq, req);
	if (r != 1 || req->head != 6) {
		fprintf(stderr, "%s: not refused (r=%d head=%u)\n", what, r, req->head);
		failures++;
		return;
	}
	struct vring_used *u = used_ring();
	CHECK(u->idx == (uint16_t)(used_before + 1));
	CHECK(u->ring[used_before % NUM].id == head && u->ring[used_before % NUM].len == 0);
	CHECK(!vq.broken);
	vq_push(&vq, req, 0);
}

static void test_refusals(void)
{
	struct vring_desc *d;
	struct vring_desc t[4];

	setup(false);
	d = desc_table();
	set_desc(d, 1, GPA_B + REGION_SIZE - 4, 8, 0, 0);
	expect_refused("outside memory", 1);

	setup(false);
	d = desc_table();
	set_desc(d, 1, UINT64_MAX - 0xfff, 0x2000, 0, 0);
	expect_refused("address wraps", 1);

	setup(false);
	d = desc_table();
	set_desc(d, 1, GPA_A, 0xffffffffu, VRING_DESC_F_NEXT, 2);
	set_desc(d, 2, GPA_A, 0xffffffffu, 0, 0);
	expect_refused("length overflow", 1);

	setup(false);
	d = desc_table();
	set_desc(d, 1, GPA_A + 0x1000, 8, VRING_DESC_F_NEXT, 2);
	set_desc(d, 2, GPA_A + 0x1000, 8, VRING_DESC_F_NEXT, 1);
	expect_refused("loop", 1);

	setup(false);
	d = desc_table();
	set_desc(d, 1, GPA_A + 0x1000, 8, VRING_DESC_F_NEXT, NUM);
	expect_refused("next beyond queue", 1);

	setup(false);
	d = desc_table();
	set_desc(d, 1, GPA_A + 0x1000, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(d, 2, GPA_A + 0x1000, 8, 0, 0);
	expect_refused("writable then readable", 1);

	/* Nested indirect. */
	setup(false);
	memset(t, 0, sizeof(t));
	set_desc(t, 0, GPA_B + 0x1000, 16, VRING_DESC_F_INDIRECT, 0);
	memcpy(reg_b, t, sizeof(t));
	set_desc(desc_table(), 1, GPA_B, sizeof(t), VRING_DESC_F_INDIRECT, 0);
	expect_refused("nested indirect", 1);

	setup(false);
	set_desc(desc_table(), 1, GPA_B, 17, VRING_DESC_F_INDIRECT, 0);
	expect_refused("indirect length not a multiple of 16", 1);

	setup(false);
	set_desc(desc_table(), 1, GPA_B, 0, VRING_DESC_F_INDIRECT, 0);
	expect_refused("empty indirect table", 1);

	setup(false);
	set_desc(desc_table(), 1, GPA_B, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 2);
	expect_refused("indirect with next", 1);

	/* A loop inside an indirect table: 0 -> 1 -> 2 -> 3 -> 0. */
	setup(false);
	for (unsigned i = 0; i < 4; i++)
		set_desc(t, i, GPA_A + 0x1000, 8, VRING_DESC_F_NEXT, (uint16_t)((i + 1) % 4));
	memcpy(reg_b, t, sizeof(t));
	set_desc(desc_table(), 1, GPA_B, sizeof(t), VRING_DESC_F_INDIRECT, 0);
	expect_refused("indirect loop", 1);

	/* An indirect table whose next leaves the table. */
	setup(false);
	set_desc(t, 0, GPA_A + 0x1000, 8, VRING_DESC_F_NEXT, 4);
	memcpy(reg_b, t, sizeof(t));
	set_desc(desc_table(), 1, GPA_B, sizeof(t), VRING_DESC_F_INDIRECT, 0);
	expect_refused("indirect next beyond table", 1);

	/* Indirect table outside memory. */
	setup(false);
	set_desc(desc_table(), 1, GPA_B + REGION_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
	expect_refused("indirect table outside memory", 1);

	/* A chain needing more iovecs than VQ_MAX_IOV: an indirect table of
	 * 1024 entries each crossing the A/B boundary needs 2048. */
	setup(false);
	size_t big = VQ_MAX_SIZE * sizeof(struct vring_desc);
	struct vring_desc *bt = (struct vring_desc *)(reg_b + 0x8000);
	CHECK(big <= 0x8000);
	for (unsigned i = 0; i < VQ_MAX_SIZE; i++)
		set_desc(bt, i, GPA_B - 1, 2, i + 1 < VQ_MAX_SIZE ? VRING_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	set_desc(desc_table(), 1, GPA_B + 0x8000, (uint32_t)big, VRING_DESC_F_INDIRECT, 0);
	expect_refused("too many segments", 1);
}

static void test_broken_ring(void)
{
	setup(false);
	struct vring_avail *av = gpa(AVAIL_GPA);
	av->idx = NUM + 1;
	CHECK(vq_pop(&vq, req) == -1);
	CHECK(vq.broken);
	av->idx = 0;
	CHECK(vq_pop(&vq, req) == -1);   /* stays broken */

	setup(false);
	make_avail(NUM);                  /* head beyond the queue */
	CHECK(vq_pop(&vq, req) == -1);
	CHECK(vq.broken);

	/* Exactly num entries pending is fine. */
	setup(false);
	for (unsigned i = 0; i < NUM; i++) {
		set_desc(desc_table(), i, GPA_A + 0x1000, 8, 0, 0);
		make_avail((uint16_t)i);
	}
	for (unsigned i = 0; i < NUM; i++) {
		CHECK(vq_pop(&vq, req) == 1);
		vq_push(&vq, req, 0);
	}
	CHECK(vq_pop(&vq, req) == 0);
	CHECK(used_ring()->idx == NUM);

	/* Index wrap-around at 2^16. */
	pthread_mutex_destroy(&vq.push_lock);
	vq_init(&vq, NUM, gpa(DESC_GPA), gpa(AVAIL_GPA), gpa(USED_GPA), &mem, 0xfffe, false);
	av->idx = 0xfffe;
	make_avail(0);
	make_avail(1);
	make_avail(2);
	CHECK(av->idx == 1);
	CHECK(vq_pop(&vq, req) == 1 && req->head == 0);
	CHECK(vq_pop(&vq, req) == 1 && req->head == 1);
	CHECK(vq_pop(&vq, req) == 1 && req->head == 2);
	CHECK(vq_pop(&vq, req) == 0);
}

/* A guest that publishes a new bad chain each time one is dropped (a vCPU
 * spinning on the used ring can) must not keep vq_pop dropping forever:
 * its caller checks for a stop or a memory change only between pops. */
static unsigned republished;

static void republish_bad(void *opaque, const void *hva, uint64_t len)
{
	(void)opaque;
	(void)len;
	/* The used idx is the last thing a push writes. */
	if (hva == &used_ring()->idx && republished < 10 * NUM) {
		republished++;
		make_avail(0);
	}
}

static void test_bad_chains_bounded(void)
{
	setup(false);
	set_desc(desc_table(), 0, 0x1000, 8, 0, 0);   /* below guest memory */
	make_avail(0);
	republished = 0;
	vq.log_write = republish_bad;
	CHECK(vq_pop(&vq, req) == 0);
	CHECK(used_ring()->idx <= NUM);               /* chains dropped in that call */
	CHECK(!vq.broken);
	CHECK(vq_pop(&vq, req) == 0);                 /* the next call goes on */
	CHECK(used_ring()->idx > NUM && used_ring()->idx <= 2 * NUM);
	vq.log_write = NULL;
}

static uint64_t read_calls(int efd)
{
	uint64_t v = 0;
	if (read(efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		perror("read eventfd");
	return v;
}

static void push_one(void)
{
	set_desc(desc_table(), 0, GPA_A + 0x1000, 8, 0, 0);
	make_avail(0);
	CHECK(vq_pop(&vq, req) == 1);
	vq_push(&vq, req, 0);
}

static void test_notify(void)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK(efd >= 0);

	/* Without EVENT_IDX: notify unless VRING_AVAIL_F_NO_INTERRUPT. */
	setup(false);
	vq.call_fd = efd;
	push_one();
	vq_notify(&vq);
	CHECK(read_calls(efd) == 1);
	vq_notify(&vq);                  /* nothing new: no interrupt */
	CHECK(read_calls(efd) == 0);
	struct vring_avail *av = gpa(AVAIL_GPA);
	av->flags = VRING_AVAIL_F_NO_INTERRUPT;
	push_one();
	vq_notify(&vq);
	CHECK(read_calls(efd) == 0);

	/* With EVENT_IDX: notify when used idx passes used_event. */
	setup(true);
	vq.call_fd = efd;
	uint16_t *used_event = &av->ring[NUM];
	push_one();                      /* used idx 1 */
	vq_notify(&vq);                  /* first notification always goes */
	CHECK(read_calls(efd) == 1);
	*used_event = 2;                 /* wake me when entry 2 is used */
	push_one();                      /* used idx 2: entry 1 used */
	vq_notify(&vq);
	CHECK(read_calls(efd) == 0);
	push_one();                      /* used idx 3: entry 2 used */
	vq_notify(&vq);
	CHECK(read_calls(efd) == 1);
	push_one();                      /* used idx 4, event still 2 */
	vq_notify(&vq);
	CHECK(read_calls(efd) == 0);
	*used_event = 4;
	push_one();
	push_one();                      /* used idx 6: passed 4 in one batch */
	vq_notify(&vq);
	CHECK(read_calls(efd) == 1);
	close(efd);
}

static void test_kicks(void)
{
	struct vring_used *u;

	setup(false);
	u = used_ring();
	vq_disable_kicks(&vq);
	CHECK(u->flags & VRING_USED_F_NO_NOTIFY);
	CHECK(!vq_enable_kicks(&vq));
	CHECK(!(u->flags & VRING_USED_F_NO_NOTIFY));
	set_desc(desc_table(), 0, GPA_A + 0x1000, 8, 0, 0);
	make_avail(0);
	CHECK(vq_enable_kicks(&vq));     /* something arrived: pop again */

	setup(true);
	u = used_ring();
	uint16_t *avail_event = (uint16_t *)&u->ring[NUM];
	push_one();
	push_one();
	CHECK(!vq_enable_kicks(&vq));
	CHECK(*avail_event == 2);
	vq_disable_kicks(&vq);
	CHECK(u->flags == 0);

	/* Kick after the third new request: the guest kicks when it
	 * publishes index avail_event.  True once three are waiting. */
	CHECK(!vq_enable_kicks_after(&vq, 3));
	CHECK(*avail_event == 4);
	make_avail(0);
	make_avail(0);
	CHECK(!vq_enable_kicks_after(&vq, 3));
	make_avail(0);
	CHECK(vq_enable_kicks_after(&vq, 3));
	CHECK(vq_enable_kicks_after(&vq, 0));  /* 0 is taken as 1 */
	CHECK(*avail_event == 2);
	vq_disable_kicks(&vq);                 /* passed: left alone */
	CHECK(*avail_event == 2);
	CHECK(!vq_enable_kicks_after(&vq, 8));     /* 3 waiting */
	CHECK(*avail_event == 9);
	vq_disable_kicks(&vq);                 /* not passed: put behind */
	CHECK(*avail_event == 1);
	vq_disable_kicks(&vq);
	CHECK(*avail_event == 1);

	/* Across the 16-bit wrap of the indices. */
	setup(true);
	u = used_ring();
	avail_event = (uint16_t *)&u->ring[NUM];
	vq.last_avail = 65534;
	((struct vring_avail *)gpa(AVAIL_GPA))->idx = 65534;
	CHECK(!vq_enable_kicks_after(&vq, 4));
	CHECK(*avail_event == 1);
	for (int i = 0; i < 3; i++)
		make_avail(0);
	CHECK(!vq_enable_kicks_after(&vq, 4));
	make_avail(0);
	CHECK(vq_enable_kicks_after(&vq, 4));

	/* Without EVENT_IDX there is no count to ask for: any request
	 * kicks, and one waiting is enough. */
	setup(false);
	u = used_ring();
	vq_disable_kicks(&vq);
	CHECK(!vq_enable_kicks_after(&vq, 8));
	CHECK(!(u->flags & VRING_USED_F_NO_NOTIFY));
	set_desc(desc_table(), 0, GPA_A + 0x1000, 8, 0, 0);
	make_avail(0);
	CHECK(vq_enable_kicks_after(&vq, 8));
}

static unsigned log_calls;
static uint64_t log_bytes;
static void count_log(void *opaque, const void *hva, uint64_t len)
{
	(void)opaque;
	(void)hva;
	log_calls++;
	log_bytes += len;
}

static void test_log_write(void)
{
	setup(false);
	vq.log_write = count_log;
	struct vring_desc *d = desc_table();
	set_desc(d, 0, GPA_A + 0x1000, 8, VRING_DESC_F_NEXT, 1);
	set_desc(d, 1, GPA_B - 100, 200, VRING_DESC_F_WRITE, 0);   /* 2 iovecs */
	make_avail(0);
	CHECK(vq_pop(&vq, req) == 1);
	CHECK(req->wr_cnt == 2);
	vq_push(&vq, req, 150);
	/* 100 + 50 bytes of payload, the used element and the used idx. */
	CHECK(log_calls == 4);
	CHECK(log_bytes == 150 + sizeof(struct vring_used_elem) + 2);
}

int main(void)
{
	reg_a = aligned_alloc(4096, REGION_SIZE);
	reg_b = aligned_alloc(4096, REGION_SIZE);
	req = malloc(sizeof(*req));
	if (!reg_a || !reg_b || !req)
		return 1;
	mem.nregions = 2;
	/* B first: lookups must not depend on table order. */
	mem.regions[0] = (struct guest_region){ .gpa = GPA_B, .size = REGION_SIZE,
		.uva = 0x7000100000ull, .hva = reg_b };
	mem.regions[1] = (struct guest_region){ .gpa = GPA_A, .size = REGION_SIZE,
		.uva = 0x7000000000ull, .hva = reg_a };

	test_guest_mem();
	test_direct_chain();
	test_indirect_chain();
	test_refusals();
	test_broken_ring();
	test_bad_chains_bounded();
	test_notify();
	test_kicks();
	test_log_write();

	pthread_mutex_destroy(&vq.push_lock);
	free(req);
	free(reg_a);
	free(reg_b);
	if (failures) {
		fprintf(stderr, "test_transport_virtqueue: %d failures\n", failures);
		return 1;
	}
	return 0;
}
