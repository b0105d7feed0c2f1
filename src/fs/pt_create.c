/* CREATE and TMPFILE: make a regular file and open it in one call. */
#include "pt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "creds.h"

/* An O_PATH fd for the file an open fd refers to. */
static int path_fd_of(struct pt *pt, int fd)
{
	char name[PROC_FD_NAME_LEN];
	proc_fd_name(fd, name);
	int r = openat(pt->proc_fd, name, O_PATH | O_CLOEXEC);
	return r < 0 ? -errno : r;
}

/* Record the new open file: the entry (one lookup) and a handle. */
static int finish(struct pt *pt, struct pt_node *dir, const char *name, int fd,
		  struct fs_entry *e, struct fs_open *o)
{
	/* Before the handle owns fd: a guessed fh could close it. */
	uint32_t open_flags = pt_fopen_flags(pt, fd);
	int pfd = path_fd_of(pt, fd);
	int r = pfd < 0 ? pfd : pt_enter_fd(pt, dir, name, pfd, e, NULL);
	if (r == 0) {
		r = handle_new(&pt->handles, HANDLE_FILE, fd, NULL, NULL, &o->fh);
		if (r < 0)
			inode_table_forget(&pt->inodes, e->nodeid, 1);
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	o->open_flags = open_flags;
	return 0;
}

/* CREATE of a name that exists (no O_EXCL): open it like OPEN would, so
 * that an existing FIFO or device is refused instead of opened. */
static int open_existing(struct pt *pt, struct pt_node *dir, const char *name, int flags)
{
	int pfd = openat(dir->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	struct stat st;
	int r = fstat(pfd, &st) < 0 ? -errno : 0;
	if (r == 0 && S_ISDIR(st.st_mode))
		r = -EISDIR;
	else if (r == 0 && S_ISLNK(st.st_mode))
		r = -ELOOP;
	else if (r == 0 && !S_ISREG(st.st_mode))
		r = -ENXIO;
	if (r == 0) {
		char pname[PROC_FD_NAME_LEN];
		proc_fd_name(pfd, pname);
		r = openat(pt->proc_fd, pname, flags | O_CLOEXEC);
		if (r < 0)
			r = -errno;
	}
	close(pfd);
	return r;
}

int pt_create(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
	      const struct fs_create *cr, struct fs_entry *e, struct fs_open *o)
{
	struct pt *pt = fs;
	if (!pt_name_ok(name))
		return -EINVAL;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EISDIR;
	int flags = pt_open_flags(pt, cr->flags);
	if (flags < 0)
		return flags;
	flags &= ~O_DIRECTORY;
	struct pt_node dir;
	int r = pt_node_get(pt, parent, &dir);
	if (r < 0)
		return r;
	struct creds_saved cs;
	r = creds_enter(&pt->creds, c, &cs);
	if (r < 0)
		goto out;
	mode_t mode = pt_create_mode(pt, cr->mode, cr->umask) & 07777;
	int fd = openat(dir.fd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	bool created = fd >= 0;
	if (fd < 0)
		fd = -errno;
	if (fd == -EEXIST && !(cr->flags & O_EXCL))
		fd = open_existing(pt, &dir, name, flags);
	creds_leave(&cs);
	/* A new file gets the guest's label, or does not stay. */
	if (created && c->secctx) {
		r = pt_set_label(pt, dir.fd, name, fd, c->secctx);
		if (r < 0) {
			close(fd);
			unlinkat(dir.fd, name, 0);
			fd = r;
		}
	}
	/* An existing file opened with O_TRUNC was truncated, as on OPEN:
	 * setuid/setgid go if the guest asks (FUSE_OPEN_KILL_SUIDGID, which
	 * Linux sends with O_TRUNC only), renamed file capabilities always.
	 * A new file has neither. */
	if (fd >= 0 && !created && (flags & O_TRUNC)) {
		r = c->kill_suidgid ? pt_kill_suidgid(pt, fd) : 0;
		if (r == 0)
			r = pt_drop_mapped_caps(pt, NULL, fd);
		if (r < 0) {
			close(fd);
			fd = r;
		}
	}
	r = fd < 0 ? fd : finish(pt, &dir, name, fd, e, o);
out:
	pt_node_put(pt, &dir);
	return r;
}

int pt_tmpfile(void *fs, const struct fs_ctx *c, uint64_t parent, const struct fs_create *cr,
	       struct fs_entry *e, struct fs_open *o)
{
	struct pt *pt = fs;
	int flags = pt_open_flags(pt, cr->flags);
	if (flags < 0)
		return flags;
	flags &= ~(O_DIRECTORY | O_TRUNC);
	if ((flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL; /* as open(2): O_TMPFILE needs write access */
	struct pt_node dir;
	int r = pt_node_get(pt, parent, &dir);
	if (r < 0)
		return r;
	/* The new record has no name to be found again by: unless it gets a
	 * file handle, its fd stays open until the guest forgets it, so a
	 * guest that never does must meet the cache's cap, not RLIMIT_NOFILE. */
	if (inode_table_cache_full(&pt->inodes)) {
		r = -ENFILE;
		goto out;
	}
	struct creds_saved cs;
	r = creds_enter(&pt->creds, c, &cs);
	if (r < 0)
		goto out;
	mode_t mode = pt_create_mode(pt, cr->mode, cr->umask) & 07777;
	int fd = openat(dir.fd, ".", flags | O_TMPFILE | O_CLOEXEC, mode);
	if (fd < 0)
		fd = -errno;
	creds_leave(&cs);
	/* Labelled like a CREATE; unnamed, so closing it is all the undoing. */
	if (fd >= 0 && c->secctx) {
		r = pt_set_label(pt, dir.fd, NULL, fd, c->secctx);
		if (r < 0) {
			close(fd);
			fd = r;
		}
	}
	r = fd < 0 ? fd : finish(pt, &dir, NULL, fd, e, o);
out:
	pt_node_put(pt, &dir);
	return r;
}
