/* Requests whose host system calls are rare: every one must be one the
 * daemon's seccomp filter allows, or the whole daemon dies (SIGSYS) at a
 * guest's word.  The answers do not matter here (errnos are fine); that the
 * daemon answers at all, and still serves afterwards, does.  Meant for the
 * release binary (OURS_VIRTIOFSD=build/virtiofsd): the sanitizer build's
 * filter allows more (seccomp_filter.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/falloc.h>
#include <linux/stat.h>
#include <sys/stat.h>

#include "hostile.h"
#include "../../src/fuse/fuse_abi.h" /* FUSE_STATX on older headers */

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
#endif

/* The requests' uid and gid (0: the client's own, as fr_build puts them):
 * another one makes the daemon switch its credentials for the request. */
static uint32_t as_id;

/* Send one request; any errno (or a dropped chain) is fine. */
static int rq(struct env *e, uint32_t opcode, uint64_t nodeid, const void *arg, uint32_t len)
{
	struct fr_slot *s = &e->bad;
	struct vr_used u;
	int r;

	if (fr_build(s, fs_unique(&e->s), opcode, nodeid, arg, len, NULL,
		     4096 - (uint32_t)sizeof(struct fuse_out_header), FR_DATA_NONE, 0) < 0)
		return h_fail(e, "opcode %u: request does not fit the slot", opcode);
	if (as_id) {
		((struct fuse_in_header *)s->req)->uid = as_id;
		((struct fuse_in_header *)s->req)->gid = as_id;
	}
	if ((r = fr_submit(s, &e->s.req, false)) < 0)
		return h_fail(e, "submit: %s", strerror(-r));
	vr_kick(&e->s.req, true);
	r = vr_wait_used(&e->s.req, H_WAIT_MS, &u);
	if (r != 1)
		return h_fail(e, "opcode %u: no completion (%s): the daemon died?", opcode,
			      strerror(-r));
	if (!u.known || u.id != (uint32_t)s->head)
		return h_fail(e, "opcode %u: completion for another chain", opcode);
	struct fr_reply rep;
	const char *why;
	if (u.len && fr_parse(s, u.len, &rep, &why) < 0)
		return h_fail(e, "opcode %u: bad reply: %s", opcode, why);
	return 0;
}

/* A fixed argument followed by a name (with its NUL). */
static uint32_t with_name(uint8_t *buf, const void *arg, uint32_t len, const char *name)
{
	memcpy(buf, arg, len);
	size_t n = strlen(name) + 1;
	memcpy(buf + len, name, n);
	return len + (uint32_t)n;
}

/* The node id a LOOKUP, MKNOD, CREATE or TMPFILE just answered, or 0. */
static uint64_t entry_of_last(struct env *e)
{
	const struct fuse_out_header *oh = (const void *)e->bad.rep;
	if (oh->error || oh->len < sizeof(*oh) + sizeof(struct fuse_entry_out))
		return 0;
	return ((const struct fuse_entry_out *)(e->bad.rep + sizeof(*oh)))->nodeid;
}

static int xattrs_on(struct env *e, uint64_t nid)
{
	static const char *const names[] = { "user.h", "trusted.h", "security.h",
					     "system.posix_acl_access", "system.posix_acl_default" };
	/* An ACL of the base entries only (user::rw-, group::r--, other::r--). */
	static const uint8_t acl[] = { 2, 0, 0, 0, 1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff,
				       4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
				       0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff };
	uint8_t buf[512];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/* The 8-byte form: FUSE_SETXATTR_EXT is not negotiated. */
		struct fuse_setxattr_in si = { .size = sizeof(acl) };
		uint32_t n = with_name(buf, &si, FUSE_COMPAT_SETXATTR_IN_SIZE, names[i]);
		memcpy(buf + n, acl, sizeof(acl));
		struct fuse_getxattr_in gi = { .size = 256 };
		uint32_t gn = with_name(buf + 256, &gi, sizeof(gi), names[i]);
		if (rq(e, FUSE_SETXATTR, nid, buf, n + (uint32_t)sizeof(acl)) ||
		    rq(e, FUSE_GETXATTR, nid, buf + 256, gn) ||
		    rq(e, FUSE_REMOVEXATTR, nid, names[i], (uint32_t)strlen(names[i]) + 1))
			return -1;
	}
	struct fuse_getxattr_in li = { .size = 256 };
	return rq(e, FUSE_LISTXATTR, nid, &li, sizeof(li));
}

static int attrs_on(struct env *e, uint64_t nid)
{
	struct fuse_getattr_in ga = { 0 };
	struct fuse_statx_in sx = { .sx_flags = AT_STATX_SYNC_AS_STAT, .sx_mask = STATX_BASIC_STATS | STATX_BTIME };
	struct fuse_setattr_in sa = { .valid = FATTR_MODE | FATTR_ATIME | FATTR_MTIME | FATTR_CTIME,
				      .mode = 0644, .atime = 1, .mtime = 2, .ctime = 3 };
	struct fuse_setattr_in now = { .valid = FATTR_ATIME_NOW | FATTR_MTIME_NOW | FATTR_ATIME |
						FATTR_MTIME | FATTR_UID | FATTR_GID };
	struct fuse_access_in ac = { .mask = 7 };
	return rq(e, FUSE_GETATTR, nid, &ga, sizeof(ga)) || rq(e, FUSE_STATX, nid, &sx, sizeof(sx)) ||
	       rq(e, FUSE_SETATTR, nid, &sa, sizeof(sa)) || rq(e, FUSE_SETATTR, nid, &now, sizeof(now)) ||
	       rq(e, FUSE_ACCESS, nid, &ac, sizeof(ac)) || rq(e, FUSE_READLINK, nid, NULL, 0) ||
	       rq(e, FUSE_STATFS, nid, NULL, 0) || xattrs_on(e, nid);
}

static int file_ops(struct env *e, uint64_t nid, uint64_t fh)
{
	static const uint32_t modes[] = { 0, FALLOC_FL_KEEP_SIZE,
					  FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					  FALLOC_FL_ZERO_RANGE, FALLOC_FL_COLLAPSE_RANGE,
					  FALLOC_FL_INSERT_RANGE, 0xffffffff };
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct fuse_fallocate_in fa = { .fh = fh, .offset = 4096, .length = 4096, .mode = modes[i] };
		if (rq(e, FUSE_FALLOCATE, nid, &fa, sizeof(fa)))
			return -1;
	}
	for (uint32_t w = 0; w < 6; w++) {
		struct fuse_lseek_in ls = { .fh = fh, .offset = 1, .whence = w };
		if (rq(e, FUSE_LSEEK, nid, &ls, sizeof(ls)))
			return -1;
	}
	struct fuse_copy_file_range_in cr = { .fh_in = fh, .off_in = 0, .nodeid_out = nid,
					      .fh_out = fh, .off_out = 8192, .len = 100 };
	struct fuse_fsync_in fs0 = { .fh = fh }, fs1 = { .fh = fh, .fsync_flags = 1 };
	struct fuse_flush_in fl = { .fh = fh, .lock_owner = 7 };
	struct fuse_setattr_in tr = { .valid = FATTR_SIZE | FATTR_FH | FATTR_LOCKOWNER, .fh = fh,
				      .size = 14, .lock_owner = 7 };
	if (rq(e, FUSE_COPY_FILE_RANGE, nid, &cr, sizeof(cr)) ||
	    rq(e, FUSE_FSYNC, nid, &fs0, sizeof(fs0)) || rq(e, FUSE_FSYNC, nid, &fs1, sizeof(fs1)) ||
	    rq(e, FUSE_FLUSH, nid, &fl, sizeof(fl)) || rq(e, FUSE_SETATTR, nid, &tr, sizeof(tr)))
		return -1;
	/* POSIX (OFD) locks and flock()s, every type, waiting or not. */
	static const uint32_t types[] = { F_RDLCK, F_WRLCK, F_UNLCK, 77 };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		for (uint32_t flock = 0; flock <= FUSE_LK_FLOCK; flock += FUSE_LK_FLOCK) {
			struct fuse_lk_in lk = { .fh = fh, .owner = 7, .lk_flags = flock,
						 .lk = { .start = 0, .end = 100, .type = types[i] } };
			if (rq(e, FUSE_GETLK, nid, &lk, sizeof(lk)) ||
			    rq(e, FUSE_SETLK, nid, &lk, sizeof(lk)) ||
			    rq(e, FUSE_SETLKW, nid, &lk, sizeof(lk)))
				return -1;
		}
	}
	struct fuse_release_in rl = { .fh = fh, .release_flags = FUSE_RELEASE_FLUSH |
					FUSE_RELEASE_FLOCK_UNLOCK, .lock_owner = 7 };
	return rq(e, FUSE_RELEASE, nid, &rl, sizeof(rl));
}

static int one_pass(struct env *e)
{
	static const char *const objs[] = { "file", "dir", "fifo", "sock", "devnull", "escape-file" };
	uint64_t nid, ino, fh, dir = 0;
	uint8_t buf[1024];

	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		if (h_lookup(e, FUSE_ROOT_ID, objs[i], &nid, &ino) != 0)
			return h_fail(e, "LOOKUP %s failed", objs[i]);
		if (!strcmp(objs[i], "dir"))
			dir = nid;
		if (attrs_on(e, nid) < 0)
			return -1;
	}
	if (h_lookup(e, FUSE_ROOT_ID, "file", &nid, &ino) != 0 || h_open(e, nid, O_RDWR, &fh) != 0)
		return h_fail(e, "OPEN file failed");
	if (file_ops(e, nid, fh) < 0)
		return -1;

	/* Directories: open, both listings, sync, syncfs. */
	struct fuse_open_in oi = { .flags = O_RDONLY | O_DIRECTORY };
	if (rq(e, FUSE_OPENDIR, dir, &oi, sizeof(oi)))
		return -1;
	const struct fuse_out_header *oh = (const void *)e->bad.rep;
	if (!oh->error) {
		uint64_t dfh = ((const struct fuse_open_out *)(e->bad.rep + sizeof(*oh)))->fh;
		struct fuse_read_in rd = { .fh = dfh, .size = 2048 };
		struct fuse_fsync_in fs = { .fh = dfh, .fsync_flags = 1 };
		struct fuse_release_in rl = { .fh = dfh };
		struct fuse_lk_in lk = { .fh = dfh, .owner = 9, .lk_flags = FUSE_LK_FLOCK,
					 .lk = { .type = F_WRLCK } };
		if (rq(e, FUSE_READDIR, dir, &rd, sizeof(rd)) ||
		    rq(e, FUSE_READDIRPLUS, dir, &rd, sizeof(rd)) ||
		    rq(e, FUSE_FSYNCDIR, dir, &fs, sizeof(fs)) || rq(e, FUSE_SETLK, dir, &lk, sizeof(lk)) ||
		    rq(e, FUSE_RELEASEDIR, dir, &rl, sizeof(rl)))
			return -1;
	}
	struct fuse_syncfs_in sf = { 0 };
	if (rq(e, FUSE_SYNCFS, FUSE_ROOT_ID, &sf, sizeof(sf)))
		return -1;

	/* New nodes of every kind, in dir (the share's top must not change). */
	static const struct { uint32_t mode, rdev; const char *name; } nodes[] = {
		{ S_IFIFO | 0644, 0, "n-fifo" }, { S_IFSOCK | 0644, 0, "n-sock" },
		{ S_IFCHR | 0644, (1 << 8) | 3, "n-chr" }, { S_IFBLK | 0644, (7 << 8) | 0, "n-blk" },
		{ S_IFREG | 0644, 0, "n-reg" }, { S_IFDIR | 0755, 0, "n-dir" },
	};
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		struct fuse_mknod_in mk = { .mode = nodes[i].mode, .rdev = nodes[i].rdev, .umask = 022 };
		if (rq(e, FUSE_MKNOD, dir, buf, with_name(buf, &mk, sizeof(mk), nodes[i].name)))
			return -1;
		uint64_t n = entry_of_last(e);
		if (n && attrs_on(e, n) < 0)
			return -1;
	}
	/* O_TMPFILE, then linked in. */
	struct fuse_create_in tc = { .flags = O_RDWR, .mode = S_IFREG | 0600, .umask = 022 };
	if (rq(e, FUSE_TMPFILE, dir, buf, with_name(buf, &tc, sizeof(tc), "t")))
		return -1;
	uint64_t tmp = entry_of_last(e);
	if (tmp) {
		struct fuse_link_in li = { .oldnodeid = tmp };
		if (rq(e, FUSE_LINK, dir, buf, with_name(buf, &li, sizeof(li), "linked-tmp")))
			return -1;
	}
	struct fuse_link_in ln = { .oldnodeid = nid };
	if (rq(e, FUSE_LINK, dir, buf, with_name(buf, &ln, sizeof(ln), "hard")) ||
	    rq(e, FUSE_SYMLINK, dir, "sym\0target", 11))
		return -1;
	/* RENAME2 with each flag. */
	static const uint32_t rflags[] = { 0, RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT,
					   RENAME_EXCHANGE | RENAME_NOREPLACE, 0x80 };
	for (size_t i = 0; i < sizeof(rflags) / sizeof(rflags[0]); i++) {
		struct fuse_rename2_in rn = { .newdir = dir, .flags = rflags[i] };
		uint32_t n = with_name(buf, &rn, sizeof(rn), "n-reg");
		memcpy(buf + n, "hard", 5);
		if (rq(e, FUSE_RENAME2, dir, buf, n + 5))
			return -1;
	}
	/* Interrupt one that is not there. */
	struct fuse_interrupt_in in = { .unique = 12345 };
	uint32_t used;
	int err;
	return h_fuse(e, FUSE_INTERRUPT, 0, &in, sizeof(in), 4096, &used, &err);
}

/* Every request as root, then as an unprivileged user (the credential
 * switch, and whatever failing differently takes). */
static int rare_requests(struct env *e)
{
	as_id = 0;
	if (one_pass(e) < 0)
		return -1;
	as_id = 1000;
	int r = one_pass(e);
	as_id = 0;
	return r;
}

const struct hostile_case hostile_syscalls_cases[] = {
	{ "rare-requests", rare_requests, 0 },
};
const unsigned hostile_syscalls_count =
	sizeof(hostile_syscalls_cases) / sizeof(hostile_syscalls_cases[0]);
