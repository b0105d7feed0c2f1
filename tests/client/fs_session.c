/* Bring up a virtio-fs device over vhost-user: see fs_session.h. */
#include "fs_session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/virtio_config.h>

#define BIT(n) (1ull << (n))

static int step_fail(const char **step, const char *name, int r)
{
	if (step)
		*step = name;
	return r;
}

int fs_connect(struct fs_session *s, const char *path, const struct fs_options *o,
	       const char **step)
{
	uint64_t want, proto_want;
	int r;

	memset(s, 0, sizeof(*s));
	s->hiprio.kick_fd = s->hiprio.call_fd = -1;
	s->req.kick_fd = s->req.call_fd = -1;
	s->c.sock = s->c.memfd = -1;
	s->next_unique = 2;
	if ((r = vuc_connect(&s->c, path)) < 0)
		return step_fail(step, "connect", r);
	if ((r = vuc_set_owner(&s->c)) < 0)
		return step_fail(step, "SET_OWNER", r);
	if ((r = vuc_get_features(&s->c, &s->offered_features)) < 0)
		return step_fail(step, "GET_FEATURES", r);
	if (!(s->offered_features & BIT(VIRTIO_F_VERSION_1)))
		return step_fail(step, "VERSION_1 not offered", -ENOTSUP);
	want = BIT(VIRTIO_F_VERSION_1) | BIT(VUC_F_PROTOCOL_FEATURES);
	if (o->event_idx)
		want |= BIT(VIRTIO_RING_F_EVENT_IDX);
	if (o->indirect)
		want |= BIT(VIRTIO_RING_F_INDIRECT_DESC);
	want &= s->offered_features;
	s->features_want = want;

	if (want & BIT(VUC_F_PROTOCOL_FEATURES)) {
		if ((r = vuc_get_protocol_features(&s->c, &s->offered_protocol)) < 0)
			return step_fail(step, "GET_PROTOCOL_FEATURES", r);
		proto_want = (BIT(VUC_PROTOCOL_F_REPLY_ACK) | BIT(VUC_PROTOCOL_F_MQ) |
			      o->protocol_extra) & s->offered_protocol;
		if ((r = vuc_set_protocol_features(&s->c, proto_want)) < 0)
			return step_fail(step, "SET_PROTOCOL_FEATURES", r);
		if (proto_want & BIT(VUC_PROTOCOL_F_MQ)) {
			uint64_t n;

			if ((r = vuc_request(&s->c, VUC_GET_QUEUE_NUM, NULL, 0, NULL, 0,
					     &n, sizeof(n))) < 0)
				return step_fail(step, "GET_QUEUE_NUM", r);
			s->backend_queues = (unsigned)n;
			if (n < 2)
				return step_fail(step, "GET_QUEUE_NUM < 2", -ENOTSUP);
		}
	}
	return 0;
}

int fs_start(struct fs_session *s, const struct fs_options *o, const struct vuc *mem_from,
	     const char **step)
{
	uint64_t mem_size = o->mem_size ? o->mem_size : 64ull << 20;
	int r;

	if ((r = vuc_set_features(&s->c, s->features_want)) < 0)
		return step_fail(step, "SET_FEATURES", r);
	if (o->verbose)
		fprintf(stderr, "features offered %#llx set %#llx protocol offered %#llx set %#llx\n",
			(unsigned long long)s->offered_features,
			(unsigned long long)s->features_want,
			(unsigned long long)s->offered_protocol,
			(unsigned long long)s->c.protocol_features);

	if (mem_from)
		r = vuc_mem_share(&s->c, mem_from);
	else
		r = vuc_mem_create(&s->c, VUC_GPA_BASE, mem_size);
	if (r < 0)
		return step_fail(step, "memfd", r);
	if ((r = vuc_set_mem_table(&s->c)) < 0)
		return step_fail(step, "SET_MEM_TABLE", r);
	return 0;
}

int fs_rings(struct fs_session *s, const struct fs_options *o, const char **step)
{
	unsigned qsize = o->queue_size ? o->queue_size : 128;
	bool ev = s->features_want & BIT(VIRTIO_RING_F_EVENT_IDX);
	int r;

	if ((r = vr_create(&s->hiprio, &s->c, 0, qsize, ev)) < 0 ||
	    (r = vr_create(&s->req, &s->c, 1, qsize, ev)) < 0)
		return step_fail(step, "ring allocation", r);
	if ((r = vr_setup(&s->hiprio)) < 0)
		return step_fail(step, "queue 0 setup", r);
	if ((r = vr_setup(&s->req)) < 0)
		return step_fail(step, "queue 1 setup", r);
	return 0;
}

int fs_open(struct fs_session *s, const char *path, const struct fs_options *o,
	    const char **step)
{
	int r;

	if ((r = fs_connect(s, path, o, step)) < 0 || (r = fs_start(s, o, NULL, step)) < 0)
		return r;
	return fs_rings(s, o, step);
}

uint64_t fs_unique(struct fs_session *s)
{
	uint64_t u = s->next_unique;

	s->next_unique += 2;
	return u;
}

int fs_fuse_init(struct fs_session *s, struct fr_slot *slot, uint32_t flags,
		 uint32_t flags2, const char **why)
{
	struct fr_reply rep;
	int r = fr_init(slot, fs_unique(s), flags, flags2);

	if (r < 0)
		return r;
	r = fr_call(slot, &s->req, VUC_TIMEOUT_MS, &rep, why);
	if (r < 0)
		return r;
	if (rep.error)
		return rep.error;
	/* Older servers answer with a shorter fuse_init_out (FUSE_COMPAT_*). */
	if (rep.arg_len < 24) {
		if (why)
			*why = "INIT reply shorter than the 7.23 fuse_init_out";
		return -EPROTO;
	}
	memcpy(&s->init, rep.arg, rep.arg_len);
	return 0;
}

void fs_close(struct fs_session *s)
{
	unsigned base;

	if (s->c.sock >= 0 && s->req.num) {
		vuc_get_vring_base(&s->c, 0, &base);
		vuc_get_vring_base(&s->c, 1, &base);
	}
	vr_destroy(&s->hiprio);
	vr_destroy(&s->req);
	vuc_close(&s->c);
}
