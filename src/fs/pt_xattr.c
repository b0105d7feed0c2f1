/* SETXATTR, GETXATTR, LISTXATTR, REMOVEXATTR.
 *
 * O_PATH fds do not take f*xattr calls.  A regular file or directory is
 * opened read-only through /proc/self/fd for the call.  Any other type (a
 * symlink, FIFO, socket or device node must not be opened) is reached by
 * the path "N" relative to /proc/self/fd: the thread's working directory
 * (made private with unshare(CLONE_FS)) moves there for the call and back
 * after.  The following (non-l) calls are used: the
 * magic link resolves to the node itself, which is not followed further.
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

/* The call on a file of a type that must not be opened (path_fd: O_PATH). */
static ssize_t on_special(struct pt *pt, int path_fd, const struct xreq *x)
{
	if (!creds_private_fs())
		return -EOPNOTSUPP;
	int saved = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char name[PROC_FD_NAME_LEN];
	proc_fd_name(path_fd, name);
	ssize_t r;
	if (fchdir(pt->proc_fd) < 0) {
		r = -errno;
	} else {
		r = on_path(name, x);
		if (r < 0)
			r = -errno;
		/* Back where the thread was (the cwd is private to it and
		 * nothing here resolves paths against it). */
		if (saved < 0 || fchdir(saved) < 0)
			log_debug("xattr: cannot return to the previous cwd");
	}
	if (saved >= 0)
		close(saved);
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
	ssize_t r = err;
	if (err == 0 && (S_ISREG(n.i->type) || S_ISDIR(n.i->type))) {
		int fd = inode_open(pt->proc_fd, n.i,
				    O_RDONLY | O_NONBLOCK | (S_ISDIR(n.i->type) ? O_DIRECTORY : 0));
		if (fd < 0) {
			r = fd;
		} else {
			r = on_fd(fd, x);
			if (r < 0)
				r = -errno;
			close(fd);
		}
	} else if (err == 0) {
		r = on_special(pt, n.fd, x);
	}
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

int pt_drop_mapped_caps(struct pt *pt, struct inode *i, int fd)
{
	const char *name = xattrmap_caps_name(pt->opt.xattrmap);
	if (!name || !pt->opt.xattr)
		return 0;
	int own = -1;
	if (fd < 0) {
		if (!i || !S_ISREG(i->type))
			return 0; /* file capabilities live on regular files only */
		own = fd = inode_open(pt->proc_fd, i, O_RDONLY | O_NONBLOCK);
		if (fd < 0)
			return fd;
	}
	int r = fremovexattr(fd, name) < 0 ? -errno : 0;
	if (own >= 0)
		close(own);
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
	int own = -1;
	ssize_t r = 0;
	if (fd < 0) {
		own = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (own < 0 || fstat(own, &st) < 0) {
			r = -errno;
		} else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
			char pname[PROC_FD_NAME_LEN];
			proc_fd_name(own, pname);
			fd = openat(pt->proc_fd, pname,
				    O_RDONLY | O_NONBLOCK | O_CLOEXEC |
				    (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
			if (fd < 0)
				r = -errno;
		}
	}
	if (r == 0) {
		/* security.* needs CAP_SYS_ADMIN unless the host's LSM owns
		 * the name (SELinux checks its own relabel permissions). */
		bool raised = creds_sys_admin_raise();
		if (fd >= 0)
			r = on_fd(fd, &x) < 0 ? -errno : 0;
		else
			r = on_special(pt, own, &x);
		if (raised)
			creds_sys_admin_drop();
	}
	if (own >= 0) {
		if (fd >= 0)
			close(fd);
		close(own);
	}
	if (r < 0)
		log_warn_ratelimited("security label %s on a new file: %s", x.name,
				     strerror((int)-r));
	return (int)r;
}
