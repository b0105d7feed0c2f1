/* Request-rate benchmark of a virtio-fs backend through the host-side client:
 *   build/client/rate SOCKET SHARED_DIR [SECONDS] [OPS]
 * OPS is a comma list of getattr,lookup,read,write,getxattr,meta (default:
 * the first four; getxattr, of security.capability as the kernel asks before
 * each write, wants the daemon's xattr option on; meta is the guest's
 * metadata benchmark, create, stat, rename and unlink, request for request:
 * rate_meta.h, its rates in files per second, RATE_META_FILES of them,
 * 5,000 by default, whatever SECONDS says).  Each op
 * runs SECONDS (default 2) at each depth of RATE_DEPTHS (default 1 and 16
 * requests in flight): the queue always holds that many chains, each
 * completion is checked and its slot
 * refilled at once; the program sleeps on the call eventfd between
 * completions in a blocking read() (no polling; SIGALRM ends a run the
 * daemon stops answering).  Then the same operation as a plain host
 * syscall in this process, for comparison:
 *   getattr: fstatat   lookup: openat(O_PATH) + close   read: pread
 *   write: pwrite (of RATE_IO_SIZE, below)   getxattr: fgetxattr
 * Output, one line per measurement (bench/client-rate.sh builds a table):
 *   RESULT op=read depth=16 reqs=N secs=S rate=R kicks_per_req=K wakeups_per_req=W
 *   RAW op=read rate=R
 * Environment: RATE_NO_EVENT_IDX=1 to leave VIRTIO_RING_F_EVENT_IDX off;
 * RATE_DEPTHS, a comma list of depths from 1 to 16 (default "1,16");
 * RATE_THINK_US=T: independent streams instead of a refilled queue, each
 * slot waiting a random 0 to 2T microseconds after its answer before its
 * next request, which it adds and kicks for alone (a fast guest whose
 * processes each do some work between requests).  The program then spins
 * on the used ring and the clock instead of sleeping (the streams' clocks
 * must be finer than a sleep), so it wants a CPU of its own.
 * RATE_IO_SIZE=BYTES: READ and WRITE size (4096 by default, up to 1 MiB);
 * RATE_PAGE_SEGS=1: their payload one page per descriptor through an
 * indirect table, as Linux's driver sends direct I/O (a 1 MiB READ: 258). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs_session.h"
#include "rate_common.h"
#include "rate_meta.h"

#define READ_FILE "rate-read.dat"
#define WRITE_FILE "rate-write.dat"
#define META_DIR "rate-meta"
#define MAX_DEPTH 16
#define MAX_IO_SIZE (1u << 20)

/* RATE_IO_SIZE: bytes per READ and WRITE (4 KiB by default, at most 1 MiB);
 * the files hold 64 of them (at least 1 MiB), so 1 MiB requests walk 64 MiB
 * like the guest's fio file, not one buffer hot in the CPU's cache. */
static uint32_t io_size = 4096;
static uint64_t file_size = 1u << 20;

enum op { OP_GETATTR, OP_LOOKUP, OP_READ, OP_WRITE, OP_GETXATTR, OP_COUNT };
static const char *const op_names[OP_COUNT] = { "getattr", "lookup", "read", "write",
						 "getxattr" };
/* What Linux asks before every write to a file (file_remove_privs: does it
 * carry capabilities to drop?), when the daemon answers xattr requests. */
#define XATTR_PROBE "security.capability"

struct bench {
	struct fs_session s;
	struct fr_slot slot[MAX_DEPTH];
	int slot_of_head[32768];    /* head id -> slot, -1 when none */
	uint64_t read_node, read_fh, write_node, write_fh;
	uint64_t lookups;           /* lookup references to give back */
	uint64_t seq;               /* request counter, spreads the offsets */
};

/* Build the next request of kind op into slot. */
static void build(struct bench *b, struct fr_slot *slot, enum op op)
{
	uint64_t off = (b->seq++ * io_size) % file_size, u = fs_unique(&b->s);

	switch (op) {
	case OP_GETATTR:
		fr_getattr(slot, u, b->read_node);
		break;
	case OP_LOOKUP:
		fr_lookup(slot, u, FUSE_ROOT_ID, READ_FILE);
		break;
	case OP_READ:
		fr_read(slot, u, b->read_node, b->read_fh, off, io_size);
		break;
	case OP_WRITE:
		/* The payload stays what it was: the data does not matter here. */
		fr_write(slot, u, b->write_node, b->write_fh, off, io_size);
		break;
	case OP_GETXATTR:
		/* Size 0: the length only, as the kernel's probe asks. */
		fr_build(slot, u, FUSE_GETXATTR, b->write_node,
			 &(struct fuse_getxattr_in){ .size = 0 }, sizeof(struct fuse_getxattr_in),
			 XATTR_PROBE, sizeof(struct fuse_getxattr_out), FR_DATA_NONE, 0);
		break;
	default:
		abort();
	}
}

/* Check one completion of kind op. */
static void check(struct bench *b, struct fr_slot *slot, enum op op, uint32_t used_len)
{
	struct fr_reply rep;
	const char *why = NULL;
	struct fuse_write_out wo;

	if (fr_parse(slot, used_len, &rep, &why) < 0)
		rate_die(op_names[op], why);
	/* The file has no capabilities: "no such attribute" is the answer. */
	if (op == OP_GETXATTR && rep.error == -ENODATA)
		return;
	if (rep.error)
		rate_die(op_names[op], strerror(-rep.error));
	switch (op) {
	case OP_GETATTR:
		if (rep.arg_len != sizeof(struct fuse_attr_out))
			rate_die("getattr", "short reply");
		break;
	case OP_LOOKUP:
		if (rep.arg_len != sizeof(struct fuse_entry_out))
			rate_die("lookup", "short reply");
		b->lookups++;
		break;
	case OP_READ:
		if (rep.data_len != io_size)
			rate_die("read", "short read");
		break;
	case OP_GETXATTR:
		rate_die("getxattr", "the file has " XATTR_PROBE);
		break;
	case OP_WRITE:
		memcpy(&wo, rep.arg, sizeof(wo));
		if (rep.arg_len != sizeof(wo) || wo.size != io_size)
			rate_die("write", "short write");
		break;
	default:
		abort();
	}
}

static void submit(struct bench *b, int i)
{
	int head = fr_submit(&b->slot[i], &b->s.req, false);

	if (head < 0)
		rate_die("submit", strerror(-head));
	b->slot_of_head[head] = i;
}

/* A used element: the slot of its chain, its answer checked. */
static int take_answer(struct bench *b, enum op op, const struct vr_used *u)
{
	int i;

	if (!u->known || (i = b->slot_of_head[u->id]) < 0)
		rate_die("used ring", "element for a chain not outstanding");
	b->slot_of_head[u->id] = -1;
	check(b, &b->slot[i], op, u->len);
	return i;
}

/* Keep depth requests of kind op in flight for secs seconds. */
static void run(struct bench *b, enum op op, int depth, double secs)
{
	struct vring_drv *vr = &b->s.req;
	uint64_t done = 0, kicks0 = vr->kicks, wake0 = vr->wakeups;
	int outstanding = 0;
	double t0 = rate_now(), end = t0 + secs, t1;
	struct vr_used u;
	int r;

	/* The waits below block without a timeout: a daemon that stops
	 * answering ends the program by SIGALRM instead. */
	alarm((unsigned)secs + VUC_TIMEOUT_MS / 1000 + 1);
	for (int i = 0; i < depth; i++) {
		build(b, &b->slot[i], op);
		submit(b, i);
		outstanding++;
	}
	vr_kick(vr, false);
	while (outstanding > 0) {
		bool refill = rate_now() < end;
		int got = 0;

		while ((r = vr_get_used(vr, &u)) == 1) {
			int i = take_answer(b, op, &u);

			done++;
			got++;
			outstanding--;
			if (refill) {
				build(b, &b->slot[i], op);
				submit(b, i);
				outstanding++;
			}
		}
		if (r < 0)
			rate_die("used ring", strerror(-r));
		if (got && refill)
			vr_kick(vr, false);
		if (outstanding > 0 && !got && (r = vr_wait(vr, -1)) < 0)
			rate_die("waiting for completions", strerror(-r));
	}
	t1 = rate_now();
	alarm(0);
	printf("RESULT op=%s depth=%d reqs=%llu secs=%.3f rate=%.0f kicks_per_req=%.3f wakeups_per_req=%.3f\n",
	       op_names[op], depth, (unsigned long long)done, t1 - t0,
	       (double)done / (t1 - t0), (double)(vr->kicks - kicks0) / (double)done,
	       (double)(vr->wakeups - wake0) / (double)done);
	fflush(stdout);
}

/* xorshift64: the think times, the same sequence every run. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* When a stream that got its answer at `from` sends again: a random 0 to
 * 2 * think_us later. */
static double think_until(double from, double think_us, uint64_t *rng)
{
	return from + think_us * 2e-6 * (double)(next_random(rng) % 1000) / 1000.0;
}

/* depth independent streams, each thinking a random 0 to 2 * think_us
 * after its answer and then adding its next request alone, with its own
 * kick when the backend asks for one. */
static void run_streams(struct bench *b, enum op op, int depth, double secs, double think_us)
{
	struct vring_drv *vr = &b->s.req;
	uint64_t done = 0, kicks0 = vr->kicks, rng = 0x9e3779b97f4a7c15ull;
	double ready[MAX_DEPTH];    /* when a thinking slot sends; 0: in flight */
	int outstanding = 0;
	double t0 = rate_now(), end = t0 + secs, t1, latest = t0;
	struct vr_used u;
	int r;

	alarm((unsigned)secs + VUC_TIMEOUT_MS / 1000 + 1);
	for (int i = 0; i < depth; i++)
		ready[i] = think_until(t0, think_us, &rng);
	for (;;) {
		double t = rate_now();
		if (t - latest > VUC_TIMEOUT_MS / 1000.0)
			rate_die("streams", "no answer");
		for (int i = 0; i < depth; i++) {
			if (ready[i] == 0 || ready[i] > t || t >= end)
				continue;
			ready[i] = 0;
			build(b, &b->slot[i], op);
			submit(b, i);
			outstanding++;
			vr_kick(vr, false);
		}
		while ((r = vr_get_used(vr, &u)) == 1) {
			int i = take_answer(b, op, &u);

			done++;
			outstanding--;
			latest = rate_now();
			ready[i] = think_until(latest, think_us, &rng);
		}
		if (r < 0)
			rate_die("used ring", strerror(-r));
		if (t >= end && outstanding == 0)
			break;
		__builtin_ia32_pause();
	}
	t1 = rate_now();
	alarm(0);
	printf("RESULT op=%s depth=%d think_us=%.0f reqs=%llu secs=%.3f rate=%.0f kicks_per_req=%.3f\n",
	       op_names[op], depth, think_us, (unsigned long long)done, t1 - t0,
	       (double)done / (t1 - t0), (double)(vr->kicks - kicks0) / (double)done);
	fflush(stdout);
}

/* The same operation as a direct syscall in this process. */
static void run_raw(enum op op, const char *dir, double secs)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rfd = openat(dfd, READ_FILE, O_RDONLY | O_CLOEXEC);
	int wfd = openat(dfd, WRITE_FILE, O_RDWR | O_CLOEXEC);
	static uint8_t buf[MAX_IO_SIZE];
	uint64_t n = 0;
	double t0 = rate_now(), t1, end = t0 + secs;
	struct stat st;

	if (dfd < 0 || rfd < 0 || wfd < 0)
		rate_die("raw: open", strerror(errno));
	do {
		/* Check the clock every 64 operations: vDSO is cheap, not free. */
		for (int k = 0; k < 64; k++, n++) {
			off_t off = (off_t)((n * io_size) % file_size);
			int fd;

			switch (op) {
			case OP_GETATTR:
				if (fstatat(dfd, READ_FILE, &st, AT_SYMLINK_NOFOLLOW) < 0)
					rate_die("raw fstatat", strerror(errno));
				break;
			case OP_LOOKUP:
				fd = openat(dfd, READ_FILE, O_PATH | O_NOFOLLOW | O_CLOEXEC);
				if (fd < 0)
					rate_die("raw openat", strerror(errno));
				close(fd);
				break;
			case OP_READ:
				if (pread(rfd, buf, io_size, off) != (ssize_t)io_size)
					rate_die("raw pread", "short");
				break;
			case OP_WRITE:
				if (pwrite(wfd, buf, io_size, off) != (ssize_t)io_size)
					rate_die("raw pwrite", "short");
				break;
			case OP_GETXATTR:
				if (fgetxattr(wfd, XATTR_PROBE, NULL, 0) >= 0 || errno != ENODATA)
					rate_die("raw fgetxattr", "expected ENODATA");
				break;
			default:
				abort();
			}
		}
	} while ((t1 = rate_now()) < end);
	printf("RAW op=%s rate=%.0f\n", op_names[op], (double)n / (t1 - t0));
	fflush(stdout);
	close(dfd);
	close(rfd);
	close(wfd);
}

static void make_file(const char *dir, const char *name)
{
	char path[4096];
	static uint8_t buf[1u << 20];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	memset(buf, 0x5a, sizeof(buf));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		rate_die(path, strerror(errno));
	for (uint64_t done = 0; done < file_size; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			rate_die(path, strerror(errno));
	close(fd);
}

/* One synchronous request on the request queue, which must succeed. */
static const struct fr_reply *sync_call(struct bench *b, const char *what)
{
	static struct fr_reply rep;
	const char *why = NULL;
	int r = fr_call(&b->slot[0], &b->s.req, VUC_TIMEOUT_MS, &rep, &why);

	if (r < 0)
		rate_die(what, why ? why : strerror(-r));
	if (rep.error)
		rate_die(what, strerror(-rep.error));
	return &rep;
}

static void open_file(struct bench *b, const char *name, uint32_t flags,
		      uint64_t *node, uint64_t *fh)
{
	struct fuse_entry_out e;
	struct fuse_open_out o;

	fr_lookup(&b->slot[0], fs_unique(&b->s), FUSE_ROOT_ID, name);
	memcpy(&e, sync_call(b, "LOOKUP")->arg, sizeof(e));
	fr_open(&b->slot[0], fs_unique(&b->s), e.nodeid, flags);
	memcpy(&o, sync_call(b, "OPEN")->arg, sizeof(o));
	*node = e.nodeid;
	*fh = o.fh;
}

/* RATE_DEPTHS: "1,2,4" into depths[]; NULL gives 1 and MAX_DEPTH. */
static int parse_depths(const char *list, int depths[MAX_DEPTH])
{
	int n = 0;

	if (!list)
		list = "1,16";
	while (*list) {
		char *end;
		long d = strtol(list, &end, 10);

		if (end == list || d < 1 || d > MAX_DEPTH || n == MAX_DEPTH ||
		    (*end && *end != ','))
			rate_die("RATE_DEPTHS", "a comma list of depths from 1 to 16");
		depths[n++] = (int)d;
		list = *end ? end + 1 : end;
	}
	if (!n)
		rate_die("RATE_DEPTHS", "empty");
	return n;
}

int main(int argc, char **argv)
{
	static struct bench b;
	bool pages = getenv("RATE_PAGE_SEGS") != NULL;
	struct fs_options o = { .event_idx = !getenv("RATE_NO_EVENT_IDX"),
				.indirect = pages, .mem_size = 128ull << 20 };
	const char *step = NULL, *why = NULL, *ops = "getattr,lookup,read,write";
	double secs = 2.0;
	struct fr_reply rep;
	int r;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: %s SOCKET SHARED_DIR [SECONDS] [OPS]\n", argv[0]);
		return 2;
	}
	if (argc > 3)
		secs = atof(argv[3]);
	if (argc > 4)
		ops = argv[4];
	if (secs <= 0)
		rate_die("SECONDS", "must be > 0");
	int depths[MAX_DEPTH], ndepths = parse_depths(getenv("RATE_DEPTHS"), depths);
	const char *think = getenv("RATE_THINK_US"), *size = getenv("RATE_IO_SIZE");
	if (size) {
		char *end;
		unsigned long v = strtoul(size, &end, 0);

		if (end == size || *end || v < 4096 || v > MAX_IO_SIZE || v % 4096)
			rate_die("RATE_IO_SIZE", "a multiple of 4096 up to 1 MiB");
		io_size = (uint32_t)v;
		file_size = 64ull * io_size < file_size ? file_size : 64ull * io_size;
	}
	make_file(argv[2], READ_FILE);
	make_file(argv[2], WRITE_FILE);
	char meta_path[4096];
	snprintf(meta_path, sizeof(meta_path), "%s/" META_DIR, argv[2]);
	if (strstr(ops, "meta") && mkdir(meta_path, 0755) < 0 && errno != EEXIST)
		rate_die(meta_path, strerror(errno));

	if ((r = fs_open(&b.s, argv[1], &o, &step)) < 0)
		rate_die(step, strerror(-r));
	if ((r = vr_call_blocking(&b.s.req)) < 0)
		rate_die("call eventfd", strerror(-r));
	for (int i = 0; i < MAX_DEPTH; i++)
		if (fr_slot_init(&b.slot[i], &b.s.c, io_size) < 0 ||
		    (pages && fr_slot_pages(&b.slot[i]) < 0))
			rate_die("slots", "out of guest memory");
	for (size_t i = 0; i < sizeof(b.slot_of_head) / sizeof(b.slot_of_head[0]); i++)
		b.slot_of_head[i] = -1;
	if ((r = fs_fuse_init(&b.s, &b.slot[0], FUSE_ASYNC_READ | FUSE_BIG_WRITES |
			      FUSE_MAX_PAGES, 0, &why)) < 0)
		rate_die("FUSE_INIT", why ? why : strerror(-r));
	printf("INFO server FUSE %u.%u features %#llx event_idx %d\n", b.s.init.major,
	       b.s.init.minor, (unsigned long long)b.s.c.features, b.s.req.event_idx);
	open_file(&b, READ_FILE, O_RDONLY, &b.read_node, &b.read_fh);
	open_file(&b, WRITE_FILE, O_RDWR, &b.write_node, &b.write_fh);

	for (int op = 0; op < OP_COUNT; op++) {
		if (!strstr(ops, op_names[op]))
			continue;
		for (int i = 0; i < ndepths; i++) {
			if (think)
				run_streams(&b, op, depths[i], secs, atof(think));
			else
				run(&b, op, depths[i], secs);
		}
		run_raw(op, argv[2], secs);
	}
	if (strstr(ops, "meta")) {
		const char *nfiles = getenv("RATE_META_FILES");
		uint32_t files = nfiles ? (uint32_t)strtoul(nfiles, NULL, 10) : 0;
		struct meta_bench *m = meta_open(&b.s, b.slot, META_DIR, files);

		if (!m)
			rate_die("meta", "LOOKUP of " META_DIR " failed");
		for (int i = 0; i < ndepths; i++)
			for (int ph = 0; ph < META_PHASES; ph++)
				meta_run(m, ph, depths[i]);
		meta_close(m);
		meta_raw(meta_path, files);
		rmdir(meta_path);
	}

	/* Give back what we hold, like a guest unmounting. */
	fr_release(&b.slot[0], fs_unique(&b.s), b.read_node, b.read_fh, O_RDONLY);
	sync_call(&b, "RELEASE");
	fr_release(&b.slot[0], fs_unique(&b.s), b.write_node, b.write_fh, O_RDWR);
	sync_call(&b, "RELEASE");
	fr_forget(&b.slot[0], fs_unique(&b.s), b.read_node, b.lookups + 1);
	if ((r = fr_call(&b.slot[0], &b.s.hiprio, VUC_TIMEOUT_MS, &rep, &why)) < 0)
		rate_die("FORGET", why ? why : strerror(-r));
	fr_forget(&b.slot[0], fs_unique(&b.s), b.write_node, 1);
	if ((r = fr_call(&b.slot[0], &b.s.hiprio, VUC_TIMEOUT_MS, &rep, &why)) < 0)
		rate_die("FORGET", why ? why : strerror(-r));
	fs_close(&b.s);
	return 0;
}
