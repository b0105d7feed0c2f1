/* Driver side of a split virtqueue: see vring.h. */
#include <time.h>
#include "vring.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The ring indexes are shared with another process: every access to them is
 * an atomic access, and the ordering rules of virtio spec 2.7.13 are kept with
 * explicit release/acquire/full fences. */
static uint16_t load16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

int vr_create(struct vring_drv *vr, struct vuc *c, unsigned idx, unsigned num,
	      bool event_idx)
{
	memset(vr, 0, sizeof(*vr));
	vr->kick_fd = vr->call_fd = -1;
	if (num == 0 || num > 32768 || (num & (num - 1)))
		return -EINVAL;
	vr->c = c;
	vr->idx = idx;
	vr->num = (uint16_t)num;
	vr->event_idx = event_idx;
	/* Sizes with the trailing used_event / avail_event words (2.7.6, 2.7.8). */
	vr->desc = vuc_alloc(c, 16ull * num, 4096);
	vr->avail = vuc_alloc(c, 6 + 2ull * num, 4096);
	vr->used = vuc_alloc(c, 6 + 8ull * num, 4096);
	vr->indirect = vuc_alloc(c, 16ull * VR_MAX_SEGS * num, 4096);
	vr->next = calloc(num, sizeof(*vr->next));
	vr->chain_len = calloc(num, sizeof(*vr->chain_len));
	if (!vr->desc || !vr->avail || !vr->used || !vr->indirect || !vr->next ||
	    !vr->chain_len)
		return -ENOMEM;
	for (unsigned i = 0; i < num; i++)
		vr->next[i] = (uint16_t)(i + 1);
	vr->free_head = 0;
	vr->nfree = num;
	vr->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vr->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vr->kick_fd < 0 || vr->call_fd < 0)
		return -errno;
	return 0;
}

void vr_destroy(struct vring_drv *vr)
{
	if (vr->kick_fd >= 0)
		close(vr->kick_fd);
	if (vr->call_fd >= 0)
		close(vr->call_fd);
	free(vr->next);
	free(vr->chain_len);
	vr->kick_fd = vr->call_fd = -1;
	vr->next = vr->chain_len = NULL;
}

int vr_setup(struct vring_drv *vr)
{
	return vr_setup_at(vr, 0);
}

int vr_move(struct vring_drv *dst, struct vring_drv *src, struct vuc *c)
{
	*dst = *src;
	dst->c = c;
	dst->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dst->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (src->kick_fd >= 0)
		close(src->kick_fd);
	if (src->call_fd >= 0)
		close(src->call_fd);
	memset(src, 0, sizeof(*src));
	src->kick_fd = src->call_fd = -1;
	if (dst->kick_fd < 0 || dst->call_fd < 0)
		return -errno;
	return 0;
}

int vr_setup_at(struct vring_drv *vr, unsigned base)
{
	struct vuc *c = vr->c;
	int r;

	if ((r = vuc_set_vring_num(c, vr->idx, vr->num)) < 0 ||
	    (r = vuc_set_vring_base(c, vr->idx, base)) < 0 ||
	    (r = vuc_set_vring_addr(c, vr->idx, vr->desc, vr->avail, vr->used)) < 0 ||
	    (r = vuc_set_vring_call(c, vr->idx, vr->call_fd)) < 0 ||
	    (r = vuc_set_vring_kick(c, vr->idx, vr->kick_fd)) < 0)
		return r;
	if (c->features & (1ull << VUC_F_PROTOCOL_FEATURES))
		return vuc_set_vring_enable(c, vr->idx, 1);
	return 0;
}

void vr_publish(struct vring_drv *vr, uint16_t head)
{
	/* The entry (and the descriptors before it) must be visible before the
	 * index that exposes it: the release store orders them. */
	vr->avail->ring[vr->avail_idx & (vr->num - 1)] = head;
	vr->avail_idx++;
	store16(&vr->avail->idx, vr->avail_idx);
}

int vr_take_desc(struct vring_drv *vr, unsigned n, uint16_t *ids)
{
	if (n > vr->nfree)
		return -ENOSPC;
	for (unsigned i = 0; i < n; i++) {
		ids[i] = vr->free_head;
		vr->free_head = vr->next[vr->free_head];
	}
	vr->nfree -= n;
	return 0;
}

void vr_put_desc(struct vring_drv *vr, const uint16_t *ids, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		vr->next[ids[i]] = vr->free_head;
		vr->free_head = ids[i];
	}
	vr->nfree += n;
}

/* Place segs in table t and one ring descriptor at head pointing at it. */
static void fill_table(struct vring_drv *vr, uint16_t head, struct vring_desc *t,
		       const struct vr_seg *segs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		t[i].addr = segs[i].gpa;
		t[i].len = segs[i].len;
		t[i].flags = (uint16_t)((segs[i].write ? VRING_DESC_F_WRITE : 0) |
					(i + 1 < n ? VRING_DESC_F_NEXT : 0));
		t[i].next = (uint16_t)(i + 1 < n ? i + 1 : 0);
	}
	vr->desc[head].addr = vuc_gpa(vr->c, t);
	vr->desc[head].len = (uint32_t)(n * sizeof(*t));
	vr->desc[head].flags = VRING_DESC_F_INDIRECT;
	vr->desc[head].next = 0;
	vr->free_head = vr->next[head];
}

/* Account for the chain of need ring descriptors at head and publish it. */
static int place(struct vring_drv *vr, uint16_t head, unsigned need)
{
	vr->nfree -= need;
	vr->chain_len[head] = (uint16_t)need;
	vr_publish(vr, head);
	return head;
}

int vr_add_table(struct vring_drv *vr, struct vring_desc *table,
		 const struct vr_seg *segs, unsigned n)
{
	uint16_t head = vr->free_head;

	if (n == 0 || n > UINT16_MAX)
		return -EINVAL;
	if (vr->nfree < 1)
		return -ENOSPC;
	fill_table(vr, head, table, segs, n);
	return place(vr, head, 1);
}

int vr_add(struct vring_drv *vr, const struct vr_seg *segs, unsigned n,
	   bool indirect)
{
	unsigned need = indirect ? 1 : n;
	uint16_t head, d = 0, prev = 0;

	if (n == 0 || n > VR_MAX_SEGS)
		return -EINVAL;
	if (vr->nfree < need)
		return -ENOSPC;
	head = vr->free_head;
	if (indirect) {
		fill_table(vr, head, vr->indirect + (size_t)head * VR_MAX_SEGS, segs, n);
	} else {
		d = head;
		for (unsigned i = 0; i < n; i++) {
			if (i > 0) {
				vr->desc[prev].flags |= VRING_DESC_F_NEXT;
				vr->desc[prev].next = d;
			}
			vr->desc[d].addr = segs[i].gpa;
			vr->desc[d].len = segs[i].len;
			vr->desc[d].flags = segs[i].write ? VRING_DESC_F_WRITE : 0;
			vr->desc[d].next = 0;
			prev = d;
			d = vr->next[d];
		}
		vr->free_head = d;
	}
	return place(vr, head, need);
}

int vr_kick(struct vring_drv *vr, bool force)
{
	uint16_t old = vr->kicked_idx, now = vr->avail_idx;
	bool need;
	uint64_t one = 1;

	/* The avail index store must be visible before we read the backend's
	 * suppression state, or both sides could decide not to act. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vr->kicked_idx = now;
	if (vr->event_idx) {
		uint16_t ev = load16((uint16_t *)&vr->used->ring[vr->num]);

		/* vring_need_event(): did avail idx just pass avail_event? */
		need = (uint16_t)(now - ev - 1) < (uint16_t)(now - old);
	} else {
		need = !(load16(&vr->used->flags) & VRING_USED_F_NO_NOTIFY);
	}
	if (!need && !force)
		return 0;
	if (write(vr->kick_fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	vr->kicks++;
	return 1;
}

uint16_t vr_pending_used(const struct vring_drv *vr)
{
	return (uint16_t)(load16(&vr->used->idx) - vr->last_used);
}

unsigned vr_outstanding(const struct vring_drv *vr)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vr->num; i++)
		n += vr->chain_len[i] ? 1 : 0;
	return n;
}

int vr_get_used(struct vring_drv *vr, struct vr_used *u)
{
	uint16_t pending = vr_pending_used(vr);
	struct vring_used_elem e;

	if (pending == 0)
		return 0;
	if (pending > vr->num)
		return -EPROTO;
	/* load16 above was an acquire: the element is read after the index. */
	e = vr->used->ring[vr->last_used & (vr->num - 1)];
	vr->last_used++;
	u->id = e.id;
	u->len = e.len;
	u->known = e.id < vr->num && vr->chain_len[e.id] > 0;
	if (u->known) {
		/* Give the chain's descriptors back, following our own links. */
		uint16_t d = (uint16_t)e.id, n = vr->chain_len[e.id];

		for (uint16_t i = 1; i < n; i++)
			d = vr->next[d];
		vr->next[d] = vr->free_head;
		vr->free_head = (uint16_t)e.id;
		vr->nfree += n;
		vr->chain_len[e.id] = 0;
	}
	return 1;
}

int vr_wait(struct vring_drv *vr, int timeout_ms)
{
	struct pollfd p = { .fd = vr->call_fd, .events = POLLIN };
	uint64_t v;
	int r;

	if (vr->event_idx)
		store16((uint16_t *)&vr->avail->ring[vr->num], vr->last_used);
	/* used_event must be visible before we look at used->idx again. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vr_pending_used(vr))
		return 0;
	if (timeout_ms < 0) {
		ssize_t got;
		do
			got = read(vr->call_fd, &v, sizeof(v));
		while (got < 0 && errno == EINTR);
		if (got == sizeof(v)) {
			vr->wakeups++;
			return 0;
		}
		if (got >= 0 || errno != EAGAIN)
			return got < 0 ? -errno : -EIO;
	}
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	if (read(vr->call_fd, &v, sizeof(v)) == sizeof(v))
		vr->wakeups++;
	return 0;
}

int vr_call_blocking(struct vring_drv *vr)
{
	int fl = fcntl(vr->call_fd, F_GETFL);
	if (fl < 0 || fcntl(vr->call_fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int vr_wait_used(struct vring_drv *vr, int timeout_ms, struct vr_used *u)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int r = vr_get_used(vr, u);
		if (r != 0)
			return r;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long spent = (now.tv_sec - start.tv_sec) * 1000 +
			     (now.tv_nsec - start.tv_nsec) / 1000000;
		if (spent >= timeout_ms)
			return -ETIMEDOUT;
		r = vr_wait(vr, (int)(timeout_ms - spent));
		if (r < 0)
			return r;
	}
}
