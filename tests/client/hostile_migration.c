/* Live migration from a VMM's side, checked and abused (vhost-user.rst,
 * "Migration", "Migrating back-end state"):
 *  - dirty logging: a READ marks exactly the pages of its reply and the
 *    used ring's log page, nothing while VHOST_F_LOG_ALL is off; the ring's
 *    log flag is accepted on a running ring (and nothing else changes
 *    there); malformed logs are refused; a used ring log address past the
 *    log (or wrapping) marks nothing outside it;
 *  - device state: SET_DEVICE_STATE_FD refused when not negotiated, while
 *    a ring runs, with a bad direction / phase / fd count / payload;
 *    CHECK_DEVICE_STATE without a transfer; a save whose reader is gone;
 *    loads of random bytes, of nothing, of a real saved stream cut at every
 *    eighth of its length and with bytes flipped.  After each load the
 *    rings run again and the daemon must serve (INIT again when the load
 *    left the session reset).
 * The protocol features these need are acked with a second
 * SET_PROTOCOL_FEATURES, which the daemon allows at any time. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostile.h"

#define BIT(n) (1ull << (n))
#define PAGE VUC_LOG_PAGE

/* Ack the protocol features bits too (they must be offered). */
static int want_protocol(struct env *e, uint64_t bits, const char *name)
{
	int r;

	if ((e->s.offered_protocol & bits) != bits)
		return h_fail(e, "%s not offered (protocol features %#llx)", name,
			      (unsigned long long)e->s.offered_protocol);
	if ((r = vuc_set_protocol_features(&e->s.c, e->s.c.protocol_features | bits)) < 0)
		return h_fail(e, "SET_PROTOCOL_FEATURES with %s: %s", name, strerror(-r));
	return 0;
}

static int set_features(struct env *e, uint64_t f, const char *what)
{
	int r = vuc_set_features(&e->s.c, f);

	return r < 0 ? h_fail(e, "SET_FEATURES (%s): %s", what, strerror(-r)) : 0;
}

/* Logging on for every ring, each ring's used ring logged at ulog[i]
 * (0: its own guest-physical address, as QEMU does). */
static int ring_log(struct env *e, struct vring_drv *vr, uint32_t flags, uint64_t log_gpa)
{
	int r = vuc_set_vring_addr_log(&e->s.c, vr->idx, vr->desc, vr->avail, vr->used, flags,
				       log_gpa ? log_gpa : h_gpa(e, vr->used));

	if (r < 0)
		return h_fail(e, "SET_VRING_ADDR %u with flags %#x on a running ring: %s",
			      vr->idx, flags, strerror(-r));
	return 0;
}

/* A file of len bytes of a known pattern in the share, looked up and
 * opened through the daemon. */
static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 13 + (i >> 9));
}

static int open_pattern_file(struct env *e, const char *name, size_t len, uint64_t *nodeid,
			     uint64_t *fh)
{
	char path[4200];
	uint8_t *buf = malloc(len);
	int fd, r;

	snprintf(path, sizeof(path), "%s/share/%s", e->base, name);
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(i);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	r = fd >= 0 && vuc_write_all(fd, buf, len) == 0 ? 0 : -1;
	if (fd >= 0)
		close(fd);
	free(buf);
	if (r < 0)
		return h_fail(e, "cannot write %s", path);
	if ((r = h_lookup(e, FUSE_ROOT_ID, name, nodeid, NULL)) < 0)
		return r == -EPROTO ? -1 : h_fail(e, "LOOKUP %s: %s", name, strerror(-r));
	if ((r = h_open(e, *nodeid, O_RDONLY, fh)) < 0)
		return r == -EPROTO ? -1 : h_fail(e, "OPEN %s: %s", name, strerror(-r));
	return 0;
}

/* READ size bytes at off; *n gets the bytes read, which must match the
 * pattern. */
static int read_pattern(struct env *e, uint64_t nodeid, uint64_t fh, uint64_t off,
			uint32_t size, uint32_t *n)
{
	struct fr_reply r;

	fr_read(&e->slot, fs_unique(&e->s), nodeid, fh, off, size);
	if (h_call(e, &r) < 0)
		return -1;
	if (r.error)
		return h_fail(e, "READ: %s", strerror(-r.error));
	for (uint32_t i = 0; i < r.data_len; i++)
		if (e->slot.data[i] != pattern(off + i))
			return h_fail(e, "READ: byte %u differs", i);
	*n = r.data_len;
	/* The queue thread finishes its batch (kick enabling, avail_event)
	 * after the completion: let it, so the log is complete. */
	usleep(50 * 1000);
	return 0;
}

/* The pages a log must show, as a list of guest-physical ranges, and one
 * page it may show (may_gpa, when not 0). */
struct expect {
	uint64_t gpa[8], len[8];
	unsigned n;
	uint64_t may_gpa;
};

static void expect_add(struct expect *x, uint64_t gpa, uint64_t len)
{
	x->gpa[x->n] = gpa;
	x->len[x->n] = len;
	x->n++;
}

static bool expected(const struct expect *x, uint64_t page)
{
	for (unsigned i = 0; i < x->n; i++)
		if (x->len[i] && page >= x->gpa[i] / PAGE &&
		    page <= (x->gpa[i] + x->len[i] - 1) / PAGE)
			return true;
	return false;
}

/* The log shows exactly the pages of x. */
static int log_is(struct env *e, const struct vuc_log *l, const struct expect *x, const char *what)
{
	unsigned extra = 0, missing = 0;
	uint64_t first_extra = 0, first_missing = 0;

	for (uint64_t page = 0; page < l->size * 8; page++) {
		bool set = vuc_log_test(l, page * PAGE), want = expected(x, page);
		if (x->may_gpa && page == x->may_gpa / PAGE)
			continue;
		if (set && !want && !extra++)
			first_extra = page * PAGE;
		if (!set && want && !missing++)
			first_missing = page * PAGE;
	}
	if (extra || missing)
		return h_fail(e, "%s: %u pages marked that were not written (first at gpa %#llx), "
			      "%u written pages not marked (first at gpa %#llx)", what, extra,
			      (unsigned long long)first_extra, missing,
			      (unsigned long long)first_missing);
	return 0;
}

/* A READ marks its reply's pages and the used ring's log page, exactly;
 * nothing while LOG_ALL is off. */
static int log_read_marks_pages(struct env *e)
{
	struct vuc *c = &e->s.c;
	struct vuc_log l;
	struct expect x;
	uint64_t nodeid, fh, f = c->features;
	uint32_t n;
	const size_t flen = 5 * PAGE + 123;

	if (!(e->s.offered_features & BIT(VUC_F_LOG_ALL)))
		return h_fail(e, "VHOST_F_LOG_ALL not offered: QEMU refuses to migrate");
	if (want_protocol(e, BIT(VUC_PROTOCOL_F_LOG_SHMFD), "LOG_SHMFD") < 0 ||
	    open_pattern_file(e, "logread", flen, &nodeid, &fh) < 0)
		return -1;
	/* The used rings are logged at pages of their own, away from the
	 * rings: a mark there proves log_guest_addr was used. */
	uint8_t *ulog = vuc_alloc(c, 2 * PAGE, PAGE);
	if (!ulog || vuc_log_create(&l, 0, c->mem_gpa + c->mem_size) < 0)
		return h_fail(e, "no memory for the log");
	int r = vuc_set_log_base(c, l.fd, l.size, 0);
	if (r < 0) {
		vuc_log_destroy(&l);
		return h_fail(e, "SET_LOG_BASE of a %llu-byte memfd: %s",
			      (unsigned long long)l.size, strerror(-r));
	}

	/* A log, LOG_ALL off: nothing. */
	x.n = 0;
	x.may_gpa = 0;
	if (read_pattern(e, nodeid, fh, 1000, 3 * PAGE + 100, &n) < 0 ||
	    log_is(e, &l, &x, "READ without LOG_ALL") < 0)
		goto fail;

	/* On, as QEMU switches it on while the rings run. */
	if (set_features(e, f | BIT(VUC_F_LOG_ALL), "LOG_ALL") < 0 ||
	    ring_log(e, &e->s.hiprio, VUC_VRING_F_LOG, h_gpa(e, ulog)) < 0 ||
	    ring_log(e, &e->s.req, VUC_VRING_F_LOG, h_gpa(e, ulog + PAGE)) < 0)
		goto fail;
	memset(l.bits, 0, l.size);
	if (read_pattern(e, nodeid, fh, 1000, 3 * PAGE + 100, &n) < 0)
		goto fail;
	if (n != 3 * PAGE + 100) {
		h_fail(e, "READ gave %u bytes", n);
		goto fail;
	}
	x.n = 0;
	/* The hiprio ring's thread may write its used ring (avail_event)
	 * for the first time late, while logging is on: allowed. */
	x.may_gpa = h_gpa(e, ulog);
	expect_add(&x, h_gpa(e, e->slot.rep), sizeof(struct fuse_out_header));
	expect_add(&x, h_gpa(e, e->slot.data), n);
	expect_add(&x, h_gpa(e, ulog + PAGE), 6 + 8ull * e->s.req.num);
	if (log_is(e, &l, &x, "READ of 3 pages + 100 bytes with LOG_ALL") < 0)
		goto fail;

	/* Only what is written counts: 100 bytes at the end of the file. */
	memset(l.bits, 0, l.size);
	if (read_pattern(e, nodeid, fh, flen - 100, 3 * PAGE, &n) < 0)
		goto fail;
	x.n = 0;
	x.may_gpa = h_gpa(e, ulog);
	expect_add(&x, h_gpa(e, e->slot.rep), sizeof(struct fuse_out_header));
	expect_add(&x, h_gpa(e, e->slot.data), n);
	expect_add(&x, h_gpa(e, ulog + PAGE), 6 + 8ull * e->s.req.num);
	if (n != 100 || log_is(e, &l, &x, "short READ (100 of 3 pages)") < 0)
		goto fail;

	/* Off again: LOG_ALL and the ring flags cleared. */
	if (set_features(e, f, "without LOG_ALL") < 0 ||
	    ring_log(e, &e->s.hiprio, 0, 0) < 0 || ring_log(e, &e->s.req, 0, 0) < 0)
		goto fail;
	memset(l.bits, 0, l.size);
	x.n = 0;
	x.may_gpa = 0;
	if (read_pattern(e, nodeid, fh, 0, 2 * PAGE, &n) < 0 ||
	    log_is(e, &l, &x, "READ after logging stopped") < 0)
		goto fail;
	vuc_log_destroy(&l);
	return 0;
fail:
	vuc_log_destroy(&l);
	return -1;
}

/* SET_VRING_ADDR on a running ring: the log flag and address may change
 * (ACKed, and logging starts), the ring's addresses and unknown flags may
 * not. */
static int vring_addr_log_running(struct env *e)
{
	struct vuc *c = &e->s.c;
	struct vring_drv *vr = &e->s.req;
	struct vuc_log l;
	struct expect x;
	uint64_t f = c->features;
	struct fr_reply rep;

	if (want_protocol(e, BIT(VUC_PROTOCOL_F_LOG_SHMFD), "LOG_SHMFD") < 0)
		return -1;
	if (vuc_log_create(&l, 0, c->mem_gpa + c->mem_size) < 0)
		return h_fail(e, "log");
	if (vuc_set_log_base(c, l.fd, l.size, 0) < 0) {
		vuc_log_destroy(&l);
		return h_fail(e, "SET_LOG_BASE refused");
	}
	if (set_features(e, f | BIT(VUC_F_LOG_ALL), "LOG_ALL") < 0)
		goto fail;
	/* QEMU's form: need_reply, log = the used ring's guest address. */
	if (ring_log(e, vr, VUC_VRING_F_LOG, 0) < 0)
		goto fail;
	int r = vuc_set_vring_addr_log(c, 1, vr->desc, vr->avail, (uint8_t *)vr->used + 4096,
				       VUC_VRING_F_LOG, h_gpa(e, vr->used));
	if (r != -EIO) {
		h_fail(e, "a new used ring address on a running ring: %s",
		       r ? strerror(-r) : "accepted");
		goto fail;
	}
	r = vuc_set_vring_addr_log(c, 1, vr->desc, vr->avail, vr->used, 0x2, h_gpa(e, vr->used));
	if (r != -EIO) {
		h_fail(e, "unknown ring flag 0x2: %s", r ? strerror(-r) : "accepted");
		goto fail;
	}
	/* Logging has started: a GETATTR marks its reply and the used ring. */
	memset(l.bits, 0, l.size);
	fr_getattr(&e->slot, fs_unique(&e->s), FUSE_ROOT_ID);
	if (h_call(e, &rep) < 0)
		goto fail;
	usleep(50 * 1000);
	x.n = 0;
	x.may_gpa = h_gpa(e, e->s.hiprio.used);   /* its first write may come late */
	expect_add(&x, h_gpa(e, e->slot.rep), rep.len);
	expect_add(&x, h_gpa(e, vr->used), 6 + 8ull * vr->num);
	if (log_is(e, &l, &x, "GETATTR after SET_VRING_ADDR with the log flag") < 0)
		goto fail;
	if (set_features(e, f, "without LOG_ALL") < 0 || ring_log(e, vr, 0, 0) < 0)
		goto fail;
	vuc_log_destroy(&l);
	return 0;
fail:
	vuc_log_destroy(&l);
	return -1;
}

/* Has the daemon closed every copy of a pipe's write end we gave it?
 * (ours closed) */
static bool pipe_closed(int rd)
{
	struct pollfd p = { .fd = rd, .events = POLLIN };
	char ch;

	for (int i = 0; i < 50; i++)
		if (poll(&p, 1, 100) == 1)
			return read(rd, &ch, 1) == 0;
	return false;
}

/* SET_LOG_BASE sent raw: *accepted unless the reply is a nonzero u64;
 * -1 with h_fail when there was no proper reply. */
static int log_base_raw(struct env *e, const char *what, const void *p, uint32_t len,
			const int *fds, int nfds, bool *accepted)
{
	uint64_t status = 0;
	struct vuc_msg m;
	int r = vuc_send_raw(&e->s.c, VUC_SET_LOG_BASE, VUC_FLAG_VERSION, p, len, fds, nfds);

	if (r < 0 || (r = vuc_recv(&e->s.c, &m)) < 0)
		return h_fail(e, "%s: no reply (%s)", what, strerror(-r));
	for (int i = 0; i < m.nfds; i++)
		close(m.fds[i]);
	if (m.hdr.request != VUC_SET_LOG_BASE || m.nfds)
		return h_fail(e, "%s: a reply to request %u with %d fds", what, m.hdr.request,
			      m.nfds);
	if (m.hdr.size == 8)
		memcpy(&status, m.payload, 8);
	*accepted = status == 0;
	return 0;
}

static int log_base_bad(struct env *e)
{
	struct vuc *c = &e->s.c;
	int memfd = memfd_create("small-log", MFD_CLOEXEC), pfd[2], r;
	struct { uint64_t size, offset; } p;
	bool st;

	if (memfd < 0 || ftruncate(memfd, 2 * PAGE) < 0 || pipe(pfd) < 0)
		return h_fail(e, "memfd / pipe");
	if (want_protocol(e, BIT(VUC_PROTOCOL_F_LOG_SHMFD), "LOG_SHMFD") < 0)
		return -1;
	struct { const char *what; uint64_t size, offset; } bad[] = {
		{ "size 0", 0, 0 },
		{ "size 2^40 of an 8 KiB memfd", 1ull << 40, 0 },
		{ "offset past the memfd's end", 16, 1ull << 20 },
		{ "offset + size past the end", 4096, 4097 },
		{ "offset + size wrapping 2^64", 16, ~0ull - 8 },
		{ "size 2^63 at offset 2^63", 1ull << 63, 1ull << 63 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = vuc_set_log_base(c, memfd, bad[i].size, bad[i].offset);
		if (r != -EIO)
			return h_fail(e, "SET_LOG_BASE %s: %s", bad[i].what,
				      r ? strerror(-r) : "accepted");
	}
	if ((r = vuc_set_log_base(c, -1, 16, 0)) != -EIO)
		return h_fail(e, "SET_LOG_BASE without an fd: %s", r ? strerror(-r) : "accepted");
	p.size = 16;
	p.offset = 0;
	int two[2] = { memfd, pfd[1] };
	if (log_base_raw(e, "2 fds", &p, sizeof(p), two, 2, &st) < 0)
		return -1;
	close(pfd[1]);
	if (st)
		return h_fail(e, "SET_LOG_BASE with 2 fds accepted");
	if (!pipe_closed(pfd[0]))
		return h_fail(e, "SET_LOG_BASE with 2 fds: the daemon kept one");
	close(pfd[0]);
	uint64_t u = 0;
	if (log_base_raw(e, "u64 payload", &u, 8, &memfd, 1, &st) < 0)
		return -1;
	if (st)
		return h_fail(e, "SET_LOG_BASE with a u64 payload accepted");
	/* A pipe cannot be mapped. */
	if (pipe(pfd) < 0)
		return h_fail(e, "pipe");
	r = vuc_set_log_base(c, pfd[0], 16, 0);
	close(pfd[0]);
	close(pfd[1]);
	if (r != -EIO)
		return h_fail(e, "SET_LOG_BASE of a pipe: %s", r ? strerror(-r) : "accepted");
	/* Still usable: a proper one is accepted. */
	if ((r = vuc_set_log_base(c, memfd, 2 * PAGE, 0)) < 0)
		return h_fail(e, "a valid SET_LOG_BASE afterwards: %s", strerror(-r));
	/* Without LOG_SHMFD: a plain NACK (REPLY_ACK), no reply of its own. */
	if ((r = vuc_set_protocol_features(c, c->protocol_features &
					   ~BIT(VUC_PROTOCOL_F_LOG_SHMFD))) < 0)
		return h_fail(e, "SET_PROTOCOL_FEATURES without LOG_SHMFD: %s", strerror(-r));
	p.size = 2 * PAGE;
	r = vuc_command(c, VUC_SET_LOG_BASE, &p, sizeof(p), &memfd, 1);
	close(memfd);
	if (r != -EIO)
		return h_fail(e, "SET_LOG_BASE without LOG_SHMFD: %s", r ? strerror(-r) : "accepted");
	/* SET_LOG_FD: an eventfd is kept, none is refused. */
	if ((r = vuc_command(c, VUC_SET_LOG_FD, NULL, 0, NULL, 0)) != -EIO)
		return h_fail(e, "SET_LOG_FD without an fd: %s", r ? strerror(-r) : "accepted");
	return 0;
}

/* A log of 16 bytes (pages [0, 512 KiB)): guest memory (at 4 GiB) lies
 * past it, and used ring log addresses beyond it, straddling its end or
 * wrapping 2^64 must not make the daemon write outside it.  The log sits
 * at offset 100 of a 2-page memfd: everything else must stay zero. */
static int log_used_addr_past_log(struct env *e)
{
	struct vuc *c = &e->s.c;
	const uint64_t off = 100, size = 16;
	uint64_t f = c->features, addrs[] = {
		0x3000, 128 * PAGE - 8, 1ull << 40, 1ull << 52, ~0ull - 50, ~0ull,
	};
	int memfd = memfd_create("small-log", MFD_CLOEXEC), r = 0;
	uint8_t *m;

	if (memfd < 0 || ftruncate(memfd, 2 * PAGE) < 0 ||
	    (m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0)) == MAP_FAILED)
		return h_fail(e, "memfd");
	if (want_protocol(e, BIT(VUC_PROTOCOL_F_LOG_SHMFD), "LOG_SHMFD") < 0) {
		close(memfd);
		return -1;
	}
	if ((r = vuc_set_log_base(c, memfd, size, off)) < 0) {
		close(memfd);
		return h_fail(e, "SET_LOG_BASE of 16 bytes at offset 100: %s", strerror(-r));
	}
	close(memfd);
	if (set_features(e, f | BIT(VUC_F_LOG_ALL), "LOG_ALL") < 0)
		return -1;
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		uint64_t ino;
		if (ring_log(e, &e->s.req, VUC_VRING_F_LOG, addrs[i]) < 0)
			return -1;
		memset(m + off, 0, size);
		if ((r = h_getattr(e, FUSE_ROOT_ID, &ino)) < 0)
			return r == -EPROTO ? -1 : h_fail(e, "GETATTR: %s", strerror(-r));
		usleep(20 * 1000);
		for (uint64_t b = 0; b < 2 * PAGE; b++)
			if ((b < off || b >= off + size) && m[b])
				return h_fail(e, "used ring log address %#llx: byte %llu of the "
					      "memfd, outside the log, was written",
					      (unsigned long long)addrs[i], (unsigned long long)b);
		/* 0x3000 is inside: its page (3) must be marked. */
		if (i == 0 && !(m[off] & (1u << 3)))
			return h_fail(e, "used ring log address 0x3000 inside the log not marked");
	}
	munmap(m, 2 * PAGE);
	if (set_features(e, f, "without LOG_ALL") < 0 || ring_log(e, &e->s.req, 0, 0) < 0)
		return -1;
	return 0;
}

/* ---- device state ---- */

/* SET_DEVICE_STATE_FD sent raw with a pipe: *their is given (with
 * extra_fds copies), the reply must be a refusal (u64, low byte nonzero,
 * no fd), and the daemon must close what it got. */
static int state_refused(struct env *e, const char *what, uint32_t direction, uint32_t phase,
			 uint32_t len, int nfds)
{
	struct { uint32_t direction, phase, pad[2]; } p = { direction, phase, { 0, 0 } };
	int pfd[2], fds[2];
	struct vuc_msg m;
	uint64_t v;

	if (pipe(pfd) < 0)
		return h_fail(e, "pipe");
	fds[0] = fds[1] = pfd[1];
	int r = vuc_send_raw(&e->s.c, VUC_SET_DEVICE_STATE_FD, VUC_FLAG_VERSION, &p, len, fds,
			     nfds);
	close(pfd[1]);
	if (r < 0 || (r = vuc_recv(&e->s.c, &m)) < 0) {
		close(pfd[0]);
		return h_fail(e, "SET_DEVICE_STATE_FD %s: no reply (%s)", what, strerror(-r));
	}
	for (int i = 0; i < m.nfds; i++)
		close(m.fds[i]);
	if (m.hdr.request != VUC_SET_DEVICE_STATE_FD || m.hdr.size != 8 || m.nfds) {
		close(pfd[0]);
		return h_fail(e, "SET_DEVICE_STATE_FD %s: a reply of %u bytes with %d fds", what,
			      m.hdr.size, m.nfds);
	}
	memcpy(&v, m.payload, 8);
	if (!(v & 0xff)) {
		close(pfd[0]);
		return h_fail(e, "SET_DEVICE_STATE_FD %s: accepted (%#llx)", what,
			      (unsigned long long)v);
	}
	if (nfds && !pipe_closed(pfd[0])) {
		close(pfd[0]);
		return h_fail(e, "SET_DEVICE_STATE_FD %s: the daemon kept the fd", what);
	}
	close(pfd[0]);
	return 0;
}

static int check_fails(struct env *e, const char *what)
{
	uint64_t v;
	int r = vuc_check_device_state(&e->s.c, &v);

	if (r == 0)
		return h_fail(e, "CHECK_DEVICE_STATE %s: success", what);
	if (r != -EIO)
		return h_fail(e, "CHECK_DEVICE_STATE %s: %s", what, strerror(-r));
	return 0;
}

struct bases {
	unsigned hiprio, req;
	bool stopped;
};

/* Suspend the device as QEMU does before a transfer. */
static int stop_rings(struct env *e, struct bases *b)
{
	int r;

	if (b->stopped)
		return 0;
	if ((r = vuc_get_vring_base(&e->s.c, 0, &b->hiprio)) < 0 ||
	    (r = vuc_get_vring_base(&e->s.c, 1, &b->req)) < 0)
		return h_fail(e, "GET_VRING_BASE: %s", strerror(-r));
	/* Nothing in flight: the used index is where the base says. */
	if (e->s.req.used->idx != (uint16_t)b->req)
		return h_fail(e, "GET_VRING_BASE 1 says %u, used idx is %u", b->req,
			      e->s.req.used->idx);
	b->stopped = true;
	return 0;
}

/* Resume them (a failed migration: the source carries on). */
static int resume_rings(struct env *e, struct bases *b)
{
	int r;

	if (!b->stopped)
		return 0;
	if ((r = vr_setup_at(&e->s.hiprio, b->hiprio)) < 0 ||
	    (r = vr_setup_at(&e->s.req, b->req)) < 0)
		return h_fail(e, "restarting the rings: %s", strerror(-r));
	b->stopped = false;
	return 0;
}

static int state_fd_bad(struct env *e)
{
	struct bases b = { 0 };

	/* Not negotiated yet. */
	if (state_refused(e, "without DEVICE_STATE negotiated", 0, 0, 8, 1) < 0 ||
	    want_protocol(e, BIT(VUC_PROTOCOL_F_DEVICE_STATE), "DEVICE_STATE") < 0)
		return -1;
	if (state_refused(e, "while the rings run", 0, 0, 8, 1) < 0 ||
	    state_refused(e, "load while the rings run", 1, 0, 8, 1) < 0 ||
	    check_fails(e, "after a refusal") < 0 || stop_rings(e, &b) < 0)
		return -1;
	if (state_refused(e, "direction 2", 2, 0, 8, 1) < 0 ||
	    state_refused(e, "direction 0xffffffff", 0xffffffffu, 0, 8, 1) < 0 ||
	    state_refused(e, "phase 1", 0, 1, 8, 1) < 0 ||
	    state_refused(e, "phase 0xffffffff", 1, 0xffffffffu, 8, 1) < 0 ||
	    state_refused(e, "without an fd", 0, 0, 8, 0) < 0 ||
	    state_refused(e, "with 2 fds", 0, 0, 8, 2) < 0 ||
	    state_refused(e, "with a 4-byte payload", 0, 0, 4, 1) < 0 ||
	    state_refused(e, "with a 16-byte payload", 0, 0, 16, 1) < 0 ||
	    state_refused(e, "with no payload", 0, 0, 0, 1) < 0 ||
	    check_fails(e, "after refusals") < 0)
		return -1;
	return resume_rings(e, &b);
}

static int check_without_transfer(struct env *e)
{
	if (check_fails(e, "before negotiation") < 0)
		return -1;
	if (want_protocol(e, BIT(VUC_PROTOCOL_F_DEVICE_STATE), "DEVICE_STATE") < 0)
		return -1;
	return check_fails(e, "without a transfer");
}

/* The VMM goes away before reading: the daemon's writes get EPIPE, which
 * must fail the save, not kill the daemon (SIGPIPE). */
static int save_reader_gone(struct env *e)
{
	struct bases b = { 0 };
	struct { uint32_t direction, phase; } p = { VUC_STATE_SAVE, VUC_PHASE_STOPPED };
	struct vuc_msg m;
	uint64_t v;
	int pfd[2];

	if (want_protocol(e, BIT(VUC_PROTOCOL_F_DEVICE_STATE), "DEVICE_STATE") < 0 ||
	    stop_rings(e, &b) < 0)
		return -1;
	if (pipe(pfd) < 0)
		return h_fail(e, "pipe");
	close(pfd[0]);
	int r = vuc_send_raw(&e->s.c, VUC_SET_DEVICE_STATE_FD, VUC_FLAG_VERSION, &p, sizeof(p),
			     &pfd[1], 1);
	close(pfd[1]);
	if (r < 0 || (r = vuc_recv(&e->s.c, &m)) < 0)
		return h_fail(e, "SET_DEVICE_STATE_FD save: no reply (%s)", strerror(-r));
	for (int i = 0; i < m.nfds; i++)
		close(m.fds[i]);
	memcpy(&v, m.payload, 8);
	if (m.hdr.size != 8 || (v & 0xff))
		return h_fail(e, "SET_DEVICE_STATE_FD save refused (%#llx) with the rings stopped",
			      (unsigned long long)v);
	r = vuc_check_device_state(&e->s.c, &v);
	if (r < 0 && r != -EIO)
		return h_fail(e, "CHECK_DEVICE_STATE after a save into nothing: %s", strerror(-r));
	printf("INFO save into a closed pipe: CHECK_DEVICE_STATE %llu\n", (unsigned long long)v);
	return resume_rings(e, &b);
}

/* Give the session something to save: inodes (file, dir, dir/inner),
 * an open file and an open directory. */
static int populate(struct env *e)
{
	uint64_t file, dir, inner, fh;
	struct fr_reply rep;
	int r;

	if ((r = h_lookup(e, FUSE_ROOT_ID, "file", &file, NULL)) < 0 ||
	    (r = h_lookup(e, FUSE_ROOT_ID, "dir", &dir, NULL)) < 0 ||
	    (r = h_lookup(e, dir, "inner", &inner, NULL)) < 0 ||
	    (r = h_open(e, file, O_RDONLY, &fh)) < 0)
		return r == -EPROTO ? -1 : h_fail(e, "LOOKUP / OPEN: %s", strerror(-r));
	fr_opendir(&e->slot, fs_unique(&e->s), dir);
	if (h_call(e, &rep) < 0)
		return -1;
	if (rep.error)
		return h_fail(e, "OPENDIR dir: %s", strerror(-rep.error));
	return 0;
}

/* Save the device's state as QEMU's source does (rings stopped): *buf,
 * *len get whatever came through the pipe, *ok whether CHECK said so. */
static int save_stream(struct env *e, struct bases *b, uint8_t **buf, size_t *len, bool *ok)
{
	int fd, r;

	if (populate(e) < 0 || stop_rings(e, b) < 0)
		return -1;
	if ((r = vuc_set_device_state_fd(&e->s.c, VUC_STATE_SAVE, VUC_PHASE_STOPPED, &fd)) < 0)
		return h_fail(e, "SET_DEVICE_STATE_FD save: %s", strerror(-r));
	r = vuc_read_all(fd, buf, len);
	close(fd);
	if (r < 0)
		return h_fail(e, "reading the saved state: %s", strerror(-r));
	r = vuc_check_device_state(&e->s.c, NULL);
	if (r < 0 && r != -EIO)
		return h_fail(e, "CHECK_DEVICE_STATE after the save: %s", strerror(-r));
	*ok = r == 0;
	printf("INFO saved state: %zu bytes, CHECK_DEVICE_STATE %s\n", *len,
	       *ok ? "success" : "failure (no usable stream: the cases below load what came)");
	return 0;
}

/* The daemon serves after a load: the root answers (after an INIT when
 * the load left the session reset), and the share's file reads right. */
static int serving_after_load(struct env *e, const char *what)
{
	uint64_t ino = 0, nodeid, fh;
	const char *why = NULL;
	struct fr_reply rep;
	int r = h_getattr(e, FUSE_ROOT_ID, &ino);

	if (r == -EPROTO)
		return h_fail(e, "%s: GETATTR of the root: %.400s", what, e->why);
	if (r < 0) {
		if ((r = fs_fuse_init(&e->s, &e->slot, 0, 0, &why)) < 0)
			return h_fail(e, "%s: INIT after the load: %s", what,
				      why ? why : strerror(-r));
		if ((r = h_getattr(e, FUSE_ROOT_ID, &ino)) < 0)
			return h_fail(e, "%s: GETATTR of the root after INIT: %s", what,
				      strerror(-r));
	}
	if (ino != h_share_ino(e))
		return h_fail(e, "%s: the root is inode %llu, not the share's", what,
			      (unsigned long long)ino);
	if ((r = h_lookup(e, FUSE_ROOT_ID, "file", &nodeid, NULL)) < 0 ||
	    (r = h_open(e, nodeid, O_RDONLY, &fh)) < 0)
		return h_fail(e, "%s: LOOKUP + OPEN of file: %s", what, strerror(-r));
	fr_read(&e->slot, fs_unique(&e->s), nodeid, fh, 0, 4096);
	if (h_call(e, &rep) < 0)
		return -1;
	if (rep.error || rep.data_len != strlen(H_FILE) ||
	    memcmp(e->slot.data, H_FILE, rep.data_len))
		return h_fail(e, "%s: READ of file: error %d, %u bytes", what, rep.error,
			      rep.data_len);
	fr_release(&e->slot, fs_unique(&e->s), nodeid, fh, 0);
	if (h_call(e, &rep) < 0)
		return -1;
	/* FORGET has no reply: wait for its chain to come back. */
	struct vr_used u;
	fr_forget(&e->slot, fs_unique(&e->s), nodeid, 1);
	if (fr_submit(&e->slot, &e->s.req, false) < 0 || vr_kick(&e->s.req, true) < 0 ||
	    vr_wait_used(&e->s.req, H_WAIT_MS, &u) != 1)
		return h_fail(e, "%s: FORGET not completed", what);
	return 0;
}

/* Load len bytes of buf (rings stopped first); must_fail: CHECK must say
 * failure.  Then the rings resume and the daemon must serve. */
static int load(struct env *e, struct bases *b, const uint8_t *buf, size_t len, bool must_fail,
		const char *what)
{
	uint64_t v;
	int fd, r;

	if (stop_rings(e, b) < 0)
		return -1;
	if ((r = vuc_set_device_state_fd(&e->s.c, VUC_STATE_LOAD, VUC_PHASE_STOPPED, &fd)) < 0)
		return h_fail(e, "%s: SET_DEVICE_STATE_FD load: %s", what, strerror(-r));
	/* The daemon may stop reading at the first bad byte: EPIPE is fine. */
	r = vuc_write_all(fd, buf, len);
	close(fd);
	if (r < 0 && r != -EPIPE)
		return h_fail(e, "%s: writing the state: %s", what, strerror(-r));
	r = vuc_check_device_state(&e->s.c, &v);
	if (r < 0 && r != -EIO)
		return h_fail(e, "%s: CHECK_DEVICE_STATE: %s", what, strerror(-r));
	if (must_fail && r == 0)
		return h_fail(e, "%s (%zu bytes): loaded successfully", what, len);
	printf("INFO %s (%zu bytes): CHECK_DEVICE_STATE %s\n", what, len,
	       r == 0 ? "success" : "failure");
	fflush(stdout);
	if (resume_rings(e, b) < 0)
		return -1;
	return serving_after_load(e, what);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint8_t rnd8(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)(rng >> 24);
}

static int load_random(struct env *e)
{
	static const size_t sizes[] = { 1, 7, 64, 4096, 70000 };
	struct bases b = { 0 };
	uint8_t *real = NULL, *buf;
	size_t real_len = 0;
	bool ok;
	char what[96];

	if (want_protocol(e, BIT(VUC_PROTOCOL_F_DEVICE_STATE), "DEVICE_STATE") < 0 ||
	    save_stream(e, &b, &real, &real_len, &ok) < 0)
		return -1;
	buf = malloc(70000);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t k = 0; k < sizes[i]; k++)
			buf[k] = rnd8();
		snprintf(what, sizeof(what), "%zu random bytes", sizes[i]);
		if (load(e, &b, buf, sizes[i], true, what) < 0)
			goto fail;
	}
	/* The real stream's first 16 bytes (its header, if any), then noise. */
	if (real_len >= 16) {
		memcpy(buf, real, 16);
		for (size_t k = 16; k < 4096; k++)
			buf[k] = rnd8();
		if (load(e, &b, buf, 4096, true, "the real header then random bytes") < 0)
			goto fail;
	}
	free(buf);
	free(real);
	return resume_rings(e, &b);
fail:
	free(buf);
	free(real);
	return -1;
}

static int load_empty(struct env *e)
{
	struct bases b = { 0 };

	if (want_protocol(e, BIT(VUC_PROTOCOL_F_DEVICE_STATE), "DEVICE_STATE") < 0)
		return -1;
	return load(e, &b, (const uint8_t *)"", 0, true, "an empty stream");
}

static int load_cut(struct env *e)
{
	struct bases b = { 0 };
	uint8_t *real = NULL;
	size_t real_len = 0;
	bool ok;
	char what[96];

	if (want_protocol(e, BIT(VUC_PROTOCOL_F_DEVICE_STATE), "DEVICE_STATE") < 0 ||
	    save_stream(e, &b, &real, &real_len, &ok) < 0)
		return -1;
	for (unsigned k = 0; k < 8; k++) {
		size_t cut = real_len * k / 8;
		snprintf(what, sizeof(what), "the saved stream cut at %u/8", k);
		if (load(e, &b, real, cut, true, what) < 0) {
			free(real);
			return -1;
		}
	}
	/* Cut one byte short of the end, too. */
	if (real_len > 1 && load(e, &b, real, real_len - 1, true, "the saved stream less its last byte") < 0) {
		free(real);
		return -1;
	}
	free(real);
	return resume_rings(e, &b);
}

static int load_flipped(struct env *e)
{
	struct bases b = { 0 };
	uint8_t *real = NULL, *buf;
	size_t real_len = 0;
	bool ok;
	char what[96];

	if (want_protocol(e, BIT(VUC_PROTOCOL_F_DEVICE_STATE), "DEVICE_STATE") < 0 ||
	    save_stream(e, &b, &real, &real_len, &ok) < 0)
		return -1;
	if (real_len == 0) {
		printf("INFO no saved stream to flip bytes in\n");
		free(real);
		return resume_rings(e, &b);
	}
	buf = malloc(real_len);
	size_t offs[] = { 0, 1, 4, 8, 12, real_len / 5, real_len / 3, real_len / 2,
			  real_len * 3 / 4, real_len - 2, real_len - 1 };
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		size_t o = offs[i] < real_len ? offs[i] : real_len - 1;
		memcpy(buf, real, real_len);
		buf[o] ^= 0xff;
		snprintf(what, sizeof(what), "the saved stream with byte %zu flipped", o);
		if (load(e, &b, buf, real_len, false, what) < 0)
			goto fail;
	}
	/* Every fourth byte of the first 64 plus a few in the middle. */
	memcpy(buf, real, real_len);
	for (size_t o = 0; o < 64 && o < real_len; o += 4)
		buf[o] ^= 0x5a;
	for (size_t o = real_len / 2; o < real_len / 2 + 8 && o < real_len; o++)
		buf[o] = rnd8();
	if (load(e, &b, buf, real_len, false, "the saved stream with many bytes changed") < 0)
		goto fail;
	free(buf);
	free(real);
	return resume_rings(e, &b);
fail:
	free(buf);
	free(real);
	return -1;
}

/* ---- a forged file handle (file-handles mode) ---- */

/* A little-endian reader over the passthrough's part of a saved stream
 * (src/fs/pt_migrate.c documents it); ok goes false past the end. */
struct rd {
	const uint8_t *p;
	size_t len, pos;
	bool ok;
};

/* The next bytes (at most 8) as a number; more are skipped. */
static uint64_t rd_n(struct rd *r, unsigned bytes)
{
	uint64_t v = 0;
	if (r->len - r->pos < bytes) {
		r->ok = false;
		r->pos = r->len;
		return 0;
	}
	for (unsigned i = 0; i < bytes && i < 8; i++)
		v |= (uint64_t)r->p[r->pos + i] << (8 * i);
	r->pos += bytes;
	return v;
}

/* Skips a blob; returns where its bytes start. */
static size_t rd_blob(struct rd *r, uint32_t *n)
{
	*n = (uint32_t)rd_n(r, 4);
	size_t at = r->pos;
	if (r->len - r->pos < *n)
		r->ok = false, r->pos = r->len;
	else
		r->pos += *n;
	return at;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t k = 0; k < n; k++)
		h = (h ^ p[k]) * 0x100000001b3ull;
	return h;
}

/* The VMM swaps the file handle of share/file in a saved stream for one of
 * BASE/outside (same filesystem), fixes the checksum and loads it.  The
 * guest's open fh on "file" must still read "file" (the handle refused,
 * the path taken), never the secret.  Under the namespace and chroot
 * sandboxes the share is the daemon's root, where /proc shows the outside
 * file as a path that looks below "/". */
static int state_handle_outside(struct env *e)
{
	struct bases b = { 0 };
	uint8_t *real = NULL, *buf = NULL;
	size_t real_len = 0;
	bool ok;
	int rc = -1;

	if (want_protocol(e, BIT(VUC_PROTOCOL_F_DEVICE_STATE), "DEVICE_STATE") < 0 ||
	    save_stream(e, &b, &real, &real_len, &ok) < 0)
		return -1;
	const uint8_t *magic = ok ? memmem(real, real_len, "VFSDFS01", 8) : NULL;
	size_t start = magic ? (size_t)(magic - real) : 0;
	if (!magic || real_len - start < 16 ||
	    fnv1a(real + start, real_len - 8 - start) != le64toh(*(uint64_t *)(real + real_len - 8))) {
		h_fail(e, "no checksummed passthrough section in the saved stream");
		goto out;
	}
	/* Find share/file's record (its path "file"): its nodeid and handle
	 * blob, and the open fh the guest has on it. */
	struct rd r = { real, real_len - 8, start + 8, true };
	uint64_t file_node = 0, file_fh = 0;
	size_t fh_at = 0;
	uint32_t fh_len = 0, n;
	rd_n(&r, 4);
	rd_n(&r, 8);
	for (uint32_t k = (uint32_t)rd_n(&r, 4); r.ok && k > 0; k--) {
		rd_n(&r, 8);
		rd_blob(&r, &n);
	}
	for (uint32_t k = (uint32_t)rd_n(&r, 4); r.ok && k > 0; k--) {
		uint64_t node = rd_n(&r, 8);
		rd_n(&r, 8);
		rd_n(&r, 8 + 4 + 8 + 8 + 1); /* parent, mode, ino, mount id, flags */
		rd_blob(&r, &n);             /* name (none in file-handles mode) */
		size_t path_at = rd_blob(&r, &n);
		bool is_file = r.ok && n == 4 && !memcmp(real + path_at, "file", 4);
		rd_n(&r, 4);
		size_t at = rd_blob(&r, &n);
		if (is_file)
			file_node = node, fh_at = at, fh_len = n;
	}
	for (uint32_t k = (uint32_t)rd_n(&r, 4); r.ok && k > 0; k--) {
		uint64_t fh = rd_n(&r, 8);
		uint32_t kind = (uint32_t)rd_n(&r, 4);
		uint64_t node = rd_n(&r, 8);
		rd_n(&r, 4);
		if (node == file_node && kind == 1 /* HANDLE_FILE */)
			file_fh = fh;
	}
	if (!r.ok || r.pos != r.len || !file_node || !file_fh || fh_len == 0) {
		h_fail(e, "the saved stream has no file handle and open file for share/file "
		       "(is the daemon in --migration-mode=file-handles?)");
		goto out;
	}
	union {
		struct file_handle fh;
		char bytes[sizeof(struct file_handle) + 128];
	} out;
	int mnt;
	char path[4200];
	snprintf(path, sizeof(path), "%s/outside", e->base);
	out.fh.handle_bytes = 128;
	if (name_to_handle_at(AT_FDCWD, path, &out.fh, &mnt, 0) < 0) {
		h_fail(e, "name_to_handle_at %s: %s", path, strerror(errno));
		goto out;
	}
	/* The new stream: up to the handle type, the outside's type and
	 * handle, the rest, a new checksum. */
	size_t type_at = fh_at - 8, rest = fh_at + fh_len;
	size_t len = type_at + 8 + out.fh.handle_bytes + (real_len - 8 - rest) + 8;
	buf = malloc(len);
	uint32_t t32 = htole32((uint32_t)out.fh.handle_type), l32 = htole32(out.fh.handle_bytes);
	memcpy(buf, real, type_at);
	memcpy(buf + type_at, &t32, 4);
	memcpy(buf + type_at + 4, &l32, 4);
	memcpy(buf + fh_at, out.fh.f_handle, out.fh.handle_bytes);
	memcpy(buf + fh_at + out.fh.handle_bytes, real + rest, real_len - 8 - rest);
	uint64_t sum = htole64(fnv1a(buf + start, len - 8 - start));
	memcpy(buf + len - 8, &sum, 8);
	if (load(e, &b, buf, len, false, "a stream with share/file's handle naming BASE/outside") < 0)
		goto out;

	/* The guest's fh on "file", as the stream carried it. */
	struct fr_reply rep;
	uint64_t ino = 0;
	fr_read(&e->slot, fs_unique(&e->s), file_node, file_fh, 0, 4096);
	if (h_call(e, &rep) < 0)
		goto out;
	if (!rep.error && rep.data_len == strlen(H_SECRET) &&
	    !memcmp(e->slot.data, H_SECRET, rep.data_len)) {
		h_fail(e, "READ of the migrated fh on share/file returned BASE/outside's secret");
		goto out;
	}
	if (!rep.error && (rep.data_len != strlen(H_FILE) || memcmp(e->slot.data, H_FILE, rep.data_len))) {
		h_fail(e, "READ of the migrated fh on share/file: %u unexpected bytes", rep.data_len);
		goto out;
	}
	if (h_getattr(e, file_node, &ino) == 0 && ino == h_outside_ino(e)) {
		h_fail(e, "the migrated share/file is BASE/outside's inode");
		goto out;
	}
	printf("INFO migrated fh on share/file after the forged handle: %s\n",
	       rep.error ? strerror(-rep.error) : "reads share/file (taken by its path)");
	rc = 0;
out:
	free(buf);
	free(real);
	return rc;
}

const struct hostile_case hostile_migration_cases[] = {
	{ "mig-log-read-marks-pages", log_read_marks_pages, 0 },
	{ "mig-log-vring-addr-running", vring_addr_log_running, 0 },
	{ "mig-log-base-bad", log_base_bad, 0 },
	{ "mig-log-used-addr-past-log", log_used_addr_past_log, 0 },
	{ "mig-state-fd-bad", state_fd_bad, 0 },
	{ "mig-state-check-without-transfer", check_without_transfer, 0 },
	{ "mig-state-save-reader-gone", save_reader_gone, 0 },
	{ "mig-state-load-random", load_random, 0 },
	{ "mig-state-load-empty", load_empty, 0 },
	{ "mig-state-load-cut", load_cut, 0 },
	{ "mig-state-load-flipped", load_flipped, 0 },
	{ "mig-state-handle-outside", state_handle_outside, HC_FILE_HANDLES },
};
const unsigned hostile_migration_count =
	sizeof(hostile_migration_cases) / sizeof(hostile_migration_cases[0]);
