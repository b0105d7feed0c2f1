/* Hostile names and paths: empty, unterminated, with '/', "." and ".." at
 * the root, longer than NAME_MAX, with an embedded NUL; symlinks and ".."
 * that lead out of the share; xattr names of the same kinds.  Nothing may
 * reach BASE/outside (hostile_main.c also checks it is unchanged). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostile.h"

/* Every opcode that takes a name, with the name given as raw bytes (len
 * bytes, NUL included only when the caller put it there). */
static int name_ops(struct env *e, const char *desc, const char *name, size_t len,
		    bool with_lookup)
{
	static uint8_t buf[8192];
	struct { uint32_t opcode; size_t fixed; bool second; } ops[] = {
		{ FUSE_LOOKUP, 0, false },
		{ FUSE_MKDIR, sizeof(struct fuse_mkdir_in), false },
		{ FUSE_MKNOD, sizeof(struct fuse_mknod_in), false },
		{ FUSE_CREATE, sizeof(struct fuse_create_in), false },
		{ FUSE_UNLINK, 0, false },
		{ FUSE_RMDIR, 0, false },
		{ FUSE_SYMLINK, 0, true },          /* name, then target "file" */
		{ FUSE_LINK, sizeof(struct fuse_link_in), false },
		{ FUSE_RENAME, sizeof(struct fuse_rename_in), true },   /* name -> "moved" */
		{ FUSE_RENAME2, sizeof(struct fuse_rename2_in), true },
	};
	char what[160];

	for (size_t i = with_lookup ? 0 : 1; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = ops[i].fixed;
		memset(buf, 0, n);
		if (ops[i].opcode == FUSE_MKDIR)
			((struct fuse_mkdir_in *)buf)->mode = 0755;
		if (ops[i].opcode == FUSE_MKNOD)
			((struct fuse_mknod_in *)buf)->mode = S_IFREG | 0644;
		if (ops[i].opcode == FUSE_CREATE) {
			((struct fuse_create_in *)buf)->mode = 0644;
			((struct fuse_create_in *)buf)->flags = O_RDWR | O_CREAT;
		}
		if (ops[i].opcode == FUSE_LINK)
			((struct fuse_link_in *)buf)->oldnodeid = FUSE_ROOT_ID;
		if (ops[i].opcode == FUSE_RENAME)
			((struct fuse_rename_in *)buf)->newdir = FUSE_ROOT_ID;
		if (ops[i].opcode == FUSE_RENAME2)
			((struct fuse_rename2_in *)buf)->newdir = FUSE_ROOT_ID;
		if (ops[i].opcode == FUSE_RENAME || ops[i].opcode == FUSE_RENAME2) {
			/* the bad name as the destination: "file" -> name */
			memcpy(buf + n, "file", 5);
			n += 5;
			memcpy(buf + n, name, len);
			n += len;
		} else {
			memcpy(buf + n, name, len);
			n += len;
			if (ops[i].second) {
				memcpy(buf + n, "file", 5);
				n += 5;
			}
		}
		snprintf(what, sizeof(what), "opcode %u with %s", ops[i].opcode, desc);
		if (h_fuse_refused(e, what, ops[i].opcode, FUSE_ROOT_ID, buf, (uint32_t)n, false) < 0)
			return -1;
	}
	return 0;
}

static int every_name_op(struct env *e, const char *desc, const char *name, size_t len)
{
	return name_ops(e, desc, name, len, true);
}

static int share_unchanged(struct env *e)
{
	char now[sizeof(e->share_listing)];

	h_share_listing(e, now, sizeof(now));
	if (strcmp(now, e->share_listing))
		return h_fail(e, "the share changed: '%s', was '%s'", now, e->share_listing);
	return 0;
}

static int name_empty(struct env *e)
{
	return every_name_op(e, "an empty name", "", 1) || share_unchanged(e);
}

static int name_unterminated(struct env *e)
{
	return every_name_op(e, "an unterminated name", "newname", 7) || share_unchanged(e);
}

static int name_slash(struct env *e)
{
	return every_name_op(e, "name 'a/b'", "a/b", 4) ||
	       every_name_op(e, "name '../outside'", "../outside", 11) ||
	       every_name_op(e, "name '/'", "/", 2) ||
	       every_name_op(e, "name 'dir/inner'", "dir/inner", 10) || share_unchanged(e);
}

static int name_too_long(struct env *e)
{
	static char name[4100];
	uint64_t nid, ino;

	memset(name, 'n', 256);
	name[256] = '\0';
	if (every_name_op(e, "a 256-byte name", name, 257) < 0)
		return -1;
	memset(name, 'n', 4000);
	name[4000] = '\0';
	if (every_name_op(e, "a 4000-byte name", name, 4001) < 0)
		return -1;
	name[255] = '\0';        /* NAME_MAX exactly: legal, just absent */
	int r = h_lookup(e, FUSE_ROOT_ID, name, &nid, &ino);
	if (r != -ENOENT)
		return h_fail(e, "LOOKUP of a 255-byte name: want ENOENT, got %d", r);
	return share_unchanged(e);
}

/* "." and ".." at the root name the root itself, never its parent. */
static int dot_names_at_root(struct env *e)
{
	const char *names[] = { ".", ".." };
	uint64_t nid, ino, nid2, ino2;

	for (int i = 0; i < 2; i++) {
		int r = h_lookup(e, FUSE_ROOT_ID, names[i], &nid, &ino);
		if (r == -EPROTO)
			return -1;
		if (r < 0)
			continue;       /* refusing is fine */
		if (ino != h_share_ino(e))
			return h_fail(e, "LOOKUP '%s' at the root gave inode %llu, not the share's",
				      names[i], (unsigned long long)ino);
		r = h_lookup(e, nid, "outside", &nid2, &ino2);
		if (r == 0)
			return h_fail(e, "'outside' found through '%s' at the root", names[i]);
		if (r == -EPROTO)
			return -1;
		r = h_lookup(e, nid, "..", &nid2, &ino2);
		if (r == 0 && ino2 != h_share_ino(e))
			return h_fail(e, "'..' of '%s' left the share", names[i]);
	}
	/* Creating or removing "." / ".." must fail. */
	return name_ops(e, "name '..'", "..", 3, false) || name_ops(e, "name '.'", ".", 2, false) ||
	       share_unchanged(e);
}

/* ".." from a subdirectory climbs to the root and no further. */
static int dotdot_from_subdir(struct env *e)
{
	uint64_t dir, inner, up, ino, up2, up3;

	if (h_lookup(e, FUSE_ROOT_ID, "dir", &dir, &ino) != 0 ||
	    h_lookup(e, dir, "inner", &inner, &ino) != 0)
		return h_fail(e, "LOOKUP dir/inner failed");
	if (h_lookup(e, inner, "..", &up, &ino) != 0)
		return h_fail(e, "LOOKUP dir/inner/.. failed");
	if (h_lookup(e, up, "..", &up2, &ino) != 0 || ino != h_share_ino(e))
		return h_fail(e, "dir/inner/../.. is not the share (inode %llu)",
			      (unsigned long long)ino);
	int r = h_lookup(e, up2, "..", &up3, &ino);
	if (r == 0 && ino != h_share_ino(e))
		return h_fail(e, "dir/inner/../../.. left the share");
	if (r == 0 && h_lookup(e, up3, "outside", &up, &ino) == 0)
		return h_fail(e, "'outside' reached through ../../..");
	return 0;
}

/* A directory the host moves out of the share (BASE/share/movable to
 * BASE/moved) keeps the nodeid the guest holds, but its ".." is not the
 * guest's: it would lead to BASE and BASE/outside. */
static int dotdot_moved_out(struct env *e)
{
	char in[PATH_MAX], out[PATH_MAX];
	uint64_t mv, up, ino, sec;
	snprintf(in, sizeof(in), "%s/share/movable", e->base);
	snprintf(out, sizeof(out), "%s/moved", e->base);
	if (mkdir(in, 0755) < 0)
		return h_fail(e, "mkdir %s: %s", in, strerror(errno));
	int rc = -1;
	if (h_lookup(e, FUSE_ROOT_ID, "movable", &mv, &ino) != 0) {
		h_fail(e, "LOOKUP movable failed");
		goto out;
	}
	if (rename(in, out) < 0) {
		h_fail(e, "rename %s: %s", in, strerror(errno));
		goto out;
	}
	int r = h_lookup(e, mv, "..", &up, &ino);
	if (r == -EPROTO)
		goto back;
	if (r == 0 && up != 0) {
		h_fail(e, "'..' of a directory moved out of the share gave inode %llu",
		       (unsigned long long)ino);
		if (h_lookup(e, up, "outside", &sec, &ino) == 0 && sec != 0)
			h_fail(e, "'outside' reached through '..' of a directory moved out");
		goto back;
	}
	rc = 0;
back:
	if (rename(out, in) < 0 && rc == 0)
		rc = h_fail(e, "rename back %s: %s", out, strerror(errno));
out:
	rmdir(in);
	return rc;
}

/* "fi\0le": the name is "fi" (absent) or refused, never "file". */
static int name_embedded_nul(struct env *e)
{
	uint32_t used;
	int err;

	if (h_fuse(e, FUSE_LOOKUP, FUSE_ROOT_ID, "fi\0le", 6, 4096, &used, &err) < 0)
		return -1;
	if (used == 0 || err == 0)
		return h_fail(e, "LOOKUP 'fi\\0le' succeeded or was dropped (used %u)", used);
	return 0;
}

/* The symlinks prepared in the share point out of it: they may be looked
 * up (they are symlinks) but never followed. */
static int symlink_escape(struct env *e)
{
	const char *links[] = { "escape-file", "escape-abs", "escape-dir", "escape-proc-root",
				"escape-proc-init" };
	uint64_t nid, ino, fh, n2;

	for (int i = 0; i < 5; i++) {
		int r = h_lookup(e, FUSE_ROOT_ID, links[i], &nid, &ino);
		if (r != 0)
			return h_fail(e, "LOOKUP %s: %d", links[i], r);
		if (ino == h_outside_ino(e))
			return h_fail(e, "LOOKUP %s followed the symlink", links[i]);
		r = h_open(e, nid, O_RDONLY, &fh);
		if (r == 0)
			return h_fail(e, "OPEN %s (a symlink out of the share) succeeded", links[i]);
		if (r == -EPROTO)
			return -1;
		r = h_lookup(e, nid, "outside", &n2, &ino);
		if (r == 0)
			return h_fail(e, "LOOKUP %s/outside succeeded", links[i]);
		if (r == -EPROTO)
			return -1;
		/* Through /proc: the host's root and its /etc. */
		const char *inside[] = { "etc", "passwd", "proc" };
		for (int k = 0; k < 3; k++) {
			r = h_lookup(e, nid, inside[k], &n2, &ino);
			if (r == 0)
				return h_fail(e, "LOOKUP %s/%s succeeded", links[i], inside[k]);
			if (r == -EPROTO)
				return -1;
		}
	}
	return 0;
}

/* The guest makes its own escaping symlinks and hard links. */
static int symlink_created_escape(struct env *e)
{
	static const char *targets[] = { "../outside", "/etc/passwd", "../../../../../../etc/shadow",
					 "/proc/self/root/etc/shadow", "/proc/self/fd/0" };
	uint8_t buf[256];
	uint64_t nid, ino, fh;
	char name[16];

	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "evil%d", i);
		size_t n = strlen(name) + 1, t = strlen(targets[i]) + 1;
		memcpy(buf, name, n);
		memcpy(buf + n, targets[i], t);
		uint32_t used;
		int err;
		if (h_fuse(e, FUSE_SYMLINK, FUSE_ROOT_ID, buf, (uint32_t)(n + t), 4096, &used, &err) < 0)
			return -1;
		if (err != 0)
			return h_fail(e, "SYMLINK %s -> %s: %d", name, targets[i], err);
		if (h_lookup(e, FUSE_ROOT_ID, name, &nid, &ino) != 0)
			return h_fail(e, "LOOKUP %s failed", name);
		int r = h_open(e, nid, O_RDONLY, &fh);
		if (r == 0)
			return h_fail(e, "OPEN of the guest's symlink %s -> %s succeeded", name,
				      targets[i]);
		if (r == -EPROTO)
			return -1;
		/* A hard link to the symlink, then OPEN through it. */
		struct { struct fuse_link_in l; char n[16]; } ln = { { .oldnodeid = nid }, "hardlink" };
		if (h_fuse(e, FUSE_LINK, FUSE_ROOT_ID, &ln, sizeof(ln.l) + 9, 4096, &used, &err) < 0)
			return -1;
		if (err == 0) {
			if (h_lookup(e, FUSE_ROOT_ID, "hardlink", &nid, &ino) == 0 &&
			    h_open(e, nid, O_RDONLY, &fh) == 0)
				return h_fail(e, "OPEN through a hard link to %s succeeded", name);
			if (h_fuse(e, FUSE_UNLINK, FUSE_ROOT_ID, "hardlink", 9, 4096, &used, &err) < 0)
				return -1;
		}
	}
	return 0;
}

/* RENAME / LINK toward nodes the guest never got (among them the outside
 * file's inode number, in case node ids were inode numbers). */
static int rename_link_unknown_nodes(struct env *e)
{
	uint64_t bogus[] = { 0, 4242, h_outside_ino(e), UINT64_MAX };
	uint8_t buf[64];

	for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
		struct fuse_rename_in rn = { .newdir = bogus[i] };
		memcpy(buf, &rn, sizeof(rn));
		memcpy(buf + sizeof(rn), "file\0moved", 11);
		if (h_fuse_refused(e, "RENAME into an unknown node", FUSE_RENAME, FUSE_ROOT_ID, buf,
				   sizeof(rn) + 11, false) < 0)
			return -1;
		struct fuse_link_in ln = { .oldnodeid = bogus[i] };
		memcpy(buf, &ln, sizeof(ln));
		memcpy(buf + sizeof(ln), "stolen", 7);
		if (h_fuse_refused(e, "LINK of an unknown node", FUSE_LINK, FUSE_ROOT_ID, buf,
				   sizeof(ln) + 7, false) < 0)
			return -1;
	}
	return share_unchanged(e);
}

/* xattr names: empty, unterminated, over XATTR_NAME_MAX; values longer
 * than they claim. */
static int xattr_names_bad(struct env *e)
{
	static uint8_t buf[1024];
	struct fuse_getxattr_in gx = { .size = 64 };
	struct fuse_setxattr_in sx = { 0 };    /* first 8 bytes: the compat header */
	uint32_t used;
	int err;

	memcpy(buf, &gx, 8);
	memcpy(buf + 8, "", 1);
	if (h_fuse_refused(e, "GETXATTR ''", FUSE_GETXATTR, FUSE_ROOT_ID, buf, 9, false) < 0)
		return -1;
	memcpy(buf + 8, "user.abc", 8);
	if (h_fuse_refused(e, "GETXATTR unterminated", FUSE_GETXATTR, FUSE_ROOT_ID, buf, 16, false) < 0)
		return -1;
	memset(buf + 8, 'x', 300);
	buf[8 + 300] = 0;
	if (h_fuse_refused(e, "GETXATTR 300-byte name", FUSE_GETXATTR, FUSE_ROOT_ID, buf, 309, false) < 0)
		return -1;
	if (h_fuse_refused(e, "REMOVEXATTR ''", FUSE_REMOVEXATTR, FUSE_ROOT_ID, "", 1, false) < 0)
		return -1;
	sx.size = 1000;     /* the value holds 3 bytes */
	memcpy(buf, &sx, 8);
	memcpy(buf + 8, "user.v\0abc", 10);
	if (h_fuse_refused(e, "SETXATTR value shorter than its size", FUSE_SETXATTR, FUSE_ROOT_ID,
			   buf, 18, false) < 0)
		return -1;
	sx.size = 0xffffffffu;
	memcpy(buf, &sx, 8);
	if (h_fuse_refused(e, "SETXATTR size 2^32-1", FUSE_SETXATTR, FUSE_ROOT_ID, buf, 18, false) < 0)
		return -1;
	gx.size = 0xffffffffu;    /* more than the reply room: ERANGE or the size */
	memcpy(buf, &gx, 8);
	memcpy(buf + 8, "user.none", 10);
	if (h_fuse(e, FUSE_GETXATTR, FUSE_ROOT_ID, buf, 18, 4096, &used, &err) < 0 ||
	    h_fuse(e, FUSE_LISTXATTR, FUSE_ROOT_ID, buf, 8, 4096, &used, &err) < 0)
		return -1;
	return 0;
}

const struct hostile_case hostile_names_cases[] = {
	{ "name-empty", name_empty, 0 },
	{ "name-unterminated", name_unterminated, 0 },
	{ "name-slash", name_slash, 0 },
	{ "name-too-long", name_too_long, 0 },
	{ "name-dot-dotdot-at-root", dot_names_at_root, 0 },
	{ "dotdot-from-subdir", dotdot_from_subdir, 0 },
	{ "dotdot-moved-out", dotdot_moved_out, 0 },
	{ "name-embedded-nul", name_embedded_nul, 0 },
	{ "symlink-escape", symlink_escape, 0 },
	{ "symlink-created-escape", symlink_created_escape, 0 },
	{ "rename-link-unknown-nodes", rename_link_unknown_nodes, 0 },
	{ "xattr-names-bad", xattr_names_bad, 0 },
};
const unsigned hostile_names_count = sizeof(hostile_names_cases) / sizeof(hostile_names_cases[0]);
