/* libFuzzer target: the vhost-user control channel (src/transport/
 * vhost_user*.c, dirty_log.c) as a hostile VMM drives it.  Each input is a
 * whole connection: a sequence of messages written into a UNIX socket pair,
 * read back by vu_msg_recv and handled one by one by vu_handle_msg against
 * a fresh device, then vu_end_session and vu_dev_destroy as after a
 * disconnect.  Queues start without their thread (vu_dev.no_queue_threads),
 * so the socket thread is alone and an input always does the same.
 *
 * Input:
 *   byte 0: the device: bit 0 a tag (CONFIG offered), bit 1 state
 *           callbacks (DEVICE_STATE offered), bit 2 the tag fills its 36
 *           bytes (no NUL), bits 3-4 what the callbacks return (0, -EIO,
 *           1 against their contract, -EINVAL)
 *   byte 1: bits 0-3 num_request_queues (from 0 to UINT_MAX, table
 *           below), bits 4-7 after how many messages the VMM stops
 *           reading replies (0: never): replies then fail with EPIPE
 *   then records, at most MAX_RECORDS:
 *     u8 request, u8 flags (xor 1: 0 is version 1 with no flags),
 *     u8 fds (below), u16 size (the header's, LE), u16 len (LE), len bytes
 *   A size that differs from len lies: the daemon reads the stream as the
 *   header says.  fds: bits 0-2 the kind (0 none, 1 memfd that takes
 *   seals, 2 memfd without sealing, 3 eventfd, 4 /dev/null, 5 a pipe's
 *   read end, 6 its write end, 7 nine eventfds: more than a message may
 *   carry), bits 3-5 how many minus one, bits 6-7 a memfd's size (4 KiB,
 *   64 KiB, 1 MiB, 0), or for the others bit 6 O_NONBLOCK.  A pipe's
 *   other end is closed once sent.
 *   Header flag bit 6, which the daemon ignores, sends the record twice
 *   (each copy with fds of its own): what a second message replaces.
 *   Header flag bit 7, which the daemon ignores too, makes the target write
 *   into guest memory after that message as a queue thread would (through
 *   the queue's dirty log hook, vq.log_write), where the message's first
 *   8 payload bytes say: the queue, the used ring or a region, the offset
 *   and the length.
 *
 * Oracle (abort): sanitizer reports; each message gets exactly one reply
 * when the frontend waits for one (its own reply, or NEED_REPLY) and none
 * otherwise, with the reply flags, its request and a size field that
 * matches what follows and what that request answers; what own replies
 * say (offered features, queue count, config bytes, the last ring base,
 * the state transfer's outcome, the dirty log taken or not) matches the
 * spec and the connection so far (check_answer); a started queue's
 * rings lie in the current memory table and it logs as dirty logging says;
 * the log lies in its mapping; a write the hook logged has its pages' bits
 * set (or the loss recorded); save/load run only with every ring stopped;
 * after the input no descriptor and no mapping of ours is left. */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tests/client/scm_send.h"
#include "log/log.h"
#include "transport/vhost_user_dev.h"
#include "transport/vhost_user_msg.h"

#define MAX_RECORDS 64
#define MAX_STREAM (64u << 10)
#define REC_HDR 7u
#define MEMFD_NAME "vufuzz"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_vhost_msg: %s:%d: %s\n", \
	__FILE__, __LINE__, #c); abort(); } } while (0)

/* ---- the log: every message is formatted (a bad argument still shows
 * under ASan) and dropped, unless FUZZ_VHOST_LOG is set. */
enum log_level log_current_level = LOG_LVL_DEBUG;
static bool log_print;

void log_setup(enum log_level level, int use_syslog)
{
	(void)use_syslog;
	log_current_level = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level > log_current_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_print)
		fprintf(stderr, "[vhost %d] %s\n", (int)level, msg);
}

void log_ratelimited(struct log_ratelimit *rl, enum log_level level, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	(void)rl;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(level, "%s", msg);
}

int errbuf_fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- the device */
struct fuzz_dev {
	struct vu_dev *dev;
	int result;             /* what save/load return */
	unsigned transfers;     /* save/load calls during the current message */
};

static uint32_t dev_serve(void *opaque, unsigned qidx, struct vq_req *req)
{
	(void)opaque;
	(void)qidx;
	(void)req;
	CHECK(!"serve called without a queue thread");
	return 0;
}

static void dev_reset(void *opaque)
{
	(void)opaque;
}

/* The contract: the socket thread, every ring stopped, a valid fd that
 * stays the caller's. */
static void check_transfer(struct fuzz_dev *f, int fd)
{
	CHECK(fd >= 0 && fcntl(fd, F_GETFD) >= 0);
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++)
		CHECK(!f->dev->q[i].started);
	f->transfers++;
}

/* Bounded work that never blocks: write or read while the fd is ready. */
static int dev_save(void *opaque, int fd)
{
	struct fuzz_dev *f = opaque;
	static const char state[64] = "fuzz_vhost_msg state";

	check_transfer(f, fd);
	for (int i = 0; i < 4; i++) {
		struct pollfd p = { fd, POLLOUT, 0 };
		if (poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT) ||
		    write(fd, state, sizeof(state)) <= 0)
			break;
	}
	return f->result;
}

static int dev_load(void *opaque, int fd)
{
	struct fuzz_dev *f = opaque;
	char buf[256];

	check_transfer(f, fd);
	for (int i = 0; i < 16; i++) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN) || read(fd, buf, sizeof(buf)) <= 0)
			break;
	}
	return f->result;
}

/* ---- descriptors and mappings left behind */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	CHECK(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Mappings of our memfds (the daemon's guest memory and dirty logs). */
static int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	CHECK(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "memfd:" MEMFD_NAME))
			n++;
	fclose(f);
	return n;
}

/* ---- the fds a record attaches */
static int make_memfd(unsigned size_class, bool sealing)
{
	static const off_t sizes[] = { 4096, 64 << 10, 1 << 20, 0 };
	int fd = memfd_create(MEMFD_NAME, MFD_CLOEXEC | (sealing ? MFD_ALLOW_SEALING : 0));

	CHECK(fd >= 0);
	CHECK(ftruncate(fd, sizes[size_class & 3]) == 0);
	return fd;
}

/* Fill fds[] for the selector byte; returns how many. */
static int make_fds(uint8_t sel, int *fds)
{
	unsigned kind = sel & 7, n = 1 + ((sel >> 3) & 7), size = sel >> 6;

	if (kind == 0)
		return 0;
	if (kind == 7)
		n = VHOST_USER_MAX_FDS + 1;
	for (unsigned i = 0; i < n; i++) {
		int p[2];
		switch (kind) {
		case 1:
		case 2:
			fds[i] = make_memfd(size, kind == 1);
			break;
		case 3:
		case 7:
			fds[i] = eventfd(0, EFD_CLOEXEC | ((size & 1) ? EFD_NONBLOCK : 0));
			break;
		case 4:
			fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC | ((size & 1) ? O_NONBLOCK : 0));
			break;
		default:
			CHECK(pipe2(p, O_CLOEXEC | ((size & 1) ? O_NONBLOCK : 0)) == 0);
			fds[i] = p[kind == 5 ? 0 : 1];
			close(p[kind == 5 ? 1 : 0]);
			break;
		}
		CHECK(fds[i] >= 0);
	}
	return (int)n;
}

/* Write one record into the socket; false when the socket is full. */
static bool send_record(int sock, uint32_t request, uint32_t flags, uint32_t size,
			const uint8_t *payload, size_t len, uint8_t fdsel)
{
	struct vhost_user_hdr h = { request, flags, size };
	int fds[VHOST_USER_MAX_FDS + 1];
	int nfds = make_fds(fdsel, fds);
	ssize_t n = scm_send(sock, &h, sizeof(h), payload, len, fds, nfds,
			     MSG_DONTWAIT | MSG_NOSIGNAL);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	if (n < 0) {
		CHECK(errno == EAGAIN || errno == ETOOMANYREFS);
		return false;
	}
	/* A partial write ends the stream there (the daemon sees a cut). */
	return (size_t)n == sizeof(h) + len;
}

/* ---- the replies */

/* Requests whose frontend waits for the backend's own reply (the spec's
 * list; SET_LOG_BASE only with LOG_SHMFD). */
static bool own_reply(uint32_t request, uint64_t protocol_features)
{
	switch (request) {
	case VHOST_USER_SET_LOG_BASE:
		return protocol_features & (1ull << VHOST_USER_PROTOCOL_F_LOG_SHMFD);
	case VHOST_USER_GET_FEATURES:
	case VHOST_USER_GET_PROTOCOL_FEATURES:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_GET_QUEUE_NUM:
	case VHOST_USER_GET_CONFIG:
	case VHOST_USER_IOTLB_MSG:
	case VHOST_USER_CREATE_CRYPTO_SESSION:
	case VHOST_USER_POSTCOPY_ADVISE:
	case VHOST_USER_POSTCOPY_END:
	case VHOST_USER_GET_INFLIGHT_FD:
	case VHOST_USER_GET_MAX_MEM_SLOTS:
	case VHOST_USER_GET_STATUS:
	case VHOST_USER_GET_SHARED_OBJECT:
	case VHOST_USER_SET_DEVICE_STATE_FD:
	case VHOST_USER_CHECK_DEVICE_STATE:
		return true;
	}
	return false;
}

/* The payload size a reply to request may have. */
static void check_reply_size(const struct vhost_user_hdr *req, const uint8_t *p, uint32_t size)
{
	if (req->request == VHOST_USER_GET_CONFIG && size != 8) {
		uint32_t n;
		if (size == 0)
			return;
		CHECK(size >= VHOST_USER_CONFIG_HDR_SIZE);
		memcpy(&n, p + 4, sizeof(n));
		CHECK(n <= VHOST_USER_MAX_CONFIG_SIZE && size == VHOST_USER_CONFIG_HDR_SIZE + n);
		return;
	}
	if (req->request == VHOST_USER_SET_LOG_BASE && size == sizeof(struct vhost_user_log))
		return;
	CHECK(size == sizeof(uint64_t));
}

/* Read what the daemon wrote; check it is `want` well-formed replies.
 * The last one's payload is left in *reply (*rsize bytes). */
static void check_replies(int sock, const struct vhost_user_hdr *req, unsigned want,
			  const uint8_t **reply, uint32_t *rsize)
{
	static uint8_t buf[2 * (12 + VHOST_USER_PAYLOAD_MAX)];
	union {
		char b[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	size_t got = 0;

	for (;;) {
		struct iovec iov = { buf + got, sizeof(buf) - got };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
				     .msg_controllen = sizeof(ctl.b) };
		ssize_t n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0) {
			CHECK(errno == EAGAIN);
			break;
		}
		CHECK(mh.msg_controllen == 0);  /* a reply never carries fds */
		if (n == 0)
			break;
		got += (size_t)n;
		CHECK(got < sizeof(buf));
	}
	unsigned replies = 0;
	for (size_t at = 0; at < got; replies++) {
		struct vhost_user_hdr h;
		CHECK(got - at >= sizeof(h));
		memcpy(&h, buf + at, sizeof(h));
		at += sizeof(h);
		CHECK(h.request == req->request);
		CHECK(h.flags == (VHOST_USER_VERSION | VHOST_USER_REPLY_MASK));
		CHECK(h.size <= VHOST_USER_PAYLOAD_MAX && got - at == h.size);
		check_reply_size(req, buf + at, h.size);
		*reply = buf + at;
		*rsize = h.size;
		at += h.size;
	}
	CHECK(replies == want);
}

/* ---- what the replies say, against what the connection did so far */
struct model {
	uint16_t base[VU_MAX_QUEUES];   /* SET_VRING_BASE (no request is served) */
	int state;                      /* 1 ok, 0 failed, -1 no transfer yet */
};

/* What came in, as the daemon read it, and what it was before. */
struct sent {
	struct vhost_user_hdr hdr;
	union vhost_user_payload p;
	bool truncated;                 /* more fds than a message carries */
	bool own;                       /* the request has a reply of its own */
	bool started[VU_MAX_QUEUES];
};

static uint64_t u64_of(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void check_config(const struct vu_device *ops, const struct sent *s, const uint8_t *r,
			 uint32_t rsize)
{
	const struct vhost_user_config *c = &s->p.config;
	struct virtio_fs_config_le cfg;
	unsigned nq = ops->num_request_queues;

	/* The config space is 40 bytes; an empty reply says "failed". */
	if (!ops->tag || s->hdr.size < VHOST_USER_CONFIG_HDR_SIZE ||
	    s->hdr.size != VHOST_USER_CONFIG_HDR_SIZE + c->size || c->offset > sizeof(cfg) ||
	    c->size > sizeof(cfg) - c->offset) {
		CHECK(rsize == 0);
		return;
	}
	CHECK(rsize == VHOST_USER_CONFIG_HDR_SIZE + c->size);
	CHECK(!memcmp(r, c, VHOST_USER_CONFIG_HDR_SIZE));
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.tag, ops->tag, strnlen(ops->tag, sizeof(cfg.tag)));
	cfg.num_request_queues = htole32(nq < 1 ? 1 : nq > VU_MAX_REQUEST_QUEUES ?
					 VU_MAX_REQUEST_QUEUES : nq);
	CHECK(!memcmp(r + VHOST_USER_CONFIG_HDR_SIZE, (const uint8_t *)&cfg + c->offset, c->size));
}

/* What each message does to the model, whether or not it is answered (a
 * SET_VRING_BASE without NEED_REPLY moves the base all the same). */
static void model_update(struct model *md, const struct sent *s)
{
	uint32_t idx = s->p.state.index;

	if (s->truncated)
		return;         /* refused before any handler */
	switch (s->hdr.request) {
	case VHOST_USER_SET_VRING_BASE:
		if (s->hdr.size == sizeof(struct vhost_user_state) && idx < VU_MAX_QUEUES &&
		    s->p.state.num <= UINT16_MAX && !s->started[idx])
			md->base[idx] = (uint16_t)s->p.state.num;
		break;
	case VHOST_USER_RESET_OWNER:
	case VHOST_USER_RESET_DEVICE:
		memset(md->base, 0, sizeof(md->base));
		break;
	}
}

/* Own replies and REPLY_ACK statuses say what the spec and the model say. */
static void check_answer(struct model *md, const struct fuzz_dev *f, const struct sent *s,
			 const uint8_t *r, uint32_t rsize)
{
	const struct vu_device *ops = f->dev->ops;
	uint32_t req = s->hdr.request;
	bool ok_size = s->hdr.size == sizeof(struct vhost_user_state);
	uint32_t idx = s->p.state.index;

	if (s->truncated) {
		/* Refused before any handler: a failure reply, no change. */
		if (rsize)
			CHECK(rsize == 8 && u64_of(r) == 1);
		return;
	}
	switch (req) {
	case VHOST_USER_GET_FEATURES:
		CHECK(u64_of(r) == (1ull << 32 | 1ull << 28 | 1ull << 29 | 1ull << 30 | 1ull << 26));
		return;
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		CHECK(u64_of(r) == (1ull << VHOST_USER_PROTOCOL_F_MQ |
				    1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK |
				    1ull << VHOST_USER_PROTOCOL_F_RESET_DEVICE |
				    1ull << VHOST_USER_PROTOCOL_F_LOG_SHMFD |
				    1ull << VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS |
				    (ops->save_state ? 1ull << VHOST_USER_PROTOCOL_F_DEVICE_STATE : 0) |
				    (ops->tag ? 1ull << VHOST_USER_PROTOCOL_F_CONFIG : 0)));
		return;
	case VHOST_USER_GET_MAX_MEM_SLOTS:
		CHECK(rsize == 8 && u64_of(r) == GUEST_MEM_MAX_REGIONS);
		return;
	case VHOST_USER_GET_QUEUE_NUM: {
		unsigned nq = ops->num_request_queues;
		CHECK(u64_of(r) == 1 + (nq < 1 ? 1 : nq > VU_MAX_REQUEST_QUEUES ?
					VU_MAX_REQUEST_QUEUES : nq));
		return;
	}
	case VHOST_USER_GET_CONFIG:
		check_config(ops, s, r, rsize);
		return;
	case VHOST_USER_GET_VRING_BASE:
		CHECK(rsize == 8 && !memcmp(r, &idx, 4));
		if (ok_size && idx < VU_MAX_QUEUES) {
			struct vhost_user_state st;
			memcpy(&st, r, sizeof(st));
			CHECK(st.num == md->base[idx] && !f->dev->q[idx].started &&
			      f->dev->q[idx].kick_fd < 0);
		}
		return;
	case VHOST_USER_SET_DEVICE_STATE_FD:
		/* Accepted (no fd of ours) exactly when the device ran. */
		CHECK(u64_of(r) == (f->transfers ? VHOST_USER_VRING_NOFD_MASK : 1));
		md->state = f->transfers && f->result == 0;
		return;
	case VHOST_USER_CHECK_DEVICE_STATE:
		CHECK(u64_of(r) == (md->state == 1 ? 0 : 1));
		return;
	case VHOST_USER_SET_LOG_BASE:
		if (!s->own)
			break;  /* without LOG_SHMFD: refused, a REPLY_ACK status */
		if (rsize == sizeof(struct vhost_user_log)) {
			CHECK(!memcmp(r, &s->p.log, rsize) && f->dev->log.bits &&
			      !f->dev->log_base_failed);
			return;
		}
		if (rsize)
			CHECK(u64_of(r) == 1 && f->dev->log_base_failed);
		return;
	}
	/* A REPLY_ACK status is 0 or 1. */
	if (rsize)
		CHECK(u64_of(r) <= 1);
}

/* ---- the device state after each message */
static bool in_mem(const struct guest_mem *m, const void *p, uint64_t len)
{
	const uint8_t *b = p;

	for (unsigned i = 0; i < m->nregions; i++) {
		const struct guest_region *r = &m->regions[i];
		if (b >= r->hva && (uint64_t)(b - r->hva) <= r->size &&
		    len <= r->size - (uint64_t)(b - r->hva))
			return true;
	}
	return false;
}

static void check_dev(const struct vu_dev *dev)
{
	CHECK(dev->mem.nregions <= GUEST_MEM_MAX_REGIONS);
	if (dev->log.bits) {
		const uint8_t *map = dev->log_map;
		CHECK(map && dev->log.size > 0 && dev->log.bits >= map &&
		      dev->log.size <= dev->log_map_len &&
		      (size_t)(dev->log.bits - map) <= dev->log_map_len - dev->log.size);
	}
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++) {
		const struct vu_queue *q = &dev->q[i];
		if (!q->started)
			continue;
		unsigned num = q->vq.num;
		CHECK(num == q->num && q->kick_fd >= 0 && q->addr_set && q->vq.call_fd == q->call_fd);
		CHECK(in_mem(&dev->mem, q->vq.desc, 16ull * num));
		CHECK(in_mem(&dev->mem, q->vq.avail, 6ull + 2ull * num));
		CHECK(in_mem(&dev->mem, q->vq.used, 6ull + 8ull * num));
		if (vu_logging(dev))
			CHECK(q->vq.log_write == vu_log_write && q->vq.log_opaque == q);
		else if (dev->features & (1ull << VHOST_F_LOG_ALL))
			CHECK(q->vq.log_write && q->vq.log_write != vu_log_write);
		else
			CHECK(!q->vq.log_write);
	}
}

/* ---- what a queue thread would write, through its dirty log hook */
#define HARNESS_WRITE 0x80u     /* header flag bits the daemon ignores */
#define HARNESS_TWICE 0x40u

static bool bit_set(const struct dirty_log *log, uint64_t page)
{
	return page / 8 < log->size && (log->bits[page / 8] & (1u << (page % 8)));
}

/* Every page of [gpa, gpa + len) the log covers is marked; a page past
 * its end (or past 2^64) is a loss, which refuses the state save. */
static void check_logged(const struct vu_dev *dev, uint64_t gpa, uint64_t len)
{
	const struct dirty_log *log = &dev->log;
	uint64_t last = gpa + (len - 1);

	if (last < gpa || last / VHOST_LOG_PAGE / 8 >= log->size)
		CHECK(dev->log_lost);
	if (last < gpa)
		last = UINT64_MAX;
	for (uint64_t pg = gpa / VHOST_LOG_PAGE; pg <= last / VHOST_LOG_PAGE; pg++) {
		if (pg / 8 >= log->size)
			break;
		CHECK(bit_set(log, pg));
	}
}

/* p[0] the queue, p[1] bit 0 its used ring (else region p[1] >> 1),
 * p[2..5] the offset, p[6..7] the length.  The hook runs as on the queue's
 * thread, mem_lock's read side held. */
static void queue_write(struct vu_dev *dev, const uint8_t *p)
{
	struct vu_queue *q = &dev->q[p[0] % VU_MAX_QUEUES];
	uint32_t off = (uint32_t)(p[2] | p[3] << 8 | p[4] << 16 | (uint32_t)p[5] << 24);
	uint64_t len = 1 + (uint64_t)(p[6] | p[7] << 8);
	const uint8_t *at;
	uint64_t gpa = 0;       /* where the marks must be, when ring is false */
	bool ring = p[1] & 1;

	if (!q->started || !q->vq.log_write || dev->mem.nregions == 0)
		return;
	if (ring) {
		uint64_t used_len = 6ull + 8ull * q->vq.num;
		at = (const uint8_t *)q->vq.used + off % used_len;
		len = 1 + (len - 1) % (used_len - off % used_len);
	} else {
		const struct guest_region *r = &dev->mem.regions[(p[1] >> 1) % dev->mem.nregions];
		at = r->hva + off % r->size;
		len = 1 + (len - 1) % (r->size - off % r->size);
		gpa = r->gpa + off % r->size;
	}
	pthread_rwlock_rdlock(&dev->mem_lock);
	q->vq.log_write(q->vq.log_opaque, at, len);
	pthread_rwlock_unlock(&dev->mem_lock);
	if (!vu_logging(dev)) {
		/* LOG_ALL without a log: the write is lost, the save refused. */
		CHECK(dev->log_lost);
		return;
	}
	const uint8_t *u = (const uint8_t *)q->vq.used;
	uint64_t used_len = 6ull + 8ull * q->vq.num;
	if (q->addr.flags & VHOST_USER_VRING_F_LOG) {
		if (ring) {
			/* At the ring's log address (a wrap past 2^64 is a loss). */
			uint64_t o = (uint64_t)(at - u);
			uint64_t g = q->addr.log_guest_addr + o;
			if (g < o)
				CHECK(dev->log_lost);
			else
				check_logged(dev, g, len);
			return;
		}
		if (at + len > u && at < u + used_len)
			return;         /* partly the used ring: logged there */
	}
	if (ring)
		CHECK(guest_mem_hva_gpa(&dev->mem, at, &gpa) >= len);
	check_logged(dev, gpa, len);
}

/* ---- one input */
static struct vu_msg msg;
static char long_tag[37] = "a-tag-of-36-bytes-that-fills-the-fie";

/* Handle every message the daemon reads; after `hangup` of them (0:
 * never) the VMM stops reading replies. */
static void serve(struct fuzz_dev *f, int sock, int peer, unsigned hangup)
{
	struct vu_dev *dev = f->dev;
	struct model model = { .state = -1 }, *md = &model;
	bool gone = false;

	for (unsigned n = 1;; n++) {
		int rc = vu_msg_recv(sock, &msg);
		if (rc <= 0)
			break;
		static struct sent sn;
		sn.hdr = msg.hdr;
		sn.p = msg.p;
		sn.truncated = msg.fds_truncated;
		for (unsigned i = 0; i < VU_MAX_QUEUES; i++)
			sn.started[i] = dev->q[i].started;
		sn.own = own_reply(sn.hdr.request, dev->protocol_features);
		unsigned want = sn.own || (sn.hdr.flags & VHOST_USER_NEED_REPLY_MASK);
		f->transfers = 0;
		rc = vu_handle_msg(dev, &msg);
		CHECK(f->transfers <= (sn.hdr.request == VHOST_USER_SET_DEVICE_STATE_FD));
		check_dev(dev);
		if (gone) {
			/* A reply that cannot go out ends the connection. */
			CHECK(rc == 0 || rc == -EPIPE);
			if (rc < 0)
				break;
		} else {
			const uint8_t *reply = NULL;
			uint32_t rsize = 0;
			CHECK(rc == 0);    /* our end reads: every reply goes out */
			check_replies(peer, &sn.hdr, want, &reply, &rsize);
			if (want)
				check_answer(md, f, &sn, reply, rsize);
		}
		model_update(md, &sn);
		if (sn.hdr.flags & HARNESS_WRITE)
			queue_write(dev, sn.p.bytes);
		if (n == hangup) {
			CHECK(shutdown(peer, SHUT_RD) == 0);
			gone = true;
		}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_print = getenv("FUZZ_VHOST_LOG") != NULL;
	/* The daemon ignores it too (main.c): a state pipe's reader may go. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vu_dev dev;
	struct fuzz_dev f = { .dev = &dev };
	int sv[2];

	static const unsigned queues[16] = { 0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 64, 255, 1000,
					     0x7fffffff, 0xffffffff };
	static const int results[4] = { 0, -EIO, 1, -EINVAL };

	if (size < 2)
		return 0;
	int fds_before = count_fds();
	uint8_t cfg = data[0];
	struct vu_device ops = {
		.serve = dev_serve,
		.reset = dev_reset,
		.save_state = (cfg & 2) ? dev_save : NULL,
		.load_state = (cfg & 2) ? dev_load : NULL,
		.opaque = &f,
		.tag = (cfg & 1) ? ((cfg & 4) ? long_tag : "fuzzfs") : NULL,
		.num_request_queues = queues[data[1] & 15],
		.notice_queues = 1,
	};
	f.result = results[(cfg >> 3) & 3];
	CHECK(vu_dev_init(&dev, &ops) == 0);
	dev.no_queue_threads = true;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	dev.sock = sv[0];

	/* The whole connection goes into the socket first: a size that lies
	 * makes the daemon read on into the next records, as on a real one. */
	size_t at = 2, sent = 0;
	unsigned r = 0;
	while (r < MAX_RECORDS && size - at >= REC_HDR) {
		const uint8_t *h = data + at;
		size_t len = (size_t)(h[5] | h[6] << 8);
		at += REC_HDR;
		if (len > size - at)
			len = size - at;
		/* Flag bit 6 sends it twice: what a second copy replaces. */
		unsigned copies = (h[1] & HARNESS_TWICE) ? 2 : 1;
		for (unsigned c = 0; c < copies && r < MAX_RECORDS; c++, r++) {
			if (sent + 12 + len > MAX_STREAM ||
			    !send_record(sv[1], h[0], (uint32_t)h[1] ^ 1u,
					 (uint32_t)(h[3] | h[4] << 8), data + at, len, h[2]))
				goto sent_all;
			sent += 12 + len;
		}
		at += len;
	}
sent_all:
	CHECK(shutdown(sv[1], SHUT_WR) == 0);

	serve(&f, sv[0], sv[1], data[1] >> 4);

	/* The frontend hung up. */
	vu_end_session(&dev);
	vu_dev_destroy(&dev);
	close(sv[0]);
	close(sv[1]);
	CHECK(count_fds() == fds_before);
	CHECK(count_maps() == 0);
	return 0;
}
