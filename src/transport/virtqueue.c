/* Split virtqueue, device side (virtio 1.x section 2.7).
 *
 * The guest can change any byte of the rings at any moment, so every value is
 * read once into a local before it is checked and used, descriptors are
 * copied whole, and nothing read from the ring is trusted beyond the check
 * that follows the read.  The hot path does no allocation and no syscall
 * except the eventfd write in vq_notify. */
#include "virtqueue.h"

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log/log.h"

/* Keep the compiler from re-reading guest memory instead of our copy. */
#define compiler_barrier() __asm__ __volatile__("" ::: "memory")

struct desc_copy {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static inline uint16_t load16(const void *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED));
}

static inline void store16(void *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELAXED);
}

/* An indirect table may sit at any guest address: copy bytes, no
 * (possibly misaligned) struct access. */
static inline void read_desc(const uint8_t *table, unsigned i, struct desc_copy *out)
{
	struct vring_desc d;
	memcpy(&d, table + (size_t)i * sizeof(d), sizeof(d));
	compiler_barrier();
	out->addr = le64toh(d.addr);
	out->len = le32toh(d.len);
	out->flags = le16toh(d.flags);
	out->next = le16toh(d.next);
}

static inline void log_range(struct virtqueue *vq, const void *p, uint64_t len)
{
	if (vq->log_write)
		vq->log_write(vq->log_opaque, p, len);
}

void vq_init(struct virtqueue *vq, unsigned num, struct vring_desc *desc,
	     struct vring_avail *avail, struct vring_used *used,
	     const struct guest_mem *mem, uint16_t last_avail, bool event_idx)
{
	vq->num = num;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->mem = mem;
	vq->event_idx = event_idx;
	vq->call_fd = -1;
	vq->last_avail = last_avail;
	/* Resume from what the ring says has been used (equal to last_avail
	 * unless requests were in flight when the previous owner stopped). */
	vq->used_idx = used ? load16(&used->idx) : 0;
	vq->signalled_used = vq->used_idx;
	vq->signalled_used_valid = false;
	vq->kick_ahead = false;
	vq->broken = false;
	pthread_mutex_init(&vq->push_lock, NULL);
	vq->log_write = NULL;
	vq->log_opaque = NULL;
}

static void mark_broken(struct virtqueue *vq, const char *why)
{
	if (!vq->broken)
		log_error("virtqueue broken: %s", why);
	vq->broken = true;
}

static void push_used(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	pthread_mutex_lock(&vq->push_lock);
	uint16_t idx = vq->used_idx;
	struct vring_used_elem *e = &vq->used->ring[idx & (vq->num - 1)];
	e->id = htole32(head);
	e->len = htole32(len);
	log_range(vq, e, sizeof(*e));
	vq->used_idx = (uint16_t)(idx + 1);
	/* The element must be visible before the index that publishes it. */
	__atomic_store_n(&vq->used->idx, htole16(vq->used_idx), __ATOMIC_RELEASE);
	log_range(vq, &vq->used->idx, sizeof(vq->used->idx));
	pthread_mutex_unlock(&vq->push_lock);
}

/* Append [addr, addr+len) to req; -1 when it is outside guest memory or the
 * iovec array is full. */
static int add_buffer(struct virtqueue *vq, struct vq_req *req, int *niov,
		      uint64_t addr, uint32_t len)
{
	if (len == 0)
		return 0;
	int n = guest_mem_gpa_iov(vq->mem, addr, len, &req->iov[*niov], VQ_MAX_IOV - *niov);
	if (n < 0)
		return -1;
	*niov += n;
	return 0;
}

/* Walk the chain starting at head into req.  Returns 0 or a short reason. */
static const char *walk_chain(struct virtqueue *vq, uint16_t head, struct vq_req *req)
{
	const uint8_t *table = (const uint8_t *)vq->desc;
	unsigned count = vq->num;       /* entries in the current table */
	unsigned seen = 0;              /* descriptors visited in it */
	bool indirect = false;
	bool writing = false;
	uint64_t rd_len = 0, wr_len = 0;
	int niov = 0, rd_cnt = 0;
	unsigned i = head;
	struct desc_copy d;

	for (;;) {
		if (i >= count)
			return "descriptor index out of range";
		if (++seen > count)
			return "descriptor loop";
		read_desc(table, i, &d);

		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (indirect)
				return "nested indirect table";
			if (seen != 1 || (d.flags & VRING_DESC_F_NEXT))
				return "indirect descriptor inside a chain";
			if (d.len == 0 || d.len % sizeof(struct vring_desc) != 0)
				return "indirect table of bad length";
			if (d.len / sizeof(struct vring_desc) > VQ_MAX_SIZE)
				return "indirect table too long";
			table = guest_mem_gpa(vq->mem, d.addr, d.len);
			if (!table)
				return "indirect table outside guest memory";
			count = d.len / sizeof(struct vring_desc);
			indirect = true;
			seen = 0;
			i = 0;
			continue;
		}

		if (d.flags & VRING_DESC_F_WRITE) {
			if (!writing) {
				writing = true;
				rd_cnt = niov;
			}
			wr_len += d.len;
			if (wr_len > UINT32_MAX)
				return "writable length overflows";
		} else {
			if (writing)
				return "readable descriptor after a writable one";
			rd_len += d.len;
			if (rd_len > UINT32_MAX)
				return "readable length overflows";
		}
		if (add_buffer(vq, req, &niov, d.addr, d.len) < 0)
			return "buffer outside guest memory or too many segments";

		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		i = d.next;
	}
	if (!writing)
		rd_cnt = niov;

	req->head = head;
	req->rd = req->iov;
	req->rd_cnt = rd_cnt;
	req->rd_len = rd_len;
	req->wr = req->iov + rd_cnt;
	req->wr_cnt = niov - rd_cnt;
	req->wr_len = wr_len;
	return NULL;
}

int vq_pop(struct virtqueue *vq, struct vq_req *req)
{
	if (vq->broken)
		return -1;
	if (vq->num == 0 || (vq->num & (vq->num - 1)) || vq->num > VQ_MAX_SIZE) {
		mark_broken(vq, "queue size is not a power of two <= VQ_MAX_SIZE");
		return -1;
	}
	/* A guest can publish a new bad chain as fast as we drop them: after
	 * a queue's worth, the caller gets control back (to see a stop or a
	 * memory change) and looks again. */
	for (unsigned dropped = 0; dropped < vq->num; dropped++) {
		/* Acquire: the ring entries and descriptors the guest wrote
		 * before bumping idx are visible to the reads below. */
		uint16_t avail_idx = le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
		uint16_t pending = (uint16_t)(avail_idx - vq->last_avail);
		if (pending == 0)
			return 0;
		/* A driver reuses a buffer only after it saw that buffer's
		 * answer published in used->idx, so the answer's writes come
		 * before the new request's.  That order runs through the guest,
		 * which ThreadSanitizer cannot see: this acquire of the index
		 * our pushers release shows it (on x86 a plain load; the value
		 * is not used, so a hostile guest gains nothing by it). */
		(void)__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
		if (pending > vq->num) {
			mark_broken(vq, "avail index moved more than the queue size");
			return -1;
		}
		uint16_t head = load16(&vq->avail->ring[vq->last_avail & (vq->num - 1)]);
		if (head >= vq->num) {
			mark_broken(vq, "avail ring names a descriptor beyond the queue");
			return -1;
		}
		vq->last_avail++;

		const char *why = walk_chain(vq, head, req);
		if (!why)
			return 1;
		/* A guest can produce these at will. */
		log_warn_ratelimited("virtqueue: dropping chain %u: %s", head, why);
		push_used(vq, head, 0);
	}
	return 0;
}

void vq_push(struct virtqueue *vq, const struct vq_req *req, uint32_t written)
{
	if (written > req->wr_len)
		written = (uint32_t)req->wr_len;
	if (vq->log_write) {
		uint32_t left = written;
		for (int i = 0; i < req->wr_cnt && left > 0; i++) {
			size_t n = req->wr[i].iov_len < left ? req->wr[i].iov_len : left;
			vq->log_write(vq->log_opaque, req->wr[i].iov_base, n);
			left -= (uint32_t)n;
		}
	}
	push_used(vq, req->head, written);
}

/* virtio 1.x 2.7.10: notify when new_idx has passed event_idx since old_idx
 * (all arithmetic modulo 2^16). */
static inline bool need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

bool vq_notify(struct virtqueue *vq)
{
	pthread_mutex_lock(&vq->push_lock);
	if (vq->signalled_used_valid && vq->signalled_used == vq->used_idx) {
		pthread_mutex_unlock(&vq->push_lock);
		return false;
	}
	/* Our used->idx store must be ordered before we read the guest's
	 * used_event / flags, or we may miss the guest's request to be told. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	bool notify;
	uint16_t old = vq->signalled_used;
	bool valid = vq->signalled_used_valid;
	uint16_t now = vq->used_idx;
	if (vq->event_idx) {
		uint16_t used_event = load16(&vq->avail->ring[vq->num]);
		notify = !valid || need_event(used_event, now, old);
	} else {
		notify = !(load16(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	}
	vq->signalled_used = now;
	vq->signalled_used_valid = true;
	int fd = vq->call_fd;
	notify = notify && fd >= 0;
	if (notify) {
		uint64_t one = 1;
		/* EAGAIN means the counter is saturated: the guest will be
		 * interrupted anyway. */
		if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_debug("virtqueue: call eventfd: %s", strerror(errno));
	}
	pthread_mutex_unlock(&vq->push_lock);
	return notify;
}

unsigned vq_untold(struct virtqueue *vq)
{
	pthread_mutex_lock(&vq->push_lock);
	unsigned n = vq->signalled_used_valid ? (uint16_t)(vq->used_idx - vq->signalled_used)
					      : vq->num;
	pthread_mutex_unlock(&vq->push_lock);
	return n;
}

/* EVENT_IDX: the guest kicks when it publishes the request at this index. */
static void set_avail_event(struct virtqueue *vq, uint16_t idx)
{
	uint16_t *avail_event = (uint16_t *)&vq->used->ring[vq->num];
	store16(avail_event, idx);
	log_range(vq, avail_event, sizeof(*avail_event));
}

bool vq_enable_kicks(struct virtqueue *vq)
{
	return vq_enable_kicks_after(vq, 1);
}

bool vq_enable_kicks_after(struct virtqueue *vq, uint16_t k)
{
	if (k == 0)
		k = 1;
	if (vq->event_idx) {
		/* The k-th request after what we have consumed. */
		set_avail_event(vq, (uint16_t)(vq->last_avail + k - 1));
		vq->kick_ahead = k > 1;
	} else {
		uint16_t flags = load16(&vq->used->flags);
		store16(&vq->used->flags, flags & (uint16_t)~VRING_USED_F_NO_NOTIFY);
		log_range(vq, &vq->used->flags, sizeof(vq->used->flags));
	}
	/* The guest checks our flag/avail_event after publishing avail idx;
	 * we check avail idx after publishing the flag: one of us sees the
	 * other's write. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint16_t avail_idx = le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
	uint16_t waiting = (uint16_t)(avail_idx - vq->last_avail);
	return vq->event_idx ? waiting >= k : waiting != 0;
}

uint16_t vq_avail_waiting(const struct virtqueue *vq)
{
	return (uint16_t)(le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE)) -
			  vq->last_avail);
}

bool vq_avail_pending(const struct virtqueue *vq)
{
	return vq_avail_waiting(vq) != 0;
}

void vq_disable_kicks(struct virtqueue *vq)
{
	/* With EVENT_IDX the guest kicks only when avail idx crosses the
	 * avail_event we last wrote: once it is passed there is nothing to
	 * do.  One set ahead (vq_enable_kicks_after) may not be passed yet:
	 * it is put one behind what we consume, where the guest cannot
	 * cross it again before its index wraps. */
	if (vq->event_idx) {
		if (vq->kick_ahead) {
			set_avail_event(vq, (uint16_t)(vq->last_avail - 1));
			vq->kick_ahead = false;
		}
		return;
	}
	uint16_t flags = load16(&vq->used->flags);
	store16(&vq->used->flags, flags | VRING_USED_F_NO_NOTIFY);
	log_range(vq, &vq->used->flags, sizeof(vq->used->flags));
}
