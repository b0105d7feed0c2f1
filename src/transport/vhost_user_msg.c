/* vhost-user message framing: a 12-byte header (whose recvmsg carries the
 * fds), then `size` bytes of payload. */
#include "vhost_user_msg.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log/log.h"

static int read_full(int sock, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = recv(sock, (char *)buf + done, len - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		done += (size_t)n;
	}
	return 0;
}

static void collect_fds(struct msghdr *mh, struct vu_msg *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		const unsigned char *data = CMSG_DATA(c);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, data + i * sizeof(int), sizeof(int));
			if (m->nfds < VHOST_USER_MAX_FDS) {
				m->fds[m->nfds++] = fd;
			} else {
				close(fd);
				m->fds_truncated = true;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		m->fds_truncated = true;
}

int vu_msg_recv(int sock, struct vu_msg *m)
{
	union {
		char buf[CMSG_SPACE(VHOST_USER_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { &m->hdr, sizeof(m->hdr) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;
	int rc;

	m->nfds = 0;
	m->fds_truncated = false;
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	collect_fds(&mh, m);
	if ((size_t)n < sizeof(m->hdr)) {
		rc = read_full(sock, (char *)&m->hdr + n, sizeof(m->hdr) - (size_t)n);
		if (rc < 0)
			goto fail;
	}
	if ((m->hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION) {
		log_error("vhost-user: message %u with unsupported version flags %#x",
			  m->hdr.request, m->hdr.flags);
		rc = -EPROTO;
		goto fail;
	}
	if (m->hdr.size > VHOST_USER_PAYLOAD_MAX) {
		log_error("vhost-user: message %u with oversized payload (%u bytes)",
			  m->hdr.request, m->hdr.size);
		rc = -EMSGSIZE;
		goto fail;
	}
	if (m->hdr.size > 0) {
		rc = read_full(sock, &m->p, m->hdr.size);
		if (rc < 0)
			goto fail;
	}
	/* Bytes past size stay zero so a short payload never shows stale
	 * data from the previous message. */
	memset(m->p.bytes + m->hdr.size, 0, sizeof(m->p) - m->hdr.size);
	return 1;
fail:
	vu_msg_close_fds(m);
	return rc;
}

int vu_msg_reply(int sock, const struct vu_msg *req, const void *payload, uint32_t size)
{
	struct vhost_user_hdr hdr = {
		.request = req->hdr.request,
		.flags = VHOST_USER_VERSION | VHOST_USER_REPLY_MASK,
		.size = size,
	};
	struct iovec iov[2] = { { &hdr, sizeof(hdr) }, { (void *)payload, size } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };
	size_t total = sizeof(hdr) + size;
	ssize_t n;

	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != total)
		return -EIO;    /* replies are tiny; a short write means trouble */
	return 0;
}

int vu_msg_take_fd(struct vu_msg *m, unsigned i)
{
	if (i >= m->nfds)
		return -1;
	int fd = m->fds[i];
	m->fds[i] = -1;
	return fd;
}

void vu_msg_close_fds(struct vu_msg *m)
{
	for (unsigned i = 0; i < m->nfds; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	m->nfds = 0;
}

const char *vu_msg_name(uint32_t request)
{
	static const char *const names[] = {
		[VHOST_USER_GET_FEATURES] = "GET_FEATURES",
		[VHOST_USER_SET_FEATURES] = "SET_FEATURES",
		[VHOST_USER_SET_OWNER] = "SET_OWNER",
		[VHOST_USER_RESET_OWNER] = "RESET_OWNER",
		[VHOST_USER_SET_MEM_TABLE] = "SET_MEM_TABLE",
		[VHOST_USER_SET_LOG_BASE] = "SET_LOG_BASE",
		[VHOST_USER_SET_LOG_FD] = "SET_LOG_FD",
		[VHOST_USER_SET_VRING_NUM] = "SET_VRING_NUM",
		[VHOST_USER_SET_VRING_ADDR] = "SET_VRING_ADDR",
		[VHOST_USER_SET_VRING_BASE] = "SET_VRING_BASE",
		[VHOST_USER_GET_VRING_BASE] = "GET_VRING_BASE",
		[VHOST_USER_SET_VRING_KICK] = "SET_VRING_KICK",
		[VHOST_USER_SET_VRING_CALL] = "SET_VRING_CALL",
		[VHOST_USER_SET_VRING_ERR] = "SET_VRING_ERR",
		[VHOST_USER_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
		[VHOST_USER_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
		[VHOST_USER_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
		[VHOST_USER_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
		[VHOST_USER_SEND_RARP] = "SEND_RARP",
		[VHOST_USER_NET_SET_MTU] = "NET_SET_MTU",
		[VHOST_USER_SET_BACKEND_REQ_FD] = "SET_BACKEND_REQ_FD",
		[VHOST_USER_IOTLB_MSG] = "IOTLB_MSG",
		[VHOST_USER_SET_VRING_ENDIAN] = "SET_VRING_ENDIAN",
		[VHOST_USER_GET_CONFIG] = "GET_CONFIG",
		[VHOST_USER_SET_CONFIG] = "SET_CONFIG",
		[VHOST_USER_CREATE_CRYPTO_SESSION] = "CREATE_CRYPTO_SESSION",
		[VHOST_USER_CLOSE_CRYPTO_SESSION] = "CLOSE_CRYPTO_SESSION",
		[VHOST_USER_POSTCOPY_ADVISE] = "POSTCOPY_ADVISE",
		[VHOST_USER_POSTCOPY_LISTEN] = "POSTCOPY_LISTEN",
		[VHOST_USER_POSTCOPY_END] = "POSTCOPY_END",
		[VHOST_USER_GET_INFLIGHT_FD] = "GET_INFLIGHT_FD",
		[VHOST_USER_SET_INFLIGHT_FD] = "SET_INFLIGHT_FD",
		[VHOST_USER_GPU_SET_SOCKET] = "GPU_SET_SOCKET",
		[VHOST_USER_RESET_DEVICE] = "RESET_DEVICE",
		[VHOST_USER_VRING_KICK] = "VRING_KICK",
		[VHOST_USER_GET_MAX_MEM_SLOTS] = "GET_MAX_MEM_SLOTS",
		[VHOST_USER_ADD_MEM_REG] = "ADD_MEM_REG",
		[VHOST_USER_REM_MEM_REG] = "REM_MEM_REG",
		[VHOST_USER_SET_STATUS] = "SET_STATUS",
		[VHOST_USER_GET_STATUS] = "GET_STATUS",
		[VHOST_USER_GET_SHARED_OBJECT] = "GET_SHARED_OBJECT",
		[VHOST_USER_SET_DEVICE_STATE_FD] = "SET_DEVICE_STATE_FD",
		[VHOST_USER_CHECK_DEVICE_STATE] = "CHECK_DEVICE_STATE",
	};
	if (request < sizeof(names) / sizeof(names[0]) && names[request])
		return names[request];
	return "?";
}
