/* Internals shared by the passthrough's pt_*.c files. */
#ifndef FS_PT_H
#define FS_PT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "creds.h"
#include "fs_ops.h"
#include "handles.h"
#include "inode_fd.h"
#include "inode_table.h"
#include "lock_owners.h"
#include "passthrough.h"

struct pt {
	struct passthrough_options opt; /* opt.root points at root_path */
	char *root_path;
	int proc_fd;                    /* /proc/self/fd, O_PATH directory */
	struct inode_table inodes;
	struct handle_table handles;
	struct lock_owners locks;       /* POSIX lock owners' descriptions */
	double timeout;                 /* entry and attr timeouts of the cache mode */
	struct creds_policy creds;      /* ids requests run with (opt.switch_creds, id maps) */
	/* What INIT agreed.  Atomic: the guest may send INIT again on one
	 * queue while requests on the others read them. */
	atomic_bool submounts, writeback, killpriv_v2, posix_acl, posix_locks;
};

/* A node the request works on: a ref on the record and its borrowed fd. */
struct pt_node {
	struct inode *i;
	int fd;
};

/* Resolve nodeid; -EBADF when unknown (see passthrough.c). */
int pt_node_get(struct pt *pt, uint64_t nodeid, struct pt_node *n);
void pt_node_put(struct pt *pt, struct pt_node *n);

/* A single, non-empty path component of at most NAME_MAX bytes. */
bool pt_name_ok(const char *name);

/* Look name up in dir and fill e (one guest lookup on success): one statx
 * where the name is known (LOOKUP, READDIRPLUS, after MKNOD...), else open
 * + statx.  With held != NULL the record is returned with a ref
 * (READDIRPLUS). */
int pt_lookup_at(struct pt *pt, struct pt_node *dir, const char *name, struct fs_entry *e,
		 struct inode **held);
/* Enter the inode an O_PATH fd names into the table (one guest lookup) and
 * fill e; name (may be NULL) is its name in dir.  Takes path_fd.  With
 * held != NULL the record is returned with a ref. */
int pt_enter_fd(struct pt *pt, struct pt_node *dir, const char *name, int path_fd,
		struct fs_entry *e, struct inode **held);

/* The flags a guest open(2) becomes on the host; -errno if refused. */
int pt_open_flags(const struct pt *pt, int guest_flags);
/* FOPEN_* bits for a new handle: of the regular file open as fd, or of a
 * directory (fd -1). */
uint32_t pt_fopen_flags(const struct pt *pt, int fd);
/* Whether closing a file on a filesystem of this statfs f_type can do
 * nothing the guest could notice (FOPEN_NOFLUSH). */
bool pt_close_is_noop_fs(long f_type);

/* Creation mode and the thread umask for it (FUSE_DONT_MASK semantics
 * when POSIX ACLs are agreed). */
mode_t pt_create_mode(const struct pt *pt, mode_t mode, mode_t umask);

/* Clear setuid (and setgid with group-execute) of the regular file fd
 * names, as the kernel does when a writer lacks CAP_FSETID. */
int pt_kill_suidgid(struct pt *pt, int fd);

/* With --xattrmap renaming security.capability, remove the renamed xattr
 * of a regular file where the host kernel would drop the real one (write,
 * truncate, chown): fd is an open fd of the file, or -1 to reach it through
 * n (its record and O_PATH fd). */
int pt_drop_mapped_caps(struct pt *pt, const struct pt_node *n, int fd);

/* FUSE_SECURITY_CTX: give the file just made as dirfd/name (fd: open on it,
 * or -1) the guest's label, under the --xattrmap host name.  -errno when
 * it cannot be set: the caller removes the file. */
int pt_set_label(struct pt *pt, int dirfd, const char *name, int fd, const struct fs_secctx *sc);

/* FLUSH: the guest's lock owner closed a descriptor of nodeid, which ends
 * all its POSIX locks on it. */
void pt_locks_flush(struct pt *pt, uint64_t nodeid, uint64_t owner);

/* Live migration: a directory handle fh on dir (a ref is taken) reading
 * fd, taken on success. */
int pt_dir_handle_restore(struct pt *pt, uint64_t fh, struct inode *dir, int fd);

/* The ops, by file. */
int pt_init(void *fs, struct fs_conn *conn);
void pt_destroy(void *fs);
int pt_save_state(void *fs, int fd);
int pt_load_state(void *fs, int fd);
int pt_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
	      struct fs_entry *e);
void pt_forget(void *fs, uint64_t nodeid, uint64_t nlookup);
int pt_mknod(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
	     const struct fs_create *cr, struct fs_entry *e);
int pt_mkdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
	     const struct fs_create *cr, struct fs_entry *e);
int pt_symlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
	       const char *target, struct fs_entry *e);
int pt_link(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t newparent,
	    const char *newname, struct fs_entry *e);
int pt_unlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name);
int pt_rmdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name);
int pt_rename(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
	      uint64_t newparent, const char *newname, unsigned flags);
int pt_create(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
	      const struct fs_create *cr, struct fs_entry *e, struct fs_open *o);
int pt_tmpfile(void *fs, const struct fs_ctx *c, uint64_t parent, const struct fs_create *cr,
	       struct fs_entry *e, struct fs_open *o);

int pt_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, struct stat *st,
	       double *attr_timeout);
int pt_statx(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, unsigned flags,
	     unsigned mask, struct statx *stx, double *attr_timeout);
int pt_setattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fs_setattr *in,
	       struct stat *st, double *attr_timeout);
int pt_readlink(void *fs, const struct fs_ctx *c, uint64_t nodeid, char *buf, size_t size,
		size_t *len);
int pt_statfs(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct statvfs *st);
int pt_access(void *fs, const struct fs_ctx *c, uint64_t nodeid, int mask);
int pt_syncfs(void *fs, const struct fs_ctx *c, uint64_t nodeid);

int pt_open(void *fs, const struct fs_ctx *c, uint64_t nodeid, int flags, struct fs_open *o);
int pt_read(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
	    size_t size, const struct iovec *iov, int iovcnt, size_t *done);
int pt_write(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
	     const struct iovec *iov, int iovcnt, bool kill_priv, size_t *done);
int pt_flush(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t lock_owner);
int pt_release(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, int flags,
	       uint64_t lock_owner, bool flock_release);
int pt_fsync(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, bool datasync);
int pt_fallocate(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, int mode,
		 off_t off, off_t len);
int pt_lseek(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, off_t off,
	     int whence, off_t *result);
int pt_copy_file_range(void *fs, const struct fs_ctx *c, uint64_t nodein, uint64_t fhin,
		       off_t offin, uint64_t nodeout, uint64_t fhout, off_t offout, size_t len,
		       unsigned flags, size_t *done);
int pt_getlk(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t owner,
	     struct flock *lk);
int pt_setlk(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t owner,
	     const struct flock *lk, bool sleep, bool is_flock);

int pt_opendir(void *fs, const struct fs_ctx *c, uint64_t nodeid, int flags, struct fs_open *o);
int pt_readdir(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, uint64_t off,
	       bool plus, struct fs_dir_sink *sink);
int pt_releasedir(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh);
int pt_fsyncdir(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t fh, bool datasync);

int pt_setxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
		const void *value, size_t size, int flags);
int pt_getxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name, void *buf,
		size_t size, size_t *len);
int pt_listxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, char *buf, size_t size,
		 size_t *len);
int pt_removexattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name);

#endif
