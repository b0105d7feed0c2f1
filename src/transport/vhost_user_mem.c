/* VHOST_USER_SET_MEM_TABLE: map the frontend's memory regions and swap the
 * table under the memory write lock (see vhost_user_dev.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log.h"
#include "mem_guard.h"
#include "vhost_user_dev.h"

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	/* Both ranges are known not to wrap. */
	return a < b + blen && b < a + alen;
}

static int check_region(const struct vhost_user_mem_region *r)
{
	if (r->memory_size == 0)
		return -EINVAL;
	if (r->guest_phys_addr + r->memory_size < r->guest_phys_addr ||
	    r->userspace_addr + r->memory_size < r->userspace_addr ||
	    r->mmap_offset + r->memory_size < r->mmap_offset)
		return -EINVAL;
	/* The mapping length must fit size_t and leave room in the address
	 * space; 2^62 is far beyond any real guest. */
	if (r->mmap_offset + r->memory_size > (1ull << 62))
		return -EINVAL;
	return 0;
}

static int map_region(const struct vhost_user_mem_region *r, int fd, struct guest_region *out)
{
	uint64_t len = r->mmap_offset + r->memory_size;
	int rc = 0;

	/* Map from offset 0 so mmap_offset needs no page alignment.  A file
	 * shorter than the region is refused (mem_guard.h). */
	void *p = mem_guard_map(fd, len, &out->guard, &rc);
	if (!p)
		return rc;
	out->gpa = r->guest_phys_addr;
	out->size = r->memory_size;
	out->uva = r->userspace_addr;
	out->hva = (uint8_t *)p + r->mmap_offset;
	out->map_base = p;
	out->map_len = len;
	return 0;
}

int vu_set_mem_table(struct vu_dev *dev, const struct vhost_user_memory *mt,
		     int *fds, unsigned nfds)
{
	struct guest_mem *next = NULL, *old = NULL;
	unsigned n = mt->nregions;
	int rc = 0;

	if (n == 0 || n > VHOST_USER_MEM_REGIONS_MAX || n > GUEST_MEM_MAX_REGIONS || nfds != n) {
		log_error("vhost-user: SET_MEM_TABLE with %u regions and %u fds", n, nfds);
		rc = -EINVAL;
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct vhost_user_mem_region *r = &mt->regions[i];
		if (check_region(r) < 0) {
			log_error("vhost-user: memory region %u is malformed", i);
			rc = -EINVAL;
			goto out;
		}
		for (unsigned j = 0; j < i; j++) {
			const struct vhost_user_mem_region *o = &mt->regions[j];
			if (overlaps(r->guest_phys_addr, r->memory_size, o->guest_phys_addr,
				     o->memory_size) ||
			    overlaps(r->userspace_addr, r->memory_size, o->userspace_addr,
				     o->memory_size)) {
				log_error("vhost-user: memory regions %u and %u overlap", j, i);
				rc = -EINVAL;
				goto out;
			}
		}
	}

	/* A table is a few KiB: on the heap, not the stack. */
	next = calloc(1, sizeof(*next));
	old = calloc(1, sizeof(*old));
	if (!next || !old) {
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		rc = map_region(&mt->regions[i], fds[i], &next->regions[i]);
		if (rc < 0) {
			log_error("vhost-user: cannot map memory region %u: %s", i, strerror(-rc));
			guest_mem_clear(next);
			goto out;
		}
		next->nregions = i + 1;
	}

	/* Each running queue's rings in the new table.  One whose rings are
	 * not there stops now, while the old table is still mapped: its thread
	 * may touch the rings on its way out (an answer it has not told yet),
	 * and nothing may point into the old table once it is unmapped. */
	struct {
		struct vring_desc *desc;
		struct vring_avail *avail;
		struct vring_used *used;
	} rings[VU_MAX_QUEUES];
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++) {
		struct vu_queue *q = &dev->q[i];
		if (q->started && vu_queue_map_rings(next, q, q->vq.num, &rings[i].desc,
						     &rings[i].avail, &rings[i].used) < 0) {
			log_error("queue %u: rings vanished from the new memory table: stopped", i);
			vu_queue_stop(q);
		}
	}

	vu_mem_write_lock(dev);
	*old = dev->mem;
	dev->mem = *next;
	/* The queues still running go on in the new table. */
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++) {
		struct vu_queue *q = &dev->q[i];
		if (!q->started)
			continue;
		q->vq.desc = rings[i].desc;
		q->vq.avail = rings[i].avail;
		q->vq.used = rings[i].used;
	}
	vu_mem_write_unlock(dev);
	guest_mem_clear(old);
	log_debug("vhost-user: memory table with %u regions", n);
out:
	free(next);
	free(old);
	for (unsigned i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}
