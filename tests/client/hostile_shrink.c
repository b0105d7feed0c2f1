/* A VMM that shrinks (ftruncate) a file it gave us after we mapped it:
 * guest memory (SET_MEM_TABLE) or the dirty log (SET_LOG_BASE).  A memfd
 * that takes seals must have been sealed against shrinking by the daemon;
 * one that does not (a memfd made without MFD_ALLOW_SEALING, a tmpfs file)
 * must not kill the daemon when it touches a page past the new end: the
 * queue stops (its error eventfd fires), the daemon logs it, answers
 * vhost-user messages, and serves again after a new memory table and a
 * ring reset.  (The daemon's log is checked by hostile.sh: EXPECT-LOG.) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostile.h"

#define BIT(n) (1ull << (n))
/* The second region: beside the client's memory, in neither address space. */
#define R1_GPA 0x200000000ull
#define R1_UVA 0x7e0000000000ull
#define R1_SIZE (1u << 20)
#define SHRINK_LOG "frontend shrank a shared memory file"

struct two_regions {
	uint32_t nregions;
	uint32_t padding;
	struct vuc_mem_region r[2];
};

/* The client's memory plus fd as a second region. */
static int add_region(struct env *e, int fd)
{
	struct vuc *c = &e->s.c;
	struct two_regions t = { .nregions = 2 };
	int fds[2] = { c->memfd, fd };

	t.r[0] = (struct vuc_mem_region){ c->mem_gpa, c->mem_size, vuc_uva(c, c->mem), 0 };
	t.r[1] = (struct vuc_mem_region){ R1_GPA, R1_SIZE, R1_UVA, 0 };
	int r = vuc_command(c, VUC_SET_MEM_TABLE, &t, sizeof(t), fds, 2);
	return r < 0 ? h_fail(e, "SET_MEM_TABLE with a second region: %s", strerror(-r)) : 0;
}

/* ftruncate to 0 must be refused (the daemon's F_SEAL_SHRINK); growing
 * stays allowed. */
static int expect_sealed(struct env *e, int fd, const char *what)
{
	if (ftruncate(fd, 0) == 0)
		return h_fail(e, "%s: shrunk to 0 bytes after the daemon mapped it", what);
	if (errno != EPERM)
		return h_fail(e, "%s: ftruncate: %s (want EPERM)", what, strerror(errno));
	if (ftruncate(fd, 2 * R1_SIZE) < 0)
		return h_fail(e, "%s: growing it failed: %s", what, strerror(errno));
	return 0;
}

static int mem_sealed(struct env *e)
{
	int fd = memfd_create("sealable-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, R1_SIZE) < 0)
		return h_fail(e, "memfd");
	int r = add_region(e, fd);
	if (r == 0)
		r = expect_sealed(e, fd, "guest memory memfd");
	close(fd);
	return r;
}

/* Queue 1's error eventfd: fires when the queue stops broken. */
static int error_eventfd(struct env *e)
{
	uint64_t idx = 1;
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		return h_fail(e, "eventfd");
	int r = vuc_command(&e->s.c, VUC_SET_VRING_ERR, &idx, 8, &fd, 1);
	if (r < 0) {
		close(fd);
		return h_fail(e, "SET_VRING_ERR: %s", strerror(-r));
	}
	return fd;
}

/* A GETATTR whose request and reply room lie in the region of fd, which
 * is shrunk to 0 before the chain is published. */
static int request_in_shrunk_region(struct env *e, int fd)
{
	struct fuse_in_header *in;
	const uint32_t len = sizeof(*in) + sizeof(struct fuse_getattr_in);
	uint8_t *m = mmap(NULL, R1_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED)
		return h_fail(e, "mmap of the second region");
	in = (struct fuse_in_header *)m;
	in->len = len;
	in->opcode = FUSE_GETATTR;
	in->unique = fs_unique(&e->s);
	in->nodeid = FUSE_ROOT_ID;
	munmap(m, R1_SIZE);
	if (ftruncate(fd, 0) < 0)
		return h_fail(e, "shrinking the second region's file: %s", strerror(errno));
	struct vring_desc d[2] = {
		{ R1_GPA, len, VRING_DESC_F_NEXT, 1 },
		{ R1_GPA + 4096, 4096, VRING_DESC_F_WRITE, 0 },
	};
	return h_publish(e, d, 2);
}

/* The chain is given back (dropped or an error: its header read zeros),
 * the queue stops, and the daemon still answers. */
static int survived(struct env *e, int errfd, const char *what)
{
	struct vr_used u;
	struct pollfd p = { .fd = errfd, .events = POLLIN };
	unsigned base;

	int r = vr_wait_used(&e->s.req, H_WAIT_MS, &u);
	vr_put_desc(&e->s.req, e->ids, e->nids);
	e->nids = 0;
	if (r != 1)
		return h_fail(e, "%s: the chain was not given back (the daemon died?)", what);
	if (u.len != 0 && u.len != sizeof(struct fuse_out_header))
		return h_fail(e, "%s: %u bytes answered from a header of zeros", what, u.len);
	if (poll(&p, 1, H_WAIT_MS) != 1)
		return h_fail(e, "%s: queue 1 did not stop (no error eventfd)", what);
	if ((r = vuc_get_vring_base(&e->s.c, 1, &base)) < 0)
		return h_fail(e, "%s: GET_VRING_BASE: %s", what, strerror(-r));
	printf("EXPECT-LOG %s\n", SHRINK_LOG);
	return 0;
}

/* The whole story for one unsealable file: fault, survive, recover. */
static int mem_shrunk(struct env *e, int fd, const char *what)
{
	int errfd = error_eventfd(e);

	if (errfd < 0)
		return -1;
	int r = add_region(e, fd);
	if (r == 0)
		r = request_in_shrunk_region(e, fd);
	if (r == 0)
		r = survived(e, errfd, what);
	close(errfd);
	if (r < 0)
		return r;
	/* A new table without the shrunk file, a ring reset: served again. */
	if ((r = vuc_set_mem_table(&e->s.c)) < 0)
		return h_fail(e, "%s: restoring the memory table: %s", what, strerror(-r));
	return h_requeue(e);
}

static int mem_unsealable_memfd(struct env *e)
{
	/* Without MFD_ALLOW_SEALING a memfd is born with F_SEAL_SEAL. */
	int fd = memfd_create("unsealable-ram", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, R1_SIZE) < 0)
		return h_fail(e, "memfd");
	int r = mem_shrunk(e, fd, "memfd without sealing");
	close(fd);
	return r;
}

static int mem_tmpfs_file(struct env *e)
{
	char path[] = "/dev/shm/vfs-hostile-ram.XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC);

	if (fd < 0)
		return h_fail(e, "%s: %s", path, strerror(errno));
	unlink(path);
	if (ftruncate(fd, R1_SIZE) < 0) {
		close(fd);
		return h_fail(e, "ftruncate");
	}
	int r = mem_shrunk(e, fd, "tmpfs file");
	close(fd);
	return r;
}

/* Queue 1's rings move into the second region, whose file then shrinks
 * to 0 before the ring starts: reading them (the avail index, the used
 * ring on start) must not kill the daemon, and the queue stops. */
static int mem_rings_in_shrunk_region(struct env *e)
{
	struct vuc *c = &e->s.c;
	unsigned base;
	int fd = memfd_create("unsealable-rings", MFD_CLOEXEC), r, errfd;

	if (fd < 0 || ftruncate(fd, R1_SIZE) < 0)
		return h_fail(e, "memfd");
	if (add_region(e, fd) < 0) {
		close(fd);
		return -1;
	}
	if ((r = vuc_get_vring_base(c, 1, &base)) < 0) {
		close(fd);
		return h_fail(e, "GET_VRING_BASE: %s", strerror(-r));
	}
	/* A request waiting in the avail ring, which will read zeros. */
	uint16_t *avail = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
	if (avail == MAP_FAILED) {
		close(fd);
		return h_fail(e, "mmap");
	}
	avail[1] = 1;
	munmap(avail, 4096);
	r = ftruncate(fd, 0);
	close(fd);
	if (r < 0)
		return h_fail(e, "shrinking the rings' file: %s", strerror(errno));
	if ((errfd = error_eventfd(e)) < 0)
		return -1;
	const void *ring = (const void *)(uintptr_t)R1_UVA;
	if ((r = vuc_set_vring_num(c, 1, 128)) < 0 || (r = vuc_set_vring_base(c, 1, 0)) < 0 ||
	    (r = vuc_set_vring_addr(c, 1, ring, (const uint8_t *)ring + 4096,
				    (const uint8_t *)ring + 8192)) < 0 ||
	    (r = vuc_set_vring_call(c, 1, e->s.req.call_fd)) < 0 ||
	    (r = vuc_set_vring_kick(c, 1, e->s.req.kick_fd)) < 0 ||
	    ((c->features & BIT(VUC_F_PROTOCOL_FEATURES)) &&
	     (r = vuc_set_vring_enable(c, 1, 1)) < 0)) {
		close(errfd);
		return h_fail(e, "setting queue 1 up in the shrunk region: %s", strerror(-r));
	}
	struct pollfd p = { .fd = errfd, .events = POLLIN };
	r = poll(&p, 1, H_WAIT_MS);
	close(errfd);
	if (r != 1)
		return h_fail(e, "queue 1 on shrunk rings did not stop (no error eventfd)");
	if ((r = vuc_get_vring_base(c, 1, &base)) < 0)
		return h_fail(e, "GET_VRING_BASE on shrunk rings: %s", strerror(-r));
	printf("EXPECT-LOG %s\n", SHRINK_LOG);
	if ((r = vuc_set_mem_table(c)) < 0)
		return h_fail(e, "restoring the memory table: %s", strerror(-r));
	return h_requeue(e);
}

static int want_protocol(struct env *e, uint64_t bits, const char *name)
{
	int r;

	if ((e->s.offered_protocol & bits) != bits)
		return h_fail(e, "%s not offered", name);
	if ((r = vuc_set_protocol_features(&e->s.c, e->s.c.protocol_features | bits)) < 0)
		return h_fail(e, "SET_PROTOCOL_FEATURES with %s: %s", name, strerror(-r));
	return 0;
}

/* A log covering guest memory, in a memfd made with or without sealing. */
static int log_memfd(struct env *e, bool sealable, uint64_t *size)
{
	struct vuc *c = &e->s.c;
	int fd = memfd_create("log", MFD_CLOEXEC | (sealable ? MFD_ALLOW_SEALING : 0));

	*size = ((c->mem_gpa + c->mem_size) / VUC_LOG_PAGE + 7) / 8;
	if (fd < 0 || ftruncate(fd, (off_t)*size) < 0)
		return h_fail(e, "memfd");
	if (want_protocol(e, BIT(VUC_PROTOCOL_F_LOG_SHMFD), "LOG_SHMFD") < 0) {
		close(fd);
		return -1;
	}
	int r = vuc_set_log_base(c, fd, *size, 0);
	if (r < 0) {
		close(fd);
		return h_fail(e, "SET_LOG_BASE: %s", strerror(-r));
	}
	return fd;
}

static int log_sealed(struct env *e)
{
	uint64_t size;
	int fd = log_memfd(e, true, &size);

	if (fd < 0)
		return -1;
	int r = expect_sealed(e, fd, "dirty log memfd");
	close(fd);
	return r;
}

/* The log's file shrinks while LOG_ALL is on; a GETATTR's reply marks it:
 * answered, and the state save refused (the marks went nowhere the VMM
 * sees, so the destination would get stale pages).  With replace, a new
 * log comes before the save (QEMU resizes its log while migrating): the
 * marks are still lost, the save still refused. */
static int log_shrunk(struct env *e, bool replace)
{
	struct vuc *c = &e->s.c;
	uint64_t size, ino, f = c->features;
	unsigned b0, b1;
	int r, fd, state;

	if (want_protocol(e, BIT(VUC_PROTOCOL_F_DEVICE_STATE), "DEVICE_STATE") < 0 ||
	    (fd = log_memfd(e, false, &size)) < 0)
		return -1;
	if ((r = vuc_set_features(c, f | BIT(VUC_F_LOG_ALL))) < 0) {
		close(fd);
		return h_fail(e, "SET_FEATURES with LOG_ALL: %s", strerror(-r));
	}
	r = ftruncate(fd, 0);
	close(fd);
	if (r < 0)
		return h_fail(e, "shrinking the log's memfd: %s", strerror(errno));
	if ((r = h_getattr(e, FUSE_ROOT_ID, &ino)) < 0)
		return r == -EPROTO ? -1 : h_fail(e, "GETATTR with the log shrunk: %s", strerror(-r));
	if (replace) {
		int fd2 = memfd_create("log2", MFD_CLOEXEC);
		if (fd2 < 0 || ftruncate(fd2, (off_t)size) < 0)
			return h_fail(e, "memfd");
		r = vuc_set_log_base(c, fd2, size, 0);
		close(fd2);
		if (r < 0)
			return h_fail(e, "the new SET_LOG_BASE: %s", strerror(-r));
	}
	if ((r = vuc_get_vring_base(c, 0, &b0)) < 0 || (r = vuc_get_vring_base(c, 1, &b1)) < 0)
		return h_fail(e, "GET_VRING_BASE with the log shrunk: %s", strerror(-r));
	r = vuc_set_device_state_fd(c, VUC_STATE_SAVE, VUC_PHASE_STOPPED, &state);
	if (r == 0) {
		close(state);
		return h_fail(e, "state save accepted after the log's file shrank%s",
			      replace ? " (and a new log came)" : "");
	}
	if (r != -EIO)
		return h_fail(e, "SET_DEVICE_STATE_FD: %s", strerror(-r));
	printf("EXPECT-LOG %s\n", SHRINK_LOG);
	printf("EXPECT-LOG %s\n", replace ? "writes into guest memory went unlogged"
					  : "the frontend shrank the dirty log's file");
	/* The migration failed: logging off, the rings resume. */
	if ((r = vuc_set_features(c, f)) < 0)
		return h_fail(e, "SET_FEATURES without LOG_ALL: %s", strerror(-r));
	if ((r = vr_setup_at(&e->s.hiprio, b0)) < 0 || (r = vr_setup_at(&e->s.req, b1)) < 0)
		return h_fail(e, "restarting the rings: %s", strerror(-r));
	return 0;
}

static int log_unsealable(struct env *e)
{
	return log_shrunk(e, false);
}

static int log_shrunk_then_replaced(struct env *e)
{
	return log_shrunk(e, true);
}

const struct hostile_case hostile_shrink_cases[] = {
	{ "shrink-mem-sealed", mem_sealed, 0 },
	{ "shrink-mem-unsealable-memfd", mem_unsealable_memfd, 0 },
	{ "shrink-mem-tmpfs-file", mem_tmpfs_file, 0 },
	{ "shrink-mem-rings", mem_rings_in_shrunk_region, 0 },
	{ "shrink-log-sealed", log_sealed, 0 },
	{ "shrink-log-unsealable", log_unsealable, 0 },
	{ "shrink-log-replaced", log_shrunk_then_replaced, 0 },
};
const unsigned hostile_shrink_count = sizeof(hostile_shrink_cases) / sizeof(hostile_shrink_cases[0]);
