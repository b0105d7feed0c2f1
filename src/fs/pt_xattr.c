/* SETXATTR, GETXATTR, LISTXATTR, REMOVEXATTR.
 *
 * O_PATH fds do not take f*xattr calls, so the calls take a path: "N",
 * relative to /proc/self/fd, where N is the inode's O_PATH fd.  The (non-l)
 * calls follow that magic link to the file itself, of any type, and no
 * further, without opening it.  The thread's working directory, private to
 * it (unshare(CLONE_FS), as its umask), moves to /proc/self/fd at its first
 * call and stays there; nothing else resolves paths against it.  So a call
 * is one system call; opening the file for an f*xattr call instead took
 * three (an open through procfs, the call, a close), failed on a file with
 * a host lease, and showed the host's inotify watchers an open and a close
 * each time (Linux asks for security.capability before every write to a
 * file when xattrs are on).  A thread that cannot have its own working
 * directory falls back to opening regular files and directories read-only;
 * other types (which must not be opened) then answer EOPNOTSUPP.
 * Without opt.xattr every call answers ENOSYS so the guest stops asking.
 * POSIX ACL names (system.posix_acl_*) pass through when ACLs were agreed;
 * otherwise setting or removing them answers EOPNOTSUPP.
 * With --xattrmap (xattrmap.h) the guest's names are renamed on the way in
 * and the host's list filtered and renamed on the way out; the ACL policy
 * above looks at the guest's name. */
#include "pt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <stdlib.h>

#include "creds.h"
#include "log/log.h"
#include "xattrmap.h"

enum xop { XSET, XGET, XLIST, XREMOVE };

struct xreq {
	enum xop op;
	const char *name;
	void *buf;         /* XGET/XLIST output, XSET input */
	size_t size;
	int flags;
};

static ssize_t on_fd(int fd, const struct xreq *x)
{
	switch (x->op) {
	case XSET:
		return fsetxattr(fd, x->name, x->buf, x->size, x->flags);
	case XGET:
		return fgetxattr(fd, x->name, x->buf, x->size);
	case XLIST:
		return flistxattr(fd, x->buf, x->size);
	case XREMOVE:
	default:
		return fremovexattr(fd, x->name);
	}
}

static ssize_t on_path(const char *p, const struct xreq *x)
{
	switch (x->op) {
	case XSET:
		return setxattr(p, x->name, x->buf, x->size, x->flags);
	case XGET:
		return getxattr(p, x->name, x->buf, x->size);
	case XLIST:
		return listxattr(p, x->buf, x->size);
	case XREMOVE:
	default:
		return removexattr(p, x->name);
	}
}

/* Put the calling thread's working directory in /proc/self/fd (see the
 * top); false when the thread cannot have one of its own. */
static bool cwd_at_proc_fd(struct pt *pt)
{
	static __thread bool there;

	if (!there && creds_private_fs() && fchdir(pt->proc_fd) == 0)
		there = true;
	return there;
}

/* The call on the file behind fd (any fd of it, O_PATH included). */
static ssize_t on_inode(struct pt *pt, int fd, const struct xreq *x)
{
	char name[PROC_FD_NAME_LEN];
	struct stat st;
	ssize_t r;

	proc_fd_name(fd, name);
	if (cwd_at_proc_fd(pt)) {
		r = on_path(name, x);
		return r < 0 ? -errno : r;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return -EOPNOTSUPP;
	int own = openat(pt->proc_fd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
			 (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
	if (own < 0)
		return -errno;
	r = on_fd(own, x);
	if (r < 0)
		r = -errno;
	close(own);
	return r;
}

static ssize_t xattr_call(struct pt *pt, const struct fs_ctx *c, uint64_t nodeid,
			  const struct xreq *x)
{
	if (!pt->opt.xattr)
		return -ENOSYS;
	bool acl = x->name && !strncmp(x->name, "system.posix_acl_", 17);
	if (acl && !pt->posix_acl && (x->op == XSET || x->op == XREMOVE))
		return -EOPNOTSUPP;
	struct pt_node n;
	int err = pt_node_get(pt, nodeid, &n);
	if (err < 0)
		return err;
	/* Setting an access ACL may clear setgid depending on who asks. */
	struct creds_saved cs = { 0 };
	if (acl && x->op == XSET && !strcmp(x->name, "system.posix_acl_access"))
		err = creds_enter(&pt->creds, c, &cs);
	/* The guest's name becomes the host's (x is the caller's: copy). */
	struct xreq mapped = *x;
	char host_name[XATTRMAP_NAME_MAX + 1];
	if (err == 0 && x->name && pt->opt.xattrmap) {
		err = xattrmap_to_host(pt->opt.xattrmap, x->name, host_name);
		/* Reading a refused name answers "no such attribute", as QEMU's
		 * C virtiofsd does: the guest kernel probes names (file
		 * capabilities, ACLs, security labels) on its own and must not
		 * see an error for them. */
		if (err == -EPERM && x->op == XGET)
			err = -ENODATA;
		mapped.name = host_name;
	}
	x = &mapped;
	ssize_t r = err == 0 ? on_inode(pt, n.fd, x) : err;
	creds_leave(&cs);
	pt_node_put(pt, &n);
	return r;
}

int pt_setxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
		const void *value, size_t size, int flags)
{
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	struct xreq x = { .op = XSET, .name = name, .buf = (void *)value, .size = size,
			  .flags = flags };
	ssize_t r = xattr_call(fs, c, nodeid, &x);
	return r < 0 ? (int)r : 0;
}

int pt_getxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name, void *buf,
		size_t size, size_t *len)
{
	struct xreq x = { .op = XGET, .name = name, .buf = size ? buf : NULL, .size = size };
	ssize_t r = xattr_call(fs, c, nodeid, &x);
	if (r < 0)
		return (int)r;
	*len = (size_t)r;
	return 0;
}

/* LISTXATTR under --xattrmap: the host's whole list (whatever the guest's
 * size), then filtered.  The list may grow between the two calls. */
static int list_mapped(struct pt *pt, const struct fs_ctx *c, uint64_t nodeid, char *buf,
		       size_t size, size_t *len)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		struct xreq probe = { .op = XLIST };
		ssize_t need = xattr_call(pt, c, nodeid, &probe);
		if (need < 0)
			return (int)need;
		char *all = malloc((size_t)need + 1);
		if (!all)
			return -ENOMEM;
		struct xreq x = { .op = XLIST, .buf = all, .size = (size_t)need };
		ssize_t got = need ? xattr_call(pt, c, nodeid, &x) : 0;
		if (got == -ERANGE) {
			free(all);
			continue;
		}
		ssize_t r = got < 0 ? got
				    : xattrmap_list_to_guest(pt->opt.xattrmap, all, (size_t)got, buf, size);
		free(all);
		if (r < 0)
			return (int)r;
		*len = (size_t)r;
		return 0;
	}
	return -EAGAIN;
}

int pt_listxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, char *buf, size_t size,
		 size_t *len)
{
	struct pt *pt = fs;
	if (pt->opt.xattr && pt->opt.xattrmap)
		return list_mapped(pt, c, nodeid, buf, size, len);
	struct xreq x = { .op = XLIST, .buf = size ? buf : NULL, .size = size };
	ssize_t r = xattr_call(fs, c, nodeid, &x);
	if (r < 0)
		return (int)r;
	*len = (size_t)r;
	return 0;
}

int pt_drop_mapped_caps(struct pt *pt, const struct pt_node *n, int fd)
{
	const char *name = xattrmap_caps_name(pt->opt.xattrmap);
	if (!name || !pt->opt.xattr)
		return 0;
	int r;
	if (fd >= 0) {
		r = fremovexattr(fd, name) < 0 ? -errno : 0;
	} else {
		if (!n || !S_ISREG(n->i->type))
			return 0; /* file capabilities live on regular files only */
		struct xreq x = { .op = XREMOVE, .name = name };
		r = (int)on_inode(pt, n->fd, &x);
	}
	/* None there, or a filesystem without xattrs: nothing to drop. */
	if (r == -ENODATA || r == -EOPNOTSUPP)
		r = 0;
	if (r < 0)
		log_warn("cannot remove %s on a write/truncate/chown: %s", name, strerror(-r));
	return r;
}

int pt_removexattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name)
{
	struct xreq x = { .op = XREMOVE, .name = name };
	ssize_t r = xattr_call(fs, c, nodeid, &x);
	return r < 0 ? (int)r : 0;
}

int pt_set_label(struct pt *pt, int dirfd, const char *name, int fd, const struct fs_secctx *sc)
{
	struct xreq x = { .op = XSET, .name = sc->name, .buf = (void *)sc->value, .size = sc->size };
	char host_name[XATTRMAP_NAME_MAX + 1];
	if (pt->opt.xattrmap) {
		int err = xattrmap_to_host(pt->opt.xattrmap, sc->name, host_name);
		if (err)
			return err;
		x.name = host_name;
	}
	int own = fd < 0 ? openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC) : -1;
	ssize_t r = fd < 0 && own < 0 ? -errno : 0;
	if (r == 0) {
		/* security.* needs CAP_SYS_ADMIN unless the host's LSM owns
		 * the name (SELinux checks its own relabel permissions). */
		bool raised = creds_sys_admin_raise();
		r = on_inode(pt, fd < 0 ? own : fd, &x);
		if (raised)
			creds_sys_admin_drop();
	}
	if (own >= 0)
		close(own);
	if (r < 0)
		log_warn_ratelimited("security label %s on a new file: %s", x.name,
				     strerror((int)-r));
	return (int)r;
}
