/* FUSE request builders and reply parsing: see fuse_req.h. */
#include "fuse_req.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

int fr_slot_init(struct fr_slot *s, struct vuc *c, uint32_t data_cap)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->head = -1;
	s->req = vuc_alloc(c, FR_REQ_CAP, 64);
	s->rep = vuc_alloc(c, FR_REP_CAP, 64);
	s->data = vuc_alloc(c, data_cap ? data_cap : 1, 4096);
	s->data_cap = data_cap;
	return s->req && s->rep && s->data ? 0 : -ENOMEM;
}

int fr_slot_pages(struct fr_slot *s)
{
	s->table = vuc_alloc(s->c, FR_MAX_SEGS * sizeof(struct vring_desc), 16);
	return s->table ? 0 : -ENOMEM;
}

/* The payload's segment(s), direction write. */
static void add_data(struct fr_slot *s, uint32_t len, bool write)
{
	uint32_t step = s->table ? 4096 : len;

	for (uint32_t off = 0; off < len; off += step)
		s->seg[s->nseg++] = (struct vr_seg){
			.gpa = vuc_gpa(s->c, s->data + off),
			.len = len - off < step ? len - off : step, .write = write,
		};
}

/* The caller's ids, read once: three system calls per request would be most
 * of what the rate benchmark measures (a guest kernel fills them for free). */
static struct { uint32_t uid, gid, pid; } my_ids;
static pthread_once_t my_ids_once = PTHREAD_ONCE_INIT;

static void read_my_ids(void)
{
	my_ids.uid = (uint32_t)getuid();
	my_ids.gid = (uint32_t)getgid();
	my_ids.pid = (uint32_t)getpid();
}

int fr_build(struct fr_slot *s, uint64_t unique, uint32_t opcode, uint64_t nodeid,
	     const void *arg, uint32_t arg_len, const char *name,
	     uint32_t reply_arg_len, enum fr_data_dir dir, uint32_t data_len)
{
	size_t name_len = name ? strlen(name) + 1 : 0;
	size_t len = sizeof(struct fuse_in_header) + arg_len + name_len;
	struct fuse_in_header *h = (struct fuse_in_header *)s->req;
	bool no_reply = reply_arg_len == UINT32_MAX;

	if (len > FR_REQ_CAP || data_len > s->data_cap ||
	    (s->table && data_len > FR_MAX_PAGES * 4096u) ||
	    (!no_reply && reply_arg_len > FR_REP_CAP - sizeof(struct fuse_out_header)))
		return -EINVAL;
	if (dir == FR_DATA_NONE)
		data_len = 0;
	if (dir == FR_DATA_IN)
		len += data_len;
	pthread_once(&my_ids_once, read_my_ids);
	*h = (struct fuse_in_header){
		.len = (uint32_t)len,
		.opcode = opcode,
		.unique = unique,
		.nodeid = nodeid,
		.uid = my_ids.uid,
		.gid = my_ids.gid,
		.pid = my_ids.pid,
	};
	if (arg_len)
		memcpy(s->req + sizeof(*h), arg, arg_len);
	if (name_len)
		memcpy(s->req + sizeof(*h) + arg_len, name, name_len);

	s->unique = unique;
	s->opcode = opcode;
	s->data_dir = dir;
	s->data_len = data_len;
	s->rep_len = no_reply ? 0 : (uint32_t)sizeof(struct fuse_out_header) + reply_arg_len;
	s->head = -1;
	s->nseg = 0;
	s->seg[s->nseg++] = (struct vr_seg){
		.gpa = vuc_gpa(s->c, s->req),
		.len = (uint32_t)(sizeof(*h) + arg_len + name_len),
	};
	if (dir == FR_DATA_IN && data_len)
		add_data(s, data_len, false);
	if (!no_reply) {
		memset(s->rep, 0, s->rep_len);
		s->seg[s->nseg++] = (struct vr_seg){
			.gpa = vuc_gpa(s->c, s->rep), .len = s->rep_len, .write = true,
		};
	}
	if (dir == FR_DATA_OUT && data_len)
		add_data(s, data_len, true);
	return 0;
}

int fr_init(struct fr_slot *s, uint64_t unique, uint32_t flags, uint32_t flags2)
{
	struct fuse_init_in in = {
		.major = FUSE_KERNEL_VERSION,
		.minor = FUSE_KERNEL_MINOR_VERSION,
		.max_readahead = 128 * 1024,
		.flags = flags | FUSE_INIT_EXT,
		.flags2 = flags2,
	};

	return fr_build(s, unique, FUSE_INIT, 0, &in, sizeof(in), NULL,
			sizeof(struct fuse_init_out), FR_DATA_NONE, 0);
}

int fr_lookup(struct fr_slot *s, uint64_t unique, uint64_t parent, const char *name)
{
	return fr_build(s, unique, FUSE_LOOKUP, parent, NULL, 0, name,
			sizeof(struct fuse_entry_out), FR_DATA_NONE, 0);
}

int fr_forget(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint64_t nlookup)
{
	struct fuse_forget_in in = { .nlookup = nlookup };

	return fr_build(s, unique, FUSE_FORGET, nodeid, &in, sizeof(in), NULL,
			UINT32_MAX, FR_DATA_NONE, 0);
}

int fr_getattr(struct fr_slot *s, uint64_t unique, uint64_t nodeid)
{
	struct fuse_getattr_in in = { 0 };

	return fr_build(s, unique, FUSE_GETATTR, nodeid, &in, sizeof(in), NULL,
			sizeof(struct fuse_attr_out), FR_DATA_NONE, 0);
}

int fr_open(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint32_t flags)
{
	struct fuse_open_in in = { .flags = flags };

	return fr_build(s, unique, FUSE_OPEN, nodeid, &in, sizeof(in), NULL,
			sizeof(struct fuse_open_out), FR_DATA_NONE, 0);
}

int fr_opendir(struct fr_slot *s, uint64_t unique, uint64_t nodeid)
{
	struct fuse_open_in in = { .flags = 0 };

	return fr_build(s, unique, FUSE_OPENDIR, nodeid, &in, sizeof(in), NULL,
			sizeof(struct fuse_open_out), FR_DATA_NONE, 0);
}

static int rw(struct fr_slot *s, uint64_t unique, uint32_t opcode, uint64_t nodeid,
	      uint64_t fh, uint64_t off, uint32_t size)
{
	/* fuse_read_in and fuse_write_in have the same layout. */
	struct fuse_read_in in = { .fh = fh, .offset = off, .size = size };

	if (opcode == FUSE_WRITE)
		return fr_build(s, unique, opcode, nodeid, &in, sizeof(in), NULL,
				sizeof(struct fuse_write_out), FR_DATA_IN, size);
	return fr_build(s, unique, opcode, nodeid, &in, sizeof(in), NULL, 0,
			FR_DATA_OUT, size);
}

int fr_read(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint64_t fh,
	    uint64_t off, uint32_t size)
{
	return rw(s, unique, FUSE_READ, nodeid, fh, off, size);
}

int fr_write(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint64_t fh,
	     uint64_t off, uint32_t size)
{
	return rw(s, unique, FUSE_WRITE, nodeid, fh, off, size);
}

int fr_readdir(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint64_t fh,
	       uint64_t off, uint32_t size)
{
	return rw(s, unique, FUSE_READDIR, nodeid, fh, off, size);
}

int fr_release(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint64_t fh,
	       uint32_t flags)
{
	struct fuse_release_in in = { .fh = fh, .flags = flags };

	return fr_build(s, unique, FUSE_RELEASE, nodeid, &in, sizeof(in), NULL, 0,
			FR_DATA_NONE, 0);
}

int fr_releasedir(struct fr_slot *s, uint64_t unique, uint64_t nodeid, uint64_t fh)
{
	struct fuse_release_in in = { .fh = fh };

	return fr_build(s, unique, FUSE_RELEASEDIR, nodeid, &in, sizeof(in), NULL, 0,
			FR_DATA_NONE, 0);
}

int fr_mkdir(struct fr_slot *s, uint64_t unique, uint64_t parent, const char *name,
	     uint32_t mode)
{
	struct fuse_mkdir_in in = { .mode = mode, .umask = 022 };

	return fr_build(s, unique, FUSE_MKDIR, parent, &in, sizeof(in), name,
			sizeof(struct fuse_entry_out), FR_DATA_NONE, 0);
}

int fr_create(struct fr_slot *s, uint64_t unique, uint64_t parent, const char *name,
	      uint32_t flags, uint32_t mode)
{
	struct fuse_create_in in = { .flags = flags, .mode = mode, .umask = 022 };

	return fr_build(s, unique, FUSE_CREATE, parent, &in, sizeof(in), name,
			sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out),
			FR_DATA_NONE, 0);
}

int fr_unlink(struct fr_slot *s, uint64_t unique, uint64_t parent, const char *name)
{
	return fr_build(s, unique, FUSE_UNLINK, parent, NULL, 0, name, 0,
			FR_DATA_NONE, 0);
}

int fr_rename(struct fr_slot *s, uint64_t unique, uint64_t parent, const char *name,
	      uint64_t newparent, const char *newname)
{
	struct fuse_rename_in in = { .newdir = newparent };
	size_t a = strlen(name) + 1, b = strlen(newname) + 1;
	uint8_t arg[sizeof(in) + 2 * 256];

	if (a > 256 || b > 256)
		return -EINVAL;
	memcpy(arg, &in, sizeof(in));
	memcpy(arg + sizeof(in), name, a);
	memcpy(arg + sizeof(in) + a, newname, b);
	return fr_build(s, unique, FUSE_RENAME, parent, arg, (uint32_t)(sizeof(in) + a + b), NULL,
			0, FR_DATA_NONE, 0);
}

int fr_rmdir(struct fr_slot *s, uint64_t unique, uint64_t parent, const char *name)
{
	return fr_build(s, unique, FUSE_RMDIR, parent, NULL, 0, name, 0,
			FR_DATA_NONE, 0);
}

int fr_submit(struct fr_slot *s, struct vring_drv *vr, bool indirect)
{
	int r = s->table ? vr_add_table(vr, s->table, s->seg, s->nseg)
			 : vr_add(vr, s->seg, s->nseg, indirect);

	s->head = r;
	return r;
}

int fr_parse(const struct fr_slot *s, uint32_t used_len, struct fr_reply *r,
	     const char **why)
{
	const struct fuse_out_header *oh = (const struct fuse_out_header *)s->rep;
	uint32_t total = s->rep_len + s->data_len * (s->data_dir == FR_DATA_OUT);
	const char *bad = NULL;

	memset(r, 0, sizeof(*r));
	if (s->rep_len == 0) {
		/* No writable part (FORGET): nothing may be claimed as written. */
		if (used_len != 0)
			bad = "used len > 0 for a request without reply buffers";
		goto out;
	}
	if (used_len > total)
		bad = "used len larger than the writable buffers";
	else if (used_len < sizeof(*oh))
		bad = "used len shorter than fuse_out_header";
	else if (oh->len != used_len)
		bad = "out header len != used len";
	else if (oh->unique != s->unique)
		bad = "out header unique does not match the request";
	else if (oh->error > 0 || oh->error <= -4096)
		bad = "out header error outside (-4096, 0]";
	else if (oh->error && oh->len != sizeof(*oh))
		bad = "error reply carries a body";
	if (bad)
		goto out;
	r->error = oh->error;
	r->len = oh->len;
	r->arg = s->rep + sizeof(*oh);
	r->arg_len = (used_len < s->rep_len ? used_len : s->rep_len) - (uint32_t)sizeof(*oh);
	r->data_len = used_len > s->rep_len ? used_len - s->rep_len : 0;
out:
	if (why)
		*why = bad;
	return bad ? -EPROTO : 0;
}

int fr_call(struct fr_slot *s, struct vring_drv *vr, int timeout_ms,
	    struct fr_reply *r, const char **why)
{
	struct vr_used u;
	int ret = fr_submit(s, vr, false);

	if (why)
		*why = NULL;
	if (ret < 0)
		return ret;
	ret = vr_kick(vr, false);
	if (ret < 0)
		return ret;
	for (;;) {
		ret = vr_get_used(vr, &u);
		if (ret < 0)
			return ret;
		if (ret == 1) {
			if (!u.known || u.id != (uint32_t)s->head) {
				if (why)
					*why = "used element for a chain not outstanding";
				return -EPROTO;
			}
			return fr_parse(s, u.len, r, why);
		}
		ret = vr_wait(vr, timeout_ms);
		if (ret < 0)
			return ret;
	}
}
