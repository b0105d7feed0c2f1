/* Reading and writing vhost-user messages on the frontend socket, with the
 * file descriptors that travel in SCM_RIGHTS. */
#ifndef VHOST_USER_MSG_H
#define VHOST_USER_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "vhost_user_proto.h"

struct vu_msg {
	struct vhost_user_hdr hdr;
	union vhost_user_payload p;
	int fds[VHOST_USER_MAX_FDS];
	unsigned nfds;
	bool fds_truncated;     /* the frontend sent more fds than we accept */
};

/* Read one message.  Returns 1 with *m filled, 0 on EOF at a message
 * boundary, -errno on a socket error or a message that breaks the framing
 * (bad version, oversized payload, EOF inside a message); the connection
 * cannot continue after a negative return.  Received fds are in m->fds. */
int vu_msg_recv(int sock, struct vu_msg *m);
/* Send a reply to req with the given payload.  Returns 0 or -errno. */
int vu_msg_reply(int sock, const struct vu_msg *req, const void *payload, uint32_t size);
/* Take ownership of fds[i] (the message no longer closes it). */
int vu_msg_take_fd(struct vu_msg *m, unsigned i);
/* Close every fd still owned by the message. */
void vu_msg_close_fds(struct vu_msg *m);
/* Name of a request for logs ("?" when unknown). */
const char *vu_msg_name(uint32_t request);

#endif
