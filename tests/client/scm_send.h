/* Sending one vhost-user-shaped record with descriptors attached: a header,
 * an optional payload, and NFDS file descriptors as one SCM_RIGHTS message.
 * Header-only so that every test program can use it without linking the
 * client library: the client (vu_client.c, hostile_vhost.c), the transport
 * unit tests and the vhost-user fuzzer. */
#ifndef SCM_SEND_H
#define SCM_SEND_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* More than any vhost-user message may carry (8), so callers can test that. */
#define SCM_SEND_MAX_FDS 64

/* sendmsg(2) of HEAD (HEAD_LEN bytes), then PAYLOAD (LEN bytes, may be 0)
 * with NFDS of FDS attached, with sendmsg's FLAGS.  Returns what sendmsg
 * returns (-1 with errno EINVAL when NFDS is out of range). */
static inline ssize_t scm_send(int sock, const void *head, size_t head_len,
			       const void *payload, size_t len,
			       const int *fds, int nfds, int flags)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)head, .iov_len = head_len },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	union {
		char buf[CMSG_SPACE(SCM_SEND_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (nfds < 0 || nfds > SCM_SEND_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	return sendmsg(sock, &mh, flags);
}

#endif
