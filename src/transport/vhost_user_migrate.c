/* Live migration, the transport's part (QEMU docs/interop/vhost-user.rst,
 * "Migration" and "Migrating back-end state"):
 *  - dirty logging: with VHOST_F_LOG_ALL acked and a log given by
 *    SET_LOG_BASE (a memfd, VHOST_USER_PROTOCOL_F_LOG_SHMFD), every byte a
 *    queue thread writes into guest memory (replies, the used ring) marks
 *    its page in the log, so the VMM copies it again;
 *  - device state: SET_DEVICE_STATE_FD hands us one end of a pipe while
 *    every ring is stopped; we write our state into it (save) or read one
 *    from it (load) through the device's callbacks, and CHECK_DEVICE_STATE
 *    tells how that went. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log/log.h"
#include "mem_guard.h"
#include "vhost_user_dev.h"
#include "vhost_user_msg.h"

bool vu_logging(const struct vu_dev *dev)
{
	return (dev->features & (1ull << VHOST_F_LOG_ALL)) && dev->log.bits;
}

static void report_once(struct vu_dev *dev, const char *what, uint64_t addr);

/* The hook while VHOST_F_LOG_ALL is on but no log is mapped yet: QEMU's
 * vhost_dev_start sends SET_FEATURES with LOG_ALL, sets the rings up and
 * only then SET_LOG_BASE.  Logging without a log is not a loss by itself;
 * a write in that window is, and refuses the save. */
static void log_write_no_log(void *opaque, const void *hva, uint64_t len)
{
	struct vu_queue *q = opaque;

	(void)len;
	report_once(q->dev, "a write before the dirty log was given", (uint64_t)(uintptr_t)hva);
}

void vu_log_apply(struct vu_dev *dev, struct vu_queue *q)
{
	if (vu_logging(dev)) {
		q->vq.log_write = vu_log_write;
		q->vq.log_opaque = q;
	} else if (dev->features & (1ull << VHOST_F_LOG_ALL)) {
		q->vq.log_write = log_write_no_log;
		q->vq.log_opaque = q;
	} else {
		q->vq.log_write = NULL;
		q->vq.log_opaque = NULL;
	}
}

void vu_log_apply_all(struct vu_dev *dev)
{
	vu_mem_write_lock(dev);
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++)
		vu_log_apply(dev, &dev->q[i]);
	vu_mem_write_unlock(dev);
}

static void report_once(struct vu_dev *dev, const char *what, uint64_t addr)
{
	__atomic_store_n(&dev->log_lost, true, __ATOMIC_RELAXED);
	if (!__atomic_exchange_n(&dev->log_error_reported, true, __ATOMIC_RELAXED))
		log_error("dirty log: %s (address %#llx); such writes are not logged",
			  what, (unsigned long long)addr);
}

/* Runs on the queue's thread, or on a pool worker serving one of its
 * chains, while the queue thread holds mem_lock's read side: dev->log,
 * dev->mem and q->addr stay put meanwhile. */
void vu_log_write(void *opaque, const void *hva, uint64_t len)
{
	struct vu_queue *q = opaque;
	struct vu_dev *dev = q->dev;
	const uint8_t *p = hva;
	const uint8_t *used = (const uint8_t *)q->vq.used;
	uint64_t used_len = 6ull + 8ull * q->vq.num;   /* with avail_event */
	bool ring_log = q->addr.flags & VHOST_USER_VRING_F_LOG;

	while (len > 0) {
		uint64_t gpa, chunk;
		bool ok = true;
		if (ring_log && used && p >= used && (uint64_t)(p - used) < used_len) {
			uint64_t off = (uint64_t)(p - used);
			chunk = used_len - off;
			gpa = q->addr.log_guest_addr + off;
			if (gpa < off) {
				report_once(dev, "a used ring log address past 2^64",
					    q->addr.log_guest_addr);
				ok = false;
			}
		} else {
			chunk = guest_mem_hva_gpa(&dev->mem, p, &gpa);
			if (chunk == 0) {
				report_once(dev, "a write outside guest memory",
					    (uint64_t)(uintptr_t)p);
				return;
			}
		}
		if (chunk > len)
			chunk = len;
		if (ok && dirty_log_mark(&dev->log, gpa, chunk) < 0)
			report_once(dev, "a page beyond the end of the log", gpa);
		p += chunk;
		len -= chunk;
	}
}

/* Swap the log (map NULL: none).  Queue threads mark it from inside their
 * batch: swap it while none runs one, unmap the old one after. */
static void log_install(struct vu_dev *dev, void *map, size_t len, int guard, uint64_t offset,
			uint64_t size)
{
	vu_mem_write_lock(dev);
	void *old = dev->log_map;
	size_t old_len = dev->log_map_len;
	int old_guard = dev->log_guard;
	dev->log_map = map;
	dev->log_map_len = len;
	dev->log_guard = guard;
	dev->log.bits = map ? (uint8_t *)map + offset : NULL;
	dev->log.size = map ? size : 0;
	dev->log_error_reported = false;
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++)
		vu_log_apply(dev, &dev->q[i]);
	/* Marks the old log took past its file's end (mem_guard.h) are lost
	 * to this logging period whatever log comes next (QEMU folds the
	 * old log into its bitmap as it replaces it). */
	if (old && mem_guard_faulted(old_guard))
		__atomic_store_n(&dev->log_lost, true, __ATOMIC_RELAXED);
	vu_mem_write_unlock(dev);
	mem_guard_unmap(old, old_len, old_guard);
}

void vu_log_drop(struct vu_dev *dev)
{
	log_install(dev, NULL, 0, -1, 0, 0);
}

int vu_set_log_base(struct vu_dev *dev, uint64_t size, uint64_t offset, int fd)
{
	int rc = 0, guard = -1;

	/* Like a memory region: mapped from offset 0 (no alignment asked of
	 * the offset), within the file, and of a length mmap can take. */
	if (size == 0 || offset + size < offset || offset + size > (1ull << 62)) {
		log_error("dirty log: size %#llx at offset %#llx refused",
			  (unsigned long long)size, (unsigned long long)offset);
		close(fd);
		return -EINVAL;
	}
	uint64_t len = offset + size;
	/* A file shorter than the log is refused, and one shrunk later
	 * cannot kill us (mem_guard.h). */
	void *map = mem_guard_map(fd, len, &guard, &rc);
	close(fd);
	if (!map) {
		log_error("dirty log: cannot map it: %s", strerror(-rc));
		return rc;
	}

	log_install(dev, map, len, guard, offset, size);
	log_debug("dirty log: %#llx bytes (%llu MiB of guest memory)", (unsigned long long)size,
		  (unsigned long long)(size * 8 * VHOST_LOG_PAGE >> 20));
	return 0;
}

int vu_h_set_log_base(struct vu_dev *dev, struct vu_msg *m)
{
	int rc;

	/* Without LOG_SHMFD the payload would be an address in the VMM's own
	 * memory: not supported (and no reply is expected then). */
	if (!(dev->protocol_features & (1ull << VHOST_USER_PROTOCOL_F_LOG_SHMFD))) {
		log_error("vhost-user: SET_LOG_BASE without VHOST_USER_PROTOCOL_F_LOG_SHMFD");
		return -ENOTSUP;
	}
	/* With it the VMM waits for a reply whatever happens: echo the
	 * payload on success, a nonzero u64 on failure (QEMU checks only the
	 * request code). */
	if (m->hdr.size != sizeof(struct vhost_user_log)) {
		log_error("vhost-user: SET_LOG_BASE with a %u-byte payload", m->hdr.size);
		rc = -EINVAL;
	} else if (m->nfds != 1) {
		log_error("vhost-user: SET_LOG_BASE with %u fds", m->nfds);
		rc = -EINVAL;
	} else {
		rc = vu_set_log_base(dev, m->p.log.mmap_size, m->p.log.mmap_offset,
				     vu_msg_take_fd(m, 0));
	}
	dev->log_base_failed = rc < 0;
	if (rc < 0) {
		/* QEMU cannot see this failure: remember it, so that the
		 * state save refuses and the migration fails safely. */
		if (dev->features & (1ull << VHOST_F_LOG_ALL))
			__atomic_store_n(&dev->log_lost, true, __ATOMIC_RELAXED);
		uint64_t fail = 1;
		rc = vu_msg_reply(dev->sock, m, &fail, sizeof(fail));
	} else {
		rc = vu_msg_reply(dev->sock, m, &m->p.log, sizeof(m->p.log));
	}
	return rc < 0 ? rc : VU_REPLIED;
}

int vu_h_set_log_fd(struct vu_dev *dev, struct vu_msg *m)
{
	/* The payload is "N/A": accept none or a u64.  We do not signal the
	 * eventfd (it is optional; QEMU reads the log when it syncs). */
	if ((m->hdr.size != 0 && m->hdr.size != sizeof(uint64_t)) || m->nfds != 1) {
		log_error("vhost-user: SET_LOG_FD with %u bytes and %u fds", m->hdr.size, m->nfds);
		return -EINVAL;
	}
	if (dev->log_fd >= 0)
		close(dev->log_fd);
	dev->log_fd = vu_msg_take_fd(m, 0);
	return 0;
}

bool vu_device_state_offered(const struct vu_dev *dev)
{
	return dev->ops->save_state && dev->ops->load_state;
}

static int reply_u64(struct vu_dev *dev, const struct vu_msg *m, uint64_t v)
{
	int rc = vu_msg_reply(dev->sock, m, &v, sizeof(v));
	return rc < 0 ? rc : VU_REPLIED;
}

static const char *refuse_transfer(const struct vu_dev *dev, const struct vu_msg *m)
{
	if (!vu_device_state_offered(dev) ||
	    !(dev->protocol_features & (1ull << VHOST_USER_PROTOCOL_F_DEVICE_STATE)))
		return "VHOST_USER_PROTOCOL_F_DEVICE_STATE not negotiated";
	if (m->hdr.size != sizeof(struct vhost_user_transfer_state))
		return "bad payload size";
	if (m->p.transfer.direction != VHOST_USER_TRANSFER_SAVE &&
	    m->p.transfer.direction != VHOST_USER_TRANSFER_LOAD)
		return "unknown direction";
	if (m->p.transfer.phase != VHOST_USER_PHASE_STOPPED)
		return "unknown migration phase";
	if (m->nfds != 1)
		return "not exactly one fd";
	if (m->p.transfer.direction == VHOST_USER_TRANSFER_SAVE &&
	    (dev->features & (1ull << VHOST_F_LOG_ALL)) &&
	    __atomic_load_n(&dev->log_lost, __ATOMIC_RELAXED))
		return "writes into guest memory went unlogged during the migration "
		       "(see the dirty log errors above): the destination would get stale pages";
	/* Its pages past the end took our marks privately (mem_guard.h). */
	if (m->p.transfer.direction == VHOST_USER_TRANSFER_SAVE && dev->log_map &&
	    mem_guard_faulted(dev->log_guard))
		return "the frontend shrank the dirty log's file: marks were lost";
	/* The device must be suspended (every ring stopped with
	 * GET_VRING_BASE): no request may run while the state moves. */
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++)
		if (dev->q[i].started)
			return "a ring is still running";
	return NULL;
}

int vu_h_set_device_state_fd(struct vu_dev *dev, struct vu_msg *m)
{
	const char *why = refuse_transfer(dev, m);

	/* A new transfer replaces what CHECK_DEVICE_STATE would report. */
	dev->state_result = -ENODATA;
	if (why) {
		log_error("vhost-user: SET_DEVICE_STATE_FD refused: %s", why);
		return reply_u64(dev, m, 1);   /* error, no fd (ours are closed) */
	}
	bool save = m->p.transfer.direction == VHOST_USER_TRANSFER_SAVE;
	int fd = vu_msg_take_fd(m, 0);
	/* The callbacks read and write until EOF: give them a blocking fd. */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);

	/* Accepted, with no fd of ours (bit 8): the VMM reads or writes its
	 * end only once it has this reply, so the transfer comes after it. */
	int rc = vu_msg_reply(dev->sock, m, &(uint64_t){ VHOST_USER_VRING_NOFD_MASK },
			      sizeof(uint64_t));
	if (rc < 0) {
		close(fd);
		return rc;
	}
	const struct vu_device *ops = dev->ops;
	log_info("vhost-user: %s the device state", save ? "saving" : "loading");
	rc = save ? ops->save_state(ops->opaque, fd) : ops->load_state(ops->opaque, fd);
	close(fd);
	if (rc > 0)
		rc = -EIO;      /* the contract is 0 or -errno */
	dev->state_result = rc;
	if (rc < 0)
		log_error("vhost-user: %s the device state failed: %s", save ? "saving" : "loading",
			  strerror(-rc));
	else
		log_info("vhost-user: device state %s", save ? "saved" : "loaded");
	return VU_REPLIED;
}

int vu_h_check_device_state(struct vu_dev *dev, struct vu_msg *m)
{
	if (dev->state_result == -ENODATA)
		log_error("vhost-user: CHECK_DEVICE_STATE without a state transfer");
	return reply_u64(dev, m, dev->state_result == 0 ? 0 : 1);
}

void vu_migration_reset(struct vu_dev *dev)
{
	vu_log_drop(dev);
	dev->log_base_failed = false;
	__atomic_store_n(&dev->log_lost, false, __ATOMIC_RELAXED);
	if (dev->log_fd >= 0)
		close(dev->log_fd);
	dev->log_fd = -1;
	dev->state_result = -ENODATA;
}
