/* vhost-user backend driven over a real UNIX socket by a tiny frontend:
 * negotiation, memory table (memfd), malformed messages, a queue that
 * serves requests put in the shared memory, memory swap while running,
 * GET_VRING_BASE, GET_CONFIG, disconnect, and memory one region at a time
 * (CONFIGURE_MEM_SLOTS). */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../client/scm_send.h"
#include "log/log.h"
#include "transport/answer_signal.h"
#include "transport/socket_file.h"
#include "transport/vhost_user.h"
#include "transport/vhost_user_proto.h"

static int failures;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", \
	__FILE__, __LINE__, #c); failures++; } } while (0)

#define MEM_SIZE (1u << 20)
#define UVA_BASE 0x7f0000000000ull
#define QSIZE 8
#define DESC_OFF 0x1000
#define AVAIL_OFF 0x2000
#define USED_OFF 0x3000

static unsigned served, resets, last_qidx;

static uint32_t serve(void *opaque, unsigned qidx, struct vq_req *req)
{
	(void)opaque;
	__atomic_add_fetch(&served, 1, __ATOMIC_SEQ_CST);
	last_qidx = qidx;
	if (req->wr_cnt < 1 || req->wr[0].iov_len < 5 || req->rd_len != 16)
		return 0;
	memcpy(req->wr[0].iov_base, "hello", 5);
	return 5;
}

static void reset(void *opaque)
{
	(void)opaque;
	resets++;
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

static int sock_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		exit(1);
	}
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_msg(int sock, uint32_t req, uint32_t flags, const void *payload, uint32_t size,
		     const int *fds, unsigned nfds)
{
	struct vhost_user_hdr hdr = { req, VHOST_USER_VERSION | flags, size };
	if (scm_send(sock, &hdr, sizeof(hdr), payload, size, fds, (int)nfds, MSG_NOSIGNAL) !=
	    (ssize_t)(sizeof(hdr) + size)) {
		perror("sendmsg");
		failures++;
	}
}

/* Read a reply to req; returns its payload size, -1 on EOF/error. */
static int recv_reply(int sock, uint32_t req, void *payload, size_t max)
{
	struct vhost_user_hdr hdr;
	if (recv(sock, &hdr, sizeof(hdr), MSG_WAITALL) != sizeof(hdr))
		return -1;
	CHECK(hdr.request == req);
	CHECK(hdr.flags == (VHOST_USER_VERSION | VHOST_USER_REPLY_MASK));
	if (hdr.size > max)
		return -1;
	if (hdr.size && recv(sock, payload, hdr.size, MSG_WAITALL) != (ssize_t)hdr.size)
		return -1;
	return (int)hdr.size;
}

static uint64_t get_u64(int sock, uint32_t req)
{
	uint64_t v = 0xdead;
	send_msg(sock, req, 0, NULL, 0, NULL, 0);
	CHECK(recv_reply(sock, req, &v, sizeof(v)) == 8);
	return v;
}

/* Send with NEED_REPLY and return the REPLY_ACK status. */
static uint64_t acked(int sock, uint32_t req, const void *payload, uint32_t size,
		      const int *fds, unsigned nfds)
{
	uint64_t v = 0xdead;
	send_msg(sock, req, VHOST_USER_NEED_REPLY_MASK, payload, size, fds, nfds);
	if (recv_reply(sock, req, &v, sizeof(v)) != 8) {
		fprintf(stderr, "no ack for request %u\n", req);
		failures++;
	}
	return v;
}

static uint64_t set_mem(int sock, const struct vhost_user_mem_region *r, unsigned n,
			const int *fds, unsigned nfds)
{
	struct vhost_user_memory m;
	memset(&m, 0, sizeof(m));
	m.nregions = n;
	memcpy(m.regions, r, n * sizeof(*r));
	return acked(sock, VHOST_USER_SET_MEM_TABLE, &m,
		     8 + n * (uint32_t)sizeof(*r), fds, nfds);
}

static uint64_t vring_state(int sock, uint32_t req, uint32_t index, uint32_t num)
{
	struct vhost_user_state st = { index, num };
	return acked(sock, req, &st, sizeof(st), NULL, 0);
}

static uint64_t vring_addr(int sock, uint32_t index, uint64_t desc, uint64_t avail, uint64_t used)
{
	struct vhost_user_addr a = { .index = index, .desc_user_addr = desc,
		.avail_user_addr = avail, .used_user_addr = used };
	return acked(sock, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
}

static uint64_t vring_fd(int sock, uint32_t req, uint32_t index, int fd)
{
	uint64_t v = index | (fd < 0 ? VHOST_USER_VRING_NOFD_MASK : 0);
	return acked(sock, req, &v, sizeof(v), fd < 0 ? NULL : &fd, fd < 0 ? 0 : 1);
}

static bool wait_call(int efd)
{
	struct pollfd p = { efd, POLLIN, 0 };
	if (poll(&p, 1, 5000) != 1)
		return false;
	uint64_t v;
	return read(efd, &v, sizeof(v)) == sizeof(v);
}

/* Until the used index reaches want (5 s at most).  The daemon signals a
 * batch's first answer at once and the rest at its end only if the driver
 * asked again (EVENT_IDX), so one call need not carry the whole batch. */
static bool wait_used(int efd, const struct vring_used *used, uint16_t want)
{
	for (int i = 0; i < 500; i++) {
		if (__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == want)
			return true;
		struct pollfd p = { efd, POLLIN, 0 };
		uint64_t v;
		if (poll(&p, 1, 10) == 1 && read(efd, &v, sizeof(v)) != sizeof(v))
			return false;
	}
	return false;
}

/* Guest side of the ring in our own mapping of the memfd. */
static uint8_t *guest;

/* Write a request's two descriptors at head into avail slot `slot`, not
 * yet published. */
static void guest_add(uint16_t head, uint64_t in_gpa, uint64_t out_gpa, uint16_t slot)
{
	struct vring_desc *d = (struct vring_desc *)(guest + DESC_OFF);
	struct vring_avail *av = (struct vring_avail *)(guest + AVAIL_OFF);
	d[head] = (struct vring_desc){ in_gpa, 16, VRING_DESC_F_NEXT, (uint16_t)(head + 1) };
	d[head + 1] = (struct vring_desc){ out_gpa, 64, VRING_DESC_F_WRITE, 0 };
	av->ring[slot % QSIZE] = head;
	/* EVENT_IDX: like a driver that wants a call for its next completion,
	 * set used_event to the current used index. */
	const struct vring_used *u = (const struct vring_used *)(guest + USED_OFF);
	av->ring[QSIZE] = u->idx;
}

/* Make the next n added requests visible to the device at once. */
static void guest_publish(uint16_t n)
{
	struct vring_avail *av = (struct vring_avail *)(guest + AVAIL_OFF);
	__atomic_store_n(&av->idx, (uint16_t)(av->idx + n), __ATOMIC_RELEASE);
}

static void guest_request(uint16_t head, uint64_t in_gpa, uint64_t out_gpa)
{
	const struct vring_avail *av = (const struct vring_avail *)(guest + AVAIL_OFF);
	guest_add(head, in_gpa, out_gpa, av->idx);
	guest_publish(1);
}

static void test_session(const char *path)
{
	struct server s = {
		.dev = { .serve = serve, .reset = reset, .num_request_queues = 1 },
	};
	s.opt.listen_fd = vu_listen(path, NULL);
	CHECK(s.opt.listen_fd >= 0);
	struct stat st;
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600);
	pthread_create(&s.thread, NULL, server_main, &s);
	int sock = sock_connect(path);

	uint64_t f = get_u64(sock, VHOST_USER_GET_FEATURES);
	CHECK(f == ((1ull << 32) | (1ull << 28) | (1ull << 29) | (1ull << 30) | (1ull << 26)));
	uint64_t pf = get_u64(sock, VHOST_USER_GET_PROTOCOL_FEATURES);
	CHECK(pf & (1ull << VHOST_USER_PROTOCOL_F_LOG_SHMFD));
	CHECK(!(pf & (1ull << VHOST_USER_PROTOCOL_F_DEVICE_STATE)));  /* no callbacks */
	CHECK(pf & (1ull << VHOST_USER_PROTOCOL_F_MQ));
	CHECK(pf & (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK));
	CHECK(!(pf & (1ull << VHOST_USER_PROTOCOL_F_CONFIG)));    /* no tag */
	uint64_t v = pf;
	CHECK(acked(sock, VHOST_USER_SET_PROTOCOL_FEATURES, &v, 8, NULL, 0) == 0);
	v = 1ull << 34;     /* not offered (packed ring) */
	CHECK(acked(sock, VHOST_USER_SET_FEATURES, &v, 8, NULL, 0) != 0);
	v = f;
	CHECK(acked(sock, VHOST_USER_SET_FEATURES, &v, 8, NULL, 0) == 0);
	CHECK(get_u64(sock, VHOST_USER_GET_QUEUE_NUM) == 2);
	CHECK(acked(sock, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0) == 0);

	/* Memory: one memfd of 1 MiB at gpa 0. */
	int memfd = memfd_create("guest", MFD_CLOEXEC);
	CHECK(memfd >= 0 && ftruncate(memfd, MEM_SIZE) == 0);
	guest = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	CHECK(guest != MAP_FAILED);
	struct vhost_user_mem_region r[9];
	memset(r, 0, sizeof(r));
	r[0] = (struct vhost_user_mem_region){ 0, MEM_SIZE, UVA_BASE, 0 };
	int fds[16];
	for (int i = 0; i < 16; i++)
		fds[i] = memfd;

	/* Malformed tables first. */
	CHECK(set_mem(sock, r, 0, NULL, 0) != 0);                 /* empty */
	CHECK(set_mem(sock, r, 1, NULL, 0) != 0);                 /* no fd */
	CHECK(set_mem(sock, r, 1, fds, 2) != 0);                  /* extra fd */
	r[1] = (struct vhost_user_mem_region){ MEM_SIZE / 2, MEM_SIZE / 2, UVA_BASE + MEM_SIZE, 0 };
	CHECK(set_mem(sock, r, 2, fds, 2) != 0);                  /* gpa overlap */
	r[1] = (struct vhost_user_mem_region){ MEM_SIZE, MEM_SIZE, UVA_BASE + MEM_SIZE, MEM_SIZE / 2 };
	CHECK(set_mem(sock, r, 2, fds, 2) != 0);                  /* beyond the file */
	r[1] = (struct vhost_user_mem_region){ UINT64_MAX - 10, 100, 0, 0 };
	CHECK(set_mem(sock, r, 2, fds, 2) != 0);                  /* gpa wraps */
	{
		/* nregions says 9: more than a message may carry. */
		struct vhost_user_memory m;
		memset(&m, 0, sizeof(m));
		m.nregions = 9;
		CHECK(acked(sock, VHOST_USER_SET_MEM_TABLE, &m, sizeof(m), fds, 8) != 0);
	}
	CHECK(set_mem(sock, r, 1, fds, 1) == 0);

	/* Too many fds in one message: refused, connection survives. */
	int efds[10];
	for (int i = 0; i < 10; i++)
		efds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	v = 1;
	CHECK(acked(sock, VHOST_USER_SET_VRING_CALL, &v, 8, efds, 10) != 0);

	/* Queue 1 configuration, with bad values refused on the way. */
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_NUM, 1, 3) != 0);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_NUM, 1, 2048) != 0);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_NUM, VU_MAX_QUEUES, 8) != 0);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_NUM, 1, QSIZE) == 0);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_BASE, 1, 0x10000) != 0);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_BASE, 1, 0) == 0);
	CHECK(vring_addr(sock, 1, UVA_BASE + DESC_OFF + 8, UVA_BASE + AVAIL_OFF,
			 UVA_BASE + USED_OFF) != 0);                    /* misaligned */
	CHECK(vring_addr(sock, 1, UVA_BASE + DESC_OFF, UVA_BASE + AVAIL_OFF,
			 UVA_BASE + MEM_SIZE - 16) != 0);               /* used ring runs off */
	CHECK(vring_addr(sock, 1, DESC_OFF, AVAIL_OFF, USED_OFF) != 0);   /* gpa, not uva */
	CHECK(vring_addr(sock, 1, UVA_BASE + DESC_OFF, UVA_BASE + AVAIL_OFF,
			 UVA_BASE + USED_OFF) == 0);
	int call = efds[0], kick = efds[1];
	CHECK(vring_fd(sock, VHOST_USER_SET_VRING_CALL, 1, call) == 0);
	CHECK(vring_fd(sock, VHOST_USER_SET_VRING_KICK, 1, -1) != 0);     /* polling */
	CHECK(vring_fd(sock, VHOST_USER_SET_VRING_KICK, 1, kick) == 0);

	/* A request is waiting before the ring is enabled: served on enable. */
	guest_request(0, 0x10000, 0x11000);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_ENABLE, 1, 2) != 0);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_ENABLE, 1, 1) == 0);
	CHECK(wait_call(call));
	struct vring_used *used = (struct vring_used *)(guest + USED_OFF);
	CHECK(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == 1);
	CHECK(used->ring[0].id == 0 && used->ring[0].len == 5);
	CHECK(memcmp(guest + 0x11000, "hello", 5) == 0);
	CHECK(last_qidx == 1);

	/* A new memory table while the queue runs (same memory, new map). */
	CHECK(set_mem(sock, r, 1, fds, 1) == 0);
	guest_request(2, 0x12000, 0x13000);
	uint64_t one = 1;
	CHECK(write(kick, &one, 8) == 8);
	CHECK(wait_call(call));
	CHECK(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == 2);
	CHECK(used->ring[1].id == 2 && memcmp(guest + 0x13000, "hello", 5) == 0);

	/* A bad chain is completed with 0 bytes, the queue keeps going. */
	struct vring_desc *d = (struct vring_desc *)(guest + DESC_OFF);
	struct vring_avail *av = (struct vring_avail *)(guest + AVAIL_OFF);
	d[4] = (struct vring_desc){ MEM_SIZE - 8, 16, 0, 0 };
	av->ring[av->idx % QSIZE] = 4;
	av->ring[QSIZE] = used->idx;
	__atomic_store_n(&av->idx, (uint16_t)(av->idx + 1), __ATOMIC_RELEASE);
	CHECK(write(kick, &one, 8) == 8);
	CHECK(wait_call(call));
	CHECK(used->ring[2].id == 4 && used->ring[2].len == 0);
	CHECK(served == 2);

	/* Stop the ring: GET_VRING_BASE answers the next avail index. */
	struct vhost_user_state sst = { 1, 0 };
	send_msg(sock, VHOST_USER_GET_VRING_BASE, 0, &sst, sizeof(sst), NULL, 0);
	CHECK(recv_reply(sock, VHOST_USER_GET_VRING_BASE, &sst, sizeof(sst)) == 8);
	CHECK(sst.index == 1 && sst.num == 3);

	/* Unknown and unsupported requests. */
	CHECK(acked(sock, 99, NULL, 0, NULL, 0) != 0);
	CHECK(get_u64(sock, VHOST_USER_GET_INFLIGHT_FD) != 0);
	v = 0;    /* a u64 (the pre-LOG_SHMFD form) and no fd: refused */
	CHECK(acked(sock, VHOST_USER_SET_LOG_BASE, &v, 8, NULL, 0) != 0);
	CHECK(get_u64(sock, VHOST_USER_SET_DEVICE_STATE_FD) != 0);   /* not offered */
	CHECK(get_u64(sock, VHOST_USER_CHECK_DEVICE_STATE) != 0);
	{
		struct vhost_user_config c = { 0, 40, 0, { 0 } };
		send_msg(sock, VHOST_USER_GET_CONFIG, 0, &c, 12 + 40, NULL, 0);
		CHECK(recv_reply(sock, VHOST_USER_GET_CONFIG, &c, sizeof(c)) == 0);
	}
	CHECK(get_u64(sock, VHOST_USER_GET_FEATURES) == f);        /* still alive */

	/* An oversized payload ends the connection. */
	struct vhost_user_hdr big = { VHOST_USER_SET_FEATURES, VHOST_USER_VERSION, 1u << 20 };
	CHECK(send(sock, &big, sizeof(big), MSG_NOSIGNAL) == sizeof(big));
	char c;
	CHECK(recv(sock, &c, 1, 0) == 0);
	pthread_join(s.thread, NULL);
	CHECK(s.rc < 0);
	CHECK(resets >= 1);

	close(sock);
	close(s.opt.listen_fd);
	for (int i = 0; i < 10; i++)
		close(efds[i]);
	munmap(guest, MEM_SIZE);
	close(memfd);
}

static void test_config_and_clean_exit(const char *path)
{
	struct server s = {
		.dev = { .serve = serve, .reset = reset, .tag = "myfs", .num_request_queues = 2 },
	};
	s.opt.listen_fd = vu_listen(path, NULL);   /* replaces the stale socket */
	CHECK(s.opt.listen_fd >= 0);
	pthread_create(&s.thread, NULL, server_main, &s);
	int sock = sock_connect(path);

	uint64_t pf = get_u64(sock, VHOST_USER_GET_PROTOCOL_FEATURES);
	CHECK(pf & (1ull << VHOST_USER_PROTOCOL_F_CONFIG));
	CHECK(get_u64(sock, VHOST_USER_GET_QUEUE_NUM) == 3);
	struct vhost_user_config c = { 0, 40, 0, { 0 } };
	send_msg(sock, VHOST_USER_GET_CONFIG, 0, &c, 12 + 40, NULL, 0);
	CHECK(recv_reply(sock, VHOST_USER_GET_CONFIG, &c, sizeof(c)) == 12 + 40);
	CHECK(c.size == 40 && memcmp(c.region, "myfs\0", 5) == 0);
	uint32_t nq;
	memcpy(&nq, c.region + 36, 4);
	CHECK(le32toh(nq) == 2);
	c = (struct vhost_user_config){ 30, 20, 0, { 0 } };       /* past the end */
	send_msg(sock, VHOST_USER_GET_CONFIG, 0, &c, 12 + 20, NULL, 0);
	CHECK(recv_reply(sock, VHOST_USER_GET_CONFIG, &c, sizeof(c)) == 0);
	c = (struct vhost_user_config){ 0, 4, 0, { 0 } };         /* size mismatch */
	send_msg(sock, VHOST_USER_GET_CONFIG, 0, &c, 12 + 40, NULL, 0);
	CHECK(recv_reply(sock, VHOST_USER_GET_CONFIG, &c, sizeof(c)) == 0);

	unsigned resets_before = resets;
	close(sock);
	pthread_join(s.thread, NULL);
	CHECK(s.rc == 0);
	CHECK(resets == resets_before + 1);
	close(s.opt.listen_fd);
}

/* --thread-pool-size: requests that arrive together are served at once (the
 * pool's workers and the queue thread), every one is pushed, and neither
 * GET_VRING_BASE nor a new memory table gets past chains still with a
 * worker (their iovecs point into the old mapping). */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static unsigned gated_now, gated_max, gated_served;

static uint32_t serve_gated(void *opaque, unsigned qidx, struct vq_req *req)
{
	(void)opaque;
	(void)qidx;
	if (req->rd_cnt < 1 || req->rd[0].iov_len < 1 || req->wr_cnt < 1 || req->wr[0].iov_len < 5)
		return 0;
	pthread_mutex_lock(&gate_lock);
	if (gated_max < ++gated_now)
		gated_max = gated_now;
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	gated_now--;
	gated_served++;
	pthread_mutex_unlock(&gate_lock);
	memcpy(req->wr[0].iov_base, "hello", 5);
	return 5;
}

static void set_gate(bool open)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = open;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

static unsigned gated(unsigned *what)
{
	pthread_mutex_lock(&gate_lock);
	unsigned v = *what;
	pthread_mutex_unlock(&gate_lock);
	return v;
}

/* Wait up to 5 s for *what to reach want. */
static bool wait_gated(unsigned *what, unsigned want)
{
	for (int i = 0; i < 500; i++) {
		if (gated(what) >= want)
			return true;
		usleep(10000);
	}
	return false;
}

/* Every other thread of this process asleep (state S), within 5 s?  A pool
 * worker counts itself idle again only after its job's answer is out:
 * until it sleeps, a new burst may find it busy and go inline. */
static bool wait_threads_asleep(void)
{
	pid_t self = gettid();
	for (int i = 0; i < 500; i++) {
		DIR *d = opendir("/proc/self/task");
		CHECK(d);
		bool asleep = true;
		struct dirent *e;
		while (asleep && (e = readdir(d))) {
			pid_t tid = (pid_t)atoi(e->d_name);
			if (tid <= 0 || tid == self)
				continue;
			char path[64], buf[512];
			snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
			FILE *f = fopen(path, "r");
			if (!f)
				continue; /* gone */
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[n] = 0;
			const char *state = strrchr(buf, ')');
			asleep = state && state[1] == ' ' && state[2] == 'S';
		}
		closedir(d);
		if (asleep)
			return true;
		usleep(10000);
	}
	return false;
}

/* Nothing to read on sock for ms milliseconds? */
static bool no_reply_for(int sock, int ms)
{
	struct pollfd p = { sock, POLLIN, 0 };
	return poll(&p, 1, ms) == 0;
}

/* n requests published together (one avail index store) and one kick: a
 * queue thread still awake from earlier work must not find the first of
 * them alone, serve it inline and wait at the gate with it. */
static void post_burst(unsigned n, int kick)
{
	const struct vring_avail *av = (const struct vring_avail *)(guest + AVAIL_OFF);
	for (unsigned i = 0; i < n; i++) {
		uint64_t in = 0x20000 + 0x2000 * i;
		guest[in] = 'S';
		guest_add((uint16_t)(2 * i), in, in + 0x1000, (uint16_t)(av->idx + i));
	}
	guest_publish((uint16_t)n);
	uint64_t one = 1;
	CHECK(write(kick, &one, 8) == 8);
}

/* A server on path, connected, features acked (protocol features too), a
 * 1 MiB guest memory shared, ring 1 set up with its call and kick eventfds
 * but not enabled yet: the caller may post requests before it starts. */
struct ring_session {
	struct server s;
	int sock, memfd, call, kick;
	uint64_t features;
	struct vhost_user_mem_region region;
	struct vring_used *used;
};

static void ring_start(struct ring_session *rs, const char *path)
{
	rs->s.opt.listen_fd = vu_listen(path, NULL);
	CHECK(rs->s.opt.listen_fd >= 0);
	pthread_create(&rs->s.thread, NULL, server_main, &rs->s);
	int sock = rs->sock = sock_connect(path);

	uint64_t v = get_u64(sock, VHOST_USER_GET_PROTOCOL_FEATURES);
	CHECK(acked(sock, VHOST_USER_SET_PROTOCOL_FEATURES, &v, 8, NULL, 0) == 0);
	v = rs->features = get_u64(sock, VHOST_USER_GET_FEATURES);
	CHECK(acked(sock, VHOST_USER_SET_FEATURES, &v, 8, NULL, 0) == 0);
	rs->memfd = memfd_create("guest", MFD_CLOEXEC);
	CHECK(rs->memfd >= 0 && ftruncate(rs->memfd, MEM_SIZE) == 0);
	guest = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, rs->memfd, 0);
	CHECK(guest != MAP_FAILED);
	rs->region = (struct vhost_user_mem_region){ 0, MEM_SIZE, UVA_BASE, 0 };
	CHECK(set_mem(sock, &rs->region, 1, &rs->memfd, 1) == 0);
	rs->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	rs->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_NUM, 1, QSIZE) == 0);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_BASE, 1, 0) == 0);
	CHECK(vring_addr(sock, 1, UVA_BASE + DESC_OFF, UVA_BASE + AVAIL_OFF,
			 UVA_BASE + USED_OFF) == 0);
	CHECK(vring_fd(sock, VHOST_USER_SET_VRING_CALL, 1, rs->call) == 0);
	CHECK(vring_fd(sock, VHOST_USER_SET_VRING_KICK, 1, rs->kick) == 0);
	rs->used = (struct vring_used *)(guest + USED_OFF);
}

/* Disconnect (the server exits) and free what ring_start made. */
static void ring_end(struct ring_session *rs)
{
	close(rs->sock);
	pthread_join(rs->s.thread, NULL);
	close(rs->s.opt.listen_fd);
	close(rs->call);
	close(rs->kick);
	munmap(guest, MEM_SIZE);
	close(rs->memfd);
}

static void test_pool(const char *path)
{
	struct ring_session rs = { .s = {
		.dev = { .serve = serve_gated, .reset = reset, .num_request_queues = 1 },
		.opt = { .pool_threads = 3 },
	} };
	ring_start(&rs, path);
	int sock = rs.sock, memfd = rs.memfd, call = rs.call, kick = rs.kick;
	struct vhost_user_mem_region r = rs.region;
	struct vring_used *used = rs.used;
	uint64_t v;

	/* Four at once, three workers: all four run together (the last one
	 * on the queue thread). */
	set_gate(false);
	post_burst(4, kick);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_ENABLE, 1, 1) == 0);
	CHECK(wait_gated(&gated_max, 4));
	CHECK(gated(&gated_now) == 4);
	/* A new memory table waits for them: the workers use the old map. */
	{
		struct vhost_user_memory m;
		memset(&m, 0, sizeof(m));
		m.nregions = 1;
		m.regions[0] = r;
		send_msg(sock, VHOST_USER_SET_MEM_TABLE, VHOST_USER_NEED_REPLY_MASK, &m,
			 8 + (uint32_t)sizeof(r), &memfd, 1);
	}
	CHECK(no_reply_for(sock, 300));
	set_gate(true);
	v = 0xdead;
	CHECK(recv_reply(sock, VHOST_USER_SET_MEM_TABLE, &v, sizeof(v)) == 8 && v == 0);
	CHECK(wait_call(call));
	CHECK(gated(&gated_served) == 4);
	CHECK(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == 4);
	for (unsigned i = 0; i < 4; i++) {
		uint32_t id = used->ring[i].id;
		CHECK(id % 2 == 0 && id < QSIZE && used->ring[i].len == 5);
		CHECK(memcmp(guest + 0x21000 + 0x2000 * (id / 2), "hello", 5) == 0);
	}

	/* Stopping the ring waits for the workers too: the base and the used
	 * index it leaves behind agree. */
	set_gate(false);
	gated_max = 0;
	CHECK(wait_threads_asleep());
	post_burst(4, kick);
	CHECK(wait_gated(&gated_max, 4));
	struct vhost_user_state sst = { 1, 0 };
	send_msg(sock, VHOST_USER_GET_VRING_BASE, 0, &sst, sizeof(sst), NULL, 0);
	CHECK(no_reply_for(sock, 300));
	set_gate(true);
	CHECK(recv_reply(sock, VHOST_USER_GET_VRING_BASE, &sst, sizeof(sst)) == 8);
	CHECK(sst.index == 1 && sst.num == 8);
	CHECK(gated(&gated_served) == 8);
	CHECK(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == 8);

	ring_end(&rs);
}

/* --kick-holdoff: once two requests come together the queue thread keeps
 * kicks off and looks again by itself, so a request posted without a kick is
 * served; after two holdoffs that found at most one it closes, and a
 * request then waits for its kick (a holdoff of 100 ms makes the timing
 * plain). */
static void post_one(uint16_t head)
{
	uint64_t in = 0x20000 + 0x1000 * (uint64_t)head;
	guest[in] = 'S';
	guest_request(head, in, in + 0x800);
}

static void test_holdoff(const char *path)
{
	struct ring_session rs = { .s = {
		.dev = { .serve = serve, .reset = reset, .num_request_queues = 1 },
		.opt = { .holdoff_us = 100000 },
	} };
	ring_start(&rs, path);
	CHECK(rs.features & (1ull << VU_F_EVENT_IDX));
	int sock = rs.sock, call = rs.call, kick = rs.kick;
	struct vring_used *used = rs.used;
	uint64_t one = 1;

	/* Two waiting when the ring starts: served together, and the
	 * holdoff opens. */
	post_one(0);
	post_one(2);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_ENABLE, 1, 1) == 0);
	CHECK(wait_call(call));
	CHECK(wait_used(call, used, 2));
	/* One without a kick: the holdoff finds it. */
	post_one(4);
	CHECK(wait_call(call));
	CHECK(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == 3);
	CHECK(memcmp(guest + 0x20000 + 0x4000 + 0x800, "hello", 5) == 0);
	/* That holdoff found one, the next finds none: closed, kicks on. */
	usleep(400 * 1000);
	post_one(6);
	struct pollfd p = { call, POLLIN, 0 };
	CHECK(poll(&p, 1, 300) == 0);
	CHECK(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == 3);
	CHECK(write(kick, &one, 8) == 8);
	CHECK(wait_call(call));
	CHECK(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == 4);

	ring_end(&rs);
}

/* With EVENT_IDX the open holdoff asks the guest for a kick at its
 * target (the last batch: 2 here) through avail_event; a driver that obeys
 * it adds the first request silently and kicks on the second, which is
 * served at once, long before the holdoff's naps (100 ms each) end. */
static bool guest_needs_kick(uint16_t old_idx, uint16_t new_idx)
{
	const struct vring_used *u = (const struct vring_used *)(guest + USED_OFF);
	uint16_t event = __atomic_load_n((const uint16_t *)&u->ring[QSIZE], __ATOMIC_ACQUIRE);
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

static uint16_t avail_event_now(void)
{
	const struct vring_used *u = (const struct vring_used *)(guest + USED_OFF);
	return __atomic_load_n((const uint16_t *)&u->ring[QSIZE], __ATOMIC_ACQUIRE);
}

static double ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void test_holdoff_kick_at_target(const char *path)
{
	struct ring_session rs = { .s = {
		.dev = { .serve = serve, .reset = reset, .num_request_queues = 1 },
		.opt = { .holdoff_us = 400000 },
	} };
	ring_start(&rs, path);
	int call = rs.call, kick = rs.kick;
	uint64_t one = 1;

	post_one(0);
	post_one(2);
	CHECK(vring_state(rs.sock, VHOST_USER_SET_VRING_ENABLE, 1, 1) == 0);
	CHECK(wait_call(call));
	CHECK(wait_used(call, rs.used, 2));
	/* Kick at the second new request: the one at index 3. */
	double t0 = ms_now();
	while (avail_event_now() != 3 && ms_now() - t0 < 5000)
		usleep(1000);
	CHECK(avail_event_now() == 3);

	post_one(4);
	CHECK(!guest_needs_kick(2, 3));
	struct pollfd p = { call, POLLIN, 0 };
	CHECK(poll(&p, 1, 30) == 0);
	post_one(6);
	CHECK(guest_needs_kick(3, 4));
	t0 = ms_now();
	CHECK(write(kick, &one, 8) == 8);
	CHECK(wait_call(call));
	CHECK(wait_used(call, rs.used, 4));
	CHECK(ms_now() - t0 < 150);     /* the naps would take 200 */

	ring_end(&rs);
}

/* A notice queue (ring 1 here) answers at once but tells the guest no
 * sooner than NOTICE_TELL_NS later (the first answer excepted), and tells
 * what is untold when the queue stops. */
static void test_notice_told_lazily(const char *path)
{
	struct ring_session rs = { .s = {
		.dev = { .serve = serve, .reset = reset, .num_request_queues = 1,
			 .notice_queues = 2 },
	} };
	ring_start(&rs, path);
	int sock = rs.sock, call = rs.call, kick = rs.kick;
	struct vring_used *used = rs.used;
	uint64_t one = 1;

	/* The first answer since the ring started is told at once. */
	post_one(0);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_ENABLE, 1, 1) == 0);
	CHECK(wait_call(call));
	CHECK(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == 1);
	/* Two in one batch: neither is told before the deadline, not even
	 * the first while the second waits (a stall only makes it later). */
	double t0 = ms_now();
	post_one(2);
	post_one(4);
	CHECK(write(kick, &one, 8) == 8);
	CHECK(wait_call(call));
	CHECK(ms_now() - t0 >= NOTICE_TELL_NS / 1e6 - 0.5);
	CHECK(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == 3);
	/* One alone: the same. */
	t0 = ms_now();
	post_one(6);
	CHECK(write(kick, &one, 8) == 8);
	CHECK(wait_call(call));
	CHECK(ms_now() - t0 >= NOTICE_TELL_NS / 1e6 - 0.5);
	CHECK(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == 4);
	/* One more, then the stop: told by the time GET_VRING_BASE answers
	 * (or earlier, if this thread stalled past the deadline). */
	post_one(0);
	CHECK(write(kick, &one, 8) == 8);
	for (int i = 0; i < 5000 && __atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) != 5; i++)
		usleep(1000);
	CHECK(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == 5);
	struct vhost_user_state sst = { 1, 0 };
	send_msg(sock, VHOST_USER_GET_VRING_BASE, 0, &sst, sizeof(sst), NULL, 0);
	CHECK(recv_reply(sock, VHOST_USER_GET_VRING_BASE, &sst, sizeof(sst)) == 8);
	struct pollfd p = { call, POLLIN, 0 };
	CHECK(poll(&p, 1, 0) == 1);

	ring_end(&rs);
}

static int count_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static uint64_t mem_reg(int sock, uint32_t req, const struct vhost_user_mem_region *r,
			const int *fds, unsigned nfds)
{
	struct vhost_user_mem_reg m = { 0, *r };
	return acked(sock, req, &m, sizeof(m), fds, nfds);
}

/* A request whose answer goes to out_gpa: its used length once the queue
 * took it (5 when served, 0 when the chain was refused), -1 if it was not
 * taken within 5 s. */
static int answer_len(int call, int kick, uint16_t head, uint64_t out_gpa)
{
	const struct vring_used *used = (const struct vring_used *)(guest + USED_OFF);
	uint16_t want = (uint16_t)(used->idx + 1);
	uint64_t one = 1;
	guest_request(head, 0x10000, out_gpa);
	if (write(kick, &one, 8) != 8 || !wait_used(call, used, want))
		return -1;
	return (int)used->ring[(want - 1) % QSIZE].len;
}

/* CONFIGURE_MEM_SLOTS: guest memory one region at a time (hot-plug). */
static void test_mem_slots(const char *path)
{
	struct server s = {
		.dev = { .serve = serve, .reset = reset, .num_request_queues = 1 },
	};
	s.opt.listen_fd = vu_listen(path, NULL);
	CHECK(s.opt.listen_fd >= 0);
	pthread_create(&s.thread, NULL, server_main, &s);
	int sock = sock_connect(path);

	/* Two regions of one 2 MiB memfd: A (the rings) at guest 0, B at
	 * guest 16 MiB from file offset 1 MiB. */
	int memfd = memfd_create("guest", MFD_CLOEXEC);
	CHECK(memfd >= 0 && ftruncate(memfd, 2 * MEM_SIZE) == 0);
	guest = mmap(NULL, 2 * MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	CHECK(guest != MAP_FAILED);
	const uint64_t b_gpa = 16ull * MEM_SIZE;
	struct vhost_user_mem_region a = { 0, MEM_SIZE, UVA_BASE, 0 };
	struct vhost_user_mem_region b = { b_gpa, MEM_SIZE, UVA_BASE + b_gpa, MEM_SIZE };
	int fds[2] = { memfd, memfd };

	uint64_t pf = get_u64(sock, VHOST_USER_GET_PROTOCOL_FEATURES);
	CHECK(pf & (1ull << VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS));
	CHECK(mem_reg(sock, VHOST_USER_ADD_MEM_REG, &a, fds, 1) != 0);   /* not negotiated */
	uint64_t v = pf;
	CHECK(acked(sock, VHOST_USER_SET_PROTOCOL_FEATURES, &v, 8, NULL, 0) == 0);
	v = get_u64(sock, VHOST_USER_GET_FEATURES);
	CHECK(acked(sock, VHOST_USER_SET_FEATURES, &v, 8, NULL, 0) == 0);
	CHECK(get_u64(sock, VHOST_USER_GET_MAX_MEM_SLOTS) == 509);

	/* Malformed additions. */
	CHECK(mem_reg(sock, VHOST_USER_ADD_MEM_REG, &a, NULL, 0) != 0);  /* no fd */
	CHECK(mem_reg(sock, VHOST_USER_ADD_MEM_REG, &a, fds, 2) != 0);   /* two */
	{
		struct vhost_user_mem_reg m = { 0, a };
		CHECK(acked(sock, VHOST_USER_ADD_MEM_REG, &m, sizeof(m) - 8, fds, 1) != 0);
	}
	struct vhost_user_mem_region bad = { UINT64_MAX - 10, 100, 0, 0 };
	CHECK(mem_reg(sock, VHOST_USER_ADD_MEM_REG, &bad, fds, 1) != 0); /* wraps */
	bad = (struct vhost_user_mem_region){ b_gpa, MEM_SIZE, UVA_BASE + b_gpa, 2 * MEM_SIZE };
	CHECK(mem_reg(sock, VHOST_USER_ADD_MEM_REG, &bad, fds, 1) != 0); /* past the file */
	CHECK(mem_reg(sock, VHOST_USER_ADD_MEM_REG, &a, fds, 1) == 0);
	CHECK(mem_reg(sock, VHOST_USER_ADD_MEM_REG, &a, fds, 1) != 0);   /* twice */
	bad = (struct vhost_user_mem_region){ b_gpa, MEM_SIZE, UVA_BASE + MEM_SIZE / 2, 0 };
	CHECK(mem_reg(sock, VHOST_USER_ADD_MEM_REG, &bad, fds, 1) != 0); /* uva overlap */

	/* Queue 1 in region A. */
	int call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), kick = eventfd(0, EFD_CLOEXEC);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_NUM, 1, QSIZE) == 0);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_BASE, 1, 0) == 0);
	CHECK(vring_addr(sock, 1, UVA_BASE + DESC_OFF, UVA_BASE + AVAIL_OFF,
			 UVA_BASE + USED_OFF) == 0);
	CHECK(vring_fd(sock, VHOST_USER_SET_VRING_CALL, 1, call) == 0);
	CHECK(vring_fd(sock, VHOST_USER_SET_VRING_KICK, 1, kick) == 0);
	CHECK(vring_state(sock, VHOST_USER_SET_VRING_ENABLE, 1, 1) == 0);
	CHECK(answer_len(call, kick, 0, 0x11000) == 5);
	CHECK(answer_len(call, kick, 2, b_gpa + 0x1000) == 0);           /* B not yet there */

	/* B plugged while the queue runs, then unplugged; QEMU sends the
	 * region's fd with REM_MEM_REG too. */
	CHECK(mem_reg(sock, VHOST_USER_ADD_MEM_REG, &b, fds, 1) == 0);
	CHECK(answer_len(call, kick, 4, b_gpa + 0x1000) == 5);
	CHECK(memcmp(guest + MEM_SIZE + 0x1000, "hello", 5) == 0);
	CHECK(mem_reg(sock, VHOST_USER_REM_MEM_REG, &b, fds, 2) != 0);   /* two fds */
	CHECK(mem_reg(sock, VHOST_USER_REM_MEM_REG, &b, fds, 1) == 0);
	CHECK(answer_len(call, kick, 6, b_gpa + 0x2000) == 0);
	CHECK(mem_reg(sock, VHOST_USER_REM_MEM_REG, &b, NULL, 0) != 0);  /* gone */
	bad = a;
	bad.userspace_addr += MEM_SIZE;
	CHECK(mem_reg(sock, VHOST_USER_REM_MEM_REG, &bad, NULL, 0) != 0); /* not A */

	/* A, with the rings, removed and added again (a changed region comes
	 * as both): the queue waits meanwhile, then goes on where it stood. */
	const struct vring_used *used = (const struct vring_used *)(guest + USED_OFF);
	unsigned served_before = served;
	CHECK(mem_reg(sock, VHOST_USER_REM_MEM_REG, &a, NULL, 0) == 0);
	uint16_t want = (uint16_t)(used->idx + 1);
	guest_request(0, 0x10000, 0x12000);
	uint64_t one = 1;
	CHECK(write(kick, &one, 8) == 8);
	usleep(100 * 1000);
	CHECK(used->idx == (uint16_t)(want - 1) && served == served_before);
	CHECK(mem_reg(sock, VHOST_USER_ADD_MEM_REG, &a, fds, 1) == 0);
	CHECK(wait_used(call, used, want) && memcmp(guest + 0x12000, "hello", 5) == 0);

	/* 509 slots: A and 508 more pages; the 510th is refused. */
	struct vhost_user_mem_region page = { 64ull * MEM_SIZE, 4096, UVA_BASE + 64ull * MEM_SIZE, 0 };
	for (int i = 0; i < 508; i++) {
		CHECK(mem_reg(sock, VHOST_USER_ADD_MEM_REG, &page, fds, 1) == 0);
		page.guest_phys_addr += 8192;
		page.userspace_addr += 8192;
	}
	CHECK(mem_reg(sock, VHOST_USER_ADD_MEM_REG, &page, fds, 1) != 0);
	for (int i = 0; i < 508; i++) {
		page.guest_phys_addr -= 8192;
		page.userspace_addr -= 8192;
		CHECK(mem_reg(sock, VHOST_USER_REM_MEM_REG, &page, NULL, 0) == 0);
	}
	CHECK(answer_len(call, kick, 2, 0x13000) == 5);

	close(sock);
	pthread_join(s.thread, NULL);
	CHECK(s.rc == 0);
	close(s.opt.listen_fd);
	close(call);
	close(kick);
	munmap(guest, 2 * MEM_SIZE);
	close(memfd);
}

int main(void)
{
	int fds_at_start = count_fds();
	if (getenv("TEST_DEBUG"))
		log_setup(LOG_LVL_DEBUG, 0);
	char path[64];
	snprintf(path, sizeof(path), "/tmp/test-vu-%d.sock", (int)getpid());

	/* vu_listen never replaces something that is not a socket. */
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK(vu_listen(path, NULL) == -EEXIST);
	unlink(path);

	test_session(path);
	test_config_and_clean_exit(path);
	test_pool(path);
	test_holdoff(path);
	test_holdoff_kick_at_target(path);
	test_notice_told_lazily(path);
	test_mem_slots(path);
	unlink(path);
	CHECK(count_fds() == fds_at_start);     /* nothing leaked */
	if (failures) {
		fprintf(stderr, "test_transport_vhost_user: %d failures\n", failures);
		return 1;
	}
	return 0;
}
