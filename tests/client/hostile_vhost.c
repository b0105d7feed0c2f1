/* Hostile vhost-user messages from a broken VMM: bad payload sizes, broken
 * framing, too many fds, bad memory tables and regions, ring addresses
 * outside guest memory, queue indexes out of range, features never offered.  A message
 * that can be refused is NACKed (REPLY_ACK is negotiated); one that breaks
 * the stream ends the connection, and the daemon (--keep-listening) serves
 * the next one. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"
#include "scm_send.h"

/* A command must be refused: NACK (-EIO from vuc_command). */
static int nacked(struct env *e, const char *what, uint32_t request, const void *p,
		  uint32_t len, const int *fds, int nfds)
{
	int r = vuc_command(&e->s.c, request, p, len, fds, nfds);

	if (r == 0)
		return h_fail(e, "%s: accepted", what);
	if (r != -EIO)
		return h_fail(e, "%s: no NACK (%s)", what, strerror(-r));
	return 0;
}

static int bad_payload_sizes(struct env *e)
{
	static const uint32_t reqs[] = {
		VUC_SET_FEATURES, VUC_SET_PROTOCOL_FEATURES, VUC_SET_MEM_TABLE,
		VUC_SET_VRING_NUM, VUC_SET_VRING_ADDR, VUC_SET_VRING_BASE, VUC_SET_VRING_KICK,
		VUC_SET_VRING_CALL, VUC_SET_VRING_ERR, VUC_SET_VRING_ENABLE,
	};
	static const uint32_t sizes[] = { 0, 1, 4, 7, 9, 12, 39, 41, 4096 };
	static uint8_t zero[4096];
	char what[64];

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			uint32_t want = reqs[i] == VUC_SET_VRING_ADDR ? 40 : 8;
			if (sizes[k] == want)
				continue;
			snprintf(what, sizeof(what), "request %u with %u bytes", reqs[i], sizes[k]);
			if (nacked(e, what, reqs[i], zero, sizes[k], NULL, 0) < 0)
				return -1;
		}
	return 0;
}

/* The stream itself is broken: the daemon must hang up, then serve the
 * next connection. */
static int expect_hangup(struct env *e, const char *what)
{
	struct vuc_msg m;
	int r;

	e->s.c.timeout_ms = 10000;
	while ((r = vuc_recv(&e->s.c, &m)) == 0)
		for (int i = 0; i < m.nfds; i++)
			close(m.fds[i]);
	if (r != -ECONNRESET)
		return h_fail(e, "%s: the daemon did not hang up (%s)", what, strerror(-r));
	return h_reconnect(e);
}

static int oversized_payload(struct env *e)
{
	static uint8_t big[8192];

	if (vuc_send_raw(&e->s.c, VUC_SET_FEATURES, VUC_FLAG_VERSION, big, 5000, NULL, 0) < 0)
		return h_fail(e, "send");
	return expect_hangup(e, "5000-byte payload");
}

static int bad_version(struct env *e)
{
	uint64_t f = 0;

	if (vuc_send_raw(&e->s.c, VUC_GET_FEATURES, 0x2, &f, 0, NULL, 0) < 0)
		return h_fail(e, "send");
	return expect_hangup(e, "version 2");
}

static int size_lies_then_eof(struct env *e)
{
	uint64_t f = 0;

	/* The header says 100 bytes, 8 follow, then we stop sending. */
	if (vuc_send_lying(&e->s.c, VUC_SET_FEATURES, VUC_FLAG_VERSION, 100, &f, 8, NULL, 0) < 0)
		return h_fail(e, "send");
	shutdown(e->s.c.sock, SHUT_WR);
	return expect_hangup(e, "payload cut short");
}

/* A pipe whose write end we hand out: once the daemon closed every copy
 * (and we closed ours), the read end sees EOF.  An fd the daemon keeps
 * shows up as a read end that never ends. */
static int fds_all_closed(struct env *e, int rd, const char *what)
{
	struct pollfd p = { .fd = rd, .events = POLLIN };
	char c;

	for (int i = 0; i < 100; i++) {
		if (poll(&p, 1, 100) == 1 && read(rd, &c, 1) == 0) {
			close(rd);
			return 0;
		}
	}
	close(rd);
	return h_fail(e, "%s: the daemon kept an fd it was given", what);
}

/* sendmsg with up to SCM_SEND_MAX_FDS fds (vuc_send_raw stops at 8). */
static int send_with_fds(struct env *e, uint32_t request, const void *p, uint32_t len,
			 const int *fds, int nfds)
{
	struct vuc_hdr h = { request, VUC_FLAG_VERSION | VUC_FLAG_NEED_REPLY, len };

	return scm_send(e->s.c.sock, &h, sizeof(h), p, len, fds, nfds, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int ack_status(struct env *e, uint32_t request, uint64_t *status)
{
	struct vuc_msg m;
	int r = vuc_recv(&e->s.c, &m);

	for (int i = 0; i < m.nfds; i++)
		close(m.fds[i]);
	if (r < 0)
		return r;
	if (m.hdr.request != request || m.hdr.size != 8)
		return -EPROTO;
	memcpy(status, m.payload, 8);
	return 0;
}

static int too_many_fds(struct env *e)
{
	int pfd[2], fds[40];
	uint64_t v = 1, status;

	if (pipe(pfd) < 0)
		return h_fail(e, "pipe");
	for (int i = 0; i < 40; i++)
		fds[i] = pfd[1];
	int r = send_with_fds(e, VUC_SET_VRING_CALL, &v, 8, fds, 40);
	close(pfd[1]);
	if (r < 0)
		return h_fail(e, "sendmsg: %s", strerror(-r));
	if ((r = ack_status(e, VUC_SET_VRING_CALL, &status)) < 0)
		return h_fail(e, "no ack for SET_VRING_CALL with 40 fds: %s", strerror(-r));
	if (status == 0)
		return h_fail(e, "SET_VRING_CALL with 40 fds accepted");
	if (fds_all_closed(e, pfd[0], "40 fds") < 0)
		return -1;
	/* The call fd of queue 1 may be gone: give it back. */
	if (vuc_set_vring_call(&e->s.c, 1, e->s.req.call_fd) < 0)
		return h_fail(e, "SET_VRING_CALL afterwards failed");
	return 0;
}

static int fds_where_none_belong(struct env *e)
{
	int pfd[2], fds[3];
	uint64_t f;
	struct vuc_vring_state st = { 1, 128 };

	if (pipe(pfd) < 0)
		return h_fail(e, "pipe");
	fds[0] = fds[1] = fds[2] = pfd[1];
	int r1 = vuc_request(&e->s.c, VUC_GET_FEATURES, NULL, 0, fds, 3, &f, 8);
	int r2 = vuc_command(&e->s.c, VUC_SET_OWNER, NULL, 0, fds, 2);
	int r3 = vuc_command(&e->s.c, VUC_SET_VRING_ENABLE, &st, 8, fds, 1);
	/* two call fds for one ring */
	uint64_t v = 1;
	int r4 = vuc_command(&e->s.c, VUC_SET_VRING_CALL, &v, 8, fds, 2);
	close(pfd[1]);
	if (r1 < 0 || (r2 < 0 && r2 != -EIO) || (r3 < 0 && r3 != -EIO))
		return h_fail(e, "messages with stray fds not answered (%d %d %d)", r1, r2, r3);
	if (r4 == 0)
		return h_fail(e, "SET_VRING_CALL with 2 fds accepted");
	if (fds_all_closed(e, pfd[0], "stray fds") < 0)
		return -1;
	if (vuc_set_vring_call(&e->s.c, 1, e->s.req.call_fd) < 0)
		return h_fail(e, "SET_VRING_CALL afterwards failed");
	return 0;
}

struct mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vuc_mem_region r[9];
};

static struct vuc_mem_region region(struct env *e, uint64_t gpa, uint64_t size, uint64_t uva)
{
	return (struct vuc_mem_region){ gpa, size, uva, 0 };
}

static int mem_table_nack(struct env *e, const char *what, struct mem_table *t, const int *fds,
			  int nfds)
{
	return nacked(e, what, VUC_SET_MEM_TABLE, t, 8 + t->nregions * 32, fds, nfds);
}

static int mem_table_empty(struct env *e)
{
	struct mem_table t = { 0 };

	return mem_table_nack(e, "0 regions", &t, NULL, 0);
}

static int mem_table_overlap(struct env *e)
{
	struct vuc *c = &e->s.c;
	uint64_t uva = vuc_uva(c, c->mem), half = c->mem_size / 2;
	struct mem_table t = { .nregions = 2 };
	int fds[2] = { c->memfd, c->memfd };

	t.r[0] = region(e, VUC_GPA_BASE, c->mem_size, uva);
	t.r[1] = region(e, VUC_GPA_BASE + half, c->mem_size, uva + c->mem_size);
	if (mem_table_nack(e, "guest-physical overlap", &t, fds, 2) < 0)
		return -1;
	t.r[1] = region(e, VUC_GPA_BASE + c->mem_size, c->mem_size, uva + half);
	if (mem_table_nack(e, "frontend-virtual overlap", &t, fds, 2) < 0)
		return -1;
	t.r[1] = t.r[0];
	return mem_table_nack(e, "the same region twice", &t, fds, 2);
}

static int mem_table_malformed(struct env *e)
{
	struct vuc *c = &e->s.c;
	uint64_t uva = vuc_uva(c, c->mem);
	struct mem_table t = { .nregions = 9 };
	int fds[9], pfd[2];

	for (int i = 0; i < 9; i++) {
		fds[i] = c->memfd;
		t.r[i] = region(e, VUC_GPA_BASE + (uint64_t)i * c->mem_size, c->mem_size,
				uva + (uint64_t)i * c->mem_size);
	}
	if (nacked(e, "9 regions", VUC_SET_MEM_TABLE, &t, 8 + 8 * 32, fds, 8) < 0)
		return -1;
	t.nregions = 2;
	if (mem_table_nack(e, "2 regions, 1 fd", &t, fds, 1) < 0)
		return -1;
	t.nregions = 1;
	if (mem_table_nack(e, "1 region, 0 fds", &t, fds, 0) < 0 ||
	    mem_table_nack(e, "1 region, 2 fds", &t, fds, 2) < 0)
		return -1;
	t.r[0] = region(e, VUC_GPA_BASE, c->mem_size * 4, uva);
	if (mem_table_nack(e, "region larger than its file", &t, fds, 1) < 0)
		return -1;
	t.r[0] = region(e, ~0ull - 4095, c->mem_size, uva);
	if (mem_table_nack(e, "region wrapping 2^64 (guest-physical)", &t, fds, 1) < 0)
		return -1;
	t.r[0] = region(e, VUC_GPA_BASE, c->mem_size, ~0ull - 4095);
	if (mem_table_nack(e, "region wrapping 2^64 (frontend-virtual)", &t, fds, 1) < 0)
		return -1;
	t.r[0] = region(e, VUC_GPA_BASE, 0, uva);
	if (mem_table_nack(e, "empty region", &t, fds, 1) < 0)
		return -1;
	t.r[0] = region(e, VUC_GPA_BASE, c->mem_size, uva);
	t.r[0].mmap_offset = ~0ull - 100;
	if (mem_table_nack(e, "mmap_offset near 2^64", &t, fds, 1) < 0)
		return -1;
	t.r[0].mmap_offset = 0;
	if (pipe(pfd) < 0)
		return h_fail(e, "pipe");
	int r = mem_table_nack(e, "a pipe as guest memory", &t, &pfd[0], 1);
	close(pfd[0]);
	close(pfd[1]);
	return r;
}

/* A valid table that no longer holds the rings: the queues stop; the
 * original table brings them back (and a ring reset follows). */
static int mem_table_rings_vanish(struct env *e)
{
	struct vuc *c = &e->s.c;
	int fd = memfd_create("other", MFD_CLOEXEC);
	struct mem_table t = { .nregions = 1 };

	if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
		return h_fail(e, "memfd");
	t.r[0] = region(e, 0x200000000ull, 1 << 20, 0x7e0000000000ull);
	vuc_command(c, VUC_SET_MEM_TABLE, &t, 8 + 32, &fd, 1);   /* ack or nack */
	close(fd);
	/* A request now has nowhere to go; then restore. */
	fr_getattr(&e->bad, fs_unique(&e->s), FUSE_ROOT_ID);
	fr_submit(&e->bad, &e->s.req, false);
	vr_kick(&e->s.req, true);
	usleep(200 * 1000);
	if (vuc_set_mem_table(c) < 0)
		return h_fail(e, "restoring the memory table failed");
	return h_requeue(e);
}

/* The rings vanish while the hiprio queue holds an answer it has not told
 * yet (a notice queue tells lazily): stopping that queue then must not
 * touch the rings of the table that is gone. */
static int mem_table_rings_vanish_untold(struct env *e)
{
	struct vuc *c = &e->s.c;
	int fd = memfd_create("other", MFD_CLOEXEC);
	struct mem_table t = { .nregions = 1 };
	struct fr_reply r;
	struct vr_used u;
	const char *why = NULL;
	unsigned base;
	int got = 0;

	if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
		return h_fail(e, "memfd");
	/* The first answer is told at once, the second one deferred. */
	fr_getattr(&e->slot, fs_unique(&e->s), FUSE_ROOT_ID);
	if (fr_call(&e->slot, &e->s.hiprio, H_WAIT_MS, &r, &why) < 0) {
		close(fd);
		return h_fail(e, "GETATTR on the hiprio queue: %s", why ? why : "failed");
	}
	fr_getattr(&e->bad, fs_unique(&e->s), FUSE_ROOT_ID);
	fr_submit(&e->bad, &e->s.hiprio, false);
	vr_kick(&e->s.hiprio, true);
	for (int i = 0; i < 20000 && got == 0; i++) {
		got = vr_get_used(&e->s.hiprio, &u);
		if (got == 0)
			usleep(50);
	}
	t.r[0] = region(e, 0x200000000ull, 1 << 20, 0x7e0000000000ull);
	vuc_command(c, VUC_SET_MEM_TABLE, &t, 8 + 32, &fd, 1);   /* ack or nack */
	close(fd);
	if (got != 1)
		return h_fail(e, "second GETATTR on the hiprio queue not answered");
	if (vuc_get_vring_base(c, 0, &base) < 0)
		return h_fail(e, "GET_VRING_BASE 0 not answered");
	if (vuc_set_mem_table(c) < 0)
		return h_fail(e, "restoring the memory table failed");
	vr_destroy(&e->s.hiprio);
	if (vr_create(&e->s.hiprio, c, 0, 128, e->s.req.event_idx) < 0 || vr_setup(&e->s.hiprio) < 0)
		return h_fail(e, "setting queue 0 up again failed");
	return h_requeue(e);
}

/* A region whose mmap_offset is odd: the ring addresses are aligned in
 * the frontend's view, but not in the daemon's mapping of them.  The rings
 * must not be used there (misaligned accesses); the original table and a
 * ring reset bring the queues back. */
static int mem_table_offset_misaligns_rings(struct env *e)
{
	struct vuc *c = &e->s.c;
	struct mem_table t = { .nregions = 1 };
	struct vr_used u;

	t.r[0] = region(e, VUC_GPA_BASE, c->mem_size - 4096, vuc_uva(c, c->mem));
	t.r[0].mmap_offset = 1;
	vuc_command(c, VUC_SET_MEM_TABLE, &t, 8 + 32, &c->memfd, 1);   /* ack or nack */
	fr_getattr(&e->slot, fs_unique(&e->s), FUSE_ROOT_ID);
	fr_submit(&e->slot, &e->s.req, false);
	vr_kick(&e->s.req, true);
	usleep(200 * 1000);
	while (vr_get_used(&e->s.req, &u) == 1)
		;
	if (vuc_set_mem_table(c) < 0)
		return h_fail(e, "restoring the memory table failed");
	return h_requeue(e);
}

/* SET_VRING_ADDR outside guest memory, misaligned, crossing its end. */
static int vring_addr_bad(struct env *e)
{
	struct vuc *c = &e->s.c;
	struct vring_drv *vr = &e->s.req;
	unsigned base;
	uint8_t *end = c->mem + c->mem_size;

	if (vuc_get_vring_base(c, 1, &base) < 0)
		return h_fail(e, "GET_VRING_BASE");
	struct { const char *what; uint64_t d, a, u; } bad[] = {
		{ "desc below memory", 0x1000, vuc_uva(c, vr->avail), vuc_uva(c, vr->used) },
		{ "avail past memory", vuc_uva(c, vr->desc), vuc_uva(c, end), vuc_uva(c, vr->used) },
		{ "used crossing the end", vuc_uva(c, vr->desc), vuc_uva(c, vr->avail),
		  vuc_uva(c, end - 64) },
		{ "desc misaligned", vuc_uva(c, vr->desc) + 1, vuc_uva(c, vr->avail), vuc_uva(c, vr->used) },
		{ "used misaligned", vuc_uva(c, vr->desc), vuc_uva(c, vr->avail), vuc_uva(c, vr->used) + 2 },
		{ "desc wrapping 2^64", ~0ull - 15, vuc_uva(c, vr->avail), vuc_uva(c, vr->used) },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vuc_vring_addr a = { .index = 1, .desc_uva = bad[i].d, .avail_uva = bad[i].a,
					    .used_uva = bad[i].u };
		if (nacked(e, bad[i].what, VUC_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) < 0)
			return -1;
	}
	/* Flags other than VHOST_VRING_F_LOG (bit 0) do not exist. */
	struct vuc_vring_addr a = { .index = 1, .flags = 2, .desc_uva = vuc_uva(c, vr->desc),
				    .avail_uva = vuc_uva(c, vr->avail), .used_uva = vuc_uva(c, vr->used) };
	if (nacked(e, "unknown ring flag 0x2", VUC_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) < 0)
		return -1;
	return h_requeue(e);
}

static int vring_num_bad(struct env *e)
{
	static const uint32_t nums[] = { 0, 3, 100, 2048, 32768, 65536, 0xffffffffu };
	struct vuc_vring_state st = { 2, 0 };
	char what[64];

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		st.num = nums[i];
		snprintf(what, sizeof(what), "SET_VRING_NUM %u", nums[i]);
		if (nacked(e, what, VUC_SET_VRING_NUM, &st, sizeof(st), NULL, 0) < 0)
			return -1;
	}
	st.index = 1;
	st.num = 64;
	if (nacked(e, "SET_VRING_NUM on a running ring", VUC_SET_VRING_NUM, &st, sizeof(st), NULL, 0) < 0)
		return -1;
	st.num = 70000;
	if (nacked(e, "SET_VRING_BASE 70000", VUC_SET_VRING_BASE, &st, sizeof(st), NULL, 0) < 0)
		return -1;
	st.num = 5;
	if (nacked(e, "SET_VRING_BASE on a running ring", VUC_SET_VRING_BASE, &st, sizeof(st), NULL, 0) < 0)
		return -1;
	st.num = 7;
	return nacked(e, "SET_VRING_ENABLE 7", VUC_SET_VRING_ENABLE, &st, sizeof(st), NULL, 0);
}

/* Queue indexes at the number of queues the daemon announced, past it,
 * and past what an 8-bit kick/call index or a u32 can hold. */
static int queue_index_out_of_range(struct env *e)
{
	struct vuc *c = &e->s.c;
	unsigned nq = e->s.backend_queues;
	const uint32_t idx[] = { nq, nq + 1, 17, 18, 255, 256, 0xffffffffu };
	int efd = eventfd(0, EFD_CLOEXEC);
	char what[80];

	if (nq < 2)
		return h_fail(e, "MQ not negotiated (GET_QUEUE_NUM %u)", nq);
	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		struct vuc_vring_state st = { idx[i], 64 };
		struct vuc_vring_addr a = { .index = idx[i], .desc_uva = vuc_uva(c, e->s.req.desc),
					    .avail_uva = vuc_uva(c, e->s.req.avail),
					    .used_uva = vuc_uva(c, e->s.req.used) };
#define NACK(req, p, n, fds, nfds) do { \
	snprintf(what, sizeof(what), "%s for queue %u", #req, idx[i]); \
	if (nacked(e, what, req, p, n, fds, nfds) < 0) { close(efd); return -1; } } while (0)
		NACK(VUC_SET_VRING_NUM, &st, sizeof(st), NULL, 0);
		NACK(VUC_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
		st.num = 0;
		NACK(VUC_SET_VRING_BASE, &st, sizeof(st), NULL, 0);
		st.num = 1;
		NACK(VUC_SET_VRING_ENABLE, &st, sizeof(st), NULL, 0);
		if (idx[i] <= 0xff) {
			uint64_t v = idx[i];
			NACK(VUC_SET_VRING_KICK, &v, 8, &efd, 1);
			NACK(VUC_SET_VRING_CALL, &v, 8, &efd, 1);
			NACK(VUC_SET_VRING_ERR, &v, 8, &efd, 1);
		}
#undef NACK
		struct vuc_vring_state out;
		st.num = 0;
		int r = vuc_request(c, VUC_GET_VRING_BASE, &st, sizeof(st), NULL, 0, &out, sizeof(out));
		if (r < 0) {
			close(efd);
			return h_fail(e, "GET_VRING_BASE for queue %u not answered: %s", idx[i],
				      strerror(-r));
		}
	}
	close(efd);
	return 0;
}

/* The highest request queue the daemon offers (index 16 of 17) works. */
static int last_request_queue(struct env *e)
{
	struct vring_drv q;
	struct fr_reply r;
	const char *why = NULL;
	unsigned last = e->s.backend_queues - 1;

	if (last < 1)
		return h_fail(e, "MQ not negotiated");
	if (vr_create(&q, &e->s.c, last, 64, e->s.req.event_idx) < 0 || vr_setup(&q) < 0)
		return h_fail(e, "setting up queue %u failed", last);
	fr_getattr(&e->slot, fs_unique(&e->s), FUSE_ROOT_ID);
	int ret = fr_call(&e->slot, &q, H_WAIT_MS, &r, &why);
	vr_destroy(&q);
	if (ret < 0 || r.error)
		return h_fail(e, "GETATTR on queue %u: %s", last, why ? why : strerror(ret < 0 ? -ret : -r.error));
	return 0;
}

static int vring_fd_bad(struct env *e)
{
	uint64_t v = 1 | (1ull << 8);     /* queue 1, no fd: polling */
	int efd = eventfd(0, EFD_CLOEXEC);

	if (nacked(e, "SET_VRING_KICK without an fd", VUC_SET_VRING_KICK, &v, 8, NULL, 0) < 0)
		return -1;
	v = 1 | (1ull << 40);
	if (nacked(e, "SET_VRING_CALL with unknown bits", VUC_SET_VRING_CALL, &v, 8, &efd, 1) < 0)
		return -1;
	v = 1;
	if (nacked(e, "SET_VRING_ERR with the no-fd bit clear and no fd", VUC_SET_VRING_ERR, &v, 8,
		   NULL, 0) < 0)
		return -1;
	close(efd);
	/* The failed KICK may have stopped the ring. */
	return h_requeue(e);
}

/* A kick fd that is no eventfd (a regular file: always readable, reads 0):
 * the ring idles; a proper kick fd brings it back. */
static int kick_fd_not_eventfd(struct env *e)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/share/file", e->base);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t v = 1;
	if (fd < 0)
		return h_fail(e, "open");
	vuc_command(&e->s.c, VUC_SET_VRING_KICK, &v, 8, &fd, 1);   /* ack or nack */
	close(fd);
	usleep(100 * 1000);
	return h_requeue(e);
}

/* A call fd the daemon cannot write (a pipe's read end): requests are
 * still completed; the right fd brings interrupts back. */
static int call_fd_unwritable(struct env *e)
{
	int pfd[2];
	uint64_t v = 1;
	struct vr_used u;

	if (pipe(pfd) < 0)
		return h_fail(e, "pipe");
	int r = vuc_command(&e->s.c, VUC_SET_VRING_CALL, &v, 8, &pfd[0], 1);
	close(pfd[0]);
	close(pfd[1]);
	if (r < 0 && r != -EIO)
		return h_fail(e, "SET_VRING_CALL with a pipe: %s", strerror(-r));
	fr_getattr(&e->slot, fs_unique(&e->s), FUSE_ROOT_ID);
	if (fr_submit(&e->slot, &e->s.req, false) < 0)
		return h_fail(e, "submit");
	vr_kick(&e->s.req, true);
	for (int i = 0; i < 200 && vr_get_used(&e->s.req, &u) == 0; i++)
		usleep(10 * 1000);
	if (vr_outstanding(&e->s.req))
		return h_fail(e, "GETATTR not completed with an unwritable call fd");
	if (vuc_set_vring_call(&e->s.c, 1, e->s.req.call_fd) < 0)
		return h_fail(e, "restoring the call fd failed");
	return 0;
}

/* A call fd that blocks: a pipe's write end, full (the VMM never reads
 * it).  Telling the guest must not hang the queue thread, or stopping the
 * ring (GET_VRING_BASE) would hang the daemon. */
static int call_fd_blocking(struct env *e)
{
	static const char fill[4096];
	int pfd[2];
	uint64_t v = 1;
	struct vr_used u;
	unsigned base;
	int got = 0;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return h_fail(e, "pipe");
	/* Fill it without blocking ourselves, then make it blocking again. */
	if (fcntl(pfd[1], F_SETFL, O_NONBLOCK) < 0)
		return h_fail(e, "fcntl");
	while (write(pfd[1], fill, sizeof(fill)) > 0)
		;
	while (write(pfd[1], fill, 1) > 0)
		;
	if (fcntl(pfd[1], F_SETFL, 0) < 0)
		return h_fail(e, "fcntl");
	int r = vuc_command(&e->s.c, VUC_SET_VRING_CALL, &v, 8, &pfd[1], 1);
	if (r < 0 && r != -EIO) {
		close(pfd[0]);
		close(pfd[1]);
		return h_fail(e, "SET_VRING_CALL with a pipe: %s", strerror(-r));
	}
	vr_wait(&e->s.req, 0);      /* ask to be told of the next answer */
	fr_getattr(&e->slot, fs_unique(&e->s), FUSE_ROOT_ID);
	if (fr_submit(&e->slot, &e->s.req, false) < 0)
		return h_fail(e, "submit");
	vr_kick(&e->s.req, true);
	for (int i = 0; i < 200 && got == 0; i++) {
		got = vr_get_used(&e->s.req, &u);
		if (got == 0)
			usleep(10 * 1000);
	}
	r = vuc_get_vring_base(&e->s.c, 1, &base);
	close(pfd[0]);
	close(pfd[1]);
	if (got != 1)
		return h_fail(e, "GETATTR not completed with a blocking call fd");
	if (r < 0)
		return h_fail(e, "GET_VRING_BASE 1 with a blocking call fd: %s", strerror(-r));
	return h_requeue(e);
}

static int features_not_offered(struct env *e)
{
	uint64_t f = e->s.c.features | (1ull << 63);

	if (nacked(e, "SET_FEATURES bit 63", VUC_SET_FEATURES, &f, 8, NULL, 0) < 0)
		return -1;
	f = e->s.c.protocol_features | (1ull << 40) | (1ull << 1);
	if (nacked(e, "SET_PROTOCOL_FEATURES bits 1 and 40", VUC_SET_PROTOCOL_FEATURES, &f, 8,
		   NULL, 0) < 0)
		return -1;
	/* Put the real ones back (a NACKed SET_FEATURES leaves them as they were,
	 * but be sure). */
	if (vuc_set_features(&e->s.c, e->s.c.features) < 0)
		return h_fail(e, "SET_FEATURES afterwards failed");
	return 0;
}

static int unknown_requests(struct env *e)
{
	/* Not 21 (SET_BACKEND_REQ_FD, accepted) nor 34 (RESET_DEVICE). */
	static const uint32_t reqs[] = { 0, 6, 7, 19, 20, 22, 26, 27, 28, 29, 30, 33, 35,
					 39, 40, 41, 42, 43, 99, 1000, 0xffffffffu };
	uint64_t zero[8] = { 0 };
	char what[64];

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		snprintf(what, sizeof(what), "request %u", reqs[i]);
		if (nacked(e, what, reqs[i], zero, 8, NULL, 0) < 0)
			return -1;
	}
	if (nacked(e, "SET_CONFIG", VUC_SET_CONFIG, zero, 16, NULL, 0) < 0)
		return -1;
	return 0;
}

/* GET_CONFIG with offsets and sizes outside the config space: an empty
 * reply (the protocol's "failed"), never bytes from elsewhere. */
static int get_config_bad(struct env *e)
{
	struct { uint32_t offset, size, flags; uint8_t region[256]; } cfg = { 1000, 256, 0, { 0 } };
	struct vuc_msg m;

	for (int i = 0; i < 2; i++) {
		if (vuc_send_raw(&e->s.c, VUC_GET_CONFIG, VUC_FLAG_VERSION, &cfg, 12 + cfg.size,
				 NULL, 0) < 0 || vuc_recv(&e->s.c, &m) < 0)
			return h_fail(e, "GET_CONFIG not answered");
		if (m.hdr.size != 0 && m.hdr.size != 12 + cfg.size)
			return h_fail(e, "GET_CONFIG reply of %u bytes", m.hdr.size);
		if (m.hdr.size && i == 0)
			return h_fail(e, "GET_CONFIG at offset 1000 answered with data");
		cfg.offset = 0;
		cfg.size = 36;      /* legal (if CONFIG were offered) */
	}
	return 0;
}

/* RESET_OWNER in the middle: everything is set up again, INIT included. */
static int reset_owner_midway(struct env *e)
{
	const char *why = NULL;

	if (vuc_command(&e->s.c, VUC_RESET_OWNER, NULL, 0, NULL, 0) < 0)
		return h_fail(e, "RESET_OWNER refused");
	vr_destroy(&e->s.hiprio);
	vr_destroy(&e->s.req);
	if (vuc_set_owner(&e->s.c) < 0 ||
	    vr_create(&e->s.hiprio, &e->s.c, 0, 128, false) < 0 || vr_setup(&e->s.hiprio) < 0 ||
	    vr_create(&e->s.req, &e->s.c, 1, 128, false) < 0 || vr_setup(&e->s.req) < 0)
		return h_fail(e, "setting the device up again failed");
	if (fs_fuse_init(&e->s, &e->slot, 0, 0, &why) < 0)
		return h_fail(e, "INIT after RESET_OWNER: %s", why ? why : "failed");
	return 0;
}

/* A new (valid) memory table while the rings run: they keep going. */
static int mem_table_replaced_live(struct env *e)
{
	for (int i = 0; i < 5; i++)
		if (vuc_set_mem_table(&e->s.c) < 0)
			return h_fail(e, "SET_MEM_TABLE again failed");
	return 0;
}

struct mem_reg {
	uint64_t padding;
	struct vuc_mem_region r;
};

static int mem_reg_nack(struct env *e, const char *what, uint32_t request,
			struct vuc_mem_region r, const int *fds, int nfds)
{
	struct mem_reg m = { 0, r };
	return nacked(e, what, request, &m, sizeof(m), fds, nfds);
}

static int mem_reg_ack(struct env *e, const char *what, uint32_t request,
		       struct vuc_mem_region r, const int *fds, int nfds)
{
	struct mem_reg m = { 0, r };
	int rc = vuc_command(&e->s.c, request, &m, sizeof(m), fds, nfds);
	return rc < 0 ? h_fail(e, "%s: %s", what, strerror(-rc)) : 0;
}

/* CONFIGURE_MEM_SLOTS (memory hot-plug): malformed regions are refused, a
 * region comes and goes, and the session's own region, which holds the
 * rings, removed while a GETATTR waits and added again: the GETATTR is
 * answered. */
static int mem_slots(struct env *e)
{
	struct vuc *c = &e->s.c;
	uint64_t uva = vuc_uva(c, c->mem), slots = 0, far = 64 * c->mem_size;
	struct vuc_mem_region live = region(e, c->mem_gpa, c->mem_size, uva);
	struct vuc_mem_region other = region(e, c->mem_gpa + far, c->mem_size, uva + far);
	struct vuc_mem_region bad = other;
	int fds[2] = { c->memfd, c->memfd }, pfd[2], r;

	if (mem_reg_nack(e, "ADD_MEM_REG not negotiated", VUC_ADD_MEM_REG, other, fds, 1) < 0)
		return -1;
	r = vuc_set_protocol_features(c, c->protocol_features |
					      (1ull << VUC_PROTOCOL_F_CONFIGURE_MEM_SLOTS));
	if (r < 0)
		return h_fail(e, "SET_PROTOCOL_FEATURES: %s", strerror(-r));
	r = vuc_request(c, VUC_GET_MAX_MEM_SLOTS, NULL, 0, NULL, 0, &slots, sizeof(slots));
	if (r < 0 || slots <= 8)
		return h_fail(e, "GET_MAX_MEM_SLOTS: %s, %llu slots", strerror(-r),
			      (unsigned long long)slots);
	if (mem_reg_nack(e, "ADD_MEM_REG without its fd", VUC_ADD_MEM_REG, other, fds, 0) < 0 ||
	    mem_reg_nack(e, "ADD_MEM_REG with 2 fds", VUC_ADD_MEM_REG, other, fds, 2) < 0 ||
	    mem_reg_nack(e, "ADD_MEM_REG over the live region", VUC_ADD_MEM_REG, live, fds, 1) < 0 ||
	    nacked(e, "ADD_MEM_REG in 32 bytes", VUC_ADD_MEM_REG, &(struct mem_reg){ 0, other },
		   32, fds, 1) < 0)
		return -1;
	bad.size = 4 * c->mem_size;
	if (mem_reg_nack(e, "ADD_MEM_REG larger than its file", VUC_ADD_MEM_REG, bad, fds, 1) < 0)
		return -1;
	bad = other;
	bad.mmap_offset = ~0ull - 100;
	if (mem_reg_nack(e, "ADD_MEM_REG at mmap_offset 2^64 - 100", VUC_ADD_MEM_REG, bad, fds,
			 1) < 0)
		return -1;
	if (pipe(pfd) < 0)
		return h_fail(e, "pipe");
	r = mem_reg_nack(e, "ADD_MEM_REG of a pipe", VUC_ADD_MEM_REG, other, &pfd[0], 1);
	close(pfd[0]);
	close(pfd[1]);
	if (r < 0 ||
	    mem_reg_nack(e, "REM_MEM_REG of no region", VUC_REM_MEM_REG, other, NULL, 0) < 0 ||
	    mem_reg_nack(e, "REM_MEM_REG with 2 fds", VUC_REM_MEM_REG, live, fds, 2) < 0 ||
	    mem_reg_ack(e, "ADD_MEM_REG", VUC_ADD_MEM_REG, other, fds, 1) < 0 ||
	    mem_reg_ack(e, "REM_MEM_REG with an fd", VUC_REM_MEM_REG, other, fds, 1) < 0 ||
	    mem_reg_ack(e, "REM_MEM_REG of the rings' region", VUC_REM_MEM_REG, live, NULL, 0) < 0)
		return -1;
	fr_getattr(&e->slot, fs_unique(&e->s), FUSE_ROOT_ID);
	fr_submit(&e->slot, &e->s.req, false);
	vr_kick(&e->s.req, true);
	usleep(100 * 1000);
	struct vr_used u;
	if (vr_get_used(&e->s.req, &u) != 0)
		return h_fail(e, "a request was answered with its rings unmapped");
	if (mem_reg_ack(e, "ADD_MEM_REG of the rings' region again", VUC_ADD_MEM_REG, live, fds,
			1) < 0)
		return -1;
	int got = 0;
	for (int i = 0; i < H_WAIT_MS * 20 && got == 0; i++) {
		got = vr_get_used(&e->s.req, &u);
		if (got == 0)
			usleep(50);
	}
	struct fr_reply rep;
	const char *why = "no answer";
	if (got != 1 || fr_parse(&e->slot, u.len, &rep, &why) < 0 || rep.error != 0)
		return h_fail(e, "GETATTR after the rings' region came back: %s", why);
	return 0;
}

const struct hostile_case hostile_vhost_cases[] = {
	{ "vu-bad-payload-sizes", bad_payload_sizes, 0 },
	{ "vu-oversized-payload", oversized_payload, HC_RECONNECT },
	{ "vu-bad-version", bad_version, HC_RECONNECT },
	{ "vu-size-lies-then-eof", size_lies_then_eof, HC_RECONNECT },
	{ "vu-too-many-fds", too_many_fds, 0 },
	{ "vu-fds-where-none-belong", fds_where_none_belong, 0 },
	{ "vu-mem-table-empty", mem_table_empty, 0 },
	{ "vu-mem-table-overlap", mem_table_overlap, 0 },
	{ "vu-mem-table-malformed", mem_table_malformed, 0 },
	{ "vu-mem-table-rings-vanish", mem_table_rings_vanish, 0 },
	{ "vu-mem-table-rings-vanish-untold", mem_table_rings_vanish_untold, 0 },
	{ "vu-mem-table-offset-misaligns-rings", mem_table_offset_misaligns_rings, 0 },
	{ "vu-mem-table-replaced-live", mem_table_replaced_live, 0 },
	{ "vu-mem-slots", mem_slots, 0 },
	{ "vu-vring-addr-outside", vring_addr_bad, 0 },
	{ "vu-vring-num-base-enable-bad", vring_num_bad, 0 },
	{ "vu-queue-index-out-of-range", queue_index_out_of_range, 0 },
	{ "vu-last-request-queue", last_request_queue, 0 },
	{ "vu-vring-fd-bad", vring_fd_bad, 0 },
	{ "vu-kick-fd-not-eventfd", kick_fd_not_eventfd, 0 },
	{ "vu-call-fd-unwritable", call_fd_unwritable, 0 },
	{ "vu-call-fd-blocking", call_fd_blocking, 0 },
	{ "vu-features-not-offered", features_not_offered, 0 },
	{ "vu-unknown-requests", unknown_requests, 0 },
	{ "vu-get-config-bad", get_config_bad, 0 },
	{ "vu-reset-owner-midway", reset_owner_midway, 0 },
};
const unsigned hostile_vhost_count = sizeof(hostile_vhost_cases) / sizeof(hostile_vhost_cases[0]);
