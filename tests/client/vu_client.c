/* The VMM side of vhost-user for tests: see vu_client.h. */
#include "vu_client.h"
#include "scm_send.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int vuc_connect(struct vuc *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	c->sock = -1;
	c->memfd = -1;
	c->timeout_ms = VUC_TIMEOUT_MS;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	c->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->sock < 0)
		return -errno;
	if (connect(c->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(c->sock);
		c->sock = -1;
		return e;
	}
	return 0;
}

void vuc_close(struct vuc *c)
{
	if (c->sock >= 0)
		close(c->sock);
	if (c->mem && !c->mem_borrowed)
		munmap(c->mem, c->mem_size);
	if (c->memfd >= 0)
		close(c->memfd);
	c->sock = -1;
	c->mem = NULL;
	c->memfd = -1;
}

int vuc_mem_create(struct vuc *c, uint64_t gpa, uint64_t size)
{
	void *p;

	c->memfd = memfd_create("vuc-guest-ram", MFD_CLOEXEC);
	if (c->memfd < 0)
		return -errno;
	if (ftruncate(c->memfd, (off_t)size) < 0)
		return -errno;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, c->memfd, 0);
	if (p == MAP_FAILED)
		return -errno;
	c->mem = p;
	c->mem_gpa = gpa;
	c->mem_size = size;
	c->mem_brk = 0;
	return 0;
}

int vuc_mem_share(struct vuc *c, const struct vuc *from)
{
	if (!from->mem || from->memfd < 0)
		return -EINVAL;
	c->memfd = fcntl(from->memfd, F_DUPFD_CLOEXEC, 0);
	if (c->memfd < 0)
		return -errno;
	c->mem = from->mem;
	c->mem_gpa = from->mem_gpa;
	c->mem_size = from->mem_size;
	c->mem_brk = from->mem_brk;
	c->mem_borrowed = 1;
	return 0;
}

void *vuc_alloc(struct vuc *c, uint64_t len, uint64_t align)
{
	uint64_t off = (c->mem_brk + align - 1) & ~(align - 1);
	void *p;

	if (off > c->mem_size || len > c->mem_size - off)
		return NULL;
	c->mem_brk = off + len;
	p = c->mem + off;
	memset(p, 0, len);
	return p;
}

uint64_t vuc_gpa(const struct vuc *c, const void *p)
{
	return c->mem_gpa + (uint64_t)((const uint8_t *)p - c->mem);
}

uint64_t vuc_uva(const struct vuc *c, const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

void *vuc_ptr(const struct vuc *c, uint64_t gpa, uint64_t len)
{
	if (gpa < c->mem_gpa || gpa - c->mem_gpa > c->mem_size ||
	    len > c->mem_size - (gpa - c->mem_gpa))
		return NULL;
	return c->mem + (gpa - c->mem_gpa);
}

int vuc_send_lying(struct vuc *c, uint32_t request, uint32_t flags,
		   uint32_t hdr_size, const void *payload, uint32_t len,
		   const int *fds, int nfds)
{
	struct vuc_hdr h = { .request = request, .flags = flags, .size = hdr_size };
	ssize_t n;

	if (nfds < 0 || nfds > VUC_MAX_FDS)
		return -EINVAL;
	do
		n = scm_send(c->sock, &h, sizeof(h), payload, len, fds, nfds, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != sizeof(h) + len)
		return -EIO;    /* a short write on a blocking UNIX socket: peer gone */
	return 0;
}

int vuc_send_raw(struct vuc *c, uint32_t request, uint32_t flags,
		 const void *payload, uint32_t len, const int *fds, int nfds)
{
	return vuc_send_lying(c, request, flags, len, payload, len, fds, nfds);
}

/* Wait until the socket is readable, within the client's timeout. */
static int wait_readable(struct vuc *c)
{
	struct pollfd p = { .fd = c->sock, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, c->timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

/* Read exactly len bytes (after the header; no fds expected there). */
static int read_full(struct vuc *c, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;
		int r = wait_readable(c);

		if (r < 0)
			return r;
		n = read(c->sock, (uint8_t *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		got += (size_t)n;
	}
	return 0;
}

int vuc_recv(struct vuc *c, struct vuc_msg *m)
{
	union {
		char buf[CMSG_SPACE(VUC_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = &m->hdr, .iov_len = sizeof(m->hdr) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int r;

	m->nfds = 0;
	r = wait_readable(c);
	if (r < 0)
		return r;
	do
		n = recvmsg(c->sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			if (k > VUC_MAX_FDS)
				k = VUC_MAX_FDS;
			memcpy(m->fds, CMSG_DATA(cm), k * sizeof(int));
			m->nfds = (int)k;
		}
	}
	if ((size_t)n < sizeof(m->hdr)) {
		r = read_full(c, (uint8_t *)&m->hdr + n, sizeof(m->hdr) - (size_t)n);
		if (r < 0)
			return r;
	}
	if (m->hdr.size > VUC_MAX_PAYLOAD)
		return -EPROTO;
	return read_full(c, m->payload, m->hdr.size);
}

static void close_fds(struct vuc_msg *m)
{
	for (int i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	m->nfds = 0;
}

/* Receive the reply to request; check its header and that it has len bytes. */
static int recv_reply(struct vuc *c, uint32_t request, void *out, uint32_t len)
{
	struct vuc_msg m;
	int r = vuc_recv(c, &m);

	if (r < 0)
		return r;
	close_fds(&m);
	if (m.hdr.request != request || !(m.hdr.flags & VUC_FLAG_REPLY) ||
	    (m.hdr.flags & 3u) != VUC_FLAG_VERSION || m.hdr.size != len)
		return -EPROTO;
	memcpy(out, m.payload, len);
	return 0;
}

int vuc_request(struct vuc *c, uint32_t request, const void *payload,
		uint32_t len, const int *fds, int nfds, void *out, uint32_t out_len)
{
	int r = vuc_send_raw(c, request, VUC_FLAG_VERSION, payload, len, fds, nfds);

	return r < 0 ? r : recv_reply(c, request, out, out_len);
}

int vuc_command(struct vuc *c, uint32_t request, const void *payload,
		uint32_t len, const int *fds, int nfds)
{
	bool ack = c->protocol_features & (1ull << VUC_PROTOCOL_F_REPLY_ACK);
	uint64_t status;
	int r;

	r = vuc_send_raw(c, request,
			 VUC_FLAG_VERSION | (ack ? VUC_FLAG_NEED_REPLY : 0),
			 payload, len, fds, nfds);
	if (r < 0 || !ack)
		return r;
	r = recv_reply(c, request, &status, sizeof(status));
	if (r < 0)
		return r;
	return status ? -EIO : 0;
}

int vuc_get_features(struct vuc *c, uint64_t *features)
{
	return vuc_request(c, VUC_GET_FEATURES, NULL, 0, NULL, 0, features, 8);
}

int vuc_set_features(struct vuc *c, uint64_t features)
{
	/* Acked like any command once REPLY_ACK is in force. */
	c->features = features;
	return vuc_command(c, VUC_SET_FEATURES, &features, 8, NULL, 0);
}

int vuc_get_protocol_features(struct vuc *c, uint64_t *features)
{
	return vuc_request(c, VUC_GET_PROTOCOL_FEATURES, NULL, 0, NULL, 0,
			   features, 8);
}

int vuc_set_protocol_features(struct vuc *c, uint64_t features)
{
	/* REPLY_ACK applies from the next message on. */
	int r = vuc_command(c, VUC_SET_PROTOCOL_FEATURES, &features, 8, NULL, 0);

	c->protocol_features = features;
	return r;
}

int vuc_set_owner(struct vuc *c)
{
	return vuc_command(c, VUC_SET_OWNER, NULL, 0, NULL, 0);
}

int vuc_set_mem_table(struct vuc *c)
{
	struct {
		uint32_t nregions;
		uint32_t padding;
		struct vuc_mem_region r;
	} t = {
		.nregions = 1,
		.r = {
			.gpa = c->mem_gpa,
			.size = c->mem_size,
			.uva = vuc_uva(c, c->mem),
			.mmap_offset = 0,
		},
	};

	return vuc_command(c, VUC_SET_MEM_TABLE, &t, sizeof(t), &c->memfd, 1);
}

static int vring_state(struct vuc *c, uint32_t request, unsigned idx, unsigned num)
{
	struct vuc_vring_state s = { .index = idx, .num = num };

	return vuc_command(c, request, &s, sizeof(s), NULL, 0);
}

int vuc_set_vring_num(struct vuc *c, unsigned idx, unsigned num)
{
	return vring_state(c, VUC_SET_VRING_NUM, idx, num);
}

int vuc_set_vring_base(struct vuc *c, unsigned idx, unsigned base)
{
	return vring_state(c, VUC_SET_VRING_BASE, idx, base);
}

int vuc_set_vring_enable(struct vuc *c, unsigned idx, int enable)
{
	return vring_state(c, VUC_SET_VRING_ENABLE, idx, enable ? 1 : 0);
}

int vuc_set_vring_addr(struct vuc *c, unsigned idx, const void *desc,
		       const void *avail, const void *used)
{
	struct vuc_vring_addr a = {
		.index = idx,
		.desc_uva = vuc_uva(c, desc),
		.used_uva = vuc_uva(c, used),
		.avail_uva = vuc_uva(c, avail),
	};

	return vuc_command(c, VUC_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
}

static int vring_fd(struct vuc *c, uint32_t request, unsigned idx, int fd)
{
	uint64_t v = (idx & 0xffu) | (fd < 0 ? VUC_VRING_NOFD : 0);

	return vuc_command(c, request, &v, sizeof(v), fd < 0 ? NULL : &fd,
			   fd < 0 ? 0 : 1);
}

int vuc_set_vring_kick(struct vuc *c, unsigned idx, int fd)
{
	return vring_fd(c, VUC_SET_VRING_KICK, idx, fd);
}

int vuc_set_vring_call(struct vuc *c, unsigned idx, int fd)
{
	return vring_fd(c, VUC_SET_VRING_CALL, idx, fd);
}

int vuc_get_vring_base(struct vuc *c, unsigned idx, unsigned *base)
{
	struct vuc_vring_state s = { .index = idx, .num = 0 }, out;
	int r = vuc_request(c, VUC_GET_VRING_BASE, &s, sizeof(s), NULL, 0,
			    &out, sizeof(out));

	if (r < 0)
		return r;
	if (out.index != idx)
		return -EPROTO;
	*base = out.num;
	return 0;
}

int vuc_set_vring_addr_log(struct vuc *c, unsigned idx, const void *desc,
			   const void *avail, const void *used, uint32_t flags,
			   uint64_t log_gpa)
{
	struct vuc_vring_addr a = {
		.index = idx,
		.flags = flags,
		.desc_uva = vuc_uva(c, desc),
		.used_uva = vuc_uva(c, used),
		.avail_uva = vuc_uva(c, avail),
		.log_gpa = log_gpa,
	};

	return vuc_command(c, VUC_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
}

int vuc_log_create(struct vuc_log *l, uint64_t size, uint64_t end)
{
	void *p;

	l->fd = -1;
	l->bits = NULL;
	if (size == 0)
		size = (end / VUC_LOG_PAGE + 7) / 8;
	l->size = size;
	l->fd = memfd_create("vuc-dirty-log", MFD_CLOEXEC);
	if (l->fd < 0)
		return -errno;
	if (ftruncate(l->fd, (off_t)size) < 0)
		return -errno;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, l->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	l->bits = p;
	return 0;
}

void vuc_log_destroy(struct vuc_log *l)
{
	if (l->bits)
		munmap(l->bits, l->size);
	if (l->fd >= 0)
		close(l->fd);
	l->bits = NULL;
	l->fd = -1;
}

int vuc_log_test(const struct vuc_log *l, uint64_t gpa)
{
	uint64_t page = gpa / VUC_LOG_PAGE;

	if (page / 8 >= l->size)
		return 0;
	return (__atomic_load_n(&l->bits[page / 8], __ATOMIC_ACQUIRE) >> (page % 8)) & 1;
}

int vuc_set_log_base(struct vuc *c, int fd, uint64_t size, uint64_t offset)
{
	struct { uint64_t size, offset; } p = { size, offset };
	struct vuc_msg m;
	uint64_t status = 0;
	int r;

	/* With LOG_SHMFD the backend replies whatever REPLY_ACK says. */
	r = vuc_send_raw(c, VUC_SET_LOG_BASE, VUC_FLAG_VERSION, &p, sizeof(p),
			 fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);
	if (r < 0)
		return r;
	if ((r = vuc_recv(c, &m)) < 0)
		return r;
	close_fds(&m);
	if (m.hdr.request != VUC_SET_LOG_BASE || !(m.hdr.flags & VUC_FLAG_REPLY))
		return -EPROTO;
	if (m.hdr.size == 8)
		memcpy(&status, m.payload, 8);
	else if (m.hdr.size != 0 && m.hdr.size != sizeof(p))
		return -EPROTO;
	return status ? -EIO : 0;
}

int vuc_set_log_fd(struct vuc *c, int fd)
{
	return vuc_command(c, VUC_SET_LOG_FD, NULL, 0, &fd, 1);
}

int vuc_set_device_state_fd(struct vuc *c, uint32_t direction, uint32_t phase, int *ours)
{
	struct { uint32_t direction, phase; } p = { direction, phase };
	struct vuc_msg m;
	uint64_t reply;
	int pfd[2], theirs, r;

	*ours = -1;
	m.nfds = 0;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	theirs = direction == VUC_STATE_LOAD ? pfd[0] : pfd[1];
	*ours = direction == VUC_STATE_LOAD ? pfd[1] : pfd[0];
	r = vuc_send_raw(c, VUC_SET_DEVICE_STATE_FD, VUC_FLAG_VERSION, &p, sizeof(p),
			 &theirs, 1);
	/* Only the backend may hold that end now: EOF / EPIPE when it closes. */
	close(theirs);
	if (r >= 0)
		r = vuc_recv(c, &m);
	if (r >= 0 && (m.hdr.request != VUC_SET_DEVICE_STATE_FD ||
		       !(m.hdr.flags & VUC_FLAG_REPLY) || m.hdr.size != 8))
		r = -EPROTO;
	if (r < 0) {
		close_fds(&m);
		close(*ours);
		*ours = -1;
		return r;
	}
	memcpy(&reply, m.payload, 8);
	if (reply & 0xff) {
		close_fds(&m);
		close(*ours);
		*ours = -1;
		return -EIO;
	}
	if (!(reply & VUC_STATE_NOFD)) {
		/* The backend's own channel replaces our pipe. */
		if (m.nfds != 1) {
			close_fds(&m);
			close(*ours);
			*ours = -1;
			return -EPROTO;
		}
		close(*ours);
		*ours = m.fds[0];
		return 0;
	}
	close_fds(&m);
	return 0;
}

int vuc_check_device_state(struct vuc *c, uint64_t *result)
{
	uint64_t v = ~0ull;
	int r = vuc_request(c, VUC_CHECK_DEVICE_STATE, NULL, 0, NULL, 0, &v, sizeof(v));

	if (result)
		*result = v;
	if (r < 0)
		return r;
	return v ? -EIO : 0;
}

int vuc_read_all(int fd, uint8_t **buf, size_t *len)
{
	size_t cap = 65536, n = 0;
	uint8_t *b = malloc(cap);

	if (!b)
		return -ENOMEM;
	for (;;) {
		ssize_t k;

		if (n == cap) {
			uint8_t *nb = realloc(b, cap * 2);

			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
		k = read(fd, b + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = -errno;

			free(b);
			return e;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	*buf = b;
	*len = n;
	return 0;
}

int vuc_write_all(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t k = write(fd, (const uint8_t *)buf + done, len - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		done += (size_t)k;
	}
	return 0;
}
