/* The guest memory table.  SET_MEM_TABLE replaces it whole; with
 * VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS the frontend sends one region
 * at a time instead (ADD_MEM_REG, REM_MEM_REG: memory hot-plug, and more
 * than the 8 regions one SET_MEM_TABLE carries).  Every change builds the
 * next table beside the current one and swaps them under the memory write
 * lock (see vhost_user_dev.h).  A running queue whose rings the next table
 * leaves out stops first; a later change that maps them again starts it
 * again, where it stood (a frontend may send a changed region as a removal
 * and an addition). */
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

/* Do two regions claim the same guest-physical or frontend-virtual bytes? */
static bool clash(uint64_t gpa, uint64_t size, uint64_t uva,
		  uint64_t gpa2, uint64_t size2, uint64_t uva2)
{
	return overlaps(gpa, size, gpa2, size2) || overlaps(uva, size, uva2, size2);
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

static void swap_tables(struct guest_mem *a, struct guest_mem *b)
{
	unsigned n = a->nregions > b->nregions ? a->nregions : b->nregions;
	for (unsigned i = 0; i < n; i++) {
		struct guest_region t = a->regions[i];
		a->regions[i] = b->regions[i];
		b->regions[i] = t;
	}
	unsigned t = a->nregions;
	a->nregions = b->nregions;
	b->nregions = t;
}

/* Make *next the device's table; *next is then the old one, still mapped
 * (the caller unmaps what only it held).  Each running queue goes on with
 * its rings in the new table, or stops first when they are not there,
 * while the old table is still mapped: its thread may touch the rings on
 * its way out (an answer it has not told yet), and nothing may point into
 * a region once it is unmapped. */
static void install_table(struct vu_dev *dev, struct guest_mem *next)
{
	struct {
		struct vring_desc *desc;
		struct vring_avail *avail;
		struct vring_used *used;
	} rings[VU_MAX_QUEUES];
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++) {
		struct vu_queue *q = &dev->q[i];
		if (q->started && vu_queue_map_rings(next, q, q->vq.num, &rings[i].desc,
						     &rings[i].avail, &rings[i].used) < 0) {
			log_warn("queue %u: rings outside the new memory table: stopped until "
				 "they are mapped again", i);
			vu_queue_stop(q);
			q->rings_unmapped = true;
		}
	}

	vu_mem_write_lock(dev);
	swap_tables(&dev->mem, next);
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++) {
		struct vu_queue *q = &dev->q[i];
		if (!q->started)
			continue;
		q->vq.desc = rings[i].desc;
		q->vq.avail = rings[i].avail;
		q->vq.used = rings[i].used;
	}
	vu_mem_write_unlock(dev);
}

/* Start again each queue a change stopped whose rings are mapped now. */
static void resume_queues(struct vu_dev *dev)
{
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++) {
		struct vu_queue *q = &dev->q[i];
		struct vring_desc *desc;
		struct vring_avail *avail;
		struct vring_used *used;
		if (!q->rings_unmapped || q->started ||
		    vu_queue_map_rings(&dev->mem, q, q->num, &desc, &avail, &used) < 0)
			continue;
		if (vu_queue_try_start(dev, q) == 0 && q->started)
			log_info("queue %u: rings mapped again: started", i);
	}
}

int vu_set_mem_table(struct vu_dev *dev, const struct vhost_user_memory *mt,
		     int *fds, unsigned nfds)
{
	struct guest_mem *next = NULL;
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
			if (clash(r->guest_phys_addr, r->memory_size, r->userspace_addr,
				  o->guest_phys_addr, o->memory_size, o->userspace_addr)) {
				log_error("vhost-user: memory regions %u and %u overlap", j, i);
				rc = -EINVAL;
				goto out;
			}
		}
	}

	/* A table is tens of KiB: on the heap, not the stack. */
	next = calloc(1, sizeof(*next));
	if (!next) {
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
	install_table(dev, next);
	guest_mem_clear(next);
	resume_queues(dev);
	log_debug("vhost-user: memory table with %u regions", n);
out:
	free(next);
	for (unsigned i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}

int vu_add_mem_region(struct vu_dev *dev, const struct vhost_user_mem_region *r, int fd)
{
	const struct guest_mem *m = &dev->mem;
	struct guest_mem *next = NULL;
	int rc = -EINVAL;

	if (check_region(r) < 0) {
		log_error("vhost-user: ADD_MEM_REG: the region is malformed");
		goto out;
	}
	if (m->nregions >= GUEST_MEM_MAX_REGIONS) {
		log_error("vhost-user: ADD_MEM_REG: all %u memory slots are taken",
			  GUEST_MEM_MAX_REGIONS);
		rc = -ENOSPC;
		goto out;
	}
	for (unsigned i = 0; i < m->nregions; i++) {
		const struct guest_region *o = &m->regions[i];
		if (clash(r->guest_phys_addr, r->memory_size, r->userspace_addr,
			  o->gpa, o->size, o->uva)) {
			log_error("vhost-user: ADD_MEM_REG: the region overlaps region %u", i);
			goto out;
		}
	}
	next = malloc(sizeof(*next));
	if (!next) {
		rc = -ENOMEM;
		goto out;
	}
	*next = *m;
	rc = map_region(r, fd, &next->regions[next->nregions]);
	if (rc < 0) {
		log_error("vhost-user: ADD_MEM_REG: cannot map the region: %s", strerror(-rc));
		goto out;
	}
	next->nregions++;
	install_table(dev, next);
	resume_queues(dev);
	log_debug("vhost-user: memory region added at guest %#llx, %llu bytes (%u regions)",
		  (unsigned long long)r->guest_phys_addr, (unsigned long long)r->memory_size,
		  dev->mem.nregions);
out:
	free(next);
	if (fd >= 0)
		close(fd);
	return rc;
}

int vu_rem_mem_region(struct vu_dev *dev, const struct vhost_user_mem_region *r)
{
	const struct guest_mem *m = &dev->mem;
	unsigned i = 0;

	/* Named by its guest address, frontend address and size (the spec:
	 * mmap_offset is ignored). */
	while (i < m->nregions && !(m->regions[i].gpa == r->guest_phys_addr &&
				    m->regions[i].uva == r->userspace_addr &&
				    m->regions[i].size == r->memory_size))
		i++;
	if (i == m->nregions) {
		log_error("vhost-user: REM_MEM_REG: no region at guest %#llx, %llu bytes",
			  (unsigned long long)r->guest_phys_addr, (unsigned long long)r->memory_size);
		return -EINVAL;
	}
	struct guest_mem *next = malloc(sizeof(*next));
	if (!next)
		return -ENOMEM;
	*next = *m;
	struct guest_region gone = next->regions[i];
	memmove(&next->regions[i], &next->regions[i + 1],
		(next->nregions - i - 1) * sizeof(next->regions[0]));
	next->nregions--;
	install_table(dev, next);
	free(next);
	guest_region_unmap(&gone);
	log_debug("vhost-user: memory region removed at guest %#llx (%u regions)",
		  (unsigned long long)r->guest_phys_addr, dev->mem.nregions);
	return 0;
}
