/* Live migration over a real vhost-user socket, with a fake device:
 *  - dirty logging: LOG_ALL and LOG_SHMFD offered, SET_LOG_BASE (a memfd
 *    at an unaligned offset) answered, LOG_ALL and the ring's
 *    VHOST_VRING_F_LOG switched on while the ring runs, a request marks
 *    exactly its reply's pages and the used ring's log page, the log
 *    replaced while running, logging switched off, malformed SET_LOG_BASE
 *    and SET_VRING_ADDR refused;
 *  - device state: DEVICE_STATE offered only with both callbacks,
 *    SET_DEVICE_STATE_FD refused while a ring runs or when malformed (the
 *    fd closed), save and load of a state larger than a pipe (the reply
 *    comes before the transfer), a failed load, a reader gone (EPIPE),
 *    CHECK_DEVICE_STATE before and after, GET_VRING_BASE leaving nothing
 *    in flight, the ring served again afterwards; a log given only after
 *    LOG_ALL and the rings (QEMU's vhost_dev_start) fails the save only
 *    when a write came before it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../client/scm_send.h"
#include "log/log.h"
#include "transport/socket_file.h"
#include "transport/vhost_user.h"
#include "transport/vhost_user_proto.h"

static int failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", \
	__FILE__, __LINE__, #c); failures++; } } while (0)

#define PAGE 4096ull
#define MEM_GPA 0x100000ull            /* guest memory: [1 MiB, 2 MiB) */
#define MEM_SIZE 0x100000ull
#define UVA_BASE 0x7f0000000000ull
#define QSIZE 8
#define DESC_OFF 0x1000
#define AVAIL_OFF 0x2000
#define USED_OFF 0x3000
#define USED_LOG_GPA 0x1f0000ull       /* where the used ring is logged */
#define LOG_BYTES 64                   /* 512 pages: [0, 2 MiB) */
#define LOG_OFF 4099                   /* unaligned, inside a 3-page memfd */

/* The fake device: fills the whole writable part with 'r'. */
static uint32_t serve(void *opaque, unsigned qidx, struct vq_req *req)
{
	uint32_t n = 0;
	for (int i = 0; i < req->wr_cnt; i++) {
		memset(req->wr[i].iov_base, 'r', req->wr[i].iov_len);
		n += (uint32_t)req->wr[i].iov_len;
	}
	return n;
}

/* State: STATE_LEN bytes of a pattern, more than a pipe holds. */
#define STATE_LEN (300 * 1024)
static int loads, saves;
static int last_save_rc;

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + i / 251);
}

static int save_state(void *opaque, int fd)
{
	uint8_t buf[4096];
	saves++;
	for (size_t done = 0; done < STATE_LEN;) {
		size_t n = STATE_LEN - done < sizeof(buf) ? STATE_LEN - done : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(done + i);
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return last_save_rc = w < 0 ? -errno : -EIO;
		done += (size_t)w;
	}
	return last_save_rc = 0;
}

/* Accepts exactly the pattern of STATE_LEN bytes. */
static int load_state(void *opaque, int fd)
{
	uint8_t buf[4096];
	size_t total = 0;
	bool same = true;
	loads++;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			same = same && total + (size_t)i < STATE_LEN &&
			       buf[i] == pattern(total + (size_t)i);
		total += (size_t)n;
	}
	return same && total == STATE_LEN ? 0 : -EINVAL;
}

struct server {
	struct vu_options opt;
	struct vu_device dev;
	int rc;
	pthread_t thread;
};

static void *server_main(void *arg)
{
	struct server *s = arg;
	s->rc = vu_serve(&s->opt, &s->dev);
	return NULL;
}

static int sock;

/* Start s serving on path, in a thread, and connect sock to it (replies
 * awaited 10 s at most). */
static void server_start(struct server *s, const char *path)
{
	s->opt.listen_fd = vu_listen(path, NULL);
	CHECK(s->opt.listen_fd >= 0);
	pthread_create(&s->thread, NULL, server_main, s);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(connect(sock, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	struct timeval tv = { 10, 0 };
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void send_msg(uint32_t req, uint32_t flags, const void *payload, uint32_t size,
		     const int *fds, unsigned nfds)
{
	struct vhost_user_hdr hdr = { req, VHOST_USER_VERSION | flags, size };
	if (scm_send(sock, &hdr, sizeof(hdr), payload, size, fds, (int)nfds, MSG_NOSIGNAL) !=
	    (ssize_t)(sizeof(hdr) + size)) {
		perror("sendmsg");
		failures++;
	}
}

/* A reply to req: its payload size (-1 on EOF, error or no fds expected
 * but some came). */
static int recv_reply(uint32_t req, void *payload, size_t max)
{
	struct vhost_user_hdr hdr;
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { &hdr, sizeof(hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	if (recvmsg(sock, &mh, MSG_WAITALL) != sizeof(hdr))
		return -1;
	CHECK(mh.msg_controllen == 0);        /* the daemon never sends fds */
	CHECK(hdr.request == req);
	CHECK(hdr.flags == (VHOST_USER_VERSION | VHOST_USER_REPLY_MASK));
	if (hdr.size > max)
		return -1;
	if (hdr.size && recv(sock, payload, hdr.size, MSG_WAITALL) != (ssize_t)hdr.size)
		return -1;
	return (int)hdr.size;
}

static uint64_t get_u64(uint32_t req, const void *payload, uint32_t size, const int *fds,
			unsigned nfds)
{
	uint64_t v = 0xdead;
	send_msg(req, 0, payload, size, fds, nfds);
	CHECK(recv_reply(req, &v, sizeof(v)) == 8);
	return v;
}

static uint64_t acked(uint32_t req, const void *payload, uint32_t size, const int *fds,
		      unsigned nfds)
{
	uint64_t v = 0xdead;
	send_msg(req, VHOST_USER_NEED_REPLY_MASK, payload, size, fds, nfds);
	CHECK(recv_reply(req, &v, sizeof(v)) == 8);
	return v;
}

static uint64_t set_u64(uint32_t req, uint64_t v)
{
	return acked(req, &v, 8, NULL, 0);
}

static uint64_t vring_state(uint32_t req, uint32_t index, uint32_t num)
{
	struct vhost_user_state st = { index, num };
	return acked(req, &st, sizeof(st), NULL, 0);
}

static uint64_t vring_addr(uint32_t flags, uint64_t desc_off, uint64_t log)
{
	struct vhost_user_addr a = { .index = 1, .flags = flags,
		.desc_user_addr = UVA_BASE + desc_off, .avail_user_addr = UVA_BASE + AVAIL_OFF,
		.used_user_addr = UVA_BASE + USED_OFF, .log_guest_addr = log };
	return acked(VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
}

static uint64_t vring_fd(uint32_t req, uint32_t index, int fd)
{
	uint64_t v = index;
	return acked(req, &v, sizeof(v), &fd, 1);
}

/* SET_LOG_BASE: 1 on success (the 16-byte payload echoed), 0 when
 * refused (an 8-byte nonzero u64). */
static int set_log_base(uint64_t size, uint64_t offset, const int *fds, unsigned nfds,
			uint32_t payload_size)
{
	struct vhost_user_log l = { size, offset }, back;
	memset(&back, 0, sizeof(back));
	send_msg(VHOST_USER_SET_LOG_BASE, 0, &l, payload_size, fds, nfds);
	int n = recv_reply(VHOST_USER_SET_LOG_BASE, &back, sizeof(back));
	if (n == 16 && back.mmap_size == size && back.mmap_offset == offset)
		return 1;
	CHECK(n == 8 && back.mmap_size != 0);
	return 0;
}

static uint8_t *guest;
static int call_fd, kick_fd;

/* Wait (5 s at most) until the used index reaches want: a call can be
 * stale (a ring that starts notifies once). */
static bool wait_used(const struct vring_used *u, uint16_t want)
{
	for (int i = 0; i < 50; i++) {
		if (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) == want)
			return true;
		struct pollfd p = { call_fd, POLLIN, 0 };
		if (poll(&p, 1, 100) == 1) {
			uint64_t v;
			if (read(call_fd, &v, sizeof(v)) != sizeof(v))
				return false;
		}
	}
	return false;
}

/* One request: 16 readable bytes at 0x10000, out_len writable bytes at
 * out_off (offsets into guest memory); waits for its completion. */
static void request(uint64_t out_off, uint32_t out_len)
{
	struct vring_desc *d = (struct vring_desc *)(guest + DESC_OFF);
	struct vring_avail *av = (struct vring_avail *)(guest + AVAIL_OFF);
	struct vring_used *u = (struct vring_used *)(guest + USED_OFF);
	uint16_t idx = av->idx;
	d[0] = (struct vring_desc){ MEM_GPA + 0x10000, 16, VRING_DESC_F_NEXT, 1 };
	d[1] = (struct vring_desc){ MEM_GPA + out_off, out_len, VRING_DESC_F_WRITE, 0 };
	av->ring[idx % QSIZE] = 0;
	av->ring[QSIZE] = u->idx;         /* used_event: call us for this one */
	__atomic_store_n(&av->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
	uint64_t one = 1;
	CHECK(write(kick_fd, &one, 8) == 8);
	CHECK(wait_used(u, (uint16_t)(idx + 1)));
	CHECK(u->ring[idx % QSIZE].len == out_len);
	/* The thread goes on to write avail_event after the call: let it. */
	usleep(20 * 1000);
}

static unsigned count_bits(const uint8_t *p, size_t n)
{
	unsigned c = 0;
	for (size_t i = 0; i < n; i++)
		c += (unsigned)__builtin_popcount(p[i]);
	return c;
}

static bool bit(const uint8_t *log, uint64_t gpa)
{
	uint64_t page = gpa / PAGE;
	return log[page / 8] & (1u << (page % 8));
}

/* The bytes of the 3-page log memfd outside [LOG_OFF, LOG_OFF + LOG_BYTES)
 * are never written. */
static bool canary_intact(const uint8_t *m)
{
	for (size_t i = 0; i < 3 * PAGE; i++)
		if ((i < LOG_OFF || i >= LOG_OFF + LOG_BYTES) && m[i] != 0)
			return false;
	return true;
}

static int new_memfd(size_t size, uint8_t **map)
{
	int fd = memfd_create("log", MFD_CLOEXEC);
	CHECK(fd >= 0 && ftruncate(fd, (off_t)size) == 0);
	*map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(*map != MAP_FAILED);
	return fd;
}

/* After SET_OWNER: one memory region (its memfd returned, mapped at
 * guest) and ring 1 with these address flags and used-ring log address,
 * its call and kick fds given; not enabled yet. */
static int memory_and_ring(uint32_t addr_flags, uint64_t used_log)
{
	int memfd = new_memfd(MEM_SIZE, &guest);
	struct vhost_user_memory m = { .nregions = 1 };
	m.regions[0] = (struct vhost_user_mem_region){ MEM_GPA, MEM_SIZE, UVA_BASE, 0 };
	CHECK(acked(VHOST_USER_SET_MEM_TABLE, &m, 8 + sizeof(m.regions[0]), &memfd, 1) == 0);
	call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK(vring_state(VHOST_USER_SET_VRING_NUM, 1, QSIZE) == 0);
	CHECK(vring_state(VHOST_USER_SET_VRING_BASE, 1, 0) == 0);
	CHECK(vring_addr(addr_flags, DESC_OFF, used_log) == 0);
	CHECK(vring_fd(VHOST_USER_SET_VRING_CALL, 1, call_fd) == 0);
	CHECK(vring_fd(VHOST_USER_SET_VRING_KICK, 1, kick_fd) == 0);
	return memfd;
}

static void test_dirty_log(void)
{
	/* Feature and protocol negotiation. */
	uint64_t f = get_u64(VHOST_USER_GET_FEATURES, NULL, 0, NULL, 0);
	CHECK(f & (1ull << VHOST_F_LOG_ALL));
	uint64_t pf = get_u64(VHOST_USER_GET_PROTOCOL_FEATURES, NULL, 0, NULL, 0);
	CHECK(pf & (1ull << VHOST_USER_PROTOCOL_F_LOG_SHMFD));
	CHECK(pf & (1ull << VHOST_USER_PROTOCOL_F_DEVICE_STATE));
	CHECK(set_u64(VHOST_USER_SET_PROTOCOL_FEATURES, pf) == 0);
	uint64_t features = f & ~(1ull << VHOST_F_LOG_ALL);
	CHECK(set_u64(VHOST_USER_SET_FEATURES, features) == 0);
	CHECK(acked(VHOST_USER_SET_OWNER, NULL, 0, NULL, 0) == 0);

	int memfd = memory_and_ring(0, 0);
	CHECK(vring_state(VHOST_USER_SET_VRING_ENABLE, 1, 1) == 0);
	request(0x20000, 64);

	/* The log: 64 bytes at an unaligned offset of a 3-page memfd. */
	uint8_t *lm;
	int logfd = new_memfd(3 * PAGE, &lm);
	uint8_t *log = lm + LOG_OFF;
	CHECK(set_log_base(LOG_BYTES, LOG_OFF, &logfd, 1, 16) == 1);

	/* Malformed SET_LOG_BASE: refused, with a reply; the log stays. */
	int two[2] = { logfd, logfd };
	CHECK(set_log_base(0, 0, &logfd, 1, 16) == 0);                 /* size 0 */
	CHECK(set_log_base(LOG_BYTES, 3 * PAGE, &logfd, 1, 16) == 0);  /* past the end */
	CHECK(set_log_base(4 * PAGE, 0, &logfd, 1, 16) == 0);          /* bigger than it */
	CHECK(set_log_base(1ull << 63, 1ull << 63, &logfd, 1, 16) == 0); /* wraps */
	CHECK(set_log_base(LOG_BYTES, 0, NULL, 0, 16) == 0);           /* no fd */
	CHECK(set_log_base(LOG_BYTES, 0, two, 2, 16) == 0);            /* 2 fds */
	CHECK(set_log_base(LOG_BYTES, 0, &logfd, 1, 8) == 0);          /* u64 */
	int pfd[2];
	CHECK(pipe(pfd) == 0);
	CHECK(set_log_base(LOG_BYTES, 0, &pfd[0], 1, 16) == 0);        /* not mappable */
	close(pfd[0]);
	close(pfd[1]);
	/* SET_LOG_FD: one eventfd. */
	int efd = eventfd(0, EFD_CLOEXEC);
	CHECK(acked(VHOST_USER_SET_LOG_FD, NULL, 0, &efd, 1) == 0);
	CHECK(acked(VHOST_USER_SET_LOG_FD, NULL, 0, NULL, 0) != 0);
	close(efd);

	/* A log but no LOG_ALL: nothing is marked. */
	request(0x20000, 64);
	CHECK(count_bits(log, LOG_BYTES) == 0);

	/* Logging on, as QEMU does it while the ring runs: LOG_ALL, then the
	 * ring's log flag and address (only those may change now). */
	CHECK(set_u64(VHOST_USER_SET_FEATURES, features | (1ull << VHOST_F_LOG_ALL)) == 0);
	CHECK(vring_addr(VHOST_USER_VRING_F_LOG, DESC_OFF, USED_LOG_GPA) == 0);
	CHECK(vring_addr(VHOST_USER_VRING_F_LOG, DESC_OFF + 0x100, USED_LOG_GPA) != 0);
	CHECK(vring_addr(0x2, DESC_OFF, USED_LOG_GPA) != 0);
	memset(log, 0, LOG_BYTES);
	/* 0x40 bytes across the page boundary at 0x21000. */
	request(0x20fe0, 0x40);
	CHECK(bit(log, MEM_GPA + 0x20000) && bit(log, MEM_GPA + 0x21000));
	CHECK(bit(log, USED_LOG_GPA));
	CHECK(!bit(log, MEM_GPA + USED_OFF));     /* logged at the log address */
	CHECK(count_bits(log, LOG_BYTES) == 3);
	CHECK(canary_intact(lm));

	/* A new log while running (QEMU resizes it): the next marks go there. */
	uint8_t *lm2;
	int logfd2 = new_memfd(PAGE, &lm2);
	CHECK(set_log_base(2 * LOG_BYTES, 0, &logfd2, 1, 16) == 1);
	memset(log, 0, LOG_BYTES);
	request(0x30000, 8);
	CHECK(count_bits(log, LOG_BYTES) == 0);
	CHECK(bit(lm2, MEM_GPA + 0x30000) && bit(lm2, USED_LOG_GPA));
	CHECK(count_bits(lm2, PAGE) == 2);

	/* A used ring log address past the log: skipped, the rest logged. */
	CHECK(vring_addr(VHOST_USER_VRING_F_LOG, DESC_OFF, 1ull << 40) == 0);
	memset(lm2, 0, PAGE);
	request(0x30000, 8);
	CHECK(bit(lm2, MEM_GPA + 0x30000) && count_bits(lm2, PAGE) == 1);

	/* Logging off: SET_FEATURES without LOG_ALL, the ring flag cleared. */
	CHECK(set_u64(VHOST_USER_SET_FEATURES, features) == 0);
	CHECK(vring_addr(0, DESC_OFF, 0) == 0);
	memset(lm2, 0, PAGE);
	request(0x30000, 8);
	CHECK(count_bits(lm2, PAGE) == 0);
	/* The log ended with its period (QEMU frees it): logging on again
	 * without a new SET_LOG_BASE never marks the old one. */
	CHECK(set_u64(VHOST_USER_SET_FEATURES, features | (1ull << VHOST_F_LOG_ALL)) == 0);
	CHECK(vring_addr(VHOST_USER_VRING_F_LOG, DESC_OFF, USED_LOG_GPA) == 0);
	request(0x30000, 8);
	CHECK(count_bits(lm2, PAGE) == 0);
	CHECK(set_u64(VHOST_USER_SET_FEATURES, features) == 0);
	CHECK(vring_addr(0, DESC_OFF, 0) == 0);

	/* Without LOG_SHMFD, SET_LOG_BASE is refused (a plain NACK). */
	CHECK(set_u64(VHOST_USER_SET_PROTOCOL_FEATURES,
		      pf & ~(1ull << VHOST_USER_PROTOCOL_F_LOG_SHMFD)) == 0);
	struct vhost_user_log l = { LOG_BYTES, 0 };
	CHECK(acked(VHOST_USER_SET_LOG_BASE, &l, sizeof(l), &logfd, 1) != 0);
	CHECK(set_u64(VHOST_USER_SET_PROTOCOL_FEATURES, pf) == 0);

	close(logfd);
	close(logfd2);
	munmap(lm, 3 * PAGE);
	munmap(lm2, PAGE);
	close(memfd);
}

/* Has the daemon closed its copy of a pipe's write end?  (Ours is closed.) */
static bool read_end_sees_eof(int rd)
{
	struct pollfd p = { rd, POLLIN, 0 };
	char c;
	if (poll(&p, 1, 2000) != 1)
		return false;
	return read(rd, &c, 1) == 0;
}

/* SET_DEVICE_STATE_FD with a fresh pipe: the daemon gets the read end
 * (load) or the write end (anything else); *ours is the other.  Returns the
 * reply. */
static uint64_t set_state_fd(uint32_t direction, uint32_t phase, int *ours, bool nonblock)
{
	int p[2];
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	int theirs = direction == 1 ? p[0] : p[1];
	*ours = direction == 1 ? p[1] : p[0];
	if (nonblock)
		fcntl(theirs, F_SETFL, O_NONBLOCK);
	struct vhost_user_transfer_state t = { direction, phase };
	uint64_t r = get_u64(VHOST_USER_SET_DEVICE_STATE_FD, &t, sizeof(t), &theirs, 1);
	close(theirs);
	return r;
}

static uint64_t check_state(void)
{
	return get_u64(VHOST_USER_CHECK_DEVICE_STATE, NULL, 0, NULL, 0);
}

static void test_device_state(void)
{
	int fd;

	CHECK(check_state() != 0);                        /* no transfer yet */

	/* The ring runs: refused, our fd closed. */
	CHECK((set_state_fd(0, 0, &fd, false) & 0xff) != 0);
	CHECK(read_end_sees_eof(fd));
	close(fd);
	CHECK(check_state() != 0);

	/* GET_VRING_BASE stops it with nothing in flight. */
	struct vhost_user_state st = { 1, 0 };
	send_msg(VHOST_USER_GET_VRING_BASE, 0, &st, sizeof(st), NULL, 0);
	CHECK(recv_reply(VHOST_USER_GET_VRING_BASE, &st, sizeof(st)) == 8);
	struct vring_used *u = (struct vring_used *)(guest + USED_OFF);
	CHECK(st.index == 1 && st.num == u->idx && st.num == 7); /* the requests of test_dirty_log */

	/* Malformed. */
	CHECK((set_state_fd(2, 0, &fd, false) & 0xff) != 0);   /* direction */
	CHECK(read_end_sees_eof(fd));
	close(fd);
	CHECK((set_state_fd(0, 1, &fd, false) & 0xff) != 0);   /* phase */
	CHECK(read_end_sees_eof(fd));
	close(fd);
	struct vhost_user_transfer_state t = { 0, 0 };
	CHECK((get_u64(VHOST_USER_SET_DEVICE_STATE_FD, &t, sizeof(t), NULL, 0) & 0xff) != 0);
	int p[2];
	CHECK(pipe(p) == 0);
	int two[2] = { p[1], p[1] };
	CHECK((get_u64(VHOST_USER_SET_DEVICE_STATE_FD, &t, sizeof(t), two, 2) & 0xff) != 0);
	CHECK((get_u64(VHOST_USER_SET_DEVICE_STATE_FD, &t, 4, &p[1], 1) & 0xff) != 0);
	close(p[1]);
	CHECK(read_end_sees_eof(p[0]));
	close(p[0]);
	CHECK(check_state() != 0);

	/* A migration whose dirty log failed (QEMU cannot see a failed
	 * SET_LOG_BASE) must not complete: the save is refused while that
	 * logging period lasts, and accepted again once it is over. */
	uint64_t f = get_u64(VHOST_USER_GET_FEATURES, NULL, 0, NULL, 0);
	struct vhost_user_log bad_log = { 0, 0 };
	uint8_t *lmap;
	int lfd = new_memfd(PAGE, &lmap);
	CHECK(get_u64(VHOST_USER_SET_LOG_BASE, &bad_log, sizeof(bad_log), &lfd, 1) != 0);
	close(lfd);
	munmap(lmap, PAGE);
	CHECK(set_u64(VHOST_USER_SET_FEATURES, f) == 0);              /* LOG_ALL on */
	CHECK((set_state_fd(0, 0, &fd, false) & 0xff) != 0);
	close(fd);
	CHECK(set_u64(VHOST_USER_SET_FEATURES, f & ~(1ull << VHOST_F_LOG_ALL)) == 0);

	/* Save: accepted with "no fd" (bit 8); the state arrives after the
	 * reply (it is larger than a pipe, so it could not come before). */
	CHECK(set_state_fd(0, 0, &fd, true) == 0x100);
	uint8_t *got = malloc(STATE_LEN + 1);
	size_t total = 0;
	for (;;) {
		ssize_t n = read(fd, got + total, STATE_LEN + 1 - total);
		if (n <= 0)
			break;
		total += (size_t)n;
		if (total == STATE_LEN + 1)
			break;
	}
	close(fd);
	CHECK(total == STATE_LEN);
	bool same = true;
	for (size_t i = 0; i < total && same; i++)
		same = got[i] == pattern(i);
	CHECK(same);
	CHECK(check_state() == 0);
	CHECK(check_state() == 0);        /* asking twice tells the same */

	/* Load it back. */
	CHECK(set_state_fd(1, 0, &fd, false) == 0x100);
	CHECK(write(fd, got, STATE_LEN) == STATE_LEN);
	close(fd);
	CHECK(check_state() == 0);
	CHECK(loads == 1);

	/* A cut stream: the load fails, CHECK says so. */
	CHECK(set_state_fd(1, 0, &fd, false) == 0x100);
	CHECK(write(fd, got, STATE_LEN / 2) == STATE_LEN / 2);
	close(fd);
	CHECK(check_state() != 0);
	/* Empty. */
	CHECK(set_state_fd(1, 0, &fd, false) == 0x100);
	close(fd);
	CHECK(check_state() != 0);

	/* A successful transfer, then a refused one: CHECK fails. */
	CHECK(set_state_fd(1, 0, &fd, false) == 0x100);
	CHECK(write(fd, got, STATE_LEN) == STATE_LEN);
	close(fd);
	CHECK(check_state() == 0);
	CHECK((set_state_fd(5, 0, &fd, false) & 0xff) != 0);
	close(fd);
	CHECK(check_state() != 0);

	/* The reader is gone before the daemon writes: EPIPE, no SIGPIPE
	 * death (the daemon ignores SIGPIPE, as main.c does). */
	int saves_before = saves;
	CHECK(pipe(p) == 0);
	close(p[0]);
	t = (struct vhost_user_transfer_state){ 0, 0 };
	CHECK(get_u64(VHOST_USER_SET_DEVICE_STATE_FD, &t, sizeof(t), &p[1], 1) == 0x100);
	close(p[1]);
	CHECK(check_state() != 0);
	CHECK(saves == saves_before + 1 && last_save_rc == -EPIPE);
	free(got);

	/* The ring starts again (a kick fd, as QEMU does) and serves. */
	CHECK(vring_fd(VHOST_USER_SET_VRING_KICK, 1, kick_fd) == 0);
	request(0x20000, 16);
	CHECK(u->idx == 8);
}

/* Without the callbacks, DEVICE_STATE is not offered and refused. */
static void test_not_offered(const char *path)
{
	struct server s = { .dev = { .serve = serve, .num_request_queues = 1,
				     .save_state = save_state } };
	server_start(&s, path);
	uint64_t pf = get_u64(VHOST_USER_GET_PROTOCOL_FEATURES, NULL, 0, NULL, 0);
	CHECK(!(pf & (1ull << VHOST_USER_PROTOCOL_F_DEVICE_STATE)));
	CHECK(set_u64(VHOST_USER_SET_PROTOCOL_FEATURES,
		      pf | (1ull << VHOST_USER_PROTOCOL_F_DEVICE_STATE)) != 0);
	int fd;
	CHECK((set_state_fd(0, 0, &fd, false) & 0xff) != 0);
	CHECK(read_end_sees_eof(fd));
	close(fd);
	close(sock);
	pthread_join(s.thread, NULL);
	CHECK(s.rc == 0);
	close(s.opt.listen_fd);
}

/* A device started while a migration runs, in QEMU's vhost_dev_start
 * order: SET_FEATURES with LOG_ALL, the memory table and rings, then
 * SET_LOG_BASE, then SET_VRING_ENABLE.  No write went unlogged: the save is
 * accepted.  A ring enabled and served before the log (not QEMU's order)
 * wrote unlogged: the save is refused. */
static void test_log_given_late(const char *path, bool served_before)
{
	struct server s = { .dev = { .serve = serve, .num_request_queues = 1,
				     .save_state = save_state, .load_state = load_state } };
	server_start(&s, path);

	uint64_t f = get_u64(VHOST_USER_GET_FEATURES, NULL, 0, NULL, 0);
	uint64_t pf = get_u64(VHOST_USER_GET_PROTOCOL_FEATURES, NULL, 0, NULL, 0);
	CHECK(set_u64(VHOST_USER_SET_PROTOCOL_FEATURES, pf) == 0);
	CHECK(set_u64(VHOST_USER_SET_FEATURES, f) == 0);        /* LOG_ALL, no log */
	CHECK(acked(VHOST_USER_SET_OWNER, NULL, 0, NULL, 0) == 0);
	int memfd = memory_and_ring(VHOST_USER_VRING_F_LOG, USED_LOG_GPA);
	if (served_before) {    /* the ring enabled and used before the log */
		CHECK(vring_state(VHOST_USER_SET_VRING_ENABLE, 1, 1) == 0);
		request(0x20000, 64);
	}
	uint8_t *log;
	int logfd = new_memfd(PAGE, &log);
	CHECK(set_log_base(LOG_BYTES, 0, &logfd, 1, 16) == 1);
	if (!served_before)     /* QEMU enables the rings after SET_LOG_BASE */
		CHECK(vring_state(VHOST_USER_SET_VRING_ENABLE, 1, 1) == 0);
	request(0x30000, 8);
	CHECK(bit(log, MEM_GPA + 0x30000) && bit(log, USED_LOG_GPA));

	struct vhost_user_state st = { 1, 0 };
	send_msg(VHOST_USER_GET_VRING_BASE, 0, &st, sizeof(st), NULL, 0);
	CHECK(recv_reply(VHOST_USER_GET_VRING_BASE, &st, sizeof(st)) == 8);
	int fd;
	uint64_t r = set_state_fd(0, 0, &fd, false);
	if (served_before) {
		CHECK((r & 0xff) != 0);
		CHECK(read_end_sees_eof(fd));
	} else {
		CHECK(r == 0x100);
		char buf[4096];
		size_t total = 0;
		for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;)
			total += (size_t)n;
		CHECK(total == STATE_LEN);
	}
	close(fd);
	CHECK((check_state() == 0) == !served_before);

	close(sock);
	pthread_join(s.thread, NULL);
	CHECK(s.rc == 0);
	close(s.opt.listen_fd);
	close(logfd);
	munmap(log, PAGE);
	close(memfd);
	munmap(guest, MEM_SIZE);
	close(call_fd);
	close(kick_fd);
}

int main(void)
{
	/* What main.c does: a pipe reader gone must fail a write, not kill. */
	signal(SIGPIPE, SIG_IGN);
	if (getenv("TEST_DEBUG"))
		log_setup(LOG_LVL_DEBUG, 0);
	char path[64];
	snprintf(path, sizeof(path), "/tmp/test-vu-mig-%d.sock", (int)getpid());

	struct server s = { .dev = { .serve = serve, .num_request_queues = 1,
				     .save_state = save_state, .load_state = load_state } };
	server_start(&s, path);

	test_dirty_log();
	test_device_state();

	close(sock);
	pthread_join(s.thread, NULL);
	CHECK(s.rc == 0);
	close(s.opt.listen_fd);
	close(call_fd);
	close(kick_fd);
	munmap(guest, MEM_SIZE);

	test_not_offered(path);
	test_log_given_late(path, false);
	test_log_given_late(path, true);
	unlink(path);
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures ? 1 : 0;
}
