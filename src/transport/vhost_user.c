/* vhost-user backend: accepting frontends, the per-connection message loop
 * and one handler per request (QEMU docs/interop/vhost-user.rst).
 * Ring threads live in vhost_user_queue.c, the memory table in
 * vhost_user_mem.c, message framing in vhost_user_msg.c, the socket's file
 * in socket_file.c. */
#include "vhost_user.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log/log.h"
#include "vhost_user_dev.h"
#include "vhost_user_msg.h"

/* A handler returns 0 (success), -errno (failure: a nonzero REPLY_ACK) or
 * REPLIED when it has sent the request's own reply. */
#define REPLIED VU_REPLIED

static const uint64_t offered_features =
	(1ull << VU_F_VERSION_1) | (1ull << VU_F_INDIRECT_DESC) |
	(1ull << VU_F_EVENT_IDX) | (1ull << VHOST_USER_F_PROTOCOL_FEATURES) |
	(1ull << VHOST_F_LOG_ALL);

static uint64_t offered_protocol_features(const struct vu_dev *dev)
{
	uint64_t f = (1ull << VHOST_USER_PROTOCOL_F_MQ) |
		     (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK) |
		     (1ull << VHOST_USER_PROTOCOL_F_RESET_DEVICE) |
		     (1ull << VHOST_USER_PROTOCOL_F_LOG_SHMFD) |
		     (1ull << VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS);
	if (vu_device_state_offered(dev))
		f |= 1ull << VHOST_USER_PROTOCOL_F_DEVICE_STATE;
	/* QEMU 7.1-8.0 abort when a vhost-user-fs backend offers CONFIG:
	 * offer it only when asked to (--tag). */
	if (dev->ops->tag)
		f |= 1ull << VHOST_USER_PROTOCOL_F_CONFIG;
	return f;
}

static unsigned num_request_queues(const struct vu_dev *dev)
{
	unsigned n = dev->ops->num_request_queues;
	if (n < 1)
		n = 1;
	if (n > VU_MAX_REQUEST_QUEUES)
		n = VU_MAX_REQUEST_QUEUES;
	return n;
}

static int reply_u64(struct vu_dev *dev, const struct vu_msg *m, uint64_t v)
{
	int rc = vu_msg_reply(dev->sock, m, &v, sizeof(v));
	return rc < 0 ? rc : REPLIED;
}

static bool payload_is(const struct vu_msg *m, uint32_t size)
{
	if (m->hdr.size == size)
		return true;
	log_error("vhost-user: %s with a %u-byte payload (expected %u)",
		  vu_msg_name(m->hdr.request), m->hdr.size, size);
	return false;
}

/* Queue named by a vring state/addr index or a kick/call/err u64. */
static struct vu_queue *queue_at(struct vu_dev *dev, const struct vu_msg *m, uint64_t index)
{
	if (index >= VU_MAX_QUEUES) {
		log_error("vhost-user: %s for queue %llu (max %u)", vu_msg_name(m->hdr.request),
			  (unsigned long long)index, VU_MAX_QUEUES - 1);
		return NULL;
	}
	return &dev->q[index];
}

/* RESET_OWNER / RESET_DEVICE and disconnect: stop and forget every ring
 * and drop the device's session.  Negotiated features belong to the
 * connection (QEMU does not negotiate protocol features again after a
 * reset), so only a disconnect clears them. */
static void reset_device(struct vu_dev *dev)
{
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++)
		vu_queue_reset(&dev->q[i]);
	if (dev->ops->reset)
		dev->ops->reset(dev->ops->opaque);
}

static int h_set_features(struct vu_dev *dev, struct vu_msg *m)
{
	if (!payload_is(m, sizeof(uint64_t)))
		return -EINVAL;
	if (m->p.u64 & ~offered_features) {
		log_error("vhost-user: frontend acked features %#llx we did not offer",
			  (unsigned long long)(m->p.u64 & ~offered_features));
		return -EINVAL;
	}
	bool log_was = dev->features & (1ull << VHOST_F_LOG_ALL);
	dev->features = m->p.u64;
	/* Dirty logging starts (or stops) with LOG_ALL, rings running. */
	if (log_was != !!(dev->features & (1ull << VHOST_F_LOG_ALL))) {
		/* A new logging period: lost from the start only when the
		 * last SET_LOG_BASE failed (the VMM reads a log we do not
		 * have).  Without any log yet, a write made before one comes
		 * is what counts (vu_log_apply's hook): QEMU's vhost_dev_start
		 * sends LOG_ALL before SET_LOG_BASE. */
		if (!log_was)
			__atomic_store_n(&dev->log_lost, dev->log_base_failed, __ATOMIC_RELAXED);
		/* The log ends with its period: the VMM frees it (QEMU's
		 * vhost_log_put) and gives a new one before the next. */
		if (log_was)
			vu_log_drop(dev);
		else
			vu_log_apply_all(dev);
		log_info("vhost-user: dirty logging %s%s",
			 log_was ? "stopped" : "started",
			 log_was || dev->log.bits ? "" : " (no log given yet)");
	}
	return 0;
}

static int h_set_protocol_features(struct vu_dev *dev, struct vu_msg *m)
{
	if (!payload_is(m, sizeof(uint64_t)))
		return -EINVAL;
	uint64_t offered = offered_protocol_features(dev);
	if (m->p.u64 & ~offered) {
		log_error("vhost-user: frontend acked protocol features %#llx we did not offer",
			  (unsigned long long)(m->p.u64 & ~offered));
		return -EINVAL;
	}
	dev->protocol_features = m->p.u64;
	dev->protocol_acked = true;
	return 0;
}

static int h_set_mem_table(struct vu_dev *dev, struct vu_msg *m)
{
	if (m->hdr.size < 8) {
		log_error("vhost-user: SET_MEM_TABLE payload too short");
		return -EINVAL;
	}
	uint32_t n = m->p.memory.nregions;
	if (n > VHOST_USER_MEM_REGIONS_MAX ||
	    m->hdr.size != 8 + n * sizeof(struct vhost_user_mem_region)) {
		log_error("vhost-user: SET_MEM_TABLE with %u regions in %u bytes", n, m->hdr.size);
		return -EINVAL;
	}
	int fds[VHOST_USER_MAX_FDS];
	unsigned nfds = m->nfds;
	for (unsigned i = 0; i < nfds; i++)
		fds[i] = vu_msg_take_fd(m, i);
	return vu_set_mem_table(dev, &m->p.memory, fds, nfds);
}

/* ADD_MEM_REG / REM_MEM_REG (CONFIGURE_MEM_SLOTS). */
static int h_mem_region(struct vu_dev *dev, struct vu_msg *m)
{
	bool add = m->hdr.request == VHOST_USER_ADD_MEM_REG;
	if (!(dev->protocol_features & (1ull << VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS))) {
		log_error("vhost-user: %s without VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS",
			  vu_msg_name(m->hdr.request));
		return -EINVAL;
	}
	if (!payload_is(m, sizeof(struct vhost_user_mem_reg)))
		return -EINVAL;
	/* ADD brings the region's fd.  QEMU sends it with REM too (the
	 * spec allows one there, closed unused). */
	if (add ? m->nfds != 1 : m->nfds > 1) {
		log_error("vhost-user: %s with %u fds", vu_msg_name(m->hdr.request), m->nfds);
		return -EINVAL;
	}
	if (add)
		return vu_add_mem_region(dev, &m->p.mem_reg.region, vu_msg_take_fd(m, 0));
	return vu_rem_mem_region(dev, &m->p.mem_reg.region);
}

static int h_set_vring_num(struct vu_dev *dev, struct vu_msg *m)
{
	if (!payload_is(m, sizeof(struct vhost_user_state)))
		return -EINVAL;
	struct vu_queue *q = queue_at(dev, m, m->p.state.index);
	if (!q)
		return -EINVAL;
	uint32_t num = m->p.state.num;
	if (num == 0 || num > VQ_MAX_SIZE || (num & (num - 1))) {
		log_error("queue %u: bad size %u", q->idx, num);
		return -EINVAL;
	}
	if (q->started) {
		log_error("queue %u: size change while running", q->idx);
		return -EBUSY;
	}
	q->num = num;
	return 0;
}

static int h_set_vring_addr(struct vu_dev *dev, struct vu_msg *m)
{
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;

	if (!payload_is(m, sizeof(struct vhost_user_addr)))
		return -EINVAL;
	struct vu_queue *q = queue_at(dev, m, m->p.addr.index);
	if (!q)
		return -EINVAL;
	const struct vhost_user_addr *a = &m->p.addr;
	if (a->flags & ~VHOST_USER_VRING_F_LOG) {
		log_error("queue %u: unknown ring flags %#x", q->idx, a->flags);
		return -EINVAL;
	}
	if (q->started) {
		/* Dirty logging of the used ring starts and stops on a running
		 * ring: only the flag and the log address may change then. */
		if (a->desc_user_addr != q->addr.desc_user_addr ||
		    a->avail_user_addr != q->addr.avail_user_addr ||
		    a->used_user_addr != q->addr.used_user_addr) {
			log_error("queue %u: address change while running", q->idx);
			return -EBUSY;
		}
		vu_mem_write_lock(dev);
		q->addr.flags = a->flags;
		q->addr.log_guest_addr = a->log_guest_addr;
		vu_mem_write_unlock(dev);
		log_debug("queue %u: used ring logging %s (log address %#llx)", q->idx,
			  a->flags & VHOST_USER_VRING_F_LOG ? "on" : "off",
			  (unsigned long long)a->log_guest_addr);
		return 0;
	}
	struct vhost_user_addr saved = q->addr;
	bool saved_set = q->addr_set;
	q->addr = m->p.addr;
	q->addr_set = true;
	int rc = vu_queue_map_rings(&dev->mem, q, q->num, &desc, &avail, &used);
	if (rc < 0) {
		log_error("queue %u: ring addresses are misaligned or outside guest memory "
			  "(size %u)", q->idx, q->num);
		q->addr = saved;
		q->addr_set = saved_set;
		return rc;
	}
	return vu_queue_try_start(dev, q);
}

static int h_set_vring_base(struct vu_dev *dev, struct vu_msg *m)
{
	if (!payload_is(m, sizeof(struct vhost_user_state)))
		return -EINVAL;
	struct vu_queue *q = queue_at(dev, m, m->p.state.index);
	if (!q)
		return -EINVAL;
	if (m->p.state.num > UINT16_MAX) {
		log_error("queue %u: base %u out of range", q->idx, m->p.state.num);
		return -EINVAL;
	}
	if (q->started) {
		log_error("queue %u: base change while running", q->idx);
		return -EBUSY;
	}
	q->vq.last_avail = (uint16_t)m->p.state.num;
	return 0;
}

static int h_get_vring_base(struct vu_dev *dev, struct vu_msg *m)
{
	struct vhost_user_state st = { m->p.state.index, 0 };
	struct vu_queue *q = NULL;

	if (payload_is(m, sizeof(struct vhost_user_state)))
		q = queue_at(dev, m, m->p.state.index);
	if (q) {
		/* The ring is stopped now; it starts again on the next kick fd. */
		vu_queue_stop(q);
		st.num = q->vq.last_avail;
		if (q->kick_fd >= 0)
			close(q->kick_fd);
		q->kick_fd = -1;
	}
	int rc = vu_msg_reply(dev->sock, m, &st, sizeof(st));
	return rc < 0 ? rc : REPLIED;
}

enum ring_fd { RING_KICK, RING_CALL, RING_ERR };

static int h_set_vring_fd(struct vu_dev *dev, struct vu_msg *m, enum ring_fd which)
{
	if (!payload_is(m, sizeof(uint64_t)))
		return -EINVAL;
	uint64_t v = m->p.u64;
	if (v & ~(uint64_t)(VHOST_USER_VRING_IDX_MASK | VHOST_USER_VRING_NOFD_MASK)) {
		log_error("vhost-user: %s with unknown bits %#llx", vu_msg_name(m->hdr.request),
			  (unsigned long long)v);
		return -EINVAL;
	}
	struct vu_queue *q = queue_at(dev, m, v & VHOST_USER_VRING_IDX_MASK);
	if (!q)
		return -EINVAL;
	bool nofd = v & VHOST_USER_VRING_NOFD_MASK;
	if (m->nfds != (nofd ? 0u : 1u)) {
		log_error("queue %u: %s with %u fds", q->idx, vu_msg_name(m->hdr.request), m->nfds);
		return -EINVAL;
	}
	int fd = nofd ? -1 : vu_msg_take_fd(m, 0);
	/* Queue threads write the call and err fds holding push_lock: one
	 * that blocks (a pipe the frontend never reads) would hang the
	 * thread and then, on the ring's stop, the whole daemon.  (QEMU's
	 * eventfds are non-blocking already.  The flag belongs to the open
	 * file description, which the frontend shares: one that clears it
	 * again afterwards can still make us block.) */
	if (fd >= 0 && which != RING_KICK) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)) {
			int rc = -errno;
			log_error("queue %u: %s fd: %s", q->idx, vu_msg_name(m->hdr.request),
				  strerror(errno));
			close(fd);
			return rc;
		}
	}
	switch (which) {
	case RING_KICK:
		if (fd < 0) {
			log_error("queue %u: polling mode (no kick fd) is not supported", q->idx);
			return -EINVAL;
		}
		vu_queue_stop(q);
		if (q->kick_fd >= 0)
			close(q->kick_fd);
		q->kick_fd = fd;
		return vu_queue_try_start(dev, q);
	case RING_CALL:
		vu_queue_set_call_fd(q, fd);
		return 0;
	case RING_ERR:
		vu_queue_set_err_fd(q, fd);
		return 0;
	}
	return -EINVAL;
}

static int h_set_vring_enable(struct vu_dev *dev, struct vu_msg *m)
{
	if (!payload_is(m, sizeof(struct vhost_user_state)))
		return -EINVAL;
	struct vu_queue *q = queue_at(dev, m, m->p.state.index);
	if (!q)
		return -EINVAL;
	if (m->p.state.num > 1) {
		log_error("queue %u: SET_VRING_ENABLE %u", q->idx, m->p.state.num);
		return -EINVAL;
	}
	q->enable_seen = true;
	q->enabled = m->p.state.num == 1;
	if (!q->enabled) {
		vu_queue_stop(q);
		return 0;
	}
	return vu_queue_try_start(dev, q);
}

static int h_get_config(struct vu_dev *dev, struct vu_msg *m)
{
	struct vhost_user_config reply;
	struct virtio_fs_config_le cfg;
	const struct vhost_user_config *c = &m->p.config;
	uint32_t size = 0;

	/* A zero-length payload is the protocol's way to say "failed". */
	if (!dev->ops->tag || m->hdr.size < VHOST_USER_CONFIG_HDR_SIZE ||
	    c->size > VHOST_USER_MAX_CONFIG_SIZE ||
	    m->hdr.size != VHOST_USER_CONFIG_HDR_SIZE + c->size ||
	    c->offset > sizeof(cfg) || c->size > sizeof(cfg) - c->offset) {
		log_error("vhost-user: GET_CONFIG refused (offset %u size %u)", c->offset, c->size);
	} else {
		memset(&cfg, 0, sizeof(cfg));
		/* The tag fills the field; NUL-terminated only when shorter. */
		size_t tag_len = strnlen(dev->ops->tag, sizeof(cfg.tag));
		memcpy(cfg.tag, dev->ops->tag, tag_len);
		cfg.num_request_queues = htole32(num_request_queues(dev));
		memset(&reply, 0, sizeof(reply));
		reply.offset = c->offset;
		reply.size = c->size;
		reply.flags = c->flags;
		memcpy(reply.region, (const uint8_t *)&cfg + c->offset, c->size);
		size = VHOST_USER_CONFIG_HDR_SIZE + c->size;
	}
	int rc = vu_msg_reply(dev->sock, m, &reply, size);
	return rc < 0 ? rc : REPLIED;
}

/* Requests whose frontend waits for a reply even without REPLY_ACK. */
static bool has_own_reply(const struct vu_dev *dev, uint32_t request)
{
	switch (request) {
	case VHOST_USER_SET_LOG_BASE:
		return dev->protocol_features & (1ull << VHOST_USER_PROTOCOL_F_LOG_SHMFD);
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

static int h_unsupported(struct vu_dev *dev, struct vu_msg *m)
{
	uint32_t r = m->hdr.request;
	uint64_t bit = r < 63 ? 1ull << r : 1ull << 63;
	if (!(dev->unknown_logged & bit)) {
		dev->unknown_logged |= bit;
		log_warn("vhost-user: request %u (%s) is not supported", r, vu_msg_name(r));
	}
	if (has_own_reply(dev, r))
		return reply_u64(dev, m, 1);
	return -ENOTSUP;
}

static int dispatch(struct vu_dev *dev, struct vu_msg *m)
{
	if (m->fds_truncated) {
		log_error("vhost-user: %s carried more than %d fds, refused",
			  vu_msg_name(m->hdr.request), VHOST_USER_MAX_FDS);
		if (has_own_reply(dev, m->hdr.request))
			return reply_u64(dev, m, 1);
		return -EINVAL;
	}
	switch (m->hdr.request) {
	case VHOST_USER_GET_FEATURES:
		return reply_u64(dev, m, offered_features);
	case VHOST_USER_SET_FEATURES:
		return h_set_features(dev, m);
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		return reply_u64(dev, m, offered_protocol_features(dev));
	case VHOST_USER_SET_PROTOCOL_FEATURES:
		return h_set_protocol_features(dev, m);
	case VHOST_USER_GET_QUEUE_NUM:
		return reply_u64(dev, m, 1 + num_request_queues(dev));
	case VHOST_USER_SET_OWNER:
		return 0;
	case VHOST_USER_RESET_OWNER:
	case VHOST_USER_RESET_DEVICE:
		reset_device(dev);
		return 0;
	case VHOST_USER_SET_MEM_TABLE:
		return h_set_mem_table(dev, m);
	case VHOST_USER_GET_MAX_MEM_SLOTS:
		return reply_u64(dev, m, GUEST_MEM_MAX_REGIONS);
	case VHOST_USER_ADD_MEM_REG:
	case VHOST_USER_REM_MEM_REG:
		return h_mem_region(dev, m);
	case VHOST_USER_SET_VRING_NUM:
		return h_set_vring_num(dev, m);
	case VHOST_USER_SET_VRING_ADDR:
		return h_set_vring_addr(dev, m);
	case VHOST_USER_SET_VRING_BASE:
		return h_set_vring_base(dev, m);
	case VHOST_USER_GET_VRING_BASE:
		return h_get_vring_base(dev, m);
	case VHOST_USER_SET_VRING_KICK:
		return h_set_vring_fd(dev, m, RING_KICK);
	case VHOST_USER_SET_VRING_CALL:
		return h_set_vring_fd(dev, m, RING_CALL);
	case VHOST_USER_SET_VRING_ERR:
		return h_set_vring_fd(dev, m, RING_ERR);
	case VHOST_USER_SET_VRING_ENABLE:
		return h_set_vring_enable(dev, m);
	case VHOST_USER_GET_CONFIG:
		return h_get_config(dev, m);
	case VHOST_USER_SET_CONFIG:
		log_warn("vhost-user: SET_CONFIG refused: virtio-fs config space is read-only");
		return -EPERM;
	case VHOST_USER_SET_BACKEND_REQ_FD:
		/* Not offered; accept so an eager frontend carries on. */
		return 0;
	case VHOST_USER_SET_LOG_BASE:
		return vu_h_set_log_base(dev, m);
	case VHOST_USER_SET_LOG_FD:
		return vu_h_set_log_fd(dev, m);
	case VHOST_USER_SET_DEVICE_STATE_FD:
		return vu_h_set_device_state_fd(dev, m);
	case VHOST_USER_CHECK_DEVICE_STATE:
		return vu_h_check_device_state(dev, m);
	default:
		return h_unsupported(dev, m);
	}
}

int vu_handle_msg(struct vu_dev *dev, struct vu_msg *m)
{
	log_trace("vhost-user: %s (%u bytes, %u fds)", vu_msg_name(m->hdr.request),
		  m->hdr.size, m->nfds);
	/* A fault no queue thread has reported yet (mem_guard.h). */
	vu_report_shrink();
	int rc = dispatch(dev, m);
	vu_msg_close_fds(m);
	if (rc < 0 && rc != -EPIPE && rc != -ECONNRESET)
		log_debug("vhost-user: %s failed: %s", vu_msg_name(m->hdr.request),
			  strerror(-rc));
	if (rc != REPLIED && (m->hdr.flags & VHOST_USER_NEED_REPLY_MASK)) {
		uint64_t status = rc < 0 ? 1 : 0;
		rc = vu_msg_reply(dev->sock, m, &status, sizeof(status));
		if (rc < 0)
			log_error("vhost-user: reply: %s", strerror(-rc));
		return rc;
	}
	/* A reply could not be sent: the frontend is gone. */
	if (rc == -EPIPE || rc == -ECONNRESET)
		return rc;
	return 0;
}

/* Serve one frontend until EOF (0) or a fatal error (-errno). */
static int serve_connection(struct vu_dev *dev)
{
	struct vu_msg *m = malloc(sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	do {
		rc = vu_msg_recv(dev->sock, m);
		if (rc <= 0)
			break;
		rc = vu_handle_msg(dev, m);
	} while (rc == 0);
	free(m);
	if (rc < 0)
		log_error("vhost-user: connection: %s", strerror(-rc));
	return rc;
}

void vu_end_session(struct vu_dev *dev)
{
	reset_device(dev);
	vu_mem_write_lock(dev);
	guest_mem_clear(&dev->mem);
	vu_mem_write_unlock(dev);
	vu_migration_reset(dev);
	dev->features = 0;
	dev->protocol_features = 0;
	dev->protocol_acked = false;
	dev->unknown_logged = 0;
}

int vu_serve(const struct vu_options *opt, const struct vu_device *ops)
{
	struct vu_dev *dev = malloc(sizeof(*dev));
	int rc;

	if (!dev)
		return -ENOMEM;
	rc = vu_dev_init(dev, ops);
	if (rc < 0) {
		free(dev);
		return rc;
	}
	dev->poll_ns = (uint64_t)opt->poll_us * 1000;
	dev->holdoff_ns = (uint64_t)opt->holdoff_us * 1000;
	if (opt->pool_threads > 0 && !(dev->pool = worker_pool_new(opt->pool_threads))) {
		rc = -errno;
		vu_dev_destroy(dev);
		free(dev);
		return rc;
	}
	for (;;) {
		int sock;
		do {
			sock = accept4(opt->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		} while (sock < 0 && errno == EINTR);
		if (sock < 0) {
			rc = -errno;
			log_error("vhost-user: accept: %s", strerror(errno));
			break;
		}
		log_info("vhost-user: frontend connected");
		dev->sock = sock;
		rc = serve_connection(dev);
		close(sock);
		dev->sock = -1;
		log_info("vhost-user: frontend disconnected");

		vu_end_session(dev);
		if (!opt->keep_listening)
			break;
	}
	vu_dev_destroy(dev);
	worker_pool_free(dev->pool);
	free(dev);
	return rc;
}
