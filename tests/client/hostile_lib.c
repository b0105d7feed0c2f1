/* Helpers shared by the hostile-input cases: see hostile.h. */
#include "hostile.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int h_fail(struct env *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	return -1;
}

uint64_t h_gpa(struct env *e, const void *p)
{
	return vuc_gpa(&e->s.c, p);
}

int h_publish(struct env *e, const struct vring_desc *d, unsigned n)
{
	struct vring_drv *vr = &e->s.req;

	if (n > sizeof(e->ids) / sizeof(e->ids[0]) || vr_take_desc(vr, n, e->ids) < 0)
		return h_fail(e, "cannot take %u descriptors", n);
	e->nids = n;
	for (unsigned i = 0; i < n; i++) {
		vr->desc[e->ids[i]] = d[i];
		if (d[i].next < n)
			vr->desc[e->ids[i]].next = e->ids[d[i].next];
	}
	vr_publish(vr, e->ids[0]);
	if (vr_kick(vr, true) < 0)
		return h_fail(e, "kick failed");
	return 0;
}

/* Wait for one used element; 1 with *u, 0 when none came. */
static int wait_used(struct env *e, struct vr_used *u, int ms)
{
	int r = vr_wait_used(&e->s.req, ms, u);

	if (e->nids) {
		vr_put_desc(&e->s.req, e->ids, e->nids);
		e->nids = 0;
	}
	return r == 1;
}

int h_expect_dropped_or_error(struct env *e, const void *rep, const char *what)
{
	struct vr_used u;

	if (!wait_used(e, &u, H_WAIT_MS))
		return h_fail(e, "%s: the chain was neither answered nor dropped", what);
	if (u.len == 0) {
		printf("INFO %s: dropped\n", what);
		return 0;
	}
	if (rep)
		printf("INFO %s: answered, error %d\n", what,
		       ((const struct fuse_out_header *)rep)->error);
	if (!rep)
		return h_fail(e, "%s: %u bytes written into a chain without reply room", what, u.len);
	const struct fuse_out_header *oh = rep;
	if (u.len != sizeof(*oh) || oh->len != sizeof(*oh) || oh->error >= 0 ||
	    oh->error <= -4096)
		return h_fail(e, "%s: answered used len %u, out len %u, error %d (want an errno)",
			      what, u.len, oh->len, oh->error);
	return 0;
}

int h_expect_broken_then_reset(struct env *e, const char *what)
{
	struct vr_used u;

	if (wait_used(e, &u, 500) && u.len != 0)
		return h_fail(e, "%s: the broken chain was answered (%u bytes)", what, u.len);
	return h_requeue(e);
}

int h_requeue(struct env *e)
{
	unsigned base;
	bool ev = e->s.req.event_idx;
	int r;

	if ((r = vuc_get_vring_base(&e->s.c, 1, &base)) < 0)
		return h_fail(e, "GET_VRING_BASE 1: %s", strerror(-r));
	vr_destroy(&e->s.req);
	if ((r = vr_create(&e->s.req, &e->s.c, 1, e->o.queue_size ? e->o.queue_size : 128, ev)) < 0 ||
	    (r = vr_setup(&e->s.req)) < 0)
		return h_fail(e, "setting queue 1 up again: %s", strerror(-r));
	return 0;
}

int h_fuse(struct env *e, uint32_t opcode, uint64_t nodeid, const void *arg,
	   uint32_t arg_len, uint32_t room, uint32_t *used, int *err)
{
	struct fr_slot *s = &e->bad;
	struct vr_used u;
	int r;

	if (fr_build(s, fs_unique(&e->s), opcode, nodeid, arg, arg_len, NULL,
		     room - (uint32_t)sizeof(struct fuse_out_header), FR_DATA_NONE, 0) < 0)
		return h_fail(e, "request does not fit the slot");
	if ((r = fr_submit(s, &e->s.req, false)) < 0)
		return h_fail(e, "submit: %s", strerror(-r));
	vr_kick(&e->s.req, true);
	r = vr_wait_used(&e->s.req, H_WAIT_MS, &u);
	if (r != 1)
		return h_fail(e, "opcode %u: no completion (%s)", opcode, strerror(-r));
	if (!u.known || u.id != (uint32_t)s->head)
		return h_fail(e, "opcode %u: completion for another chain", opcode);
	*used = u.len;
	*err = 1;
	if (u.len == 0)
		return 0;
	struct fr_reply rep;
	const char *why;
	if (fr_parse(s, u.len, &rep, &why) < 0)
		return h_fail(e, "opcode %u: bad reply: %s", opcode, why);
	*err = rep.error;
	return 0;
}

int h_fuse_refused(struct env *e, const char *what, uint32_t opcode, uint64_t nodeid,
		   const void *arg, uint32_t arg_len, bool no_reply)
{
	uint32_t used;
	int err;

	if (h_fuse(e, opcode, nodeid, arg, arg_len, 4096, &used, &err) < 0)
		return h_fail(e, "%s: %.400s", what, e->why);
	if (no_reply && used != 0)
		return h_fail(e, "%s: %u-byte reply to a request that has none", what, used);
	if (!no_reply && (used == 0 || err >= 0))
		return h_fail(e, "%s: accepted (used %u, error %d)", what, used, err);
	return 0;
}

int h_call(struct env *e, struct fr_reply *r)
{
	const char *why = NULL;
	int ret = fr_call(&e->slot, &e->s.req, H_WAIT_MS, r, &why);

	if (ret < 0)
		return h_fail(e, "opcode %u: %s", e->slot.opcode, why ? why : strerror(-ret));
	return 0;
}

int h_lookup(struct env *e, uint64_t parent, const char *name, uint64_t *nodeid,
	     uint64_t *ino)
{
	struct fr_reply r;

	fr_lookup(&e->slot, fs_unique(&e->s), parent, name);
	if (h_call(e, &r) < 0)
		return -EPROTO;
	if (r.error)
		return r.error;
	const struct fuse_entry_out *eo = (const void *)r.arg;
	if (r.arg_len < sizeof(*eo)) {
		h_fail(e, "LOOKUP reply too short");
		return -EPROTO;
	}
	*nodeid = eo->nodeid;
	if (ino)
		*ino = eo->attr.ino;
	return 0;
}

int h_getattr(struct env *e, uint64_t nodeid, uint64_t *ino)
{
	struct fr_reply r;

	fr_getattr(&e->slot, fs_unique(&e->s), nodeid);
	if (h_call(e, &r) < 0)
		return -EPROTO;
	if (r.error)
		return r.error;
	const struct fuse_attr_out *ao = (const void *)r.arg;
	if (r.arg_len < sizeof(*ao)) {
		h_fail(e, "GETATTR reply too short");
		return -EPROTO;
	}
	if (ino)
		*ino = ao->attr.ino;
	return 0;
}

int h_open(struct env *e, uint64_t nodeid, uint32_t flags, uint64_t *fh)
{
	struct fr_reply r;

	fr_open(&e->slot, fs_unique(&e->s), nodeid, flags);
	if (h_call(e, &r) < 0)
		return -EPROTO;
	if (r.error)
		return r.error;
	const struct fuse_open_out *oo = (const void *)r.arg;
	if (r.arg_len < sizeof(*oo)) {
		h_fail(e, "OPEN reply too short");
		return -EPROTO;
	}
	*fh = oo->fh;
	return 0;
}

static uint64_t ino_of(struct env *e, const char *rel)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", e->base, rel);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

uint64_t h_share_ino(struct env *e)
{
	return ino_of(e, "share");
}

uint64_t h_outside_ino(struct env *e)
{
	return ino_of(e, "outside");
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void h_share_listing(struct env *e, char *out, size_t size)
{
	char path[4096], *names[256];
	size_t n = 0, used = 0;
	struct dirent *d;
	DIR *dir;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/share", e->base);
	if (!(dir = opendir(path)))
		return;
	while ((d = readdir(dir)) && n < 256)
		names[n++] = strdup(d->d_name);
	closedir(dir);
	qsort(names, n, sizeof(names[0]), by_name);
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(out + used, size - used, "%s ", names[i]);
		if (k > 0 && (size_t)k < size - used)
			used += (size_t)k;
		free(names[i]);
	}
}

int h_serving(struct env *e)
{
	uint64_t ino = 0, features;
	int r = h_getattr(e, FUSE_ROOT_ID, &ino);

	if (r == -EPROTO)
		return -1;
	if (r < 0)
		return h_fail(e, "GETATTR of the root: %s", strerror(-r));
	if (ino != h_share_ino(e))
		return h_fail(e, "GETATTR of the root: inode %llu is not the share's",
			      (unsigned long long)ino);
	if ((r = vuc_get_features(&e->s.c, &features)) < 0)
		return h_fail(e, "GET_FEATURES: %s", strerror(-r));
	return 0;
}

int h_reconnect(struct env *e)
{
	const char *step = NULL, *why = NULL;
	int r;

	fs_close(&e->s);
	if ((r = fs_open(&e->s, e->sock, &e->o, &step)) < 0)
		return h_fail(e, "reconnect: %s: %s", step ? step : "", strerror(-r));
	if ((r = fr_slot_init(&e->slot, &e->s.c, 65536)) < 0 ||
	    (r = fr_slot_init(&e->bad, &e->s.c, 65536)) < 0 ||
	    (r = fs_fuse_init(&e->s, &e->slot, 0, 0, &why)) < 0)
		return h_fail(e, "reconnect: INIT: %s", why ? why : strerror(-r));
	return 0;
}
