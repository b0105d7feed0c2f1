/* LOOKUP and FORGET, and the calls that make or remove names: MKNOD, MKDIR,
 * SYMLINK, LINK, UNLINK, RMDIR, RENAME.  Every name is resolved relative to
 * its parent's fd with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW semantics. */
#include "pt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "creds.h"
#include "submounts.h"

static bool is_dot_or_dotdot(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

bool pt_name_ok(const char *name)
{
	/* The server validates names; this is the last line of defence
	 * against a component that would walk more than one step. */
	return name && name[0] && !strchr(name, '/') && strlen(name) <= NAME_MAX;
}

static void fill_entry(struct pt *pt, struct fs_entry *e, struct inode *parent, struct inode *i,
		       const struct stat *st, const char *name)
{
	memset(e, 0, sizeof(*e));
	e->nodeid = i->nodeid;
	e->attr = *st;
	creds_owner_to_guest(&pt->creds, &e->attr);
	e->entry_timeout = e->attr_timeout = pt->timeout;
	if (submount_flag(pt->opt.announce_submounts && pt->submounts, parent, i, name))
		e->attr_flags |= FUSE_ATTR_SUBMOUNT;
}

int pt_enter_fd(struct pt *pt, struct pt_node *dir, const char *name, int path_fd,
		struct fs_entry *e, struct inode **held)
{
	struct stat st;
	uint64_t mnt_id;
	int r = stat_fd(path_fd, &st, &mnt_id);
	if (r < 0) {
		close(path_fd);
		return r;
	}
	struct inode_key k = { .ino = st.st_ino, .dev = st.st_dev, .mnt_id = mnt_id };
	struct inode *i = inode_table_lookup_insert(&pt->inodes, &k, st.st_mode, path_fd, dir->i,
						    name);
	if (!i)
		return -ENOMEM;
	fill_entry(pt, e, dir->i, i, &st, name);
	if (held)
		*held = i;
	else
		inode_table_put(&pt->inodes, i);
	return 0;
}

/* A name this table saw last time as a record whose fd is still open: one
 * statx of the name instead of open + statx + close.  0 (answered, *held as
 * pt_lookup_at's), -ENOENT (the name is gone), or 1: take the open path. */
static int lookup_known(struct pt *pt, struct pt_node *dir, const char *name, struct fs_entry *e,
			struct inode **held)
{
	if (!inode_table_hint(&pt->inodes, dir->i, name))
		return 1;
	struct stat st;
	uint64_t mnt_id;
	int r = stat_name(dir->fd, name, &st, &mnt_id);
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return 1;
	struct inode_key k = { .ino = st.st_ino, .dev = st.st_dev, .mnt_id = mnt_id };
	struct inode *i = inode_table_lookup_open(&pt->inodes, &k, dir->i, name);
	if (!i)
		return 1;
	fill_entry(pt, e, dir->i, i, &st, name);
	if (held)
		*held = i;
	else
		inode_table_put(&pt->inodes, i);
	return 0;
}

/* "." and, at the shared root, "..": the directory itself. */
static int lookup_self(struct pt *pt, struct pt_node *dir, const char *name, struct fs_entry *e)
{
	struct stat st;
	int r = stat_fd(dir->fd, &st, NULL);
	if (r < 0)
		return r;
	inode_table_relookup(&pt->inodes, dir->i);
	fill_entry(pt, e, dir->i, dir->i, &st, name);
	return 0;
}

/* Whether the directory fd names (a ".." just opened) lies in the share:
 * walking up from it reaches the shared root before the top of the tree.
 * A directory the host moved out of the share keeps working through its
 * fd, and its ".." would open what the host never shared (Linux refuses
 * that only out of a bind mount: the namespace sandbox, not chroot or
 * none).  Only the guest's exportfs (get_parent) looks ".." up, so the
 * walk's cost is rare. */
static bool dotdot_in_share(struct pt *pt, int fd)
{
	/* The root record is pinned and its key immutable. */
	const struct inode_key top = pt->inodes.root->key;

	bool found = false;
	int cur = dup(fd);
	struct stat st;
	if (cur < 0 || fstat(cur, &st) < 0)
		goto out;
	for (;;) {
		if (st.st_ino == top.ino && st.st_dev == top.dev) {
			found = true;
			break;
		}
		int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct stat up_st;
		if (up < 0 || fstat(up, &up_st) < 0) {
			if (up >= 0)
				close(up);
			break;
		}
		close(cur);
		cur = up;
		if (up_st.st_ino == st.st_ino && up_st.st_dev == st.st_dev)
			break; /* the top: ".." of it is itself */
		st = up_st;
	}
out:
	if (cur >= 0)
		close(cur);
	return found;
}

int pt_lookup_at(struct pt *pt, struct pt_node *dir, const char *name, struct fs_entry *e,
		 struct inode **held)
{
	int r;
	if (!pt_name_ok(name))
		return -EINVAL;
	if (!S_ISDIR(dir->i->type))
		return -ENOTDIR;
	if (!strcmp(name, ".") || (!strcmp(name, "..") && dir->i->nodeid == FS_ROOT_ID)) {
		r = lookup_self(pt, dir, name, e);
		if (r == 0 && held) {
			inode_table_ref(&pt->inodes, dir->i);
			*held = dir->i;
		}
		return r;
	}
	r = lookup_known(pt, dir, name, e, held);
	if (r != 1)
		return r;
	int fd = openat(dir->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!strcmp(name, "..") && !dotdot_in_share(pt, fd)) {
		close(fd);
		return -ENOENT; /* as the kernel answers for a disconnected path */
	}
	return pt_enter_fd(pt, dir, name, fd, e, held);
}

int pt_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
	      struct fs_entry *e)
{
	struct pt *pt = fs;
	struct pt_node dir;
	int r = pt_node_get(pt, parent, &dir);
	if (r < 0)
		return r;
	r = pt_lookup_at(pt, &dir, name, e, NULL);
	pt_node_put(pt, &dir);
	if (r == -ENOENT && pt->timeout > 0) {
		/* A negative entry the guest may cache as long as a positive one. */
		memset(e, 0, sizeof(*e));
		e->entry_timeout = pt->timeout;
		return 0;
	}
	return r;
}

void pt_forget(void *fs, uint64_t nodeid, uint64_t nlookup)
{
	struct pt *pt = fs;
	inode_table_forget(&pt->inodes, nodeid, nlookup);
}

/* The shape shared by MKNOD, MKDIR and SYMLINK: make the name as the guest,
 * then look it up. */
enum make_kind { MAKE_NOD, MAKE_DIR, MAKE_SYMLINK };

static int make_node(struct pt *pt, const struct fs_ctx *c, uint64_t parent, const char *name,
		     enum make_kind kind, const struct fs_create *cr, const char *target,
		     struct fs_entry *e)
{
	if (!pt_name_ok(name))
		return -EINVAL;
	if (is_dot_or_dotdot(name))
		return -EEXIST;
	struct pt_node dir;
	int r = pt_node_get(pt, parent, &dir);
	if (r < 0)
		return r;
	struct creds_saved cs;
	r = creds_enter(&pt->creds, c, &cs);
	if (r == 0) {
		int rc;
		if (kind == MAKE_SYMLINK) {
			rc = symlinkat(target, dir.fd, name);
		} else {
			mode_t mode = pt_create_mode(pt, cr->mode, cr->umask);
			rc = kind == MAKE_DIR ? mkdirat(dir.fd, name, mode & 07777)
					      : mknodat(dir.fd, name, mode, cr->rdev);
		}
		r = rc < 0 ? -errno : 0;
		creds_leave(&cs);
	}
	/* A new node gets the guest's label, or does not stay. */
	if (r == 0 && c->secctx) {
		r = pt_set_label(pt, dir.fd, name, -1, c->secctx);
		if (r < 0)
			unlinkat(dir.fd, name, kind == MAKE_DIR ? AT_REMOVEDIR : 0);
	}
	if (r == 0)
		r = pt_lookup_at(pt, &dir, name, e, NULL);
	pt_node_put(pt, &dir);
	return r;
}

int pt_mknod(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
	     const struct fs_create *cr, struct fs_entry *e)
{
	switch (cr->mode & S_IFMT) {
	case S_IFREG:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	default:
		return -EINVAL;
	}
	return make_node(fs, c, parent, name, MAKE_NOD, cr, NULL, e);
}

int pt_mkdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
	     const struct fs_create *cr, struct fs_entry *e)
{
	return make_node(fs, c, parent, name, MAKE_DIR, cr, NULL, e);
}

int pt_symlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
	       const char *target, struct fs_entry *e)
{
	if (!target || !*target)
		return -ENOENT;
	return make_node(fs, c, parent, name, MAKE_SYMLINK, NULL, target, e);
}

int pt_link(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t newparent,
	    const char *newname, struct fs_entry *e)
{
	struct pt *pt = fs;
	if (!pt_name_ok(newname))
		return -EINVAL;
	if (is_dot_or_dotdot(newname))
		return -EEXIST;
	struct pt_node n, dir = { 0 };
	int r = pt_node_get(pt, nodeid, &n);
	if (r < 0)
		return r;
	r = pt_node_get(pt, newparent, &dir);
	if (r < 0)
		goto out;
	if (S_ISDIR(n.i->type)) {
		r = -EPERM;
		goto out;
	}
	struct creds_saved cs;
	r = creds_enter(&pt->creds, c, &cs);
	if (r < 0)
		goto out;
	/* linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH, which a
	 * thread running as the guest lacks; the /proc magic link resolves to
	 * the inode itself (a symlink is not followed further). */
	char pname[PROC_FD_NAME_LEN];
	proc_fd_name(n.fd, pname);
	r = linkat(pt->proc_fd, pname, dir.fd, newname, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
	creds_leave(&cs);
	if (r == 0) {
		struct stat st;
		r = stat_fd(n.fd, &st, NULL);
		if (r == 0) {
			inode_table_relookup(&pt->inodes, n.i);
			fill_entry(pt, e, dir.i, n.i, &st, newname);
		}
	}
out:
	pt_node_put(pt, &dir);
	pt_node_put(pt, &n);
	return r;
}

static int remove_name(struct pt *pt, uint64_t parent, const char *name, int flags)
{
	if (!pt_name_ok(name))
		return -EINVAL;
	if (is_dot_or_dotdot(name))
		return flags ? -EINVAL : -EISDIR;
	struct pt_node dir;
	int r = pt_node_get(pt, parent, &dir);
	if (r < 0)
		return r;
	r = unlinkat(dir.fd, name, flags) < 0 ? -errno : 0;
	pt_node_put(pt, &dir);
	return r;
}

int pt_unlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	return remove_name(fs, parent, name, 0);
}

int pt_rmdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	return remove_name(fs, parent, name, AT_REMOVEDIR);
}

/* Records remember where they were last found, to find them again once
 * their fd is evicted: tell the table the new names (a host rename is
 * only noticed at the next lookup). */
static void note_one(struct pt *pt, struct pt_node *dir, const char *name)
{
	struct stat st;
	uint64_t mnt_id;
	/* One statx of the name; opening it is for kernels before 5.8. */
	int r = stat_name(dir->fd, name, &st, &mnt_id);
	if (r == -EOPNOTSUPP) {
		int fd = openat(dir->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return;
		r = stat_fd(fd, &st, &mnt_id);
		close(fd);
	}
	if (r == 0) {
		struct inode_key k = { .ino = st.st_ino, .dev = st.st_dev, .mnt_id = mnt_id };
		inode_table_moved(&pt->inodes, &k, dir->i, name);
	}
}

static void note_moved(struct pt *pt, struct pt_node *to, const char *newname,
		       struct pt_node *from, const char *exchanged)
{
	note_one(pt, to, newname);
	if (exchanged)
		note_one(pt, from, exchanged);
}

int pt_rename(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
	      uint64_t newparent, const char *newname, unsigned flags)
{
	struct pt *pt = fs;
	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if (!pt_name_ok(name) || !pt_name_ok(newname))
		return -EINVAL;
	if (is_dot_or_dotdot(name) || is_dot_or_dotdot(newname))
		return -EBUSY;
	struct pt_node from, to = { 0 };
	int r = pt_node_get(pt, parent, &from);
	if (r < 0)
		return r;
	r = pt_node_get(pt, newparent, &to);
	if (r == 0)
		r = renameat2(from.fd, name, to.fd, newname, flags) < 0 ? -errno : 0;
	if (r == 0)
		note_moved(pt, &to, newname, &from, (flags & RENAME_EXCHANGE) ? name : NULL);
	pt_node_put(pt, &to);
	pt_node_put(pt, &from);
	return r;
}
